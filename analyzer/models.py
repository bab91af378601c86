"""Plain data shared by the clients, the engine, the pricing and the pages."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Product:
    """One shoe as one market lists it."""

    market: str
    product_id: str
    title: str
    brand: str | None = None
    style_ids: tuple[str, ...] = ()
    retail_price: float | None = None
    release_date: str | None = None
    image_url: str | None = None
    url: str | None = None

    @property
    def style_id(self) -> str | None:
        return "/".join(self.style_ids) or None


@dataclass(frozen=True)
class SizePrice:
    """The book of one size on one market. A missing price is None, never 0."""

    size: float
    lowest_ask: float | None = None
    highest_bid: float | None = None
    last_sale: float | None = None


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
    lowest_ask: float | None = None
    highest_bid: float | None = None
    last_sale: float | None = None
    currency: str = "USD"
    url: str | None = None
    elapsed_s: float = 0.0
    calls: int = 0
    cache_hits: int = 0
    rate_limited: int = 0
    retries: int = 0
    sizes: list[SizePrice] = field(default_factory=list)
    product: Product | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("product")
        data["elapsed_s"] = round(self.elapsed_s, 4)
        return data


@dataclass
class LookupResult:
    query: str
    size: float
    mode: str
    source: str
    elapsed_s: float
    product: dict[str, Any] | None
    quotes: dict[str, Quote]
    pricing: dict[str, Any]

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
            "mode": self.mode,
            "source": self.source,
            "elapsed_s": round(self.elapsed_s, 4),
            "success": self.success,
            "product": self.product,
            "quotes": {name: q.to_dict() for name, q in self.quotes.items()},
            "pricing": self.pricing,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)
