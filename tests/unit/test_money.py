"""Money: exact amounts, one half-up rounding in the currency shown, never two currencies added."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from analyzer.domain.models import Quote
from analyzer.domain.money import Money, convert, format_money, rate, rounded
from analyzer.domain.pricing import Fees, buyer_cost, fee_lines, payout, recommend
from analyzer.markets.base import amount

GBP = {"GBP": 0.75}


def alias_bid(bid: float) -> dict[str, Quote]:
    return {"alias": Quote(market="alias", ok=True, highest_bid=bid, lowest_ask=None, currency="USD")}


def test_rounding_is_half_up_to_the_minor_unit() -> None:
    assert rounded(Decimal("19.425"), "GBP") == Decimal("19.43")
    assert rounded(19.425, "GBP") == Decimal("19.43")  # a float read through its repr, not its binary value
    assert rounded(Decimal("2.675")) == Decimal("2.68")
    assert rounded(Decimal("2699.5"), "JPY") == Decimal("2700")
    assert rounded(Decimal("1234.49"), "KRW") == Decimal("1234")
    assert round(25.90 * 0.75, 2) == 19.42  # what binary arithmetic gave: 25.9 x 0.75 is 19.42499... in floats


def test_two_currencies_are_never_added() -> None:
    eur, usd = Money.of("141.20", "EUR"), Money.of("174.00", "USD")
    with pytest.raises(ValueError, match="convert first"):
        _ = eur + usd
    converted = usd.to("EUR", {"EUR": 0.92})
    assert converted is not None and (eur + converted).rounded() == Money(Decimal("301.28"), "EUR")
    assert usd.to("CHF", {"EUR": 0.92}) is None  # no rate, no number


def test_rates_are_units_per_dollar() -> None:
    assert rate("USD", "GBP", GBP) == Decimal("0.75")
    assert rate("GBP", "EUR", {"GBP": 0.8, "EUR": 0.92}) == Decimal("1.15")
    assert convert(100, "EUR", "USD", {"EUR": 0.8}) == Decimal("125")
    assert convert(None, "USD", "GBP", GBP) is None


def test_one_formatter() -> None:
    assert format_money(19.425, "GBP") == "£19.43"
    assert format_money(-19.84, "USD") == "−$19.84"
    assert format_money(27000.4, "JPY") == "¥27,000"
    assert format_money(None) == format_money(float("nan")) == "—"
    assert format_money(5, "SEK") == "SEK 5.00"


def test_market_amounts_are_read_exactly() -> None:
    assert amount(2590, cents=True) == 25.9
    assert amount("35") == 35.0 and amount("0") is None and amount("abc") is None and amount("NaN") is None
    assert amount(1, cents=True) == 0.01 and amount(0.4, cents=True) is None


def test_alias_35_dollar_bid_in_pounds_pays_19_43() -> None:
    """DD1391-100 size 10: a $35 Alias bid pays $25.90 (25.901425 exact); at GBP=0.75 that is 19.43, rounded once."""
    assert recommend(alias_bid(35.0), Fees()).payouts["alias"].sell_now == 25.90
    priced = recommend(alias_bid(35.0), Fees(), "GBP", GBP)
    assert priced.payouts["alias"].sell_now == 19.43
    assert priced.to_dict()["best_sell_now"] == {"market": "alias", "price": 26.25, "payout": 19.43, "currency": "GBP"}
    assert priced.fx == {"GBP": 0.75}


def test_the_dollar_seller_fee_is_converted_before_it_is_subtracted() -> None:
    """A pair sold on Alias for EUR 280 at EUR=0.92: the $5 fee is EUR 4.60, so (280 x 0.905 - 4.60) x 0.971 = 241.58."""
    fx = {"EUR": 0.92}
    assert payout("alias", 280.0, Fees(), "EUR", fx) == 241.58
    assert payout("alias", 280.0, Fees(), "EUR", {}) is None  # no rate: no payout rather than a wrong one
    assert payout("stockx", 280.0, Fees(), "EUR", {}) == 246.40  # StockX has no fixed fee
    lines = dict(fee_lines("alias", 280.0, Fees(), "EUR", fx))
    assert lines["seller fee"] == -4.60 and lines["payout"] == 241.58


def test_buyer_flat_amounts_are_converted_into_the_price_currency() -> None:
    # StockX 100 GBP ask: 100 x 1.03 + $14.95 x 0.75 (11.2125) = 114.2125 -> 114.21
    assert buyer_cost("stockx", 100.0, "GBP", Fees(), GBP) == 114.21
    quotes = {"stockx": Quote(market="stockx", ok=True, lowest_ask=100.0, highest_bid=90.0, currency="GBP")}
    assert recommend(quotes, Fees(), "GBP", GBP).payouts["stockx"].buy_cost == 114.21


def test_pricing_json_keeps_numbers_as_numbers() -> None:
    priced = recommend({**alias_bid(35.0), "stockx": Quote(market="stockx", ok=True, lowest_ask=40.0, highest_bid=30.0)},
                       Fees(), "GBP", GBP)
    text = json.dumps(priced.to_dict())  # no Decimal left in it
    again = json.loads(text)
    for pays in again["payouts"].values():
        assert all(isinstance(pays[k], float) or pays[k] is None for k in ("sell_now", "list", "buy_cost"))
        assert pays["currency"] == "GBP"


def test_from_alias_cents_to_pounds_the_35_dollar_bid_pays_19_43() -> None:
    """The whole way: Alias's '3500' cents for DD1391-100 size 10, parsed, priced in pounds at 0.75."""
    from analyzer.markets.alias import parse_availabilities

    row = {"size": 10, "product_condition": "PRODUCT_CONDITION_NEW", "packaging_condition": "PACKAGING_CONDITION_GOOD_CONDITION",
           "availability": {"lowest_listing_price_cents": "4200", "highest_offer_price_cents": "3500"}}
    (book,) = parse_availabilities({"variants": [row]}).sizes
    quote = Quote(market="alias", ok=True, style_id="DD1391-100", size=book.size, lowest_ask=book.lowest_ask,
                  highest_bid=book.highest_bid, currency="USD")
    priced = recommend({"alias": quote}, Fees(), "GBP", GBP)
    assert book.highest_bid == 35.0 and priced.payouts["alias"].sell_now == 19.43
