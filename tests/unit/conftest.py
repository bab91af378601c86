"""Shared fixtures of the unit tests: a market's day on an injected clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from analyzer.config import Limits
from analyzer.net.budget import DayBudget, ManualClock, day_budget, day_rate
from analyzer.net.session import token_rate
from analyzer.net.shared_state import LocalState

START = 1_790_000_000.0  # a fixed instant: the clock is injected, nothing sleeps
MakeDay = Callable[..., DayBudget]


@pytest.fixture
def make_day() -> MakeDay:
    """make_day(daily, share=0.3, clock=None): StockX's day on a fresh local bucket (pace 1/s, burst 10)."""

    def make(daily: int, share: float = 0.3, clock: ManualClock | None = None) -> DayBudget:
        state = LocalState()
        clock = clock or ManualClock(START)
        bucket = state.bucket("stockx:key", [token_rate(Limits(1.0, 10)), day_rate(daily)], clock)
        day = day_budget(state, "stockx:key", "StockX", daily, share, bucket, clock)
        assert day is not None
        return day

    return make
