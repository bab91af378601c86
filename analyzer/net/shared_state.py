"""State that every process on one API key must share, behind one small interface.

Two implementations: `LocalState` (the default: SQLite cache on disk, everything else in this
process's memory) and `RedisState` (REDIS_URL set: the HTTP cache, the token buckets, the breaker,
the 429 hold-off and the single-flight locks live in Redis, so N replicas behave as one client).
The libraries do the work: requests-cache's RedisCache, pyrate-limiter's RedisStateStore under the
same TokenBucket algorithm, pybreaker's CircuitRedisStorage, redis-py's Lock (SET NX PX).

`StateSwitch` picks one and falls back to local state when Redis stops answering: a lookup never
fails because Redis did. It says so once, and tries Redis again after `RETRY_REDIS_S`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import pybreaker
import redis
from pyrate_limiter import AbstractClock, Rate, StateBucket, TokenBucket
from pyrate_limiter.buckets import RedisStateStore
from redis.backoff import NoBackoff
from redis.retry import Retry
from requests_cache import BaseCache, RedisCache, SQLiteCache

from analyzer.net.budget import LocalSpend, RedisSpend, SpendLog

log = logging.getLogger(__name__)

CACHE_FILE = "http-cache.sqlite"
DEFAULT_PREFIX = "sneaker-analyzer"
PREFIX_ENV = "ANALYZER_REDIS_PREFIX"
RETRY_REDIS_S = 30.0
HEARTBEAT_S = 5.0  # how often a process says it is alive; one silent for 6 beats is taken as gone
REDIS_ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, OSError)


def key_id(secret: str | None) -> str:
    """What names a rate budget: a SHA-256 of the API key, never the key itself."""
    return hashlib.sha256((secret or "no-key").encode()).hexdigest()[:24]


def redis_where(url: str) -> str:
    """host:port/db of a Redis URL, for messages: a URL may carry a password."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path or ''}"


class HoldOff(Protocol):
    """When a market's budget may be spent again after a 429 (epoch seconds)."""

    def until(self) -> float: ...

    def extend(self, seconds: float) -> None: ...


class FlightLock(Protocol):
    def acquire(self) -> bool: ...

    def release(self) -> None: ...

    def held_elsewhere(self) -> bool: ...


class SharedState(Protocol):
    kind: str

    def cache(self, data_dir: Path, volatile_urls: Sequence[str]) -> tuple[BaseCache, set[str]]: ...

    def bucket(self, budget: str, rates: Sequence[Rate], clock: AbstractClock | None = None) -> StateBucket: ...

    def spend_log(self, budget: str) -> SpendLog: ...

    def breaker_storage(self, budget: str) -> pybreaker.CircuitBreakerStorage: ...

    def hold_off(self, budget: str) -> HoldOff: ...

    def flight_lock(self, key: str, ttl_s: float) -> FlightLock | None:
        """A lock other processes see, or None when only this process counts (local state)."""
        ...

    def value(self, key: str) -> str | None:
        """A short-lived value every replica shares (an application token), None when absent or expired."""
        ...

    def keep(self, key: str, value: str, ttl_s: float) -> None: ...


@dataclass
class LocalHoldOff:
    _until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def until(self) -> float:
        return self._until

    def extend(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, time.time() + seconds)


_SQLITE: dict[Path, tuple[SQLiteCache, set[str]]] = {}
_SQLITE_LOCK = threading.Lock()
_VALUES: dict[str, tuple[str, float]] = {}  # key -> (value, expires at): this process's shared values


