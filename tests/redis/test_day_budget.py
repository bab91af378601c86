"""Three replicas on one Redis spend one day between them (the clock is injected: nothing sleeps)."""

from __future__ import annotations

import contextlib
import multiprocessing
import queue

import pytest

from analyzer.config import Limits
from analyzer.net.budget import BudgetSpent, DayBudget, ManualClock, day_budget, day_rate
from analyzer.net.session import token_rate
from analyzer.net.shared_state import RedisState, redis_client
from tests.redis.day_process import spend

pytestmark = pytest.mark.redis
START = 1_790_000_000.0


def replica(url: str, prefix: str, clock: ManualClock, daily: int, share: float) -> DayBudget:
    """One process's view of the key: its own client and objects, the key's state in Redis."""
    state = RedisState(redis_client(url), prefix)
    bucket = state.bucket("stockx:key", [token_rate(Limits(1.0, 10)), day_rate(daily)], clock)
    day = day_budget(state, "stockx:key", "StockX", daily, share, bucket, clock)
    assert day is not None
    return day


def test_three_replicas_spend_one_day(redis_url: str, prefix: str) -> None:
    clock = ManualClock(START)
    replicas = [replica(redis_url, prefix, clock, 480, 0.0) for _ in range(3)]
    spent, at_noon = [0, 0, 0], -1
    for k in range(0, 86_400 // 60):  # each replica asks every minute: nine times what the day pays for
        if k == 720:
            at_noon = sum(spent)
            assert replicas[2].summary()["spent"] == at_noon  # the spend log is shared too
        for i in ((k + j) % 3 for j in range(3)):  # the replicas take turns at asking first
            with contextlib.suppress(BudgetSpent):
                spent[i] += replicas[i].take("lookup") == 0.0
        clock.advance(60)
    assert 460 <= sum(spent) <= 480  # one day between them, not one each
    assert all(n > 100 for n in spent)  # and each got its turn
    assert 0 < at_noon < sum(spent)


def test_the_reserve_holds_across_replicas(redis_url: str, prefix: str) -> None:
    clock = ManualClock(START)
    worker, page = replica(redis_url, prefix, clock, 2_400, 0.3), replica(redis_url, prefix, clock, 2_400, 0.3)
    background = 0
    for _ in range(0, 3_600 * 6, 5):
        try:
            background += worker.take("watch") == 0.0
        except BudgetSpent as exc:
            assert "background share" in str(exc) or "interactive reserve" in str(exc)
        clock.advance(5)
    assert background <= 0.7 * 2_400 * 6 / 24 + 0.7 * 100 + 1
    lookups = 0
    for _ in range(page.reserve):
        lookups += page.take("lookup") == 0.0
        clock.advance(1)
    assert lookups == page.reserve == 30


def test_three_processes_spend_one_day(redis_url: str, prefix: str) -> None:
    """Three OS processes, each its own DayBudget on the same Redis, their clocks moved in lockstep ten
    minutes at a time over a day, three asks each a step: 1,296 asks for a day of 240."""
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(3, timeout=60), ctx.Queue()  # a stuck process breaks it: none waits forever
    daily, steps, step_s = 240, 144, 600.0
    procs = [ctx.Process(target=spend, args=(redis_url, prefix, me, 3, daily, START, steps, step_s, barrier, results))
             for me in range(3)]
    for proc in procs:
        proc.start()
    try:
        got = [results.get(timeout=60) for _ in procs]
    except queue.Empty:
        pytest.fail("a process did not finish its day")
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
    assert sorted(me for me, *_ in got) == [0, 1, 2] and all(proc.exitcode == 0 for proc in procs)
    total = sum(spent for _, spent, _, _ in got)
    assert 225 <= total <= daily  # one day between them, not one each
    assert all(spent >= 50 for _, spent, _, _ in got)  # and each got its share
    at_noon = sum(noon for _, _, noon, _ in got)
    assert 0 < at_noon < total and all(logged == at_noon for *_, logged in got)  # one spend log between them
