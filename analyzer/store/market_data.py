"""Snapshots (one row per size of a size run fetched from the network) and sales, each stored once.

Every row names its book (analyzer.domain.books); every reader here reads one book per market, the one it
is given (a market not given: its default book), never a mix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, desc, select
from sqlalchemy.dialects import postgresql, sqlite

from analyzer.domain.books import DEFAULT_CONDITIONS, Book, book_of, default_book
from analyzer.domain.models import LookupResult, Quote
from analyzer.domain.times import parse_time
from analyzer.store.schema import sales, snapshots

PRICE_FIELDS = ("lowest_ask", "highest_bid", "last_sale", "sell_faster", "earn_more", "flex_lowest_ask")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def iso_ago(seconds: float) -> str:
    """The moment `seconds` ago; any span past a century (infinity too) is the start of time."""
    if seconds > 100 * 365 * 86400:
        return "0000"
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="seconds")


def style_key(style_id: str | None) -> str | None:
    """One key for a style ID however a market writes it: "dd1391 100" and "DD1391-100" match."""
    if not style_id:
        return None
    return re.sub(r"[^A-Z0-9]", "", style_id.split("/")[0].upper()) or None


def normalise_time(value: object) -> str:
    """ISO 8601 UTC to the second, whatever offset or precision the answer used."""
    moment = parse_time(value) if not isinstance(value, datetime) else value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def is_fresh(quote: Quote) -> bool:
    """Whether the quote's market data came from the network (not the cache)."""
    return quote.fresh


def rows_from_result(result: LookupResult, at: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The snapshot and sale rows a lookup result holds: pure, so the recorder's writes are easy to test."""
    snaps: list[dict[str, Any]] = []
    sold: list[dict[str, Any]] = []
    for market, quote in result.quotes.items():
        product = quote.product
        if product is None or not quote.sizes or not is_fresh(quote):
            continue
        when = normalise_time(quote.quoted_at or at or now_iso())
        scale = quote.scale
        currency = quote.currency or "USD"
        key = style_key(quote.style_id or product.style_id)
        book_key = (quote.book or default_book(market)).key
        for book in quote.sizes:
            row = {"at": when, "market": market, "book": book_key, "product_id": str(product.product_id), "style_id": quote.style_id,
                   "style_key": key, "size": float(book.size), "scale": book.scale or scale,
                   "currency": currency, "source": result.source}
            row.update({name: _number(getattr(book, name)) for name in PRICE_FIELDS})
            snaps.append(row)
        size = quote.size
        for sale in quote.recent_sales:
            if size is None or sale.price is None:
                continue
            sold.append({"at": normalise_time(sale.at), "market": market, "book": book_key, "product_id": str(product.product_id),
                         "style_key": key, "size": float(size), "scale": scale, "price": float(sale.price),
                         "consigned": sale.consigned, "currency": currency, "source": result.source})
    return snaps, sold


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def insert_once(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping any its unique key already holds (a repeat is not an error)."""
    if not rows:
        return
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    conn.execute(dialect.insert(table).on_conflict_do_nothing(), list(rows))


def write_result(conn: Connection, result: Any) -> tuple[int, int]:
    snaps, sold = rows_from_result(result)
    insert_once(conn, snapshots, snaps)
    insert_once(conn, sales, sold)
    return len(snaps), len(sold)


@dataclass(frozen=True)
class Snapshot:
    at: str
    market: str
    product_id: str
    style_id: str | None
    size: float
    scale: str | None
    lowest_ask: float | None
    highest_bid: float | None
    last_sale: float | None
    sell_faster: float | None
    earn_more: float | None
    flex_lowest_ask: float | None
    currency: str
    source: str
    book: str = ""


@dataclass(frozen=True)
class StoredSale:
    at: str
    market: str
    price: float
    consigned: bool | None
    currency: str
    book: str = ""


def _snapshot(row: Any) -> Snapshot:
    m = row._mapping
    return Snapshot(**{name: m[name] for name in Snapshot.__dataclass_fields__})


def books_to_read(books: Mapping[str, Book] | None) -> dict[str, Book]:
    """Every known market's book: the one given, else its default."""
    given = dict(books or {})
    return {m: book_of(m, given) for m in [*DEFAULT_CONDITIONS, *given]}


def book_filter(table: Table, books: Mapping[str, Book] | None, market: str | None = None) -> Any:
    """Rows of one book per market: of `market` only when given, else of every known market."""
    if market is not None:
        return table.c.book == book_of(market, books).key
    return table.c.book.in_(sorted(b.key for b in books_to_read(books).values()))


def pair_filter(table: Table, key: str | None, size: float, scale: str | None, market: str | None = None,
                product_id: str | None = None, books: Mapping[str, Book] | None = None) -> Any:
    """Rows of one pair in one book per market: by market product when known, else by style key; a
    scale of None matches any. `books` None reads every market's default book."""
    clauses = [table.c.size == float(size), book_filter(table, books, market)]
    if product_id is not None:
        clauses.append(table.c.product_id == product_id)
    else:
        clauses.append(table.c.style_key == key)
    if market is not None:
        clauses.append(table.c.market == market)
    if scale is not None:
        clauses.append((table.c.scale == scale) | table.c.scale.is_(None))
    return and_(*clauses)


def select_snapshots(conn: Connection, where: Any, since: str | None = None) -> list[Snapshot]:
    query = select(snapshots).where(where)
    if since is not None:
        query = query.where(snapshots.c.at >= since)
    return [_snapshot(r) for r in conn.execute(query.order_by(snapshots.c.at, snapshots.c.market))]


def select_sales(conn: Connection, where: Any, since: str | None = None) -> list[StoredSale]:
    query = select(sales).where(where)
    if since is not None:
        query = query.where(sales.c.at >= since)
    return [StoredSale(r.at, r.market, r.price, r.consigned, r.currency, r.book)
            for r in conn.execute(query.order_by(sales.c.at, sales.c.market))]


def latest_snapshots(conn: Connection, pairs: Iterable[tuple[str, str, float]], younger_than_s: float,
                     books: Mapping[str, Book] | None = None) -> dict[str, Snapshot]:
    """Per market, the newest snapshot of (market, product_id, size) in that market's book (`books`, else
    its default) taken within the last `younger_than_s`."""
    since = iso_ago(younger_than_s)
    found: dict[str, Snapshot] = {}
    for market, product_id, size in pairs:
        row = conn.execute(select(snapshots).where(pair_filter(snapshots, None, size, None, market, product_id, books))
                           .where(snapshots.c.at >= since).order_by(desc(snapshots.c.at)).limit(1)).first()
        if row is not None:
            found[market] = _snapshot(row)
    return found


def count_rows(conn: Connection, table: Table) -> int:
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
