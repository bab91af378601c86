"""Metrics: one row per lookup, one per market in it (moved here from metrics.sqlite).

Revision ID: 0001_metrics
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_metrics"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lookups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("size", sa.Float, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("success", sa.Integer, nullable=False),
        sa.Column("elapsed_s", sa.Float, nullable=False),
        sa.Column("legacy_id", sa.Integer, nullable=True, unique=True),
    )
    op.create_table(
        "market_calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lookup_id", sa.Integer, sa.ForeignKey("lookups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("market", sa.String(32), nullable=False),
        sa.Column("ok", sa.Integer, nullable=False),
        sa.Column("elapsed_s", sa.Float, nullable=False),
        sa.Column("calls", sa.Integer, nullable=False),
        sa.Column("cache_hits", sa.Integer, nullable=False),
        sa.Column("rate_limited", sa.Integer, nullable=False),
        sa.Column("retries", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("error_kind", sa.String(32)),
    )
    op.create_index("ix_market_calls_lookup_id", "market_calls", ["lookup_id"])


def downgrade() -> None:
    op.drop_index("ix_market_calls_lookup_id", "market_calls")
    op.drop_table("market_calls")
    op.drop_table("lookups")
