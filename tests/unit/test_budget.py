"""The key's day: a second rate in the key's bucket, the interactive reserve, fail-fast text, spend by purpose."""

from __future__ import annotations

import pytest

from analyzer.config import Limits
from analyzer.net.budget import DAY_MS, BudgetSpent, DayBudget, ManualClock, current_purpose, spending
from analyzer.net.session import make_limiter
from analyzer.net.shared_state import LocalState
from tests.unit.conftest import START, MakeDay


def spend_all(day: DayBudget, clock: ManualClock, purpose: str, seconds: float, step: float = 1.0) -> int:
    """Calls `purpose` gets in `seconds` of injected time, asking every `step` s; refusals end nothing."""
    spent, end = 0, clock() + seconds
    while clock() < end:
        try:
            if day.take(purpose) == 0.0:
                spent += 1
        except BudgetSpent:
            pass
        clock.advance(step)
    return spent


def test_the_day_is_the_second_rate_of_the_same_bucket() -> None:
    limiter = make_limiter(Limits(1.0, 10), LocalState(), "stockx:key", daily=25_000)
    rates = limiter.bucket_factory.bucket.rates  # type: ignore[attr-defined]
    assert [r.interval for r in rates] == [1000, DAY_MS]
    assert rates[1].burst + rates[1].limit == 25_000  # no rolling 24 h can hold more than the day


def test_no_rolling_day_spends_more_than_the_budget(make_day: MakeDay) -> None:
    clock = ManualClock(START)
    day = make_day(2_400, share=0.0, clock=clock)
    spent = spend_all(day, clock, "lookup", 86_400, step=5.0)
    assert 2_300 <= spent <= 2_400


def test_a_spent_day_fails_fast_with_the_next_call_time(make_day: MakeDay) -> None:
    clock = ManualClock(START)
    day = make_day(240, share=0.0, clock=clock)
    spend_all(day, clock, "lookup", 60)  # the hour's burst (10) goes at once
    for _ in range(20):
        try:
            day.take("lookup")
        except BudgetSpent as exc:
            assert "StockX's daily budget for this key is spent; next call at" in str(exc)
            assert exc.retry_after is not None and exc.retry_after > 2
            assert not exc.retryable
            break
        clock.advance(1)
    else:
        pytest.fail("the day was never refused")


def test_background_spends_at_most_its_share_and_lookups_keep_theirs(make_day: MakeDay) -> None:
    clock = ManualClock(START)
    day = make_day(2_400, share=0.3, clock=clock)
    background = spend_all(day, clock, "watch", 86_400, step=2.0)
    assert background <= 0.7 * 2_400 + 1
    assert background >= 0.6 * 2_400
    # The background ran flat out all day, yet a person's lookups still find their reserve.
    assert spend_all(day, clock, "lookup", day.reserve) == day.reserve == 30


def test_spend_is_recorded_by_purpose_and_summarised(make_day: MakeDay) -> None:
    clock = ManualClock(START)
    day = make_day(2_400, clock=clock)
    for purpose, n in (("lookup", 3), ("watch", 2), ("portfolio", 1)):
        for _ in range(n):
            assert day.take(purpose) == 0.0
            clock.advance(1.0)
    summary = day.summary()
    assert summary["by_purpose"] == {"lookup": 3, "watch": 2, "portfolio": 1, "listings": 0}
    assert summary["spent"] == 6 and summary["left"] == 2_394 and summary["daily_budget"] == 2_400
    assert summary["resets_at"] > "2026"
    clock.advance(86_400 + 3_600)
    assert day.summary()["spent"] == 0  # a rolling day: yesterday's calls are gone


def test_purpose_is_a_context_and_only_known_purposes_are_accepted() -> None:
    assert current_purpose() == "lookup"
    with spending("watch"):
        assert current_purpose() == "watch"
    assert current_purpose() == "lookup"
    with pytest.raises(ValueError), spending("mining"):
        pass


def test_the_day_settings_read_from_the_environment() -> None:
    from analyzer.config import Settings

    default = Settings.from_env({})
    assert default.daily_budget("stockx") == 25_000 and default.daily_budget("alias") is None
    assert default.interactive_share == 0.30
    chosen = Settings.from_env({"STOCKX_DAILY_BUDGET": "off", "ALIAS_DAILY_BUDGET": "25000", "ANALYZER_INTERACTIVE_SHARE": "0.25"})
    assert chosen.daily_budget("stockx") is None and chosen.daily_budget("alias") == 25_000 and chosen.interactive_share == 0.25
    for bad in ("lots", "100%", "-5"):
        with pytest.raises(ValueError, match="ANALYZER_INTERACTIVE_SHARE"):
            Settings.from_env({"ANALYZER_INTERACTIVE_SHARE": bad})
    with pytest.raises(ValueError, match="STOCKX_DAILY_BUDGET"):
        Settings.from_env({"STOCKX_DAILY_BUDGET": "many"})


def test_a_slower_pace_after_a_429_keeps_the_day() -> None:
    from analyzer.net.session import Pacing

    limiter = make_limiter(Limits(1.0, 10), LocalState(), "stockx:key", daily=25_000)
    bucket = limiter.bucket_factory.bucket  # type: ignore[attr-defined]
    day = bucket.rates[1]
    Pacing(limiter, Limits(1.0, 10)).slower(4.0)
    assert len(bucket.rates) == 2 and bucket.rates[1] is day and bucket.rates[0].interval > 1000


def test_without_redis_each_process_keeps_its_share_of_the_day() -> None:
    from analyzer.net.budget import day_rate as day_of
    from analyzer.net.session import token_rate

    alone = LocalState(share=3).bucket("stockx:key", [token_rate(Limits(1.0, 10)), day_of(24_000)])
    pace, day = alone.rates
    assert day.limit * 86_400_000 / day.interval == pytest.approx(23_000 / 3)  # a third of the day's refill
    assert pace.burst == 1 and day.burst == 1_000 // 3
