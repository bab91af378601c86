"""Every marketplace call goes through here: single flight -> cache -> limiter -> retry -> breaker.

The pieces are well-kept libraries: requests-cache (expiry by kind of answer), requests-ratelimiter
over pyrate-limiter's token bucket, tenacity, pybreaker. Where their state lives (this process, or
Redis for many replicas on one API key) is `analyzer.net.shared_state`'s business; this module only
composes them and turns HTTP outcomes into `analyzer.domain.errors` (each market's is built from the
settings in `analyzer.net.market_wiring`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import pybreaker
import redis
import requests
from requests_cache import CacheMixin
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from analyzer.domain.errors import (
    AuthRefused,
    BadAnswer,
    BreakerOpen,
    MarketError,
    NotFound,
    RateLimited,
    Rejected,
    Unavailable,
)
from analyzer.domain.models import CallStats
from analyzer.net.budget import DayBudget, current_purpose
from analyzer.net.flight import flight_key, share
from analyzer.net.recent import RecentAnswers, expires_at
from analyzer.net.session import (
    MAX_RETRY_AFTER_S,
    Pacing,
    backoff_s,
    parse_retry_after,
)
from analyzer.net.shared_state import HoldOff, SharedState, StateSwitch

FLIGHT_POLL_S = 0.05


class Auth(Protocol):
    def headers(self) -> dict[str, str]: ...

    def refresh(self) -> bool:
        """Get a new token after a 401; False when there is no way to."""
        ...


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
    day: DayBudget | None = None


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
        self._recent = RecentAnswers()

    def wiring(self) -> Wiring:
        return self._wired(*self._switch.current())

    def _wired(self, generation: int, state: SharedState) -> Wiring:
        wiring = self._wiring
        if wiring is None or wiring.generation != generation:
            with self._lock:
                if self._wiring is None or self._wiring.generation != generation:
                    self._wiring = self._wire(generation, state)
                wiring = self._wiring
        return wiring

    # The breaker, for the tests that open it.
    breaker = property(lambda self: self.wiring().breaker)

    @property
    def shared_state(self) -> str:
        """'local', 'redis' or 'redis-down': where this market's state lives now."""
        return self._switch.status

    def get_json(self, path: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Any:
        return self.get_answer(path, params, stats, valid).data

    def get_answer(self, path: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Answer:
        url = self.base_url.rstrip("/") + path
        generation, state = self._switch.current()
        try:
            return self._answer(self._wired(generation, state), url, params, stats, valid)
        except redis.RedisError as exc:
            if state.kind != "redis":
                raise
            # Redis went away (mid-call, or while the session was being built on it): carry on
            # with this process's own state.
            self._switch.failed(generation, exc)
            return self._answer(self.wiring(), url, params, stats, valid)

    def clear_cache(self) -> None:
        self._recent.clear()
        generation, state = self._switch.current()
        try:
            cache = getattr(self._wired(generation, state).session, "cache", None)
            if cache is not None:
                cache.clear()
        except redis.RedisError as exc:
            if state.kind != "redis":
                raise
            # The shared cache cannot be reached; the fallback cache this process now uses can.
            self._switch.failed(generation, exc)
            self.clear_cache()

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
        return retrying(self._attempt, w, url, params, stats, valid)

    def _forget(self, w: Wiring, response: requests.Response) -> None:
        """A cached answer that turned out bad must not be served again."""
        cache = getattr(w.session, "cache", None)
        if cache is not None:
            cache.delete(requests=[response.request])

    def _unavailable(self, w: Wiring) -> BreakerOpen:
        return BreakerOpen(f"{self.label} is unavailable, retrying in {max(1, math.ceil(self.breaker_wait_s(w)))} s")

    def _from_cache(self, w: Wiring, url: str, params: dict[str, Any], valid: Callable[[Any], bool]) -> Answer | None:
        key = RecentAnswers.key(w.generation, url, params)
        recent = self._recent.get(key)
        if recent is not None:
            return recent  # type: ignore[no-any-return]
        response = w.session.get(url, params=params, only_if_cached=True)
        if not getattr(response, "from_cache", False) or response.status_code != 200:
            return None
        data = self._checked(w, response, valid)
        if data is None:
            return None
        answer = Answer(data, fresh=False, at=_cached_at(response))
        self._recent.put(key, answer, expires_at(response))
        return answer

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

    def day(self) -> dict[str, Any] | None:
        """The key's day (spent, left, by purpose, when whole again), or None without a daily budget."""
        day = self.wiring().day
        return day.summary() if day is not None else None

    def _attempt(self, w: Wiring, url: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Answer:
        if w.breaker.current_state == pybreaker.STATE_OPEN and self.breaker_wait_s(w) > 0:
            raise self._unavailable(w)
        pause = w.hold_off.until() - time.time()
        if pause > 0:
            self.sleep(min(pause, MAX_RETRY_AFTER_S))
        # pybreaker holds its lock for the whole of breaker.call(), which would make one market's
        # calls one at a time. So the call is made outside, and only its outcome goes through it.
        if w.day is not None:
            w.day.admit(current_purpose())  # fails fast when the day cannot pay: never a 429 storm
        try:
            outcome: Any = self._fetch(w, url, params, stats, valid)
        except MarketError as exc:
            outcome = exc
        finally:
            if w.day is not None:
                w.day.settle()
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
        from_cache = getattr(response, "from_cache", False)
        stats.count(**({"cache_hits": 1} if from_cache else {"calls": 1}))
        if w.day is not None and not from_cache:
            w.day.record(current_purpose())
        return response

    def _fetch(self, w: Wiring, url: str, params: dict[str, Any], stats: CallStats, valid: Callable[[Any], bool]) -> Answer:
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
        # The session answers from the cache when another caller stored the answer meanwhile.
        if getattr(response, "from_cache", False):
            return Answer(data, fresh=False, at=_cached_at(response))
        return Answer(data, fresh=True, at=_now_iso())


def _replay(outcome: Any) -> Any:
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome
