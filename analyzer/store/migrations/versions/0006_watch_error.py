"""A watch keeps the problem of its last check (pair not found, market down) for the page to show.

Revision ID: 0006_watch_error
Revises: 0005_position_style
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_watch_error"
down_revision = "0005_position_style"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("last_error", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.drop_column("last_error")
