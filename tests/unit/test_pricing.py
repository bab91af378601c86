from __future__ import annotations

import pytest

from analyzer.models import Quote
from analyzer.pricing import Fees, alias_payout, market_payouts, money, recommend, stockx_payout


def quote(market: str, ask: float | None, bid: float | None, ok: bool = True) -> Quote:
    return Quote(market=market, ok=ok, lowest_ask=ask, highest_bid=bid)


def test_worked_example_from_the_fee_schedules() -> None:
    fees = Fees()
    assert stockx_payout(200, fees) == 176.00
    assert alias_payout(200, Fees(alias_cashout_enabled=False)) == 176.00
    assert alias_payout(200, fees) == 170.90


@pytest.mark.parametrize(("level", "expected"), [(1, 176.0), (2, 177.0), (3, 178.0), (4, 179.0), (5, 180.0)])
def test_stockx_levels(level: int, expected: float) -> None:
    assert stockx_payout(200, Fees(stockx_level=level)) == expected


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError):
        Fees(stockx_level=6)


def test_money_rounds_half_up_to_the_cent() -> None:
    assert money(1.005) == 1.01
    assert money(2.675) == 2.68


def test_missing_price_is_null_never_zero() -> None:
    payouts = market_payouts({"stockx": quote("stockx", None, 150.0)}, Fees())
    assert payouts["stockx"] == {"sell_now": 132.0, "list": None}


def test_recommendation_picks_best_of_each() -> None:
    quotes = {"stockx": quote("stockx", 210.0, 180.0), "alias": quote("alias", 200.0, 190.0)}
    rec = recommend(quotes, Fees())
    assert rec["best_sell_now"]["market"] == "alias"  # 190 -> 161.27 beats 180 -> 158.40
    assert rec["best_sell_now"]["payout"] == pytest.approx(money((190 * 0.905 - 5) * 0.971))
    assert rec["best_list"] == {"market": "stockx", "price": 210.0, "payout": 184.8}
    assert rec["best_buy"] == {"market": "alias", "price": 200.0}
    assert rec["arbitrage"] is None


def test_arbitrage_only_when_profitable_after_fees() -> None:
    quotes = {"stockx": quote("stockx", 100.0, 90.0), "alias": quote("alias", 260.0, 250.0)}
    arb = recommend(quotes, Fees())["arbitrage"]
    assert arb == {"buy_on": "stockx", "sell_on": "alias", "buy_price": 100.0, "sell_price": 250.0,
                   "profit": money(alias_payout(250.0, Fees()) - 100.0)}


def test_crossed_book_is_data_not_an_error() -> None:
    quotes = {"alias": quote("alias", 96.0, 105.0)}
    rec = recommend(quotes, Fees())
    assert rec["best_buy"]["price"] == 96.0
    assert rec["best_sell_now"]["price"] == 105.0
    assert rec["arbitrage"] is None  # the same market on both sides is not an arbitrage


def test_failed_market_is_left_out() -> None:
    quotes = {"stockx": quote("stockx", 100.0, 90.0), "alias": Quote(market="alias", ok=False, error="down")}
    rec = recommend(quotes, Fees())
    assert rec["payouts"]["alias"] == {"sell_now": None, "list": None}
    assert rec["best_buy"]["market"] == "stockx"


def test_nothing_to_recommend() -> None:
    rec = recommend({"stockx": quote("stockx", None, None)}, Fees())
    assert rec["best_sell_now"] is None and rec["best_list"] is None and rec["best_buy"] is None
