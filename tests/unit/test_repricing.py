"""Repricing rules: the floor is never crossed, the daily limit holds, a preview and an apply agree."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.domain.pricing import Fees, payout_exact
from analyzer.domain.repricing import TARGETS, Plan, Rule, Situation, floor_price, needed_payout, plan, plan_one

MARGIN = Decimal("0.10")
money = st.integers(min_value=1, max_value=3000).map(Decimal)
maybe = st.none() | money


def payout_of(market: str):
    return lambda price: payout_exact(market, price, Fees())


rules = st.builds(Rule, target=st.sampled_from(TARGETS), step=st.integers(0, 20).map(Decimal),
                  fixed=money, min_payout=maybe, ceiling=maybe, max_changes_per_day=st.integers(0, 5),
                  max_step=st.none() | st.integers(0, 50).map(Decimal))
situations = st.builds(Situation, listing_id=st.just(1), amount=money, lowest_ask=maybe, ours_lowest=st.booleans(),
                       cost=maybe, sell_faster=maybe, earn_more=maybe, changes_today=st.integers(0, 6),
                       minimum=st.none() | st.just(Decimal(25)))


@settings(max_examples=400, deadline=None)
@given(s=situations, rule=rules, market=st.sampled_from(["stockx", "alias"]))
def test_no_applied_price_pays_less_than_the_floor(s: Situation, rule: Rule, market: str) -> None:
    payout = payout_of(market)
    p = plan_one(s, rule, payout, MARGIN)
    if p.changes:
        need = needed_payout(rule, s.cost, MARGIN)
        assert need is not None and payout(p.new) >= need
        assert p.new == p.new.to_integral_value() and p.new >= 1
        assert s.minimum is None or p.new >= s.minimum
        assert rule.ceiling is None or p.new <= max(rule.ceiling, p.floor)
        assert s.changes_today < rule.max_changes_per_day


@settings(max_examples=200, deadline=None)
@given(s=situations, rule=rules, asks=st.lists(money, min_size=1, max_size=12))
def test_never_more_than_the_daily_changes(s: Situation, rule: Rule, asks: list[Decimal]) -> None:
    """A day of market moves, each answered by an apply: the changes made never exceed the limit."""
    payout, amount, made = payout_of("stockx"), s.amount, 0
    for ask in asks:
        now = Situation(1, amount, ask, ours_lowest=ask >= amount, cost=s.cost, changes_today=made)
        p = plan_one(now, rule, payout, MARGIN)
        if p.changes:
            amount, made = p.new, made + 1
    assert made <= rule.max_changes_per_day


@settings(max_examples=200, deadline=None)
@given(many=st.lists(st.tuples(situations, rules), min_size=1, max_size=8))
def test_a_preview_and_an_apply_of_the_same_state_agree(many: list[tuple[Situation, Rule]]) -> None:
    states = [Situation(**{**s.__dict__, "listing_id": i}) for i, (s, _) in enumerate(many)]
    chosen = {i: rule for i, (_, rule) in enumerate(many)}
    payouts = {i: payout_of("alias") for i in chosen}
    preview = plan(states, chosen, payouts, MARGIN)
    applied = plan(list(reversed(states)), chosen, payouts, MARGIN)  # the apply reads the same state again
    assert sorted(preview, key=lambda p: p.listing_id) == sorted(applied, key=lambda p: p.listing_id)


def test_beat_by_a_step_and_held_at_the_floor() -> None:
    payout = payout_of("stockx")
    rule = Rule(target="beat", step=Decimal(2))
    p = plan_one(Situation(1, Decimal(120), Decimal(100), False, cost=Decimal(60)), rule, payout, MARGIN)
    assert p == Plan(1, Decimal(120), Decimal(98), payout(Decimal(98)), p.floor, p.why) and p.floor == 75  # 75 * 0.88 = 66.00 = 60 * 1.10
    low = plan_one(Situation(1, Decimal(120), Decimal(70), False, cost=Decimal(60)), rule, payout, MARGIN)
    assert low.new == 75 and "floor" in low.why
    assert floor_price(payout, Decimal(66)) == 75 and floor_price(payout, Decimal("66.01")) == 76


def test_no_floor_no_change_and_ours_already_lowest() -> None:
    payout = payout_of("alias")
    assert not plan_one(Situation(1, Decimal(90), Decimal(80), False), Rule(), payout, MARGIN).changes
    held = plan_one(Situation(1, Decimal(90), Decimal(90), True, cost=Decimal(40)), Rule(), payout, MARGIN)
    assert not held.changes and "already the lowest" in held.why


def test_a_rule_round_trips_and_refuses_nonsense() -> None:
    rule = Rule(target="fixed", fixed=Decimal(99), ceiling=Decimal(150), max_step=Decimal(5))
    assert Rule.from_json(rule.to_json()) == rule
    assert Rule.from_json("{not json") == Rule()
    for bad in ({"target": "cheapest"}, {"target": "fixed"}, {"step": Decimal(-1)}):
        try:
            Rule(**bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} was accepted")
