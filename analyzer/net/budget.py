"""One API key's day: the daily budget as a second rate in the key's token bucket, a share of it kept
for interactive lookups, and what was spent, by purpose, over the last 24 hours.

The day is a rate in the SAME pyrate-limiter bucket as the per-second pace (TokenBucket, several rates
per bucket; in Redis when REDIS_URL is set, so every replica spends one day). A token bucket refills
continuously, so it is sized to keep the market's rolling count: a burst of one hour's worth and a
refill of the rest, `burst + refill * 24 h == daily`, so no 24 hours ever hold more than the day.

Background work (watch, portfolio, listings) passes a second bucket first: the background share,
`(1 - interactive_share) * daily`, sized the same way. Interactive lookups pass only the key's bucket,
so the reserved share is always theirs. A call the day cannot pay for fails at once with
`BudgetSpent` ("StockX's daily budget for this key is spent; next call at 14:02"), never a 429 storm.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pyrate_limiter import AbstractClock, Rate, RateItem, StateBucket

from analyzer.domain.errors import MarketError

if TYPE_CHECKING:
    from analyzer.net.shared_state import SharedState

DAY_MS = 86_400_000
HOUR_S = 3600
PURPOSES = ("lookup", "watch", "portfolio", "listings")
INTERACTIVE = frozenset({"lookup"})
FAIL_FAST_S = 2.0
"""A call that would wait longer than this for the day fails at once instead (the per-second pace waits)."""

Clock = Callable[[], float]
_purpose: contextvars.ContextVar[str] = contextvars.ContextVar("analyzer_purpose", default="lookup")


class BudgetSpent(MarketError):
    """The key's day (or the background share of it) cannot pay for this call now."""

    kind = "budget"


@contextlib.contextmanager
def spending(purpose: str) -> Iterator[None]:
    """Calls made inside (and in pools started with `contextvars.copy_context()`) spend for `purpose`."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}, not {purpose!r}")
    token = _purpose.set(purpose)
    try:
        yield
    finally:
        _purpose.reset(token)


def current_purpose() -> str:
    return _purpose.get()


def day_rate(daily: int) -> Rate:
    """The day as a token-bucket rate: an hour's worth at once, the rest refilled over 24 h."""
    burst = max(1, daily // 24)
    return Rate(max(1, daily - burst), DAY_MS, burst=burst)


def background_daily(daily: int, interactive_share: float) -> int:
    return max(1, int(daily * (1 - interactive_share)))


class SpendLog(Protocol):
    """Calls spent per purpose per hour; `last_day` sums the 24 hours before `now`."""

    def add(self, purpose: str, now: float) -> None: ...

    def last_day(self, now: float) -> dict[str, int]: ...


class LocalSpend:
    def __init__(self) -> None:
        self._hours: dict[int, Counter[str]] = {}
        self._lock = threading.Lock()

    def add(self, purpose: str, now: float) -> None:
        hour = int(now // HOUR_S)
        with self._lock:
            self._hours.setdefault(hour, Counter())[purpose] += 1
            for old in [h for h in self._hours if h <= hour - 25]:
                del self._hours[old]

    def last_day(self, now: float) -> dict[str, int]:
        hour = int(now // HOUR_S)
        total: Counter[str] = Counter()
        with self._lock:
            for h, counts in self._hours.items():
                if hour - 24 < h <= hour:
                    total.update(counts)
        return {p: total.get(p, 0) for p in PURPOSES}


class RedisSpend:
    """One hash per hour (purpose -> calls), kept 26 hours: every replica adds to the same hours."""

    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.key = key

    def add(self, purpose: str, now: float) -> None:
        hour = int(now // HOUR_S)
        pipe = self.client.pipeline()
        pipe.hincrby(f"{self.key}:{hour}", purpose, 1)
        pipe.expire(f"{self.key}:{hour}", 26 * HOUR_S)
        pipe.execute()

    def last_day(self, now: float) -> dict[str, int]:
        hour = int(now // HOUR_S)
        pipe = self.client.pipeline()
        for h in range(hour - 23, hour + 1):
            pipe.hgetall(f"{self.key}:{h}")
        total: Counter[str] = Counter()
        for counts in pipe.execute():
            for purpose, n in counts.items():
                total[purpose.decode() if isinstance(purpose, bytes) else purpose] += int(n)
        return {p: total.get(p, 0) for p in PURPOSES}


def _rate_wait_s(bucket: StateBucket, rate: Rate) -> float:
    """Seconds until `rate` in `bucket` admits one call (0: now), read without spending (on the bucket's own clock)."""
    now_ms = int(bucket.now())
    index = bucket.rates.index(rate)
    state = bucket.store.read(bucket.algorithm, bucket.rates)
    emission_us = max(1, math.ceil(rate.interval * 1000 / rate.limit))
    allow_at_us = max(float(state[index]), now_ms * 1000) + emission_us - rate.burst * emission_us
    return max(0.0, (allow_at_us - now_ms * 1000) / 1e6)


def _tokens_left(bucket: StateBucket, rate: Rate) -> int:
    now_ms = int(bucket.now())
    state = bucket.store.read(bucket.algorithm, bucket.rates)
    emission_us = max(1, math.ceil(rate.interval * 1000 / rate.limit))
    owed_us = max(0.0, float(state[bucket.rates.index(rate)]) - now_ms * 1000)
    return max(0, int((rate.burst * emission_us - owed_us) // emission_us))


@dataclass
class DayBudget:
    """One market's day on one key. `key_bucket` is the bucket the session's limiter spends from (its
    rates: the per-second pace and `day`); `background` the background share's own bucket."""

    label: str
    daily: int
    interactive_share: float
    key_bucket: StateBucket
    day: Rate
    background: StateBucket
    spend: SpendLog
    clock: Clock = time.time
    _pending: int = 0
    """Calls this process admitted and not yet answered (a lookup asks several at once). One in flight has
    spent its token too, so it counts twice until answered: near the day's end this errs on refusing."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _spent(self, what: str, wait_s: float) -> BudgetSpent:
        at = datetime.fromtimestamp(self.clock() + wait_s, UTC).strftime("%H:%M")
        return BudgetSpent(f"{self.label}'s {what} for this key is spent; next call at {at} UTC", retry_after=wait_s)

    def admit(self, purpose: str) -> None:
        """Raise BudgetSpent when the day cannot pay for a call now; a background call spends its share.
        An admitted call is pending until `settle()`: calls admitted together count against the day together."""
        with self._lock:
            self._admit(purpose)
            self._pending += 1

    def settle(self) -> None:
        """The admitted call went through the limiter (or never will)."""
        with self._lock:
            self._pending = max(0, self._pending - 1)

    def _admit(self, purpose: str) -> None:
        short = self._pending + 1 - _tokens_left(self.key_bucket, self.day)  # tokens this call lacks, after the pending ones
        wait = max(_rate_wait_s(self.key_bucket, self.day), short * self._refill_s()) if short > 0 else 0.0
        if wait > FAIL_FAST_S:
            raise self._spent("daily budget", wait)
        if purpose in INTERACTIVE:
            return
        # The reserve: background never takes the key's bucket below the interactive share of its burst.
        if _tokens_left(self.key_bucket, self.day) - self._pending <= self.reserve:
            raise self._spent("daily budget (all but the interactive reserve)", max(wait, self._refill_s()))
        rate = self.background.rates[0]
        if not self.background.put(RateItem(purpose, int(self.background.now()))):
            raise self._spent("background share of the daily budget", _rate_wait_s(self.background, rate))

    @property
    def reserve(self) -> int:
        return int(self.day.burst * self.interactive_share)

    def _refill_s(self) -> float:
        return DAY_MS / 1000 / self.day.limit

    def take(self, purpose: str) -> float:
        """Admit and spend one call without blocking: 0.0 when spent, else the seconds the per-second
        pace asks to wait first (nothing spent). For callers that keep their own time (the bench)."""
        pace = max((_rate_wait_s(self.key_bucket, r) for r in self.key_bucket.rates if r is not self.day), default=0.0)
        if pace > 0:
            return pace
        self.admit(purpose)
        try:
            if not self.key_bucket.put(RateItem(purpose, int(self.key_bucket.now()))):  # another replica took the token meanwhile
                return max(0.001, _rate_wait_s(self.key_bucket, self.day))
        finally:
            self.settle()
        self.record(purpose)
        return 0.0

    def record(self, purpose: str) -> None:
        self.spend.add(purpose, self.clock())

    @property
    def background_calls_per_day(self) -> float:
        rate = self.background.rates[0]
        return rate.limit * DAY_MS / rate.interval

    def headroom(self) -> float:
        """The share of the key's bucket that is full now (1.0: a whole burst waits to be spent)."""
        return _tokens_left(self.key_bucket, self.day) / self.day.burst

    def background_left(self) -> int:
        """Background calls the share allows right now (its bucket's tokens)."""
        return _tokens_left(self.background, self.background.rates[0])

    def summary(self) -> dict[str, Any]:
        """The day for a page or `metrics --json`: spent, left, by purpose, when it is whole again."""
        now = self.clock()
        by_purpose = self.spend.last_day(now)
        spent = sum(by_purpose.values())
        left = _tokens_left(self.key_bucket, self.day)
        full_at = now + (self.day.burst - left) * self._refill_s()
        return {"daily_budget": self.daily, "spent": spent, "left": max(0, self.daily - spent),
                "available_now": left, "by_purpose": by_purpose,
                "interactive_share": self.interactive_share,
                "background_left_now": self.background_left(),
                "resets_at": datetime.fromtimestamp(full_at, UTC).isoformat(timespec="seconds")}


class ManualClock(AbstractClock):
    """An injected clock for the limiter (ms, as pyrate-limiter reads it) and the day (s, when called):
    the bench and the tests move it instead of sleeping."""

    def __init__(self, start: float) -> None:
        self.t = float(start)

    def now(self) -> int:
        return int(self.t * 1000)

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def day_budget(state: SharedState, budget: str, label: str, daily: int | None, share: float,
               key_bucket: StateBucket, clock: Clock = time.time) -> DayBudget | None:
    """The key's day over the bucket the session spends from (its longest rate is the day)."""
    if not daily:
        return None
    day = max(key_bucket.rates, key=lambda r: r.interval)
    background = state.bucket(f"{budget}:background", [day_rate(background_daily(daily, share))],
                              clock if isinstance(clock, AbstractClock) else None)
    return DayBudget(label, daily, share, key_bucket, day, background, state.spend_log(budget), clock)
