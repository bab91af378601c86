"""eBay, the third market, over real HTTP on the sandbox: the Browse API's shapes, the token asked once,
two round trips a lookup, asks only (never sell now), its fee bands, and its place in the JSON,
the arbitrage picks, the watchlist and the portfolio."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import requests

from analyzer.config import Settings
from analyzer.domain.models import LookupResult, Quote
from analyzer.domain.pricing import Fees, payout, recommend
from analyzer.markets import ebay, ebay_spec
from analyzer.markets.registry import build_markets, off_notes
from analyzer.sandbox.ebay import SANDBOX_EBAY_CLIENT_ID, SANDBOX_EBAY_CLIENT_SECRET, SCOPE

SEARCH = "/ebay/buy/browse/v1/item_summary/search"
FILTER = "buyingOptions:{FIXED_PRICE},conditionIds:{1000},qualifiedPrograms:{AUTHENTICITY_GUARANTEE}"


def token(sandbox: Any, secret: str = SANDBOX_EBAY_CLIENT_SECRET) -> requests.Response:
    return requests.post(f"{sandbox.url}/ebay/identity/v1/oauth2/token", auth=(SANDBOX_EBAY_CLIENT_ID, secret),
                         data={"grant_type": "client_credentials", "scope": SCOPE}, timeout=10)


def browse(sandbox: Any, **params: Any) -> requests.Response:
    bearer = token(sandbox).json()["access_token"]
    return requests.get(f"{sandbox.url}{SEARCH}", params={"category_ids": "15709", **params}, timeout=10,
                        headers={"Authorization": f"Bearer {bearer}", "X-EBAY-C-MARKETPLACE-ID": "EBAY_US"})


def test_token_endpoint_grants_client_credentials_only(fast_sandbox) -> None:
    granted = token(fast_sandbox)
    assert granted.status_code == 200
    assert granted.json()["expires_in"] == 7200 and granted.json()["token_type"] == "Application Access Token"
    assert token(fast_sandbox, secret="wrong").status_code == 401
    refused = requests.get(f"{fast_sandbox.url}{SEARCH}", params={"q": "DD1391-100"}, timeout=10,
                           headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.json()["errors"][0]["errorId"] == 1001


def test_search_answers_in_the_browse_shape_with_the_filters_kept(fast_sandbox) -> None:
    page = browse(fast_sandbox, q="DD1391-100", filter=FILTER, aspect_filter="categoryId:15709,US Shoe Size:{10}",
                  sort="price", limit=3).json()
    assert {"href", "total", "limit", "offset"} <= set(page) and page["limit"] == 3 and page["offset"] == 0
    items = page["itemSummaries"]
    assert 1 <= len(items) <= 3 and (page["total"] > 3) == ("next" in page)
    for item in items:
        assert {"itemId", "title", "price", "condition", "conditionId", "itemWebUrl", "seller", "shippingOptions",
                "buyingOptions", "itemLocation"} <= set(item)
        assert item["conditionId"] == "1000" and "FIXED_PRICE" in item["buyingOptions"]
        assert item["qualifiedPrograms"] == ["AUTHENTICITY_GUARANTEE"] and "Size 10" in item["title"]
        assert Decimal(item["price"]["value"]).as_tuple().exponent == -2 and item["price"]["currency"] == "USD"
        assert {"username", "feedbackPercentage", "feedbackScore"} <= set(item["seller"])
    totals = [Decimal(i["price"]["value"]) + Decimal(i["shippingOptions"][0].get("shippingCost", {}).get("value", "0"))
              for i in items]
    assert totals == sorted(totals)  # sort=price: price plus shipping, lowest first
    unfiltered = browse(fast_sandbox, q="DD1391-100", aspect_filter="categoryId:15709,US Shoe Size:{10}").json()
    assert unfiltered["total"] >= page["total"]
    conditions = {i["conditionId"] for i in browse(fast_sandbox, q="DD1391-100", limit=200).json()["itemSummaries"]}
    assert "1000" in conditions and conditions <= {"1000", "1500", "3000"}


def test_paging_and_refusals(fast_sandbox) -> None:
    empty = browse(fast_sandbox, q="DD1391-100", offset=9000).json()
    assert "itemSummaries" not in empty and empty["total"] > 0  # a page past the end, as eBay writes it
    assert browse(fast_sandbox, q="DD1391-100", aspect_filter="US Shoe Size:{10}").status_code == 400
    assert browse(fast_sandbox, q="DD1391-100", limit=500).status_code == 400
    assert browse(fast_sandbox, q="qqqqzzzz").json()["total"] == 0


def test_samples_boxes_and_laces_never_make_a_product() -> None:
    def item(title: str) -> dict[str, Any]:
        return {"itemId": "v1|1|0", "title": title, "price": {"value": "99.99", "currency": "USD"}}

    page = {"total": 4, "itemSummaries": [item("Jordan 1 Off-White UNC (Sample) AQ0818-148 Size 9"),
                                          item("Nike Dunk Low Panda DD1391-100 Empty Box Only"),
                                          item("Nike Dunk Low Panda DD1391-100 Replacement Laces"),
                                          item("Nike Dunk Low Retro White Black Panda DD1391-100 Size 10")]}
    products = ebay.parse_products(page)
    assert [p.style_ids for p in products] == [("DD1391-100",)] and products[0].title.endswith("DD1391-100")
    assert ebay.title_scale("Nike Dunk Low Photon Dust (Women's) DD1503-103") == "W"
    assert ebay.title_scale("Jordan 4 Retro Bred Reimagined (GS) FQ8213-006") == "Y"


def test_a_lookup_quotes_ebay_asks_only_in_two_round_trips(sandbox_factory, analyzer_for) -> None:
    sandbox = sandbox_factory()
    events: list[Any] = []
    result = analyzer_for(sandbox, use_cache=False).lookup("DD1391-100", "10", on_progress=events.append)
    quote = result.quotes["ebay"]
    assert quote.ok and quote.calls == 2 and quote.currency == "USD" and quote.size_label == "US M 10"
    assert [e.step for e in events if e.market == "ebay" and e.step != "quote"] == ["search", "listings"]
    details = quote.details
    assert quote.lowest_ask is not None and details["lowest_ask_with_shipping"] >= quote.lowest_ask
    offers = details["offers"]
    assert 1 <= len(offers) <= ebay.OFFERS_SHOWN and details["offers_count"] >= len(offers)
    assert all({"price", "shipping", "feedback_pct", "url"} <= set(o) for o in offers)
    assert [o["total"] for o in offers if o["total"] is not None] == sorted(o["total"] for o in offers if o["total"] is not None)
    assert quote.highest_bid is None and result.pricing.payouts["ebay"].sell_now is None  # never "sell now"
    assert result.pricing.best_sell_now is None or result.pricing.best_sell_now.market != "ebay"


def test_a_size_the_shoe_is_not_listed_in_is_said_and_a_name_query_is_still_two_round_trips(fast_sandbox, analyzer_for) -> None:
    analyzer = analyzer_for(fast_sandbox, use_cache=False)
    missing = analyzer.lookup("CP9654", "20").quotes["ebay"]
    assert missing.error_kind == "size_not_offered" and "US M 4 to 14" in (missing.error or "")
    events: list[Any] = []
    named = analyzer.lookup("Jordan 1 Lost and Found", "10", on_progress=events.append).quotes["ebay"]
    assert named.ok and named.style_id == "DZ5485-612"
    steps = [e.step for e in events if e.market == "ebay" and e.step != "quote"]
    assert steps[0] == "search" and sorted(steps[1:]) == ["listings", "sizes"]  # the second two leave together


def test_three_lookups_make_one_token_call(sandbox_factory, analyzer_for) -> None:
    sandbox = sandbox_factory()
    first = analyzer_for(sandbox, use_cache=False)
    for query in ("DD1391-100", "CP9654", "DZ5485-612"):
        assert first.lookup(query, "10").quotes["ebay"].calls >= 2
    replica = analyzer_for(sandbox, use_cache=False)  # another client on the same keys: the shared token
    assert replica.lookup("DD1503-103", "8").quotes["ebay"].ok
    assert sandbox.counters.tokens["ebay"] == 1 and sandbox.counters.requests["ebay"] >= 8


def test_list_payout_follows_the_fee_band_and_buying_adds_shipping() -> None:
    fees = Fees()
    assert payout("ebay", 100.0, fees) == float(round(Decimal("100") * (1 - Decimal("0.136")) - Decimal("0.40"), 2))
    assert payout("ebay", 200.0, fees) == 184.0  # 8% from $150, no per-order fee
    lines = ebay_spec.fee_lines(200.0, fees)
    assert lines[0] == ("price", 200.0) and lines[-1] == ("payout", 184.0)
    quotes = {"ebay": Quote("ebay", True, lowest_ask=150.0, details={"lowest_ask_with_shipping": 162.95}),
              "stockx": Quote("stockx", True, lowest_ask=260.0, highest_bid=210.0)}
    pricing = recommend(quotes, fees)
    assert pricing.payouts["ebay"].buy_cost == 162.95 and pricing.payouts["ebay"].sell_now is None
    arbitrage = pricing.arbitrage
    assert arbitrage is not None and (arbitrage.buy_on, arbitrage.sell_on) == ("ebay", "stockx")
    assert arbitrage.buy_cost == 162.95 and arbitrage.profit == round(arbitrage.sell_payout - 162.95, 2)


def test_live_without_ebay_keys_leaves_ebay_off_with_a_note() -> None:
    live = Settings.from_env({"STOCKX_API_KEY": "k", "STOCKX_ACCESS_TOKEN": "t"})
    assert "ebay" not in [m.name for m in build_markets(live)]
    assert any("EBAY_CLIENT_ID" in note for note in off_notes(live))
    keyed = Settings.from_env({"EBAY_CLIENT_ID": "id", "EBAY_CLIENT_SECRET": "shh", "EBAY_RATE_PER_SEC": "0.5"})
    assert "ebay" in [m.name for m in build_markets(keyed)] and off_notes(keyed) == []
    assert "shh" in keyed.secrets() and "shh" not in repr(keyed)
    assert keyed.limits("ebay").rate_per_sec == 0.5
    assert Settings.from_env({}).limits("ebay").rate_per_sec == pytest.approx(5000 / 86400)


def test_cli_json_has_quotes_ebay(run_main, fast_sandbox) -> None:
    code, out, _ = run_main("lookup", "DD1391-100", "--size", "10", "--json", env={"ANALYZER_SANDBOX_URL": fast_sandbox.url})
    data = json.loads(out)
    assert code == 0 and data["quotes"]["ebay"]["ok"]
    ebay_json = data["quotes"]["ebay"]
    assert {"lowest_ask", "lowest_ask_with_shipping", "offers_count", "offers", "currency"} <= set(ebay_json)
    assert data["pricing"]["payouts"]["ebay"]["sell_now"] is None and data["pricing"]["payouts"]["ebay"]["list"] is not None
    assert "lowest_ask_with_shipping" not in data["quotes"]["stockx"]  # another market's JSON is as it was


def test_result_json_round_trips_ebay_details(fast_sandbox, analyzer_for) -> None:
    result: LookupResult = analyzer_for(fast_sandbox).lookup("CP9654", "9.5")
    data = json.loads(result.to_json())["quotes"]["ebay"]
    assert data["offers"] == result.quotes["ebay"].details["offers"]
    asked = next(row for row in data["sizes"] if row["size"] == data["size"])
    assert asked["offers_count"] == data["offers_count"] and asked["offers"] == data["offers"]
