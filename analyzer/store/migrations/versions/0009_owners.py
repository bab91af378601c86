"""Every person's rows carry their owner (OIDC issuer:subject, or 'local' for an app without
accounts): positions, watches, alerts and lookups; each owner's settings are kept in one row.
Rows from before accounts belong to the local owner.

Revision ID: 0009_owners
Revises: 0008_books
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_owners"
down_revision = "0008_books"
branch_labels = None
depends_on = None

OWNED = ("positions", "watches", "alerts", "lookups")


def upgrade() -> None:
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("owner", sa.String(255), nullable=False, server_default="local"))
            batch.create_index(f"ix_{table}_owner", ["owner"])
    op.create_table(
        "owner_settings",
        sa.Column("owner", sa.String(255), primary_key=True),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("owner_settings")
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_owner")
            batch.drop_column("owner")
