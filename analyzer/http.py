"""Every marketplace call goes through here: single flight -> cache -> limiter -> retry -> breaker.

The pieces are well-kept libraries: requests-cache (expiry by kind of answer), requests-ratelimiter
over pyrate-limiter's token bucket, tenacity, pybreaker. Where their state lives (this process, or
Redis for many replicas on one API key) is `analyzer.shared_state`'s business; this module only
composes them and turns HTTP outcomes into `analyzer.errors`.
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import pybreaker
import redis
import requests
from pyrate_limiter import Limiter, Rate
from requests_cache import CacheMixin, create_key
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
from analyzer.flight import flight_key, share
from analyzer.models import CallStats
from analyzer.shared_state import HoldOff, LocalState, SharedState, StateSwitch, key_id, switch_for

SECRET_HEADERS = ("Authorization", "x-api-key")
MAX_RETRY_AFTER_S = 60.0
FLIGHT_POLL_S = 0.05
# Which setting holds each market's API key: the rate budget is the key's, named by its hash.
KEY_SETTINGS = {"stockx": "stockx_api_key", "alias": "alias_api_token"}


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


def make_limiter(limits: Limits, state: SharedState | None = None, budget: str = "local") -> Limiter:
    """With Redis state the bucket is the API key's, shared by every process that holds the key."""
    return Limiter((state or LocalState()).bucket(budget, token_rate(limits)), buffer_ms=10)


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
                  state: SharedState | None = None, budget: str = "local") -> requests.Session:
    state = state or LocalState()
    limiter = make_limiter(limits, state, budget)
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
        key_fn=sandbox_cache_key([_origin(settings.stockx_base_url), _origin(settings.alias_base_url)])
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


def _error_message(response: requests.Response) -> str:
    """The market's own message from either documented error body, or ''."""
    try:
        body = response.json()
    except ValueError:
        return ""
    # StockX's 500s carried `errorMessage` instead of `message`.
    message = (body.get("message") or body.get("errorMessage")) if isinstance(body, dict) else None
    return str(message)[:200] if message else ""


@dataclass(frozen=True)
class Answer:
    """An answer's JSON, whether it came from the network for this caller (`fresh`), and when the
    market gave it (ISO 8601 UTC; for a cached answer, when it was cached)."""

    data: Any
    fresh: bool
    at: str


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _cached_at(response: requests.Response) -> str:
    created = getattr(response, "created_at", None)
    if not isinstance(created, datetime):
        return _now_iso()
    return (created if created.tzinfo else created.replace(tzinfo=UTC)).isoformat(timespec="seconds")


@dataclass
class Wiring:
    """One market's session, pacing, breaker and hold-off, all built on one shared state. Rebuilt
    whole when the state switches (Redis lost or back), so no piece points at the old one."""

    generation: int
    state: SharedState
    session: requests.Session
    pacing: Pacing
    breaker: pybreaker.CircuitBreaker
    hold_off: HoldOff


Wire = Callable[[int, SharedState], Wiring]


