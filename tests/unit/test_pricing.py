from __future__ import annotations

import pytest

from analyzer.domain.models import Quote
from analyzer.domain.pricing import Fees, alias_payout, market_payouts, money, recommend, stockx_payout


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
    assert payouts["stockx"].sell_now == 132.0 and payouts["stockx"].list is None
    assert payouts["stockx"].buy_cost is None and payouts["stockx"].currency == "USD"


def test_recommendation_picks_best_of_each() -> None:
    quotes = {"stockx": quote("stockx", 210.0, 180.0), "alias": quote("alias", 200.0, 190.0)}
    rec = recommend(quotes, Fees())
    assert rec.to_dict()["best_sell_now"]["market"] == "alias"  # 190 -> 161.27 beats 180 -> 158.40
    assert rec.to_dict()["best_sell_now"]["payout"] == pytest.approx(money((190 * 0.905 - 5) * 0.971))
    assert rec.to_dict()["best_list"] == {"market": "stockx", "price": 210.0, "payout": 184.8, "basis": "lowest_ask", "currency": "USD"}
    # StockX 210 * 1.03 + 14.95 = 231.25; Alias 200 + 14.50 = 214.50
    assert rec.to_dict()["best_buy"] == {"market": "alias", "price": 200.0, "cost": 214.5, "currency": "USD"}
    assert rec.to_dict()["arbitrage"] is None


def test_arbitrage_only_when_profitable_after_fees() -> None:
    quotes = {"stockx": quote("stockx", 100.0, 90.0), "alias": quote("alias", 260.0, 250.0)}
    arb = recommend(quotes, Fees()).to_dict()["arbitrage"]
    cost = money(100.0 * 1.03 + 14.95)
    assert arb == {"buy_on": "stockx", "sell_on": "alias", "buy_price": 100.0, "buy_cost": cost, "sell_price": 250.0,
                   "sell_payout": alias_payout(250.0, Fees()), "profit": money(alias_payout(250.0, Fees()) - cost),
                   "currency": "USD"}


def test_buyer_costs_can_erase_an_arbitrage() -> None:
    # Alias pays 179.58 for the 210 bid; the 160 StockX ask costs 179.75 with 3% and $14.95: no profit.
    quotes = {"stockx": quote("stockx", 160.0, 150.0), "alias": quote("alias", 260.0, 210.0)}
    assert money(alias_payout(210.0, Fees()) - 160.0) > 0
    assert recommend(quotes, Fees()).to_dict()["arbitrage"] is None
    assert recommend(quotes, Fees(stockx_buyer_pct=0.0, stockx_buyer_flat=0.0)).to_dict()["arbitrage"]["profit"] == money(
        alias_payout(210.0, Fees()) - 160.0)


def test_crossed_book_is_data_not_an_error() -> None:
    quotes = {"alias": quote("alias", 96.0, 105.0)}
    rec = recommend(quotes, Fees())
    assert rec.to_dict()["best_buy"]["price"] == 96.0
    assert rec.to_dict()["best_sell_now"]["price"] == 105.0
    assert rec.to_dict()["arbitrage"] is None  # the same market on both sides is not an arbitrage


def test_failed_market_is_left_out() -> None:
    quotes = {"stockx": quote("stockx", 100.0, 90.0), "alias": Quote(market="alias", ok=False, error="down")}
    rec = recommend(quotes, Fees())
    assert rec.payouts["alias"].sell_now is None and rec.payouts["alias"].list is None
    assert rec.to_dict()["best_buy"]["market"] == "stockx"
    assert any("based on StockX only" in note for note in recommend(quotes, Fees(), labels={"stockx": "StockX"}).notes)


def test_nothing_to_recommend() -> None:
    rec = recommend({"stockx": quote("stockx", None, None)}, Fees())
    assert rec.to_dict()["best_sell_now"] is None and rec.to_dict()["best_list"] is None and rec.to_dict()["best_buy"] is None


def test_no_quote_no_advice() -> None:
    rec = recommend({"stockx": Quote(market="stockx", ok=False, error="x"), "alias": Quote(market="alias", ok=False, error="y")},
                    Fees())
    assert rec.to_dict()["best_sell_now"] is None and rec.to_dict()["arbitrage"] is None
    assert rec.notes == ["No market quoted this pair: no advice."]


def gbp(market: str, ask: float | None, bid: float | None) -> Quote:
    return Quote(market=market, ok=True, lowest_ask=ask, highest_bid=bid, currency="GBP")


def test_other_currency_is_converted_with_the_rate() -> None:
    quotes = {"stockx": gbp("stockx", 158.0, 150.0), "alias": quote("alias", 200.0, 190.0)}
    rec = recommend(quotes, Fees(), "USD", {"GBP": 0.79})
    assert rec.fx == {"GBP": 0.79}
    # StockX pays 150 * 0.88 = 132 GBP = 167.09 USD; Alias pays 161.27 USD
    assert rec.payouts["stockx"].sell_now == money(132 / 0.79)
    assert rec.best_sell_now is not None and (rec.best_sell_now.market, rec.best_sell_now.currency) == ("stockx", "USD")
    assert rec.best_sell_now.price == money(150 / 0.79)


def test_without_a_rate_the_market_keeps_its_currency_and_is_left_out() -> None:
    quotes = {"stockx": gbp("stockx", 158.0, 150.0), "alias": quote("alias", 200.0, 190.0)}
    rec = recommend(quotes, Fees(), "USD", {}, {"stockx": "StockX"})
    assert rec.payouts["stockx"].currency == "GBP" and rec.payouts["stockx"].sell_now == 132.0
    assert rec.to_dict()["best_sell_now"]["market"] == "alias"
    assert any("StockX's figures stay in GBP" in note for note in rec.notes)


def test_display_currency_converts_alias_dollars() -> None:
    rec = recommend({"alias": quote("alias", 200.0, 190.0)}, Fees(), "GBP", {"GBP": 0.8})
    assert rec.to_dict()["best_sell_now"] == {"market": "alias", "price": 152.0, "payout": money(alias_payout(190.0, Fees()) * 0.8),
                                    "currency": "GBP"}


def test_suggested_prices_pay_out_and_stand_in_for_a_missing_ask() -> None:
    q = Quote(market="stockx", ok=True, lowest_ask=None, highest_bid=27.0, sell_faster=59.0, earn_more=100.0)
    rec = recommend({"stockx": q}, Fees())
    assert rec.payouts["stockx"].sell_faster == money(59 * 0.88)
    assert rec.payouts["stockx"].earn_more == 88.0
    assert rec.to_dict()["best_list"]["basis"] == "sell_faster" and rec.to_dict()["best_list"]["price"] == 59.0


def test_crossed_book_is_said_in_words() -> None:
    rec = recommend({"alias": quote("alias", 64.0, 65.0)}, Fees(), labels={"alias": "Alias"})
    assert any("Alias's book is crossed" in note for note in rec.notes)
