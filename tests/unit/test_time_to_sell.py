"""The time-to-sell curve on the real captured histogram and sales shapes, and on thin data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analyzer.domain.models import Quote, Sale
from analyzer.domain.pricing import Fees
from analyzer.domain.time_to_sell import MIN_SALES, curve, of_quote, pace, window
from analyzer.markets.alias import parse_offer_histogram, parse_recent_sales

NOW = datetime(2025, 12, 10, 12, 0, tzinfo=UTC)
# The captured shapes: cent strings, counts as strings, newest sale first.
REAL_HISTOGRAM = {"offer_histogram": {"bins": [{"offer_price_cents": "5500", "count": "1"},
                                               {"offer_price_cents": "5000", "count": "2"},
                                               {"offer_price_cents": "4500", "count": "4"}]}}
REAL_SALE = {"purchased_at": "2025-12-09T18:24:08.701Z", "price_cents": "6500", "size": 10, "consigned": True,
             "catalog_id": "dunk-low-black-white-dd1391-100"}


def sales_every(hours: float, prices: list[int]) -> list[Sale]:
    rows = [dict(REAL_SALE, purchased_at=(NOW - timedelta(hours=hours * (i + 1))).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                 price_cents=str(p * 100)) for i, p in enumerate(prices)]
    return parse_recent_sales({"recent_sales": rows})


def alias_payout(price: float) -> float:
    return round((price * 0.905 - 5) * 0.971, 2)


def test_bids_sell_now_with_their_depth_and_sales_set_the_pace() -> None:
    offers = parse_offer_histogram(REAL_HISTOGRAM)
    sales = sales_every(24, [60, 62, 65, 66, 58, 64, 70, 61, 63, 67])  # ten sales over ten days
    c = curve("alias", "USD", highest_bid=55.0, lowest_ask=64.0, sales=sales, offers=offers, payout=alias_payout, now=NOW)
    first = c.points[0]
    assert (first.ask, first.days, first.bids_at_or_above, first.payout) == (55.0, 0.0, 1, alias_payout(55.0))
    assert c.bid_depth == 7 and c.sales_in_window == 10 and c.window_days == 30.0
    ask = next(p for p in c.points if p.ask == 64.0)
    assert ask.sales_at_or_above == 5 and ask.days == 6.0  # 5 buyers at $64 or more in 30 days
    assert ask.days_low is not None and ask.days_high is not None and ask.days_low < ask.days < ask.days_high
    timed = [p for p in c.points if p.days]
    assert [p.days for p in timed] == sorted(p.days for p in timed)  # dearer never sells sooner
    assert c.advice == f"List at $64.00: you get ${alias_payout(64.0):.2f}, typically sells within 6 days"


def test_thin_data_says_not_enough_sales_never_a_bare_number() -> None:
    sales = sales_every(72, [60, 61])
    c = curve("alias", "USD", highest_bid=50.0, lowest_ask=64.0, sales=sales, payout=alias_payout, now=NOW)
    above = [p for p in c.points if p.ask > 50.0]
    assert above and all(p.days is None and "not enough sales in 30 days" in p.basis for p in above)
    assert "Not enough sales" in c.note
    assert c.advice == f"Sell at $50.00: you get ${alias_payout(50.0):.2f} now (a bid is waiting)"


def test_no_bid_and_no_sales_gives_no_advice() -> None:
    c = curve("alias", "USD", highest_bid=None, lowest_ask=90.0, sales=[], offers=[], payout=alias_payout, now=NOW)
    assert [p.days for p in c.points] == [None] and c.advice is None and c.bid_depth == 0


def test_stockx_has_payouts_at_its_suggestions_and_no_days() -> None:
    c = curve("stockx", "GBP", highest_bid=27.0, lowest_ask=None, sell_faster=59.0, earn_more=100.0,
              has_sales_history=False, payout=lambda p: round(p * 0.88, 2), now=NOW)
    asks = [p.ask for p in c.points]
    assert asks[0] == 27.0 and 59.0 in asks and asks[-1] == 100.0
    assert all(p.days is None for p in c.points[1:]) and c.window_days is None
    assert {p.relative for p in c.points} >= {"StockX's sell-faster price", "StockX's earn-more price (slower)"}


def test_a_full_sales_list_narrows_the_window_to_what_it_covers() -> None:
    sales = sales_every(2, [60] * 50)  # 50 sales in 100 hours: the list is full, older ones unknown
    prices, days = window(sales, NOW)
    assert len(prices) == 50 and days == pytest.approx(100 / 24)


def test_pace_band() -> None:
    assert pace(MIN_SALES - 1, 30) == (None, None, None)
    mean, fast, slow = pace(9, 30)
    assert mean == 3.33 and fast is not None and slow is not None and fast < mean < slow


def test_quote_curve_drops_asks_below_alias_minimum() -> None:
    quote = Quote(market="alias", ok=True, highest_bid=20.0, lowest_ask=40.0, currency="USD", min_listing_price=25.0,
                  recent_sales=sales_every(12, [30, 35, 40, 45, 50, 38]))
    c = of_quote(quote, Fees(), now=NOW)
    assert all(p.ask >= 25.0 or p.days == 0.0 for p in c.points)
    assert c.to_dict()["advice_ask"] is None or c.to_dict()["advice_ask"] >= 25.0