class LocalState:
    """One process's state: what a single user on one machine needs, and the fallback.

    `share`: the number of processes that were spending the key's budget together through Redis
    before it went; on its own each then paces itself at its share of the key's rate, so an outage
    costs a slower pace, not a 429 storm."""

    kind = "local"

    def __init__(self, share: int = 1) -> None:
        self.share = max(1, share)
        self._spend: dict[str, LocalSpend] = {}
        self._spend_lock = threading.Lock()

    def cache(self, data_dir: Path, volatile_urls: Sequence[str]) -> tuple[BaseCache, set[str]]:
        """One backend (one SQLite connection) per cache file per process, shared by every market:
        requests-cache serialises its writes per connection, and two connections in one process to
        one file can stall each other. The short-lived URL patterns of every market sharing it are
        kept together, since the expiry settings travel with the session."""
        path = (Path(data_dir) / CACHE_FILE).resolve()
        with _SQLITE_LOCK:
            if path not in _SQLITE or not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                _SQLITE[path] = (SQLiteCache(str(path), wal=True, busy_timeout=10_000), set())
            backend, patterns = _SQLITE[path]
            patterns.update(volatile_urls)
            return backend, set(patterns)

    def bucket(self, budget: str, rates: Sequence[Rate], clock: AbstractClock | None = None) -> StateBucket:
        if self.share > 1:  # uncoordinated: no bursts (every process's bucket starts full), a share of the pace and the day
            rates = [Rate(r.limit, r.interval * self.share, burst=max(1, r.burst // self.share) if i else 1)
                     for i, r in enumerate(sorted(rates, key=lambda r: r.interval))]
        return StateBucket(list(rates), algorithm=TokenBucket(), clock=clock)

    def spend_log(self, budget: str) -> SpendLog:
        with self._spend_lock:
            return self._spend.setdefault(budget, LocalSpend())

    def breaker_storage(self, budget: str) -> pybreaker.CircuitBreakerStorage:
        return pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED)

    def hold_off(self, budget: str) -> HoldOff:
        return LocalHoldOff()

    def flight_lock(self, key: str, ttl_s: float) -> FlightLock | None:
        return None

    def value(self, key: str) -> str | None:
        kept = _VALUES.get(key)
        return kept[0] if kept is not None and kept[1] > time.time() else None

    def keep(self, key: str, value: str, ttl_s: float) -> None:
        _VALUES[key] = (value, time.time() + ttl_s)


# Raise a resume time, never lower it: two 429s at once must not shorten each other's wait.
_EXTEND_LUA = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
"""


@dataclass
class RedisHoldOff:
    client: redis.Redis
    key: str

    def until(self) -> float:
        value = self.client.get(self.key)
        return float(value) if value else 0.0

    def extend(self, seconds: float) -> None:
        until = time.time() + seconds
        self.client.eval(_EXTEND_LUA, 1, self.key, f"{until:.3f}", max(1, int(seconds * 1000) + 1000))


@dataclass
class RedisFlightLock:
    lock: redis.lock.Lock

    def acquire(self) -> bool:
        return bool(self.lock.acquire(blocking=False))

    def release(self) -> None:
        # LockError: it expired while we fetched, and the waiters have gone their own way.
        with contextlib.suppress(redis.exceptions.LockError):
            self.lock.release()

    def held_elsewhere(self) -> bool:
        return bool(self.lock.locked())


def redis_client(url: str) -> redis.Redis:
    """Short time-outs and one immediate retry: a Redis that does not answer must cost a lookup
    milliseconds, not redis-py's default ten retries with backoff."""
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2.0,
                                retry=Retry(NoBackoff(), 1), health_check_interval=15)


class RedisState:
    """Every key starts with the prefix (ANALYZER_REDIS_PREFIX): one Redis can serve several
    deployments, and the tests each clean their own."""

    kind = "redis"

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._cache: RedisCache | None = None
        self._patterns: set[str] = set()
        self._lock = threading.Lock()

    def cache(self, data_dir: Path, volatile_urls: Sequence[str]) -> tuple[BaseCache, set[str]]:
        # ttl=True: Redis drops an entry an hour after it expires, so the cache never grows unbounded.
        with self._lock:
            if self._cache is None:
                self._cache = RedisCache(namespace=f"{self.prefix}:http", connection=self.client, ttl=True)
            self._patterns.update(volatile_urls)
            return self._cache, set(self._patterns)

    def bucket(self, budget: str, rates: Sequence[Rate], clock: AbstractClock | None = None) -> StateBucket:
        return StateBucket(list(rates), algorithm=TokenBucket(), store=RedisStateStore(self.client, f"{self.prefix}:bucket:{budget}"),
                           clock=clock)

    def spend_log(self, budget: str) -> SpendLog:
        return RedisSpend(self.client, f"{self.prefix}:spend:{budget}")

    def breaker_storage(self, budget: str) -> pybreaker.CircuitBreakerStorage:
        return pybreaker.CircuitRedisStorage(pybreaker.STATE_CLOSED, self.client, namespace=f"{self.prefix}:breaker:{budget}")

    def hold_off(self, budget: str) -> HoldOff:
        return RedisHoldOff(self.client, f"{self.prefix}:hold-off:{budget}")

    def flight_lock(self, key: str, ttl_s: float) -> FlightLock | None:
        return RedisFlightLock(self.client.lock(f"{self.prefix}:flight:{key}", timeout=ttl_s, thread_local=False))

    def value(self, key: str) -> str | None:
        kept = self.client.get(f"{self.prefix}:value:{key}")
        return kept.decode() if isinstance(kept, bytes) else kept

    def keep(self, key: str, value: str, ttl_s: float) -> None:
        self.client.set(f"{self.prefix}:value:{key}", value, px=max(1, int(ttl_s * 1000)))

    def heartbeat(self, process: str) -> int:
        """Say this process is alive; returns how many are (each beat kept for 6 beats)."""
        key, now = f"{self.prefix}:alive", time.time()
        pipe = self.client.pipeline()
        pipe.zadd(key, {process: now})
        pipe.zremrangebyscore(key, 0, now - 6 * HEARTBEAT_S)
        pipe.zcard(key)
        pipe.expire(key, int(12 * HEARTBEAT_S))
        return int(pipe.execute()[2])


