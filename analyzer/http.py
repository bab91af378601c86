"""Every marketplace call goes through here: cache -> limiter -> retry -> breaker, with telemetry.

The pieces are well-kept libraries: requests-cache (SQLite, expiry by kind of answer),
requests-ratelimiter over pyrate-limiter's token bucket, tenacity, pybreaker. This module only
composes them and turns HTTP outcomes into `analyzer.errors`.
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pybreaker
import requests
from pyrate_limiter import Limiter, Rate, StateBucket, TokenBucket
from requests_cache import CacheMixin, SQLiteCache
from requests_ratelimiter import LimiterMixin
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from analyzer.config import Limits, Settings
from analyzer.errors import (
    AuthRefused,
    BadAnswer,
    BreakerOpen,
    MarketError,
    NotFound,
    RateLimited,
    Rejected,
    Unavailable,
)
from analyzer.models import CallStats

SECRET_HEADERS = ("Authorization", "x-api-key")
CACHE_FILE = "http-cache.sqlite"
MAX_RETRY_AFTER_S = 60.0


class CachedLimitedSession(CacheMixin, LimiterMixin, requests.Session):  # type: ignore[misc]
    """Cache first, so that a cache hit never spends the rate budget."""


class LimitedSession(LimiterMixin, requests.Session):  # type: ignore[misc]
    pass


class Auth(Protocol):
    def headers(self) -> dict[str, str]: ...

    def refresh(self) -> bool:
        """Get a new token after a 401; False when there is no way to."""
        ...


def token_rate(limits: Limits) -> Rate:
    """A token bucket like the markets': `burst` calls at once, then `rate_per_sec` a second.

    One token of the burst is kept in reserve: a request reaches the market a few milliseconds
    after it leaves the limiter, and that spare token absorbs the delay (up to a whole interval)
    so a request never arrives early. It costs one interval per batch, not per call.
    """
    return Rate(1, max(1, round(1000 / limits.rate_per_sec)), burst=max(1, limits.burst - 1))


def make_limiter(limits: Limits) -> Limiter:
    return Limiter(StateBucket([token_rate(limits)], algorithm=TokenBucket()), buffer_ms=10)


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
        self._bucket.rates = [token_rate(Limits(rate, burst))]


def _is_json(response: requests.Response) -> bool:
    """Never store a 200 that is not JSON (an HTML error page); other codes are not stored anyway."""
    if response.status_code != 200:
        return True
    try:
        response.json()
    except ValueError:
        return False
    return True


_BACKENDS: dict[Path, tuple[SQLiteCache, set[str]]] = {}
_BACKENDS_LOCK = threading.Lock()


def shared_cache(data_dir: Path, volatile_urls: Sequence[str]) -> tuple[SQLiteCache, set[str]]:
    """One backend (one SQLite connection) per cache file per process, shared by every market:
    requests-cache serialises its writes per connection, and two connections in one process to
    one file can stall each other. The backend also holds the cache settings, so the short-lived
    URL patterns of every market that shares it are kept together."""
    path = (Path(data_dir) / CACHE_FILE).resolve()
    with _BACKENDS_LOCK:
        if path not in _BACKENDS or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            _BACKENDS[path] = (SQLiteCache(str(path), wal=True, busy_timeout=10_000), set())
        backend, patterns = _BACKENDS[path]
        patterns.update(volatile_urls)
        return backend, set(patterns)


def build_session(settings: Settings, limits: Limits, volatile_urls: Sequence[str]) -> requests.Session:
    limiter = make_limiter(limits)
    common: dict[str, Any] = {"limiter": limiter, "per_host": False, "limit_statuses": ()}
    if not settings.use_cache:
        return LimitedSession(**common)
    backend, patterns = shared_cache(settings.data_dir, volatile_urls)
    return CachedLimitedSession(
        backend=backend,
        expire_after=settings.catalog_ttl_s,
        urls_expire_after={pattern: settings.market_ttl_s for pattern in sorted(patterns)},
        allowable_codes=(200,),
        allowable_methods=("GET",),
        ignored_parameters=SECRET_HEADERS,
        match_headers=False,
        filter_fn=_is_json,
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


def _error_message(response: requests.Response) -> str:
    """The market's own message from either documented error body, or ''."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return str(message)[:200] if message else ""


