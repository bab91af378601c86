"""The portfolio: pairs held (cost per pair, quantity) and, once sold, where and for what.

Revision ID: 0004_positions
Revises: 0003_watches_alerts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_positions"
down_revision = "0003_watches_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "positions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("size", sa.Float, nullable=False),
        sa.Column("scale", sa.String(4)),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("cost", sa.Float, nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("bought_at", sa.String(40)),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("sold_at", sa.String(40)),
        sa.Column("sold_market", sa.String(32)),
        sa.Column("sold_price", sa.Float),
        sa.Column("sold_payout", sa.Float),
    )


def downgrade() -> None:
    op.drop_table("positions")
