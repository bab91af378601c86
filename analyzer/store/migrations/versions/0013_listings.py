"""Listings on the markets per owner, the writes not yet confirmed (recorded before each request),
and the audit log of every change sent.

Revision ID: 0013_listings
Revises: 0011_owners
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_listings"
down_revision = "0012_sale_shipping"
branch_labels = None
depends_on = None


def _money() -> sa.Numeric:
    return sa.Numeric(14, 2)


def upgrade() -> None:
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(255), nullable=False, index=True),
        sa.Column("market", sa.String(32), nullable=False),
        sa.Column("market_listing_id", sa.String(128)),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("product_id", sa.String(128), nullable=False),
        sa.Column("variant_id", sa.String(128)),
        sa.Column("size", sa.Float, nullable=False),
        sa.Column("size_label", sa.String(32)),
        sa.Column("book", sa.String(96), nullable=False),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("minimum", _money()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("position_id", sa.Integer),
        sa.Column("rule", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("synced_at", sa.String(40)),
        sa.UniqueConstraint("market", "market_listing_id", name="listings_market_id"),
    )
    op.create_table(
        "listing_ops",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(255), nullable=False, index=True),
        sa.Column("listing_id", sa.Integer, sa.ForeignKey("listings.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", _money()),
        sa.Column("currency", sa.String(8)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("market_operation_id", sa.String(128)),
        sa.Column("rule", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("answer", sa.Text),
        sa.Index("listing_ops_open", "status", "owner"),
    )
    op.create_table(
        "listing_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(255), nullable=False, index=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("who", sa.String(255), nullable=False),
        sa.Column("market", sa.String(32), nullable=False),
        sa.Column("listing_id", sa.Integer, nullable=False, index=True),
        sa.Column("market_listing_id", sa.String(128)),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("old_amount", _money()),
        sa.Column("new_amount", _money()),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("rule", sa.Text),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("listing_log")
    op.drop_table("listing_ops")
    op.drop_table("listings")
