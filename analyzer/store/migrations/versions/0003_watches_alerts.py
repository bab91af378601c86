"""Watched pairs with their targets, whether each target is met, and the alerts they fired.

Revision ID: 0003_watches_alerts
Revises: 0002_snapshots_sales
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_watches_alerts"
down_revision = "0002_snapshots_sales"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("size", sa.Float, nullable=False),
        sa.Column("scale", sa.String(4)),
        sa.Column("market", sa.String(32), nullable=False),
        sa.Column("sell_now_above", sa.Float),
        sa.Column("list_above", sa.Float),
        sa.Column("ask_below", sa.Float),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("checked_at", sa.String(40)),
        sa.Column("resolved", sa.Text),
    )
    op.create_table(
        "watch_states",
        sa.Column("watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("target", sa.String(16), primary_key=True),
        sa.Column("met", sa.Boolean, nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("watch_id", sa.Integer, nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("size", sa.Float, nullable=False),
        sa.Column("size_label", sa.String(32)),
        sa.Column("market", sa.String(32), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("delivered_at", sa.String(40)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_alerts_watch_id", "alerts", ["watch_id"])


def downgrade() -> None:
    op.drop_index("ix_alerts_watch_id", "alerts")
    op.drop_table("alerts")
    op.drop_table("watch_states")
    op.drop_table("watches")
