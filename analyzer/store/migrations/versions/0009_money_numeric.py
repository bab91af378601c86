"""Money is stored exact: every amount column becomes NUMERIC(14, 2) instead of a binary float.

Every row is kept. On SQLite the batch copy recreates each table; dropping the old `watches` would
cascade to `watch_states` (foreign keys are on), so those rows are put back after the copy.

Revision ID: 0009_money_numeric
Revises: 0008_books
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_money_numeric"
down_revision = "0008_books"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)
COLUMNS: dict[str, tuple[tuple[str, bool], ...]] = {  # table: (column, nullable)
    "snapshots": (("lowest_ask", True), ("highest_bid", True), ("last_sale", True), ("sell_faster", True),
                  ("earn_more", True), ("flex_lowest_ask", True)),
    "sales": (("price", False),),
    "watches": (("sell_now_above", True), ("list_above", True), ("ask_below", True)),
    "watch_states": (("value", True),),
    "alerts": (("threshold", False), ("value", False)),
    "positions": (("cost", False), ("sold_price", True), ("sold_payout", True)),
}


def _retype(old: sa.types.TypeEngine, new: sa.types.TypeEngine, cast: str) -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    kept = bind.execute(sa.text("SELECT * FROM watch_states")).mappings().all() if sqlite else []
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name, nullable in columns:
                batch.alter_column(name, existing_type=old, type_=new, existing_nullable=nullable,
                                   postgresql_using=f"{name}::{cast}")
    if sqlite and kept:
        bind.execute(sa.text("DELETE FROM watch_states"))
        bind.execute(sa.text("INSERT INTO watch_states (watch_id, target, met, value, at) "
                             "VALUES (:watch_id, :target, :met, :value, :at)"), [dict(r) for r in kept])


def upgrade() -> None:
    _retype(sa.Float(), MONEY, "numeric(14, 2)")


def downgrade() -> None:
    _retype(MONEY, sa.Float(), "double precision")
