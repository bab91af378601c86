"""The pieces one market's calls go through, built from settings: the session (requests-cache
before requests-ratelimiter, so a cache hit never spends the budget), the token bucket and its pace,
and how long to wait before a retry. `analyzer.net.http` composes them."""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

import requests
from pyrate_limiter import Limiter, Rate
from requests_cache import CacheMixin, create_key
from requests_ratelimiter import LimiterMixin

from analyzer.config import Limits, Settings
from analyzer.markets.registry import MARKETS
from analyzer.net.budget import day_rate
from analyzer.net.shared_state import LocalState, SharedState

SECRET_HEADERS = ("Authorization", "x-api-key")
MAX_RETRY_AFTER_S = 60.0


class CachedLimitedSession(CacheMixin, LimiterMixin, requests.Session):  # type: ignore[misc]
    """Cache first, so that a cache hit never spends the rate budget."""


class LimitedSession(LimiterMixin, requests.Session):  # type: ignore[misc]
    pass


def token_rate(limits: Limits) -> Rate:
    """A token bucket like the markets': `burst` calls at once, then `rate_per_sec` a second.

    One token of the burst is kept in reserve: a request reaches the market a few milliseconds
    after it leaves the limiter, and that spare token absorbs the delay (up to a whole interval)
    so a request never arrives early. It costs one interval per batch, not per call.
    """
    return Rate(1, max(1, round(1000 / limits.rate_per_sec)), burst=max(1, limits.burst - 1))


def make_limiter(limits: Limits, state: SharedState | None = None, budget: str = "local", daily: int | None = None) -> Limiter:
    """With Redis state the bucket is the API key's, shared by every process that holds the key. With a
    daily budget the day is the bucket's second rate (`analyzer.net.budget.day_rate`)."""
    rates = [token_rate(limits)] + ([day_rate(daily)] if daily else [])
    return Limiter((state or LocalState()).bucket(budget, rates), buffer_ms=10)


class Pacing:
    """The pace the limiter keeps: the configured limits, halved on each 429 (never below one call
    per Retry-After) and raised back 5% with each answered call (AIMD). A client told a faster rate
    than the market allows so learns the market's; a stray 429 costs little."""

    def __init__(self, limiter: Limiter, configured: Limits) -> None:
        self.configured = configured
        self.rate = configured.rate_per_sec
        self._bucket = limiter.bucket_factory.bucket  # type: ignore[attr-defined]
        self._lock = threading.Lock()

    def slower(self, retry_after: float | None) -> None:
        floor = min(self.configured.rate_per_sec, 1 / max(retry_after or 1.0, 0.001))
        with self._lock:
            self._set(max(self.rate / 2, floor))

    def faster(self) -> None:
        if self.rate < self.configured.rate_per_sec:
            with self._lock:
                self._set(min(self.configured.rate_per_sec, self.rate * 1.05))

    def _set(self, rate: float) -> None:
        if rate == self.rate:
            return
        self.rate = rate
        burst = self.configured.burst if rate >= self.configured.rate_per_sec else 1
        # The pace is the bucket's first rate; the day (when there is one) stays as it is.
        self._bucket.rates = [token_rate(Limits(rate, burst)), *self._bucket.rates[1:]]


def _is_json(response: requests.Response) -> bool:
    """Never store a 200 that is not JSON (an HTML error page); other codes are not stored anyway."""
    if response.status_code != 200:
        return True
    try:
        response.json()
    except ValueError:
        return False
    return True


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def sandbox_cache_key(origins: Sequence[str]) -> Callable[..., str]:
    """Cache keys that do not depend on which port the sandbox runs on: each process may start
    its own, and a shoe one of them quoted must still be a hit in the next."""

    def key(request: Any, **kwargs: Any) -> str:
        url = request.url or ""
        for origin in origins:
            if url.startswith(origin + "/"):
                request = request.copy()
                request.url = "http://sandbox" + url[len(origin):]
                break
        return create_key(request, **kwargs)

    return key


def build_session(settings: Settings, limits: Limits, volatile_urls: Sequence[str],
                  state: SharedState | None = None, budget: str = "local", daily: int | None = None) -> requests.Session:
    state = state or LocalState()
    limiter = make_limiter(limits, state, budget, daily)
    common: dict[str, Any] = {"limiter": limiter, "per_host": False, "limit_statuses": ()}
    if not settings.use_cache:
        return LimitedSession(**common)
    backend, patterns = state.cache(settings.data_dir, volatile_urls)
    return CachedLimitedSession(
        backend=backend,
        expire_after=settings.catalog_ttl_s,
        urls_expire_after={pattern: settings.market_ttl_s for pattern in sorted(patterns)},
        allowable_codes=(200,),
        allowable_methods=("GET",),
        ignored_parameters=SECRET_HEADERS,
        match_headers=False,
        filter_fn=_is_json,
        key_fn=sandbox_cache_key([_origin(str(settings.value(m.base_url_setting))) for m in MARKETS if m.base_url_setting])
        if settings.source == "sandbox" else None,
        **common,
    )


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After in seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return min(MAX_RETRY_AFTER_S, max(0.0, float(value)))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = time.time() if now is None else now
    return min(MAX_RETRY_AFTER_S, max(0.0, when.timestamp() - now))


def backoff_s(attempt: int, error: BaseException | None) -> float:
    """Retry-After when the market gave one, else exponential backoff with full jitter."""
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        return retry_after + random.uniform(0, 0.05)
    return random.uniform(0, min(4.0, 0.25 * 2 ** attempt))
