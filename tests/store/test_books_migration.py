"""Migration 0008_books: a 0007 database with snapshots and sales keeps every row, each of its market's
default book; the unique keys hold the book; the downgrade gives the default books' rows back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, inspect, text

from analyzer.domain.books import default_book
from analyzer.store import db

BEFORE = "0007_position_resolved"
AFTER = "0008_books"
SNAPSHOT = ("INSERT INTO snapshots (at, market, product_id, style_id, style_key, size, scale, lowest_ask, highest_bid, "
            "last_sale, currency, source) VALUES (:at, :market, :product, 'CP9654', 'CP9654', 10.0, 'M', :ask, :bid, NULL, "
            "'USD', 'sandbox')")
SALE = ("INSERT INTO sales (at, market, product_id, style_key, size, scale, price, consigned, currency, source) "
        "VALUES (:at, 'alias', 'cat-1', 'CP9654', 10.0, 'M', :price, :consigned, 'USD', 'sandbox')")
OLD_SNAPSHOTS = [{"at": f"2026-11-{day:02d}T12:00:00+00:00", "market": market, "product": product, "ask": ask, "bid": ask - 90}
                 for day in (20, 27) for market, product, ask in (("stockx", "uuid-1", 515.0), ("alias", "cat-1", 529.0 + day))]
OLD_SALES = [{"at": f"2026-11-2{i}T08:00:00+00:00", "price": 500.0 + i, "consigned": i % 2 == 0} for i in range(5)]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    # An engine at revision 0007, not through db.engine_for (that one migrates to the head on open).
    made = db._sqlite_engine(db_url) if db_url.startswith("sqlite") else create_engine(db_url)
    yield made
    made.dispose()


def table_rows(engine: Engine, table: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


def without(rows: list[dict[str, object]], column: str) -> list[dict[str, object]]:
    return [{k: v for k, v in r.items() if k != column} for r in rows]


def test_an_old_store_keeps_every_row_in_the_default_books(engine: Engine) -> None:
    db.migrate(engine, BEFORE)
    with db.writing(engine) as conn:
        conn.execute(text(SNAPSHOT), OLD_SNAPSHOTS)
        conn.execute(text(SALE), OLD_SALES)
    before = {t: table_rows(engine, t) for t in ("snapshots", "sales")}
    assert len(before["snapshots"]) == 4 and len(before["sales"]) == 5

    db.migrate(engine, AFTER)
    with engine.connect() as conn:
        assert db.current_revision(conn) == AFTER
    after = {t: table_rows(engine, t) for t in ("snapshots", "sales")}
    for table in ("snapshots", "sales"):
        assert without(after[table], "book") == before[table], table  # every row, every value, the same ids
    assert {(r["market"], r["book"]) for r in after["snapshots"]} == {
        ("stockx", default_book("stockx").key), ("alias", default_book("alias").key)}
    assert {r["book"] for r in after["sales"]} == {"alias:global:any:new_good_box"}

    inspector = inspect(engine)
    unique = {u["name"]: u["column_names"] for t in ("snapshots", "sales") for u in inspector.get_unique_constraints(t)}
    assert unique == {"snapshots_once": ["market", "book", "product_id", "size", "at"],
                      "sales_once": ["market", "book", "product_id", "size", "at", "price"]}
    assert not next(c for c in inspector.get_columns("snapshots") if c["name"] == "book")["nullable"]

    # The same moment in another book now stores; in the same book it is still refused.
    europe = ("INSERT INTO snapshots (at, market, book, product_id, size, currency, source) "
              "VALUES (:at, 'alias', :book, 'cat-1', 10.0, 'USD', 'sandbox')")
    with db.writing(engine) as conn:
        conn.execute(text(europe), {"at": OLD_SNAPSHOTS[1]["at"], "book": "alias:eu:true:new_good_box"})
    with pytest.raises(Exception, match=r"(?i)unique"), db.writing(engine) as conn:
        conn.execute(text(europe), {"at": OLD_SNAPSHOTS[1]["at"], "book": "alias:global:any:new_good_box"})

    db.migrate(engine, f"down:{BEFORE}")  # down again: the old rows come back as they were; the European one cannot be told apart
    assert table_rows(engine, "snapshots") == before["snapshots"]
    assert table_rows(engine, "sales") == before["sales"]
    assert "book" not in {c["name"] for c in inspect(engine).get_columns("snapshots")}
