"""Every person's rows carry their owner (OIDC issuer:subject, or 'local' for an app without
accounts): positions, watches, alerts and lookups; each owner's settings are kept in one row.
Rows from before accounts belong to the local owner.

Revision ID: 0011_owners
Revises: 0010_alert_lease
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0011_owners"
down_revision = "0010_alert_lease"
branch_labels = None
depends_on = None

OWNED = ("positions", "watches", "alerts", "lookups")


def _keeping_watch_states(change: Callable[[], None]) -> None:
    """Run `change`; on SQLite a batch copy of `watches` drops the old table, which cascades to
    `watch_states` (foreign keys are on): those rows are put back after it."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    kept = bind.execute(sa.text("SELECT * FROM watch_states")).mappings().all() if sqlite else []
    change()
    if kept:
        bind.execute(sa.text("DELETE FROM watch_states"))
        bind.execute(sa.text("INSERT INTO watch_states (watch_id, target, met, value, at) "
                             "VALUES (:watch_id, :target, :met, :value, :at)"), [dict(r) for r in kept])


def _add_owners() -> None:
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("owner", sa.String(255), nullable=False, server_default="local"))
            batch.create_index(f"ix_{table}_owner", ["owner"])


def _drop_owners() -> None:
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_owner")
            batch.drop_column("owner")


def upgrade() -> None:
    _keeping_watch_states(_add_owners)
    op.create_table(
        "owner_settings",
        sa.Column("owner", sa.String(255), primary_key=True),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("owner_settings")
    _keeping_watch_states(_drop_owners)