class _QuietRedisErrors(logging.Filter):
    """pybreaker logs a traceback on every Redis error it absorbs; the switch says it once."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, REDIS_ERRORS)


logging.getLogger("pybreaker").addFilter(_QuietRedisErrors())


class StateSwitch:
    """The state to use now: Redis while it answers, else local. `generation` changes at every
    switch, so the sessions built on the old state know to rebuild."""

    def __init__(self, url: str | None, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.local: SharedState = LocalState()
        self.generation = 0
        self.process = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.replicas = 1  # processes seen alive through Redis at the last heartbeat
        self._beating: threading.Thread | None = None
        self._redis: SharedState | None = None
        self._down_since: float | None = None
        self._lock = threading.Lock()
        if url:
            self._connect()

    @property
    def status(self) -> str:
        """'local' (no REDIS_URL), 'redis', or 'redis-down' (configured, not answering)."""
        if not self.url:
            return "local"
        return "redis" if self._redis is not None else "redis-down"

    def describe(self) -> str:
        """One line for a page or a log: where this process keeps the shared state now."""
        if not self.url:
            return "state in this process (REDIS_URL is not set)"
        where = redis_where(self.url)
        if self._redis is None:
            return f"Redis at {where} does not answer: this process uses its own state until it does"
        return f"state shared through Redis at {where}"

    def current(self) -> tuple[int, SharedState]:
        if self.url and self._redis is None and self._down_since is not None \
                and time.monotonic() - self._down_since >= RETRY_REDIS_S:
            with self._lock:
                if self._redis is None:
                    self._connect()
        state = self._redis or self.local
        return self.generation, state

    def _beat_forever(self) -> None:
        """Every HEARTBEAT_S: say this process is alive and count the others, whether or not it is
        making calls (a process waiting in the shared limiter still spends the key)."""
        while True:
            time.sleep(HEARTBEAT_S)
            state, generation = self._redis, self.generation
            if isinstance(state, RedisState):
                try:
                    self.replicas = max(1, state.heartbeat(self.process))
                except REDIS_ERRORS as exc:
                    self.failed(generation, exc)

    def failed(self, generation: int, error: BaseException) -> None:
        """Redis failed a call: use local state from now on (said once per outage)."""
        with self._lock:
            if generation != self.generation or self._redis is None:
                return
            self._redis = None
            self._down_since = time.monotonic()
            self.local = LocalState(share=self.replicas)
            self.generation += 1
        log.warning("Redis at %s stopped answering (%s); using in-process state at 1/%d of the key's rate "
                    "(%d processes shared it), trying again in %g s", redis_where(self.url or ""), type(error).__name__,
                    self.replicas, self.replicas, RETRY_REDIS_S)

    def _connect(self) -> None:
        assert self.url
        try:
            client = redis_client(self.url)
            client.ping()
        except (*REDIS_ERRORS, ValueError) as exc:
            first = self._down_since is None
            self._down_since = time.monotonic()
            if first:
                log.warning("REDIS_URL is set but Redis at %s does not answer (%s); using in-process state",
                            redis_where(self.url), type(exc).__name__)
            return
        if self._down_since is not None:
            log.warning("Redis at %s answers again; sharing state through it", redis_where(self.url))
        state = RedisState(client, self.prefix)
        self._redis = state
        self._down_since = None
        self.generation += 1
        with contextlib.suppress(*REDIS_ERRORS):
            self.replicas = max(1, state.heartbeat(self.process))
        if self._beating is None:
            self._beating = threading.Thread(target=self._beat_forever, name="redis-heartbeat", daemon=True)
            self._beating.start()


_SWITCHES: dict[tuple[str | None, str], StateSwitch] = {}
_SWITCHES_LOCK = threading.Lock()


def redis_prefix() -> str:
    return os.environ.get(PREFIX_ENV, "").strip() or DEFAULT_PREFIX


def switch_for(redis_url: str | None, prefix: str | None = None) -> StateSwitch:
    """One switch per Redis URL and prefix per process: every market and every Analyzer of the
    process shares its connection pool and its view of whether Redis is up."""
    key = (redis_url or None, prefix or redis_prefix())
    with _SWITCHES_LOCK:
        if key not in _SWITCHES:
            _SWITCHES[key] = StateSwitch(*key)
        return _SWITCHES[key]


def shared_state_status(redis_url: str | None) -> tuple[str, str]:
    """('local' | 'redis' | 'redis-down', a sentence): for the app to say where its state is."""
    switch = switch_for(redis_url)
    return switch.status, switch.describe()