@dataclass
class MarketHttp:
    """One market's way to the network; shared by every lookup in the process."""

    label: str
    base_url: str
    session: requests.Session
    auth: Auth
    breaker: pybreaker.CircuitBreaker
    timeout_s: float
    max_retries: int
    pacing: Pacing
    sleep: Callable[[float], None] = time.sleep
    _resume_at: float = field(default=0.0, init=False)

    @property
    def cached(self) -> bool:
        return isinstance(self.session, CacheMixin)

    def get_json(self, path: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Any:
        url = self.base_url.rstrip("/") + path
        if self.cached:
            hit = self._from_cache(url, params, valid)
            if hit is not None:
                stats.count(cache_hits=1)
                return hit[0]

        def before_sleep(state: RetryCallState) -> None:
            stats.count(retries=1)

        retrying = Retrying(
            retry=retry_if_exception(lambda e: isinstance(e, MarketError) and e.retryable),
            stop=stop_after_attempt(self.max_retries + 1) | self._breaker_opened,
            wait=lambda state: backoff_s(state.attempt_number, state.outcome.exception() if state.outcome else None),
            before_sleep=before_sleep,
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(self._attempt, url, params, stats, valid)

    def clear_cache(self) -> None:
        cache = getattr(self.session, "cache", None)
        if cache is not None:
            cache.clear()

    def _forget(self, response: requests.Response) -> None:
        """A cached answer that turned out bad must not be served again."""
        cache = getattr(self.session, "cache", None)
        if cache is not None:
            cache.delete(requests=[response.request])

    def _breaker_opened(self, state: RetryCallState) -> bool:
        return self.breaker.current_state == pybreaker.STATE_OPEN

    def breaker_wait_s(self) -> float:
        """Seconds until an open breaker lets a trial call through (<= 0: now)."""
        opened = self.breaker._state_storage.opened_at
        if opened is None:
            return float(self.breaker.reset_timeout)
        return self.breaker.reset_timeout - (datetime.now(UTC) - opened).total_seconds()

    def _unavailable(self) -> BreakerOpen:
        return BreakerOpen(f"{self.label} is unavailable, retrying in {max(1, math.ceil(self.breaker_wait_s()))} s")

    def _from_cache(self, url: str, params: dict[str, Any], valid: Callable[[Any], bool]) -> tuple[Any] | None:
        response = self.session.get(url, params=params, only_if_cached=True)
        if not getattr(response, "from_cache", False) or response.status_code != 200:
            return None
        data = self._checked(response, valid)
        return None if data is None else (data,)

    def _checked(self, response: requests.Response, valid: Callable[[Any], bool]) -> Any | None:
        """The answer's JSON when it has the documented shape; else None, and it is not kept."""
        try:
            data = response.json()
        except ValueError:
            data = None
        if data is None or not valid(data):
            self._forget(response)
            return None
        return data

    def _hold_off(self, retry_after: float | None) -> None:
        """A 429 is about the whole market, not one request: every thread of it waits out
        Retry-After, and the limiter slows down."""
        if retry_after is not None:
            self._resume_at = max(self._resume_at, time.monotonic() + retry_after)
        self.pacing.slower(retry_after)

    def _attempt(self, url: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Any:
        if self.breaker.current_state == pybreaker.STATE_OPEN and self.breaker_wait_s() > 0:
            raise self._unavailable()
        pause = self._resume_at - time.monotonic()
        if pause > 0:
            self.sleep(pause)
        # pybreaker holds its lock for the whole of breaker.call(), which would make one market's
        # calls one at a time. So the call is made outside, and only its outcome goes through it.
        try:
            outcome: Any = self._fetch(url, params, stats, valid)
        except MarketError as exc:
            outcome = exc
        try:
            return self.breaker.call(_replay, outcome)
        except pybreaker.CircuitBreakerError as exc:
            raise self._unavailable() from exc

    def _send(self, url: str, params: dict[str, Any], stats: CallStats) -> requests.Response:
        try:
            response = self.session.get(url, params=params, headers=self.auth.headers(), timeout=self.timeout_s)
        except requests.Timeout as exc:
            stats.count(calls=1)
            raise Unavailable(f"{self.label} did not answer within {self.timeout_s:g} s") from exc
        except requests.RequestException as exc:
            stats.count(calls=1)
            raise Unavailable(f"{self.label} dropped the connection") from exc
        stats.count(**({"cache_hits": 1} if getattr(response, "from_cache", False) else {"calls": 1}))
        return response

    def _fetch(self, url: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Any:
        response = self._send(url, params, stats)
        if response.status_code == 401 and self.auth.refresh():
            response = self._send(url, params, stats)
        status = response.status_code
        if status == 429:
            stats.count(rate_limited=1)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            self._hold_off(retry_after)
            raise RateLimited(f"{self.label} is rate-limiting requests (429); try again shortly", retry_after=retry_after)
        if status in (401, 403):
            raise AuthRefused(f"{self.label} refused the API key")
        if status == 404:
            raise NotFound(f"{self.label} has no such item" + (f": {_error_message(response)}" if _error_message(response) else ""))
        if 400 <= status < 500:
            detail = _error_message(response)
            raise Rejected(f"{self.label} rejected the request ({status})" + (f": {detail}" if detail else ""))
        if status >= 500:
            raise Unavailable(f"{self.label} answered with an error ({status})")
        data = self._checked(response, valid)
        if data is None:
            raise BadAnswer(f"bad answer from {self.label}")
        self.pacing.faster()
        return data


def _replay(outcome: Any) -> Any:
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def make_breaker(settings: Settings, name: str) -> pybreaker.CircuitBreaker:
    return pybreaker.CircuitBreaker(
        fail_max=settings.breaker_fail_max,
        reset_timeout=settings.breaker_reset_s,
        exclude=[lambda e: not (isinstance(e, MarketError) and e.market_fault)],
        name=name,
    )


def market_http(settings: Settings, *, name: str, label: str, base_url: str, auth: Auth, volatile_urls: Sequence[str]) -> MarketHttp:
    session = build_session(settings, settings.limits(name), volatile_urls)
    return MarketHttp(
        label=label,
        base_url=base_url,
        session=session,
        pacing=Pacing(session.limiter, settings.limits(name)),  # type: ignore[attr-defined]
        auth=auth,
        breaker=make_breaker(settings, name),
        timeout_s=settings.http_timeout_s,
        max_retries=settings.max_retries,
    )
