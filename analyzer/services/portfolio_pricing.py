"""How the portfolio prices one pair (the positions of one query and size): from fresh stored
snapshots of the books it reads, else by a lookup whose match is remembered on the positions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.domain.answer import Recommendation
from analyzer.domain.books import Book
from analyzer.domain.matching import looks_like_style_id
from analyzer.domain.models import Quote
from analyzer.services.watch import price_quotes, resolved_of, stored_quotes
from analyzer.store import Store, positions_repo
from analyzer.store.history import label_of
from analyzer.store.market_data import iso_ago, style_key
from analyzer.store.positions_repo import Position

PairPrice = tuple[Recommendation | None, str | None, str | None, bool, dict[str, Quote] | None]
"""One pair's pricing (None: none), when quoted, the markets' errors, whether from the store, the quotes."""


@dataclass(frozen=True)
class PairPricer:
    """Prices one pair in `shown`: from fresh stored snapshots of `books` (unless `force`), else by a
    lookup, whose match is remembered on the pair's positions."""

    analyzer: Any
    store: Store
    fees: Any
    shown: str
    books: Mapping[str, Book]
    force: bool
    owner: str
    markets: list[str]

    def __call__(self, pair: list[Position]) -> PairPrice:
        first, analyzer = pair[0], self.analyzer
        key = first.style_key or (style_key(first.query) if looks_like_style_id(first.query) else None)
        ttl_s = analyzer.settings.market_ttl_s
        stored = None if self.force else fresh_quotes(self.store, key, first, self.markets, ttl_s, self.books)
        if stored is not None:
            quotes, at = stored
            return price_quotes(analyzer, quotes, self.fees, self.shown), at, None, True, quotes
        result = analyzer.lookup(first.query, label_of(first.size, first.scale), fees=self.fees, owner=self.owner)
        product = result.product or {}
        with self.store.write() as conn:
            positions_repo.remember_match(conn, [p.id for p in pair], style_key(product.get("style_id")),
                                          resolved_of(result.quotes))
        times = [q.quoted_at for q in result.quotes.values() if q.ok and q.quoted_at]
        errors = " ".join(q.error or "" for q in result.quotes.values() if not q.ok)
        pricing = result.pricing if result.currency == self.shown else price_quotes(analyzer, result.quotes, self.fees, self.shown)
        return pricing, min(times) if times else None, errors or None, False, dict(result.quotes)


def _stored_quotes(store: Store, key: str | None, p: Position, markets: Sequence[str], ttl_s: float,
                   books: Mapping[str, Book] | None = None) -> tuple[dict[str, Quote], str] | None:
    """The pair's quotes from snapshots of `books` younger than the TTL, or None (then the markets are asked).

    A market that has never had a snapshot of the pair does not list it and is left out; one whose
    newest snapshot is older than the TTL must be asked again.
    """
    if key is None:
        return None
    from sqlalchemy import desc, select

    from analyzer.store.market_data import pair_filter
    from analyzer.store.schema import snapshots

    found: dict[str, Quote] = {}
    times = []
    fresh_after = iso_ago(ttl_s)
    with store.read() as conn:
        for market in markets:
            row = conn.execute(select(snapshots).where(pair_filter(snapshots, key, p.size, p.scale, market, books=books))
                               .order_by(desc(snapshots.c.at)).limit(1)).first()
            if row is None:
                continue
            if row.at < fresh_after:
                return None
            found[market] = Quote(market, True, size=row.size, lowest_ask=row.lowest_ask, highest_bid=row.highest_bid,
                                  last_sale=row.last_sale, currency=row.currency)
            times.append(row.at)
    return (found, min(times)) if found else None


def fresh_quotes(store: Store, key: str | None, p: Position, markets: Sequence[str],
                 ttl_s: float, books: Mapping[str, Book] | None = None) -> tuple[dict[str, Quote], str] | None:
    """Fresh snapshots (of `books`) of what the last valuation matched, else of the style ID at the asked size."""
    resolved = positions_repo.matched(p)
    if resolved:
        quotes = stored_quotes(store, resolved, ttl_s, books)
        if quotes is None:
            return None
        return quotes, min(q.quoted_at or "" for q in quotes.values())
    return _stored_quotes(store, key, p, markets, ttl_s, books)
