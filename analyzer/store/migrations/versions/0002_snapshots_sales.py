"""Snapshots of every size fetched from the network, and Alias's recent sales, each once.

Revision ID: 0002_snapshots_sales
Revises: 0001_metrics
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_snapshots_sales"
down_revision = "0001_metrics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("market", sa.String(32), nullable=False),
        sa.Column("product_id", sa.String(128), nullable=False),
        sa.Column("style_id", sa.String(128)),
        sa.Column("style_key", sa.String(128)),
        sa.Column("size", sa.Float, nullable=False),
        sa.Column("scale", sa.String(4)),
        sa.Column("lowest_ask", sa.Float),
        sa.Column("highest_bid", sa.Float),
        sa.Column("last_sale", sa.Float),
        sa.Column("sell_faster", sa.Float),
        sa.Column("earn_more", sa.Float),
        sa.Column("flex_lowest_ask", sa.Float),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.UniqueConstraint("market", "product_id", "size", "at", name="snapshots_once"),
    )
    op.create_index("snapshots_pair", "snapshots", ["style_key", "size", "at"])
    op.create_index("snapshots_product", "snapshots", ["market", "product_id", "size", "at"])
    op.create_table(
        "sales",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("market", sa.String(32), nullable=False),
        sa.Column("product_id", sa.String(128), nullable=False),
        sa.Column("style_key", sa.String(128)),
        sa.Column("size", sa.Float, nullable=False),
        sa.Column("scale", sa.String(4)),
        sa.Column("price", sa.Float, nullable=False),
        sa.Column("consigned", sa.Boolean),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.UniqueConstraint("market", "product_id", "size", "at", "price", name="sales_once"),
    )
    op.create_index("sales_pair", "sales", ["style_key", "size", "at"])


def downgrade() -> None:
    op.drop_index("sales_pair", "sales")
    op.drop_table("sales")
    op.drop_index("snapshots_product", "snapshots")
    op.drop_index("snapshots_pair", "snapshots")
    op.drop_table("snapshots")
