"""The planner: products, not pairs; the promise kept first; then value; owners take turns."""

from __future__ import annotations

from analyzer.net.budget import ManualClock
from analyzer.services.schedule import Pair, ProductState, crossing, plan, promise_s, score, variance_rate
from analyzer.services.watch_plan import plan_watches, product_key
from analyzer.store.watch_repo import Watch
from tests.unit.conftest import MakeDay

NOW = 1_790_000_000.0


def test_one_call_answers_every_size_of_a_product() -> None:
    pairs = [Pair("ann", "p1"), Pair("ann", "p1"), Pair("bob", "p1"), Pair("bob", "p2")]
    planned = plan(pairs, {}, NOW, capacity=10, bound_s=600, tick_s=60)
    assert sorted(planned.products) == ["p1", "p2"]


def test_the_promise_is_the_background_share_spread_over_the_products() -> None:
    assert promise_s(300, 17_000) is not None
    assert promise_s(600, 17_000) == 2 * promise_s(300, 17_000)  # type: ignore[operator]
    assert promise_s(300, None) is None and promise_s(0, 17_000) is None


def test_due_products_come_first_oldest_first() -> None:
    states = {"old": ProductState(NOW - 590), "older": ProductState(NOW - 700), "fresh": ProductState(NOW - 10)}
    pairs = [Pair("ann", p, nearness=0.0) for p in ("fresh", "old", "older")]
    planned = plan(pairs, states, NOW, capacity=2, bound_s=600, tick_s=60)
    assert planned.products == ["older", "old"] and planned.due == 2 and planned.waiting == 1


def test_by_value_a_near_target_or_moving_product_beats_a_calm_far_one() -> None:
    times = [NOW - 2_000, NOW - 1_000, NOW - 100]
    calm = ProductState(NOW - 100, history=[100, 100.1, 100], times=times)
    moving = ProductState(NOW - 100, history=[100, 104, 99], times=times)
    near, far = [Pair("a", "x", nearness=0.002)], [Pair("a", "x", nearness=0.3)]
    assert score(near, calm, NOW, 600) > score(far, calm, NOW, 600)
    assert score([Pair("a", "x", nearness=0.02)], moving, NOW, 600) > score([Pair("a", "x", nearness=0.02)], calm, NOW, 600)
    assert score([Pair("a", "x", position=5_000)], calm, NOW, 600) > score([Pair("a", "x")], calm, NOW, 600)
    assert variance_rate(moving) > variance_rate(calm)
    just = ProductState(NOW)
    assert score([Pair("a", "x", nearness=0.0)], just, NOW, 600, tick_s=60) == 0  # never one just refreshed


def test_a_crossing_is_likelier_near_the_target_and_as_time_passes() -> None:
    rate = 0.003 ** 2 / 900  # 0.3% in 15 minutes
    assert crossing(0.001, rate, 900) > crossing(0.01, rate, 900) > crossing(0.03, rate, 900)
    assert crossing(0.005, rate, 3_600) > crossing(0.005, rate, 900) > crossing(0.005, rate, 60)
    assert 0.3 < crossing(0.003, rate, 900) < 0.35  # one sigma away: 2 P(Z > 1) = 0.317
    assert crossing(0.01, rate, 0) == 0 and crossing(0.0, rate, 0) == 1


def test_the_move_is_per_second_of_its_own_timed_readings() -> None:
    """The same moves read a minute apart are a fast product, read an hour apart a calm one: a 0.5% gap
    is near for the first and far for the second (a per-reading move would call them the same)."""
    prices = [100, 100.5, 100, 100.5]
    often = ProductState(NOW - 300, history=prices, times=[NOW - 480, NOW - 420, NOW - 360, NOW - 300])
    seldom = ProductState(NOW - 300, history=prices, times=[NOW - 3 * 3_600 - 300, NOW - 7_500, NOW - 3_900, NOW - 300])
    assert variance_rate(often) > 3 * variance_rate(seldom)  # the prior (an hour of 3% a day) tempers both
    pair = [Pair("a", "x", nearness=0.005)]
    assert score(pair, often, NOW, 3_000, 60) > 2 * score(pair, seldom, NOW, 3_000, 60)


