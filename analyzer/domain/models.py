"""Plain data shared by the clients, the engine, the pricing and the screens."""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from analyzer.domain.answer import Recommendation
from analyzer.domain.books import Book

RECENT_SALES_SHOWN = 10
LOCAL_OWNER = "local"  # analyzer.domain.owners.LOCAL: the one person of an app without accounts


_FIELDS: dict[type, tuple[str, ...]] = {}
_LEAVES = frozenset({str, int, float, bool, type(None)})


def plain(value: Any, skip: tuple[str, ...] = ()) -> Any:
    """`dataclasses.asdict` without its deep copy: the same dicts, lists and tuples, built once; the leaves
    (str, numbers, None) are immutable and shared. A page shows a quote's every size on each run, and
    asdict's copying was a tenth of a cached Lookup's server time. `skip`: top-level fields left out."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    names = _FIELDS.get(kind)
    if names is None and is_dataclass(kind):
        names = _FIELDS[kind] = tuple(f.name for f in fields(kind))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names if name not in skip}
    if kind is list:
        return [plain(v) for v in value]
    if kind is dict:
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return kind(*(plain(v) for v in value)) if hasattr(value, "_fields") else kind(plain(v) for v in value)
    if isinstance(value, list | dict):  # subclasses, as asdict builds them
        return kind(plain(v) for v in value) if isinstance(value, list) else kind((plain(k), plain(v)) for k, v in value.items())
    return copy.deepcopy(value)


@dataclass(frozen=True)
class Product:
    """One shoe as one market lists it."""

    market: str
    product_id: str
    title: str
    brand: str | None = None
    style_ids: tuple[str, ...] = ()
    product_type: str | None = None
    scale: str | None = None
    size_values: tuple[float, ...] = ()
    retail_price: float | None = None
    release_date: str | None = None
    image_url: str | None = None
    url: str | None = None
    min_listing_price: float | None = None
    """Alias refuses a listing below it (its `minimum_listing_price_cents`); None: not said."""
    max_listing_price: float | None = None
    size_scales: tuple[tuple[float, str], ...] = ()
    """(size, scale) per size when a product mixes scales (a kids' run: toddler C, then youth Y)."""

    @property
    def style_id(self) -> str | None:
        return "/".join(self.style_ids) or None


@dataclass(frozen=True)
class Size:
    """A size as asked: a number and a scale ("M" men's, "W" women's, "Y" youth/GS, "C" toddler);
    `scale` None is a bare number, which means the shoe's own scale."""

    value: float
    scale: str | None = None


@dataclass(frozen=True)
class SizePrice:
    """The book of one size on one market, `size` in the product's own scale. A missing price is
    None, never 0. `conversions` maps a scale ("M", "W", "Y", "C") to this size in that scale, as
    the market's own size chart says (StockX's; Alias has none)."""

    size: float
    lowest_ask: float | None = None
    highest_bid: float | None = None
    last_sale: float | None = None
    sell_faster: float | None = None
    earn_more: float | None = None
    flex_lowest_ask: float | None = None
    scale: str | None = None
    conversions: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    # StockX's other books and the variant's own facts (None / () where the market says nothing)
    flex_sell_faster: float | None = None
    flex_earn_more: float | None = None
    beat_us: float | None = None
    direct_lowest_ask: float | None = None
    direct_sell_faster: float | None = None
    direct_earn_more: float | None = None
    variant_id: str | None = None
    gtins: tuple[tuple[str, str], ...] = field(default=(), compare=False, hash=False)
    flex_eligible: bool | None = None
    direct_eligible: bool | None = None
    # Alias's indicator price for the size (its `global_indicator_price_cents`)
    global_indicator: float | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """What only one market says of the size (eBay: the ask with shipping, the offers), JSON-ready;
    a quote's JSON carries these keys beside the common ones."""


@dataclass(frozen=True)
class Sale:
    """One sale Alias reports: price in the market's currency, time in ISO 8601 UTC."""

    price: float
    at: str
    consigned: bool | None = None


@dataclass(frozen=True)
class OfferBin:
    """One price of Alias's offer histogram: `count` bids at `price` (the depth of the bid side)."""

    price: float
    count: int


@dataclass
class SizeRun:
    """A product's whole size run on one market, in the product's own scale ("M", "W", "Y", "C"),
    and the recent sales a market gave for the asked size (own-scale size -> sales, newest first)."""

    scale: str
    sizes: list[SizePrice]
    sales: dict[float, list[Sale]] = field(default_factory=dict)
    sales_errors: dict[float, str] = field(default_factory=dict)
    """Why a size has no sales: the sales call failed (the size's book still stands)."""
    offers: dict[float, list[OfferBin]] = field(default_factory=dict)
    currency: str = "USD"
    fresh: bool = True
    quoted_at: str | None = None


@dataclass
class CallStats:
    """What one market's calls cost during a lookup. Shared by the worker threads of that market."""

    calls: int = 0
    cache_hits: int = 0
    rate_limited: int = 0
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, *, calls: int = 0, cache_hits: int = 0, rate_limited: int = 0, retries: int = 0) -> None:
        with self._lock:
            self.calls += calls
            self.cache_hits += cache_hits
            self.rate_limited += rate_limited
            self.retries += retries


