"""One process's share of a key's day, for tests/redis/test_day_budget.py: its own Redis client, bucket,
DayBudget and injected clock; the processes move their clocks together at a barrier (nothing sleeps)."""

from __future__ import annotations

import contextlib
from typing import Any

from analyzer.config import Limits
from analyzer.net.budget import BudgetSpent, ManualClock, day_budget, day_rate
from analyzer.net.session import token_rate
from analyzer.net.shared_state import RedisState, redis_client


def spend(url: str, prefix: str, me: int, processes: int, daily: int, start: float, steps: int, step_s: float,
          barrier: Any, results: Any, asks: int = 3) -> None:
    """Ask `asks` lookup calls each step, the processes taking turns at asking first. Puts (me, spent,
    spent by noon, the shared spend log's count at noon, read while every process waits)."""
    clock = ManualClock(start)
    state = RedisState(redis_client(url), prefix)
    bucket = state.bucket("stockx:key", [token_rate(Limits(1.0, 10)), day_rate(daily)], clock)
    day = day_budget(state, "stockx:key", "StockX", daily, 0.0, bucket, clock)
    assert day is not None
    spent = at_noon = logged = 0
    for k in range(steps):
        if k == steps // 2:
            barrier.wait()
            at_noon, logged = spent, day.summary()["spent"]
            barrier.wait()
        clock.t = start + k * step_s  # every process at the same instant
        for turn in range(processes):
            barrier.wait()
            if (k + turn) % processes == me:
                for _ in range(asks):
                    with contextlib.suppress(BudgetSpent):
                        spent += day.take("lookup") == 0.0
    results.put((me, spent, at_noon, logged))
