"""Positions remember the style ID their last valuation matched, so fresh snapshots can value them.

Revision ID: 0005_position_style
Revises: 0004_positions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_position_style"
down_revision = "0004_positions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.add_column(sa.Column("style_key", sa.String(128)))


def downgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("style_key")