@dataclass(frozen=True)
class ProgressEvent:
    """A finished step of a lookup; step 'quote' carries that market's finished quote."""

    market: str
    step: str
    message: str
    fraction: float
    quote: Quote | None = None


@dataclass
class Quote:
    """One market's answer for one shoe and size, or its plain error."""

    market: str
    ok: bool
    error: str | None = None
    error_kind: str | None = None
    title: str | None = None
    style_id: str | None = None
    size: float | None = None
    size_label: str | None = None
    scale: str | None = None
    lowest_ask: float | None = None
    highest_bid: float | None = None
    last_sale: float | None = None
    sell_faster: float | None = None
    earn_more: float | None = None
    flex_lowest_ask: float | None = None
    currency: str = "USD"
    recent_sales: list[Sale] = field(default_factory=list)
    sales_per_week: float | None = None
    fresh: bool = False
    quoted_at: str | None = None
    suggestions: list[dict[str, str | None]] = field(default_factory=list)
    url: str | None = None
    elapsed_s: float = 0.0
    calls: int = 0
    cache_hits: int = 0
    rate_limited: int = 0
    retries: int = 0
    sizes: list[SizePrice] = field(default_factory=list)
    product: Product | None = None
    book: Book | None = None
    """The book the market data come from (region, listing choice, condition); None: the market's default."""
    sales_error: str | None = None
    """Why `recent_sales` is empty when the sales call failed (the quote stands without them)."""
    variant_id: str | None = None
    gtins: list[dict[str, str]] = field(default_factory=list)
    flex_eligible: bool | None = None
    direct_eligible: bool | None = None
    flex_sell_faster: float | None = None
    flex_earn_more: float | None = None
    beat_us: float | None = None
    direct_lowest_ask: float | None = None
    direct_sell_faster: float | None = None
    direct_earn_more: float | None = None
    global_indicator: float | None = None
    min_listing_price: float | None = None
    max_listing_price: float | None = None
    offer_histogram: list[OfferBin] | None = None
    """Alias's bids at the size, highest price first; None: not asked (or not offered by the market)."""
    time_to_sell: dict[str, Any] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    """The size's market-specific figures (SizePrice.details); in the JSON as keys of the quote itself."""

    def to_dict(self) -> dict[str, Any]:
        data = plain(self, skip=("product",))
        data.update({k: v for k, v in data.pop("details").items() if k not in data})
        data["book"] = self.book.to_dict() if self.book is not None else None
        data["elapsed_s"] = round(self.elapsed_s, 4)
        data["recent_sales"] = data["recent_sales"][:RECENT_SALES_SHOWN]
        for row in data["sizes"]:
            row.pop("conversions")
            row.update({k: v for k, v in row.pop("details").items() if k not in row})
            row["gtins"] = [{"identifier": i, "type": t} for i, t in row["gtins"]]
        return data


@dataclass
class LookupResult:
    query: str
    size: float
    size_label: str
    currency: str
    mode: str
    source: str
    elapsed_s: float
    product: dict[str, Any] | None
    quotes: dict[str, Quote]
    pricing: Recommendation
    size_asked: str = ""
    rates: dict[str, float] = field(default_factory=dict)
    """Every exchange rate known at the lookup (units per US dollar), for re-pricing it later."""
    gtin: str | None = None
    """The barcode the lookup started from (`lookup --gtin`), else None."""
    owner: str = LOCAL_OWNER
    """Who asked (analyzer.domain.owners): the metrics row is theirs; the market data it fetched are everyone's."""

    @property
    def any_quoted(self) -> bool:
        return any(q.ok for q in self.quotes.values())

    @property
    def success(self) -> bool:
        """A lookup succeeds when every market quoted it."""
        return bool(self.quotes) and all(q.ok for q in self.quotes.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "size": self.size,
            "size_label": self.size_label,
            "size_asked": self.size_asked,
            "currency": self.currency,
            "mode": self.mode,
            "source": self.source,
            "elapsed_s": round(self.elapsed_s, 4),
            "success": self.success,
            "product": self.product,
            "quotes": {name: q.to_dict() for name, q in self.quotes.items()},
            "pricing": self.pricing.to_dict(),
            "gtin": self.gtin,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)
