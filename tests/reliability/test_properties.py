"""Property-based tests of the pricing and the parsers on arbitrary amounts and shapes."""

from __future__ import annotations

from dataclasses import is_dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.domain.errors import BadAnswer
from analyzer.domain.models import Quote
from analyzer.domain.pricing import Fees, alias_payout, recommend, stockx_payout
from analyzer.markets.alias import parse_availabilities, parse_catalog
from analyzer.markets.base import amount
from analyzer.markets.stockx import parse_search, parse_size_run

prices = st.floats(min_value=0.01, max_value=100_000, allow_nan=False, allow_infinity=False)
maybe_prices = st.none() | prices
fees = st.builds(Fees, stockx_level=st.integers(1, 5), alias_seller_fee=st.floats(0, 50), alias_cashout_enabled=st.booleans())
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                           max_leaves=20)


@settings(deadline=None)  # no wall-clock bound: a busy machine is not a failure
@given(price=prices, fee=fees)
def test_payouts_are_money_between_zero_and_the_price(price: float, fee: Fees) -> None:
    for pay in (stockx_payout(price, fee), alias_payout(price, fee)):
        assert 0 <= pay <= price + 0.005
        assert round(pay, 2) == pay


@settings(deadline=None)  # no wall-clock bound: a busy machine is not a failure
@given(low=prices, high=prices, fee=fees)
def test_payouts_never_fall_as_the_price_rises(low: float, high: float, fee: Fees) -> None:
    low, high = min(low, high), max(low, high)
    assert stockx_payout(low, fee) <= stockx_payout(high, fee)
    assert alias_payout(low, fee) <= alias_payout(high, fee)


@settings(deadline=None)  # no wall-clock bound: a busy machine is not a failure
@given(sx_ask=maybe_prices, sx_bid=maybe_prices, al_ask=maybe_prices, al_bid=maybe_prices, ok=st.booleans(), fee=fees)
def test_recommendation_is_consistent(sx_ask, sx_bid, al_ask, al_bid, ok: bool, fee: Fees) -> None:
    quotes = {"stockx": Quote("stockx", True, lowest_ask=sx_ask, highest_bid=sx_bid),
              "alias": Quote("alias", ok, lowest_ask=al_ask, highest_bid=al_bid)}
    rec = recommend(quotes, fee)
    asks = [q.lowest_ask for q in quotes.values() if q.ok and q.lowest_ask is not None]
    assert (rec.best_buy is None) == (not asks)
    if rec.best_buy is not None:
        costs = [p.buy_cost for p in rec.payouts.values() if p.buy_cost is not None]
        assert rec.best_buy.cost == min(costs) and rec.best_buy.price is not None and rec.best_buy.cost >= rec.best_buy.price
    arb = rec.arbitrage
    if arb is not None:
        assert arb.profit > 0 and arb.buy_on != arb.sell_on
        assert arb.profit == round(arb.sell_payout - arb.buy_cost, 2)
    for pays in rec.payouts.values():
        assert all(v is None or v >= 0 for v in (pays.sell_now, pays.list, pays.sell_faster, pays.earn_more, pays.buy_cost))


@settings(deadline=None)  # no wall-clock bound: a busy machine is not a failure
@given(value=json_values | st.floats(min_value=0, max_value=2) | st.floats(min_value=0, max_value=2).map(str),
       cents=st.booleans())
def test_amount_never_crashes_and_is_never_zero(value: object, cents: bool) -> None:
    result = amount(value, cents=cents)
    assert result is None or (result >= 0.01 and round(result, 2) == result)


@settings(max_examples=300, deadline=None)
@given(data=json_values)
def test_parsers_return_models_or_a_bad_answer(data: object) -> None:
    """Any JSON: each parser answers its model or raises BadAnswer, never anything else."""
    for parse in (parse_search, parse_catalog, parse_availabilities, lambda d: parse_size_run(d, d)):
        try:
            parsed = parse(data)
        except BadAnswer:
            continue
        assert isinstance(parsed, (list, tuple)) or is_dataclass(parsed), type(parsed)


@settings(deadline=None)  # no wall-clock bound: a busy machine is not a failure
@given(items=st.lists(st.dictionaries(st.sampled_from(["productId", "title", "styleId", "urlKey", "productAttributes", "brand"]),
                                      json_values, max_size=6), max_size=5))
def test_stockx_search_items_of_any_shape(items: list[dict]) -> None:
    try:
        products = parse_search({"products": items})
    except BadAnswer:
        return
    assert all(p.market == "stockx" and p.title for p in products)
