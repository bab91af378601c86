"""The screens' words and tables, on plain data: no Streamlit, no sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from analyzer.domain.answer import ListPick, MarketPayouts, Recommendation
from analyzer.domain.pricing import Fees
from ui import compare_views, views

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def quote(market: str, **fields: Any) -> dict[str, Any]:
    base = {"market": market, "ok": True, "error": None, "error_kind": None, "lowest_ask": None, "highest_bid": None,
            "last_sale": None, "currency": "USD", "size_label": "US M 10", "sizes": [], "recent_sales": [], "suggestions": []}
    return {**base, **fields}


def test_money_says_its_currency_and_never_none() -> None:
    assert views.money(157.714, "USD") == "$157.71"
    assert views.money(27.0, "GBP") == "£27.00"
    assert views.money(None) == views.money(float("nan")) == "—"
    assert views.money(-5, "EUR") == "−€5.00"


def test_age_of_a_quote() -> None:
    assert views.ago("2026-11-29T09:48:00Z", NOW) == "quoted 12 min ago"
    assert views.ago("2026-11-29T09:59:40Z", NOW) == "quoted just now"
    assert views.ago("2026-11-29T07:00:00Z", NOW) == "quoted 3 h ago"
    assert views.ago(None, NOW) is None and views.ago("yesterday", NOW) is None
    cached = quote("alias", fresh=False, quoted_at="2026-11-29T09:48:00Z", sales_per_week=3.5)
    assert views.quote_facts(cached, NOW) == "US M 10 · quoted 12 min ago · 3.5 sales a week"


def test_not_found_everywhere_offers_each_suggestion_once() -> None:
    hint = {"title": "Nike Dunk Low 'Black White'", "style_id": "DD1391 100"}
    result = {"quotes": {"stockx": quote("stockx", ok=False, error_kind="not_found", suggestions=[hint]),
                         "alias": quote("alias", ok=False, error_kind="not_found", suggestions=[hint])}}
    assert views.nothing_found(result)
    assert views.suggestions(result) == [hint]
    assert compare_views.compare_errors([{**result, "query": "DD1391-999"}]) == [
        "DD1391-999: no shoe found on any market; did you mean DD1391 100?"]
    result["quotes"]["alias"] = quote("alias", ok=False, error_kind="unavailable")
    assert not views.nothing_found(result)


def test_decision_without_bids_says_so_and_no_arbitrage_line_from_one_market() -> None:
    priced = Recommendation("USD", {}, {}, best_list=ListPick("stockx", 200.0, 176.0, "lowest_ask", "USD"))
    lines = views.decision(priced, {"stockx": quote("stockx"), "alias": quote("alias", ok=False)})
    assert lines[0].text == "No bid to sell into right now"
    assert lines[1].text == "List on StockX at $200.00: you get $176.00"
    assert [ln.title for ln in lines] == ["Sell now", "List"]


def test_arithmetic_shows_each_fee() -> None:
    line = views.arithmetic("stockx", quote("stockx", highest_bid=100.0), Recommendation("USD", {}, {}), Fees(stockx_level=1))
    assert line == "StockX: $100.00 bid − $9.00 transaction fee 9.0% (level 1) − $3.00 payment processing 3.0% = $88.00"
    assert views.arithmetic("alias", quote("alias", ok=False), Recommendation("USD", {}, {}), Fees()) is None


def test_compare_frame_leads_with_the_decision_and_shows_dashes() -> None:
    result = {"query": "DD1391-100", "size": 10.0, "size_label": "US M 10", "success": False,
              "product": {"title": "Dunk", "style_id": "DD1391-100"},
              "quotes": {"stockx": quote("stockx", lowest_ask=90.0), "alias": quote("alias", ok=False, error="Alias is down")}}
    priced = Recommendation("USD", {}, {"stockx": MarketPayouts.none("USD"), "alias": MarketPayouts.none("USD")},
                            best_list=ListPick("stockx", 90.0, 79.2, "lowest_ask", "USD"))
    frame = compare_views.compare_frame([result], [priced])
    assert list(frame.columns[:8]) == compare_views.DECISION_COLUMNS
    shown = compare_views.shown_frame(frame, ["Best payout now", "Best list pays", "StockX ask", "Alias ask"])
    assert shown.loc[0, "Best payout now"] == "—" and shown.loc[0, "Best list pays"] == "$79.20"
    assert "None" not in shown.astype(str).to_numpy().ravel()
    assert frame.loc[0, "Status"] == "StockX only"
    assert compare_views.compare_errors([result]) == ["Dunk (Alias): Alias is down"]
    assert compare_views.compare_lines([result], [priced]) == ["Dunk · US M 10: list on StockX at $90.00 for $79.20 (StockX only)"]
