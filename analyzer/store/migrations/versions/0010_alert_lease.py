"""Alerts delivered effectively once: a delivery lease (one worker sends an alert at a time), and a
per-alert back-off (a failing alert waits on its own, never blocking the others).

Revision ID: 0010_alert_lease
Revises: 0009_money_numeric
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_alert_lease"
down_revision = "0009_money_numeric"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("lease_until", sa.String(40)))
        batch.add_column(sa.Column("next_attempt_at", sa.String(40)))
        batch.add_column(sa.Column("failures", sa.Integer, nullable=False, server_default="0"))
        batch.create_index("alerts_due", ["delivered_at", "next_attempt_at"])


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("alerts_due")
        batch.drop_column("failures")
        batch.drop_column("next_attempt_at")
        batch.drop_column("lease_until")
