"""The one protocol every market speaks, and small helpers for reading the documented shapes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, Self

from analyzer.config import Settings
from analyzer.http import Auth, MarketHttp, market_http
from analyzer.models import CallStats, Product, SizePrice


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

    def search(self, query: str, stats: CallStats) -> list[Product]: ...

    def size_run(self, product: Product, stats: CallStats, gather: Gather) -> list[SizePrice]: ...

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
    """A price from a string or number; missing, unreadable, or zero ("0" = no data) is None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or number <= 0 or number == float("inf"):
        return None
    return round(number / 100, 2) if cents else round(number, 2)


def size_number(value: Any) -> float | None:
    """'10.5', 'US M 10.5', 10.5 -> 10.5; anything else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        token = value.strip().upper().removeprefix("US").strip().removeprefix("M").strip()
        try:
            number = float(token)
        except ValueError:
            return None
    else:
        return None
    return number if 0 < number < 30 and number * 2 == int(number * 2) else None


def is_dict_with(data: Any, *keys: str) -> bool:
    return isinstance(data, dict) and all(k in data for k in keys)


def text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
