"""The one protocol every market speaks, and small helpers for reading the documented shapes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, Self

from analyzer.config import Settings
from analyzer.domain.books import Book, default_book
from analyzer.domain.models import CallStats, Product, Sale, SizeRun
from analyzer.domain.money import dec, rounded
from analyzer.net.http import Auth, MarketHttp
from analyzer.net.market_wiring import market_http


@dataclass(frozen=True)
class Call:
    """One HTTP call a market wants made; `step` names it in progress events."""

    step: str
    message: str
    run: Callable[[], Any]


Gather = Callable[[Sequence[Call]], list[Any]]
"""Runs calls (at once or one by one, as the engine decides); raises the first error."""


class Market(Protocol):
    name: str
    label: str
    steps: tuple[str, ...]
    has_size_chart: bool
    """Whether the market's size run carries conversions to other scales (StockX's does, Alias's not)."""
    book: Book
    """The book its quotes come from (Alias: the region and listing choice it was built with)."""

    def search(self, query: str, stats: CallStats) -> list[Product]: ...

    def size_run(self, product: Product, stats: CallStats, gather: Gather, size: float | None = None) -> SizeRun:
        """Every size's book; `size` (the asked size in the product's own scale, when known before
        the call) lets a market fetch that size's sales in the same round trip."""
        ...

    def recent_sales(self, product: Product, size: float, stats: CallStats) -> list[Sale]: ...

    def clear_cache(self) -> None: ...


class HttpMarket:
    """What every market over HTTP shares: its session, built from the settings, and its cache.
    A market names itself and says where it lives and how it signs in; the rest is its calls."""

    name: str
    label: str
    steps: tuple[str, ...]
    volatile_urls: tuple[str, ...]

    def __init__(self, http: MarketHttp) -> None:
        self.http = http
        self.book = default_book(self.name)

    @classmethod
    def base_url(cls, settings: Settings) -> str:
        raise NotImplementedError

    @classmethod
    def auth(cls, settings: Settings) -> Auth:
        raise NotImplementedError

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(market_http(settings, name=cls.name, label=cls.label, base_url=cls.base_url(settings),
                               auth=cls.auth(settings), volatile_urls=cls.volatile_urls))

    def clear_cache(self) -> None:
        self.http.clear_cache()


def amount(value: Any, *, cents: bool = False) -> float | None:
    """A price from a string or number, read exactly (Decimal) and kept to the cent; missing,
    unreadable, or zero ("0" = no data) is None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = dec(value if isinstance(value, int | float | Decimal) else str(value).strip())
    except (TypeError, ValueError, InvalidOperation):
        return None
    if not number.is_finite():
        return None
    # Round first: a price that rounds to 0.00 is no price, like "0".
    try:
        exact = rounded(number.scaleb(-2) if cents else number)
    except InvalidOperation:  # beyond the decimal context's precision (1e26): no price anyone asks
        return None
    return float(exact) if exact > 0 else None


def size_number(value: Any) -> float | None:
    """A size as a JSON number or numeric string (10, 10.5, '10.5'); placeholders (0, 40) and
    anything else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 30 and number * 2 == int(number * 2) else None


def is_dict_with(data: Any, *keys: str) -> bool:
    return isinstance(data, dict) and all(k in data for k in keys)


def text(value: Any) -> str | None:
    """A non-empty string, stripped; None for null, numbers and empty text (never the string 'None')."""
    return value.strip() or None if isinstance(value, str) else None
