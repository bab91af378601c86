"""Money is stored exact (NUMERIC, never Float), and the 0008 migration keeps every old row."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Float, Numeric, create_engine, inspect, select, text
from sqlalchemy.types import TypeDecorator, TypeEngine

from analyzer.store import db
from analyzer.store.schema import MONEY_COLUMNS, metadata, positions, snapshots

ROWS = {
    "snapshots": "INSERT INTO snapshots (at, market, product_id, style_id, style_key, size, scale, lowest_ask, highest_bid, "
                 "last_sale, sell_faster, earn_more, flex_lowest_ask, currency, source) VALUES "
                 "('2026-11-01T00:00:00+00:00', 'alias', 'p1', 'DD1391-100', 'DD1391100', 10, 'M', 120.5, 35, 99.99, "
                 "NULL, NULL, NULL, 'USD', 'sandbox')",
    "sales": "INSERT INTO sales (at, market, product_id, style_key, size, scale, price, consigned, currency, source) VALUES "
             "('2026-11-01T00:00:00+00:00', 'alias', 'p1', 'DD1391100', 10, 'M', 264, NULL, 'USD', 'sandbox')",
    "watches": "INSERT INTO watches (id, query, size, scale, market, sell_now_above, list_above, ask_below, created_at) VALUES "
               "(1, 'DD1391-100', 10, 'M', 'any', 19.43, NULL, 150.25, '2026-11-01T00:00:00+00:00')",
    "watch_states": "INSERT INTO watch_states (watch_id, target, met, value, at) VALUES "
                    "(1, 'sell_now_above', TRUE, 25.9, '2026-11-01T00:00:00+00:00')",
    "alerts": "INSERT INTO alerts (watch_id, query, size, size_label, market, target, threshold, value, currency, at, attempts) "
              "VALUES (1, 'DD1391-100', 10, '10', 'alias', 'sell_now_above', 19.43, 25.9, 'USD', '2026-11-01T00:00:00+00:00', 0)",
    "positions": "INSERT INTO positions (query, size, scale, quantity, cost, currency, created_at, sold_at, sold_market, "
                 "sold_price, sold_payout) VALUES ('DD1391-100', 10, 'M', 1, 100, 'EUR', '2026-11-01T00:00:00+00:00', "
                 "'2026-11-02T12:00:00+00:00', 'alias', 280, 236.59)",
}


def stored_type(column_type: TypeEngine[object]) -> TypeEngine[object]:
    """What the database holds: a TypeDecorator's impl, else the type itself."""
    return column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type


def test_no_money_column_is_a_float() -> None:
    for table, columns in MONEY_COLUMNS.items():
        for name in columns:
            column_type = stored_type(metadata.tables[table].c[name].type)
            assert isinstance(column_type, Numeric) and not isinstance(column_type, Float), f"{table}.{name}"
            assert column_type.scale == 2 and column_type.precision == 14, f"{table}.{name}"


def test_every_amount_like_column_is_listed_as_money() -> None:
    """A new price column cannot slip in as a Float: Float is kept only for sizes, times and durations."""
    allowed_floats = {"size", "ts", "elapsed_s"}
    for table in metadata.tables.values():
        for column in table.columns:
            if isinstance(stored_type(column.type), Float):
                assert column.name in allowed_floats, f"{table.name}.{column.name} is a Float"


def _values(url: str) -> dict[str, list[tuple[object, ...]]]:
    """The money columns' values, of the columns 0009 retyped (a money column added later, such as
    0012's sold_shipping, is not in a 0007 database to compare)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {table: [tuple(Decimal(str(v)) if isinstance(v, float | Decimal) else v for v in row)
                            for row in conn.execute(text(f"SELECT {', '.join(cols)} FROM {table}"))]
                    for table, cols in RETYPED_BY_0009.items()}
    finally:
        engine.dispose()


RETYPED_BY_0009 = {table: tuple(c for c in cols if c != "sold_shipping") for table, cols in MONEY_COLUMNS.items()}


def test_upgrading_a_0007_database_keeps_its_rows(db_url: str) -> None:
    # The store's own SQLite engine: foreign keys on, as every real upgrade runs.
    engine = db._sqlite_engine(db_url) if db_url.startswith("sqlite") else create_engine(db_url)
    try:
        db.migrate(engine, "0007_position_resolved")
        with engine.begin() as conn:
            for statement in ROWS.values():
                conn.execute(text(statement))
        before = _values(db_url)
        db.migrate(engine)
        inspector = inspect(engine)
        for table, columns in MONEY_COLUMNS.items():  # every money column, 0012's too, is NUMERIC at head
            types = {c["name"]: c["type"] for c in inspector.get_columns(table)}
            for name in columns:
                assert isinstance(types[name], Numeric) and not isinstance(types[name], Float), f"{table}.{name}"
        assert {i["name"] for i in inspector.get_indexes("snapshots")} >= {"snapshots_pair", "snapshots_product"}
        after = _values(db_url)
        assert after == before
        assert after["watch_states"] == [(Decimal("25.9"),)]  # not lost to the cascade when watches is copied
        assert after["positions"] == [(Decimal("100"), Decimal("280"), Decimal("236.59"))]
        with engine.connect() as conn:  # read through the schema: floats for market data, Decimal for positions
            assert conn.execute(select(snapshots.c.lowest_ask, snapshots.c.highest_bid)).one() == (120.5, 35.0)
            assert isinstance(conn.execute(select(snapshots.c.highest_bid)).scalar(), float)
            assert conn.execute(select(positions.c.cost)).scalar() == Decimal("100.00")
        db.migrate(engine, "down:0008_books")  # back down past 0009_money_numeric: rows still there
        assert _values(db_url) == before
    finally:
        engine.dispose()
