"""What the selling clients share: the shapes they answer in, and one careful way to the network.

Reads and writes go through the market's own session (its rate budget, its token bucket and its
Retry-After hold-off, analyzer.net.http), never through its cache for a listing, and never through
its circuit breaker: a breaker opened by reads must not hide what happened to a write.

A write is sent ONCE. A 429 or a 4xx says it was not applied (a 429 is waited out and sent again);
a 5xx, a time-out or a dropped connection leaves it unknown (`WriteUnknown`): the caller has recorded
the write before sending it and reconciles it from the market before acting again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import requests
from requests_cache import DO_NOT_CACHE, CacheMixin

from analyzer.domain.errors import AuthRefused, BadAnswer, MarketError, NotFound, RateLimited, Rejected, Unavailable
from analyzer.net.http import MarketHttp, _error_message
from analyzer.net.session import MAX_RETRY_AFTER_S, backoff_s, parse_retry_after

MAX_429 = 5


class WriteUnknown(MarketError):
    """A write whose outcome is not known (5xx, time-out, dropped connection): reconcile, never resend blindly."""

    kind = "unknown"


@dataclass(frozen=True)
class MarketListing:
    """One of the seller's listings as a market reports it."""

    market: str
    listing_id: str
    product_id: str
    size: float | None
    amount: Decimal
    currency: str
    status: str  # active, inactive, deleted
    variant_id: str | None = None
    title: str | None = None
    style_id: str | None = None


@dataclass(frozen=True)
class WriteResult:
    """What a write came to: `done`, `failed` (with the market's reason) or `pending` (still queued)."""

    status: str
    listing_id: str | None = None
    operation_id: str | None = None
    error: str | None = None
    listing: MarketListing | None = None


@dataclass(frozen=True)
class BookNow:
    """One pair's book read just now (our asks included, as the market shows them)."""

    lowest_ask: Decimal | None
    highest_bid: Decimal | None
    currency: str
    sell_faster: Decimal | None = None
    earn_more: Decimal | None = None


class SellingClient(Protocol):
    name: str
    whole_units: bool

    def listings(self) -> list[MarketListing]: ...

    def listing(self, listing_id: str) -> MarketListing | None: ...

    def create(self, target: dict[str, Any], amount: Decimal, currency: str) -> WriteResult: ...

    def update(self, listing_id: str, amount: Decimal, currency: str) -> WriteResult: ...

    def delete(self, listing_id: str) -> WriteResult: ...

    def settle(self, result: WriteResult) -> WriteResult: ...

    def book(self, listing: Any) -> BookNow: ...


class SellingHttp:
    """One market's careful caller for the selling endpoints."""

    def __init__(self, http: MarketHttp, sleep: Callable[[float], None] = time.sleep) -> None:
        self.http = http
        self.sleep = sleep

    def read(self, path: str, params: dict[str, Any] | None = None, *, cacheable: bool = False) -> Any:
        """A GET, retried on 5xx and time-outs (reads are safe to repeat); `cacheable` answers (market
        data) refresh the shared cache, listings never enter it."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._call("GET", path, params=params, body=None, write=False, cacheable=cacheable)
            except (Unavailable, BadAnswer) as exc:
                if attempt > self.http.max_retries:
                    raise
                self.sleep(backoff_s(attempt, exc))

    def write(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call(method, path, params=None, body=body, write=True, cacheable=False)

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None, body: dict[str, Any] | None,
              write: bool, cacheable: bool) -> Any:
        url = self.http.base_url.rstrip("/") + path
        label = self.http.label
        for _ in range(MAX_429 + 1):
            w = self.http.wiring()
            pause = w.hold_off.until() - time.time()
            if pause > 0:
                self.sleep(min(pause, MAX_RETRY_AFTER_S))
            response = self._send(w.session, method, url, params, body, write, cacheable)
            if response.status_code == 401 and self.http.auth.refresh():
                response = self._send(w.session, method, url, params, body, write, cacheable)
            if response.status_code != 429:
                return self._read(response, write)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                w.hold_off.extend(retry_after)
            w.pacing.slower(retry_after)
            self.sleep(retry_after if retry_after is not None else 1.0)
        raise RateLimited(f"{label} kept answering 429; nothing was changed, try again shortly")

    def _send(self, session: requests.Session, method: str, url: str, params: dict[str, Any] | None,
              body: dict[str, Any] | None, write: bool, cacheable: bool) -> requests.Response:
        extra: dict[str, Any] = {}
        if isinstance(session, CacheMixin):
            extra = {"force_refresh": True} if cacheable else {"expire_after": DO_NOT_CACHE, "force_refresh": True}
        try:
            return session.request(method, url, params=params, json=body, headers=self.http.auth.headers(),
                                   timeout=self.http.timeout_s, **extra)
        except requests.RequestException as exc:
            what = "did not answer in time" if isinstance(exc, requests.Timeout) else "dropped the connection"
            if write:
                raise WriteUnknown(f"{self.http.label} {what}: the change may or may not have been made") from exc
            raise Unavailable(f"{self.http.label} {what}") from exc

    def _read(self, response: requests.Response, write: bool) -> Any:
        status, label, detail = response.status_code, self.http.label, _error_message(response)
        said = f": {detail}" if detail else ""
        if status >= 500:
            if write:
                raise WriteUnknown(f"{label} answered with an error ({status}): the change may or may not have been made")
            raise Unavailable(f"{label} answered with an error ({status})")
        if status in (401, 403):
            raise AuthRefused(f"{label} refused the API key (selling needs keys that allow it)")
        if status == 404:
            raise NotFound(f"{label} has no such listing{said}")
        if status >= 400:
            raise Rejected(f"{label} refused the change ({status}){said}")
        try:
            return response.json()
        except ValueError:
            if write:
                raise WriteUnknown(f"{label} answered something unreadable: the change may or may not have been made") from None
            raise BadAnswer(f"bad answer from {label}") from None


def amount_of(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


CLIENTS = {"stockx": "analyzer.markets.stockx_selling:StockXSelling", "alias": "analyzer.markets.alias_selling:AliasSelling"}
"""Each market's selling client ('module:Class'); a market without one cannot be listed on."""


def selling_clients(settings: Any) -> dict[str, SellingClient]:
    """A selling client for every market of the registry that has one, built from (sandbox-pointed) settings."""
    from importlib import import_module

    from analyzer.markets.registry import NAMES

    built: dict[str, SellingClient] = {}
    for name in NAMES:
        if name in CLIENTS:
            module, _, cls = CLIENTS[name].partition(":")
            built[name] = getattr(import_module(module), cls).from_settings(settings)
    return built