class MarketHttp:
    """One market's way to the network; shared by every lookup in the process."""

    def __init__(self, *, name: str, label: str, base_url: str, auth: Auth, timeout_s: float, max_retries: int,
                 budget: str, switch: StateSwitch, wire: Wire, sleep: Callable[[float], None] = time.sleep) -> None:
        self.name = name
        self.label = label
        self.base_url = base_url
        self.auth = auth
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.budget = budget
        self.sleep = sleep
        self._switch = switch
        self._wire = wire
        self._wiring: Wiring | None = None
        self._lock = threading.Lock()

    def wiring(self) -> Wiring:
        generation, state = self._switch.current()
        wiring = self._wiring
        if wiring is None or wiring.generation != generation:
            with self._lock:
                if self._wiring is None or self._wiring.generation != generation:
                    self._wiring = self._wire(generation, state)
                wiring = self._wiring
        return wiring

    # The pieces, for callers and tests that look at them.
    session = property(lambda self: self.wiring().session)
    breaker = property(lambda self: self.wiring().breaker)
    pacing = property(lambda self: self.wiring().pacing)

    @property
    def cached(self) -> bool:
        return isinstance(self.wiring().session, CacheMixin)

    @property
    def shared_state(self) -> str:
        """'local', 'redis' or 'redis-down': where this market's state lives now."""
        return self._switch.status

    def get_json(self, path: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Any:
        return self.get_answer(path, params, stats, valid).data

    def get_answer(self, path: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Answer:
        url = self.base_url.rstrip("/") + path
        wiring = self.wiring()
        try:
            return self._answer(wiring, url, params, stats, valid)
        except redis.RedisError as exc:
            if wiring.state.kind != "redis":
                raise
            # Redis went away mid-call: carry on with this process's own state.
            self._switch.failed(wiring.generation, exc)
            return self._answer(self.wiring(), url, params, stats, valid)

    def clear_cache(self) -> None:
        cache = getattr(self.wiring().session, "cache", None)
        if cache is not None:
            cache.clear()

    def breaker_wait_s(self, wiring: Wiring | None = None) -> float:
        """Seconds until an open breaker lets a trial call through (<= 0: now)."""
        breaker = (wiring or self.wiring()).breaker
        opened = breaker._state_storage.opened_at
        if opened is None:
            return float(breaker.reset_timeout)
        return breaker.reset_timeout - (datetime.now(UTC) - opened).total_seconds()

    def _answer(self, w: Wiring, url: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Answer:
        cached = isinstance(w.session, CacheMixin)
        if cached:
            hit = self._from_cache(w, url, params, valid)
            if hit is not None:
                stats.count(cache_hits=1)
                return hit
        key = flight_key(self.name, self.budget, url, params, cached)
        answer, led = share(key, lambda: self._lead(w, key, url, params, stats, valid))
        if led:
            return answer
        stats.count(cache_hits=1)  # another caller's call answered this one
        return replace(answer, fresh=False)

    def _lead(self, w: Wiring, key: str, url: str, params: dict[str, Any], stats: CallStats,
              valid: Callable[[Any], bool]) -> Answer:
        """This process's only caller for `key`. With Redis, other processes may be asking the same:
        one of them fetches, the others wait for its answer in the shared cache."""
        lock = w.state.flight_lock(key, self._flight_ttl_s()) if isinstance(w.session, CacheMixin) else None
        if lock is None:
            return self._fetched(w, url, params, stats, valid)
        if lock.acquire():
            try:
                hit = self._from_cache(w, url, params, valid)  # it may have landed while we asked for the lock
                if hit is not None:
                    stats.count(cache_hits=1)
                    return hit
                return self._fetched(w, url, params, stats, valid)
            finally:
                lock.release()
        deadline = time.monotonic() + self._flight_ttl_s()
        while True:
            hit = self._from_cache(w, url, params, valid)
            if hit is not None:
                stats.count(cache_hits=1)
                return hit
            # The other process is done without a cacheable answer, or is taking too long: ask ourselves.
            if not lock.held_elsewhere() or time.monotonic() >= deadline:
                return self._fetched(w, url, params, stats, valid)
            self.sleep(FLIGHT_POLL_S)

    def _flight_ttl_s(self) -> float:
        """How long a cross-process flight may hold its lock: one call's time-out and a margin."""
        return max(2.0, self.timeout_s * 1.5)

    def _fetched(self, w: Wiring, url: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Answer:
        def before_sleep(state: RetryCallState) -> None:
            stats.count(retries=1)

        retrying = Retrying(
            retry=retry_if_exception(lambda e: isinstance(e, MarketError) and e.retryable),
            stop=stop_after_attempt(self.max_retries + 1) | (lambda state: w.breaker.current_state == pybreaker.STATE_OPEN),
            wait=lambda state: backoff_s(state.attempt_number, state.outcome.exception() if state.outcome else None),
            before_sleep=before_sleep,
            sleep=self.sleep,
            reraise=True,
        )
        data = retrying(self._attempt, w, url, params, stats, valid)
        return Answer(data, fresh=True, at=_now_iso())

    def _forget(self, w: Wiring, response: requests.Response) -> None:
        """A cached answer that turned out bad must not be served again."""
        cache = getattr(w.session, "cache", None)
        if cache is not None:
            cache.delete(requests=[response.request])

    def _unavailable(self, w: Wiring) -> BreakerOpen:
        return BreakerOpen(f"{self.label} is unavailable, retrying in {max(1, math.ceil(self.breaker_wait_s(w)))} s")

    def _from_cache(self, w: Wiring, url: str, params: dict[str, Any], valid: Callable[[Any], bool]) -> Answer | None:
        response = w.session.get(url, params=params, only_if_cached=True)
        if not getattr(response, "from_cache", False) or response.status_code != 200:
            return None
        data = self._checked(w, response, valid)
        return None if data is None else Answer(data, fresh=False, at=_cached_at(response))

    def _checked(self, w: Wiring, response: requests.Response, valid: Callable[[Any], bool]) -> Any | None:
        """The answer's JSON when it has the documented shape; else None, and it is not kept."""
        try:
            data = response.json()
        except ValueError:
            data = None
        if data is None or not valid(data):
            self._forget(w, response)
            return None
        return data

    def _hold_off(self, w: Wiring, retry_after: float | None) -> None:
        """A 429 is about the whole API key, not one request: every thread (with Redis, every
        process) on the key waits out Retry-After, and this process's limiter slows down."""
        if retry_after is not None:
            w.hold_off.extend(retry_after)
        w.pacing.slower(retry_after)

    def _attempt(self, w: Wiring, url: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Any:
        if w.breaker.current_state == pybreaker.STATE_OPEN and self.breaker_wait_s(w) > 0:
            raise self._unavailable(w)
        pause = w.hold_off.until() - time.time()
        if pause > 0:
            self.sleep(min(pause, MAX_RETRY_AFTER_S))
        # pybreaker holds its lock for the whole of breaker.call(), which would make one market's
        # calls one at a time. So the call is made outside, and only its outcome goes through it.
        try:
            outcome: Any = self._fetch(w, url, params, stats, valid)
        except MarketError as exc:
            outcome = exc
        try:
            return w.breaker.call(_replay, outcome)
        except pybreaker.CircuitBreakerError as exc:
            raise self._unavailable(w) from exc

    def _send(self, w: Wiring, url: str, params: dict[str, Any], stats: CallStats) -> requests.Response:
        try:
            response = w.session.get(url, params=params, headers=self.auth.headers(), timeout=self.timeout_s)
        except requests.Timeout as exc:
            stats.count(calls=1)
            raise Unavailable(f"{self.label} did not answer within {self.timeout_s:g} s") from exc
        except requests.RequestException as exc:
            stats.count(calls=1)
            raise Unavailable(f"{self.label} dropped the connection") from exc
        stats.count(**({"cache_hits": 1} if getattr(response, "from_cache", False) else {"calls": 1}))
        return response

    def _fetch(self, w: Wiring, url: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Any:
        response = self._send(w, url, params, stats)
        if response.status_code == 401 and self.auth.refresh():
            response = self._send(w, url, params, stats)
        status = response.status_code
        if status == 429:
            stats.count(rate_limited=1)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            self._hold_off(w, retry_after)
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
        data = self._checked(w, response, valid)
        if data is None:
            raise BadAnswer(f"bad answer from {self.label}")
        w.pacing.faster()
        return data


def _replay(outcome: Any) -> Any:
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def make_breaker(settings: Settings, name: str, storage: pybreaker.CircuitBreakerStorage | None = None) -> pybreaker.CircuitBreaker:
    return pybreaker.CircuitBreaker(
        fail_max=settings.breaker_fail_max,
        reset_timeout=settings.breaker_reset_s,
        exclude=[lambda e: not (isinstance(e, MarketError) and e.market_fault)],
        name=name,
        state_storage=storage,
    )


def budget_name(settings: Settings, name: str) -> str:
    """A market's rate budget: the market and a hash of its API key (never the key)."""
    return f"{name}:{key_id(getattr(settings, KEY_SETTINGS.get(name, ''), None))}"


def market_http(settings: Settings, *, name: str, label: str, base_url: str, auth: Auth, volatile_urls: Sequence[str]) -> MarketHttp:
    budget = budget_name(settings, name)
    limits = settings.limits(name)

    def wire(generation: int, state: SharedState) -> Wiring:
        session = build_session(settings, limits, volatile_urls, state, budget)
        return Wiring(generation, state, session, Pacing(session.limiter, limits),  # type: ignore[attr-defined]
                      make_breaker(settings, name, state.breaker_storage(budget)), state.hold_off(budget))

    return MarketHttp(name=name, label=label, base_url=base_url, auth=auth, timeout_s=settings.http_timeout_s,
                      max_retries=settings.max_retries, budget=budget,
                      switch=switch_for(getattr(settings, "redis_url", None)), wire=wire)