def test_the_pairs_a_product_may_owe_alerts_add_up() -> None:
    state = ProductState(NOW - 600, history=[100, 100.3], times=[NOW - 1_500, NOW - 600])
    one = [Pair("a", "x", nearness=0.003), Pair("a", "x", nearness=0.2)]
    three = [Pair("a", "x", nearness=0.003), Pair("b", "x", nearness=0.004), Pair("c", "x", nearness=0.003)]
    assert score(three, state, NOW, 3_000, 60) > 1.5 * score(one, state, NOW, 3_000, 60)


def test_owners_take_turns_so_a_big_portfolio_cannot_starve_small_watchlists() -> None:
    pairs = [Pair("whale", f"w{i}") for i in range(2_000)] + [Pair("ann", f"a{i}") for i in range(10)]
    planned = plan(pairs, {}, NOW, capacity=20, bound_s=600, tick_s=60)
    assert planned.owners == {"ann": 10, "whale": 10}
    assert {f"a{i}" for i in range(10)} <= set(planned.products)


def test_without_a_day_every_product_every_run() -> None:
    pairs = [Pair("ann", f"p{i}") for i in range(50)]
    assert len(plan(pairs, {}, NOW, capacity=None, bound_s=None, tick_s=60).products) == 50


def test_the_worker_plans_by_product_within_the_background_share(make_day: MakeDay) -> None:
    clock = ManualClock(NOW)
    day = make_day(2_400, clock=clock)
    watched = [Watch(i, f"shoe {i % 5}", 10.0, None, "any", None, None, 100.0, "2026-11-30T00:00:00+00:00",
                     resolved={"stockx": {"product_id": f"p{i % 5}", "size": 10.0}}, owner="ann") for i in range(20)]
    chosen, planned = plan_watches(watched, [day, None], NOW, tick_s=300)
    assert planned is not None and planned.bound_s is not None
    assert len({product_key(w) for w in chosen}) == len(planned.products) <= 5
    assert plan_watches(watched, [None], NOW, 300) == (watched, None)


def test_nearness_is_the_nearest_target_as_a_share_of_it() -> None:
    from analyzer.services.watch_plan import nearness

    rows = [{"id": 1, "ask_below": {"threshold": 100.0, "value": 102.0}, "sell_now_above": {"threshold": 50.0, "value": 40.0}},
            {"id": 2, "ask_below": {"threshold": 100.0, "value": None}}]
    assert nearness(rows) == {1: 0.02}  # the ask is 2% off; the payout 20% off; no reading for #2


def test_the_worker_keeps_its_own_timed_readings_of_each_product_across_runs() -> None:
    from analyzer.services.watch_plan import Readings

    def watched(at: str) -> list[Watch]:
        return [Watch(i, "shoe", 10.0 + i, None, "any", None, None, 100.0, "2026-11-29T00:00:00+00:00", at, owner="ann",
                      resolved={"stockx": {"product_id": "p1", "size": 10.0 + i}}) for i in (1, 2)]

    readings = Readings()
    for at, ask in (("2026-11-30T00:00:00+00:00", 100.0), ("2026-11-30T00:10:00+00:00", 101.0),
                    ("2026-11-30T00:10:00+00:00", 101.0)):  # a run that read nothing new adds nothing
        rows = [{"id": 1, "ask_below": {"threshold": 99.0, "value": ask}}, {"id": 2, "ask_below": {"threshold": 9.0, "value": 7.0}}]
        readings.note(watched(at), rows)
    state = readings.state("stockx:p1", NOW)
    assert state.history == [100.0, 101.0] and state.times[1] - state.times[0] == 600  # one series: the first pair's
    assert variance_rate(state) > variance_rate(readings.state("stockx:other", NOW))  # 1% in 10 min: faster than the prior
