"""A pair's price history from the stored snapshots and sales, and its change over N days (pure).

A history reads one book per market (analyzer.domain.books) and says which: two books of one pair (Alias's
global asks and its European consigned asks) are never one series, one chart or one change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from analyzer.domain.books import Book, default_book, describe
from analyzer.domain.money import dec, rounded
from analyzer.domain.times import parse_time
from analyzer.store.market_data import (
    StoredSale,
    books_to_read,
    iso_ago,
    pair_filter,
    select_sales,
    select_snapshots,
    style_key,
)
from analyzer.store.schema import sales, snapshots

CHANGE_FIELDS = ("lowest_ask", "highest_bid")


def label_of(size: float, scale: str | None) -> str:
    try:
        from analyzer.domain.validation import size_label  # type: ignore[attr-defined]

        return str(size_label(size, scale))
    except (ImportError, TypeError):  # before the lead's size labels land
        return f"US {scale + ' ' if scale else ''}{size:g}"


@dataclass(frozen=True)
class HistoryPoint:
    at: str
    market: str
    lowest_ask: float | None
    highest_bid: float | None
    last_sale: float | None
    currency: str
    book: str | None = None  # its book's key; None: the market's only book (points built by hand)


@dataclass
class History:
    query: str
    size: float
    size_label: str
    points: list[HistoryPoint] = field(default_factory=list)
    sales: list[StoredSale] = field(default_factory=list)
    books: dict[str, Book] = field(default_factory=dict)
    """Per market, the book its points and sales are of."""

    def change(self, days: int, now: datetime | None = None) -> dict[str, dict[str, dict[str, float | None] | None]]:
        return change(self.points, days, now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "size": self.size,
            "size_label": self.size_label,
            "points": [asdict(p) for p in self.points],
            "sales": [{"at": s.at, "market": s.market, "price": s.price, "consigned": s.consigned, "currency": s.currency}
                      for s in self.sales],
            "book": {market: {**book.to_dict(), "label": describe(book)} for market, book in self.books.items()},
        }


def _parse(at: str) -> datetime:
    return parse_time(at)


def change(points: Sequence[HistoryPoint], days: int, now: datetime | None = None) -> dict[str, dict[str, dict[str, float | None] | None]]:
    """Per market and per price (lowest ask, highest bid): the newest value against the value `days` ago.

    The value `days` ago is the last point at or before then, else the oldest point in the window;
    None when the market has fewer than two points with that price. Points of another book than the
    market's newest point are left out: a change is never from one book to another.
    """
    now = now or datetime.now(UTC)
    start = now - timedelta(days=days)
    out: dict[str, dict[str, dict[str, float | None] | None]] = {}
    for market in sorted({p.market for p in points}):
        ordered = sorted((p for p in points if p.market == market), key=lambda p: p.at)
        ordered = [p for p in ordered if p.book == ordered[-1].book]
        out[market] = {}
        for name in CHANGE_FIELDS:
            priced = [p for p in ordered if getattr(p, name) is not None and _parse(p.at) <= now]
            before = [p for p in priced if _parse(p.at) <= start]
            window = [p for p in priced if _parse(p.at) > start]
            first = before[-1] if before else (window[0] if window else None)
            last = priced[-1] if priced else None
            if first is None or last is None or first is last:
                out[market][name] = None
                continue
            old, new = dec(getattr(first, name)), dec(getattr(last, name))  # exact: one market, one currency
            out[market][name] = {"from": float(old), "to": float(new), "change": float(rounded(new - old)),
                                 "pct": float(round((new - old) / old, 4)) if old else None, "since": first.at}
    return out


def _points(rows: Sequence[Any]) -> list[HistoryPoint]:
    return [HistoryPoint(r.at, r.market, r.lowest_ask, r.highest_bid, r.last_sale, r.currency, r.book or None) for r in rows]


def history(where: Any, style_id: str, size: float, scale: str | None = None, days: int = 30,
            query: str | None = None, books: Mapping[str, Book] | None = None) -> History:
    """The stored points and sales of one pair (by style ID, any market) in one book per market, oldest first.

    `where`: Settings, a Store, a data dir or a database URL. `size` is in the shoe's own scale.
    `books`: per market the book to read (a market not given: its default book).
    """
    from analyzer.store import Store

    store = Store.open(where)
    key, since = style_key(style_id), iso_ago(days * 86400)
    with store.read() as conn:
        points = _points(select_snapshots(conn, pair_filter(snapshots, key, size, scale, books=books), since))
        sold = select_sales(conn, pair_filter(sales, key, size, scale, books=books), since)
    shown = books_to_read(books)
    read = {p.market for p in points} | {s.market for s in sold} | set(books or {})
    return History(query or style_id, float(size), label_of(float(size), scale), points, sold,
                   {m: shown[m] for m in sorted(read)})


def history_for_result(where: Any, result: Any, days: int = 30, books: Mapping[str, Book] | None = None) -> History:
    """The history of the pair a lookup result matched: per market its own product and size, in one book.

    `books`: per market the book to read (the user's current choice); a market not given reads the
    book its quote came from, else its default.
    """
    from analyzer.store import Store

    store = Store.open(where)
    since = iso_ago(days * 86400)
    points: list[HistoryPoint] = []
    sold: list[StoredSale] = []
    read: dict[str, Book] = {}
    with store.read() as conn:
        for market, quote in result.quotes.items():
            book = (books or {}).get(market) or quote.book or default_book(market)
            read[market] = book
            product, size = quote.product, quote.size
            if product is None or size is None:
                continue
            only = {market: book}
            snaps = pair_filter(snapshots, None, size, None, market, str(product.product_id), only)
            points.extend(_points(select_snapshots(conn, snaps, since)))
            sold.extend(select_sales(conn, pair_filter(sales, None, size, None, market, str(product.product_id), only), since))
    points.sort(key=lambda p: (p.at, p.market))
    sold.sort(key=lambda s: (s.at, s.market))
    # The size the points are of: the shoe's own (an asked 8W is a men's 6.5 on a men's shoe), as the lookup labels it.
    matched = next((q for q in result.quotes.values() if q.ok and q.size is not None), None)
    size = float(matched.size if matched and matched.size is not None else result.size)
    scale = matched.scale if matched else None
    label = (matched.size_label if matched else None) or result.size_label or label_of(size, scale)
    return History(result.query, size, label, points, sold, read)
