"""A sale keeps what the books need: the shipping the seller paid (optional) and the fee lines its
payout was worked out with (JSON), so the accountant's export lists them as they were that day.
Sales recorded before have neither: the export shows their fees as one line, price minus payout.
A recorded lookup keeps its size as labelled ('US W 8'), so Performance does not show a women's 8 as "8".

Revision ID: 0012_sale_shipping
Revises: 0011_owners
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_sale_shipping"
down_revision = "0011_owners"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.add_column(sa.Column("sold_shipping", sa.Numeric(14, 2)))
        batch.add_column(sa.Column("sold_fees", sa.Text))
    with op.batch_alter_table("lookups") as batch:
        batch.add_column(sa.Column("size_label", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("lookups") as batch:
        batch.drop_column("size_label")
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("sold_fees")
        batch.drop_column("sold_shipping")
