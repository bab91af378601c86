"""Positions remember, per market, the product and own-scale size their last valuation matched
(as watches do), so a converted size (8W of a men's shoe) is valued from fresh snapshots too.

Revision ID: 0007_position_resolved
Revises: 0006_watch_error
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_position_resolved"
down_revision = "0006_watch_error"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.add_column(sa.Column("resolved", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("resolved")
