"""Every snapshot and sale names its book (market, region, listing choice, condition), so two books of
one pair are never mixed, and two books' snapshots of the same moment both store.

Rows from before books were stored are of the default books (Alias global, any listing, new in a
good box; StockX's standard book): nothing else was asked before the region and listing choices were
recorded. The keys are written out here (not imported) so this migration never changes.

Downgrade: the old schema cannot say which book a row is of, so only the default books' rows go back
(keeping the others would mix them again, and could collide on the old unique keys).

Revision ID: 0008_books
Revises: 0007_position_resolved
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_books"
down_revision = "0007_position_resolved"
branch_labels = None
depends_on = None

DEFAULT_BOOK = sa.text("CASE WHEN market = 'alias' THEN 'alias:global:any:new_good_box' "
                       "ELSE market || ':global:any:new' END")
OLD_KEYS = {"snapshots": ["market", "product_id", "size", "at"], "sales": ["market", "product_id", "size", "at", "price"]}
ONCE = {"snapshots": "snapshots_once", "sales": "sales_once"}


def _with_book(columns: list[str]) -> list[str]:
    return [columns[0], "book", *columns[1:]]


def upgrade() -> None:
    op.drop_index("snapshots_product", "snapshots")
    for table, columns in OLD_KEYS.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("book", sa.String(96), nullable=True))
        op.execute(f"UPDATE {table} SET book = {DEFAULT_BOOK.text} WHERE book IS NULL")
        with op.batch_alter_table(table) as batch:
            batch.alter_column("book", existing_type=sa.String(96), nullable=False)
            batch.drop_constraint(ONCE[table], type_="unique")
            batch.create_unique_constraint(ONCE[table], _with_book(columns))
    op.create_index("snapshots_product", "snapshots", ["market", "book", "product_id", "size", "at"])


def downgrade() -> None:
    op.drop_index("snapshots_product", "snapshots")
    for table, columns in OLD_KEYS.items():
        op.execute(f"DELETE FROM {table} WHERE book <> {DEFAULT_BOOK.text}")
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(ONCE[table], type_="unique")
            batch.create_unique_constraint(ONCE[table], columns)
            batch.drop_column("book")
    op.create_index("snapshots_product", "snapshots", ["market", "product_id", "size", "at"])
