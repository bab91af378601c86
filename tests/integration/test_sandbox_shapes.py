"""The sandbox answers in the real shapes of ../shared/marketplace-apis.md, over real HTTP: size scales,
currencies, StockX's suggested and flex asks, the ECB rates, Alias regions, consignment, placeholder
rows, condition pairs, recent sales, the offer histogram, the new faults and /sandbox/info."""

from __future__ import annotations

import datetime as dt
import time
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests

from analyzer.config import Settings
from analyzer.sandbox import prices
from analyzer.sandbox.app import (
    CONDITIONS,
    ECB_PATH,
    FAULT_KINDS,
    SANDBOX_ALIAS_TOKEN,
    SANDBOX_STOCKX_KEY,
    SANDBOX_STOCKX_TOKEN,
)
from analyzer.sandbox.rates import ECB_RATES
from analyzer.sandbox.server import sandbox_settings

STOCKX = {"x-api-key": SANDBOX_STOCKX_KEY, "Authorization": f"Bearer {SANDBOX_STOCKX_TOKEN}"}
ALIAS = {"Authorization": f"Bearer {SANDBOX_ALIAS_TOKEN}"}
NEW, GOOD = "PRODUCT_CONDITION_NEW", "PACKAGING_CONDITION_GOOD_CONDITION"
ECB_NS = {"gesmes": "http://www.gesmes.org/xml/2002-08-01", "ecb": "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"}
TWELVE = {"AUD", "CAD", "CHF", "EUR", "GBP", "HKD", "JPY", "KRW", "MXN", "NZD", "SGD", "USD"}
WOMENS = ["DD1503-103", "DD1503-124", "DJ0675-200", "FD4810-010", "IG9030", "1144032-CHE", "DD1503-101", "DD1503-118"]
GS = ["IB4171-100", "FQ8213-006", "CW1590-100", "FD1437-612"]


def stockx(sandbox: Any, path: str, **params: Any) -> Any:
    response = requests.get(f"{sandbox.url}/stockx/v2{path}", params=params, headers=STOCKX, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def alias_get(sandbox: Any, path: str, **params: Any) -> requests.Response:
    return requests.get(f"{sandbox.url}/alias/api/v1{path}", params=params, headers=ALIAS, timeout=10)


def alias(sandbox: Any, path: str, **params: Any) -> Any:
    response = alias_get(sandbox, path, **params)
    assert response.status_code == 200, response.text
    return response.json()


def product(sandbox: Any, style: str) -> dict[str, Any]:
    found = stockx(sandbox, "/catalog/search", query=style, pageSize=50)["products"]
    return next(p for p in found if p["styleId"] == style and p["productType"] == "sneakers")


def variants(sandbox: Any, style: str) -> list[dict[str, Any]]:
    return stockx(sandbox, f"/catalog/products/{product(sandbox, style)['productId']}/variants")


def variant(sandbox: Any, style: str, value: str) -> dict[str, Any]:
    return next(v for v in variants(sandbox, style) if v["variantValue"] == value)


def conversions(v: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["size"], c["type"]) for c in v["sizeChart"]["availableConversions"]}


def catalog_item(sandbox: Any, style: str) -> dict[str, Any]:
    sku = style.replace("-", " ")
    return next(i for i in alias(sandbox, "/catalog", query=style, limit=50)["catalog_items"] if i["sku"] == sku)


def book_rows(sandbox: Any, style: str, **params: Any) -> list[dict[str, Any]]:
    return alias(sandbox, f"/pricing_insights/availabilities/{catalog_item(sandbox, style)['catalog_id']}", **params)["variants"]


def new_good(rows: list[dict[str, Any]]) -> dict[float, dict[str, str]]:
    return {r["size"]: r["availability"] for r in rows if (r["product_condition"], r["packaging_condition"]) == (NEW, GOOD)}


def ecb_rates(sandbox: Any) -> dict[str, float]:
    root = ET.fromstring(requests.get(f"{sandbox.url}{ECB_PATH}", timeout=10).content)
    return {c.get("currency"): float(c.get("rate")) for c in root.iterfind("ecb:Cube/ecb:Cube/ecb:Cube", ECB_NS)}


# --- StockX: size scales --------------------------------------------------------------------------

def test_mens_variant_has_a_bare_default_size_and_every_conversion(fast_sandbox) -> None:
    v = variant(fast_sandbox, "DD1391-100", "10.5")
    assert v["sizeChart"]["defaultConversion"] == {"size": "10.5", "type": "us m"}
    assert conversions(v) == {("US M 10.5", "us m"), ("US W 12", "us w"), ("UK 9.5", "uk"), ("EU 44.5", "eu"),
                              ("CM 28.5", "cm"), ("KR 285", "kr")}
    assert v["variantName"] and isinstance(v["isFlexEligible"], bool) and isinstance(v["isDirectEligible"], bool)
    assert {g["type"] for g in v["gtins"]} == {"EAN-13", "UPC"}
    for gtin in v["gtins"]:
        digits = gtin["identifier"]
        assert digits.isdigit() and len(digits) == {"EAN-13": 13, "UPC": 12}[gtin["type"]]
        body = digits[:-1]
        total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
        assert int(digits[-1]) == (10 - total % 10) % 10, digits
    # the same pair always has the same barcodes, and a search by GTIN finds the shoe
    assert variant(fast_sandbox, "DD1391-100", "10.5")["gtins"] == v["gtins"]
    found = stockx(fast_sandbox, "/catalog/search", query=v["gtins"][1]["identifier"], pageSize=5)["products"]
    assert [p["styleId"] for p in found] == ["DD1391-100"]


@pytest.mark.parametrize(("style", "women", "men"), [
    ("DD1503-103", "9.5", "8"),  # Nike W 9.5 = M 8
    ("FD4810-010", "9.5", "8"),  # Jordan likewise
    ("1144032-CHE", "9", "8"),  # UGG W 9 = M 8
    ("IG9030", "8.5", "7.5"),  # adidas W 8.5 = M 7.5
])
def test_womens_variant_is_in_womens_sizes_with_the_brands_own_mens_conversion(fast_sandbox, style, women, men) -> None:
    p = product(fast_sandbox, style)
    assert p["productAttributes"]["gender"] == "women" and p["title"].endswith("(Women's)")
    v = variant(fast_sandbox, style, f"{women}W")
    assert v["sizeChart"]["defaultConversion"] == {"size": f"{women}W", "type": "us w"}
    assert {("US W " + women, "us w"), ("US M " + men, "us m")} <= conversions(v)
    assert {t for _, t in conversions(v)} == {"us w", "us m", "uk", "eu", "cm", "kr"}


def test_womens_size_runs_are_5_to_12_w_and_ugg_has_whole_sizes_only(fast_sandbox) -> None:
    assert [v["variantValue"] for v in variants(fast_sandbox, "DD1503-103")] == [f"{5 + i / 2:g}W" for i in range(15)]
    assert [v["variantValue"] for v in variants(fast_sandbox, "1144032-CHE")] == [f"{s}W" for s in range(5, 13)]


@pytest.mark.parametrize("style", GS)
def test_gs_variant_is_in_youth_sizes_with_no_mens_conversion(fast_sandbox, style) -> None:
    p = product(fast_sandbox, style)
    assert p["productAttributes"]["gender"] == "kids" and p["title"].endswith("(GS)")
    run = variants(fast_sandbox, style)
    assert [v["variantValue"] for v in run] == [f"{3.5 + i / 2:g}Y" for i in range(8)]
    seven = run[-1]
    assert seven["sizeChart"]["defaultConversion"] == {"size": "7Y", "type": "us"}
    assert ("US 7Y", "us") in conversions(seven)
    for v in run:
        assert {t for _, t in conversions(v)} == {"us", "uk", "eu", "cm", "kr"}  # and never 'us m'


def test_catalog_has_the_real_womens_and_gs_shoes_on_both_markets(fast_sandbox) -> None:
    for style in WOMENS:
        item = catalog_item(fast_sandbox, style)
        assert item["gender"] == "women", style
        sizes = [s["value"] for s in item["allowed_sizes"]]
        assert sizes[0] == 5 and sizes[-1] == 12, (style, sizes)
    for style in GS:
        item = catalog_item(fast_sandbox, style)
        assert item["gender"] == "youth"
        assert [s["value"] for s in item["allowed_sizes"]] == [3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]
    men = catalog_item(fast_sandbox, "DD1391-100")
    assert men["gender"] == "men" and men["sku"] == "DD1391 100" and men["retail_price_cents"] == "10000"
    assert {"display_name": "10.5", "value": 10.5, "us_size_equivalent": 10.5} in men["allowed_sizes"]
    assert {"display_name": "10", "value": 10, "us_size_equivalent": 10} in men["allowed_sizes"]
    assert men["size_unit"] == "SIZE_UNIT_US" and men["product_category"]
    assert int(men["minimum_listing_price_cents"]) < int(men["maximum_listing_price_cents"])


# --- StockX: search -------------------------------------------------------------------------------

def search(sandbox: Any, query: str) -> list[dict[str, Any]]:
    return stockx(sandbox, "/catalog/search", query=query, pageSize=50)["products"]


def test_exact_style_id_comes_before_its_sample(fast_sandbox) -> None:
    styles = [p["styleId"] for p in search(fast_sandbox, "AQ0818-148")]
    assert styles.index("AQ0818-148") < styles.index("AQ0818-148 S")


def test_two_lettering_versions_carry_annotated_style_ids(fast_sandbox) -> None:
    styles = [p["styleId"] for p in search(fast_sandbox, "FV5029-003")]
    assert {"(White) FV5029-003", "(Gold) FV5029-003"} <= set(styles)
    assert "FV5029-003" not in styles


def test_black_cat_search_answers_a_basketball_and_other_fv5029_shoes(fast_sandbox) -> None:
    found = search(fast_sandbox, "FV5029-010")
    same = [p for p in found if p["styleId"] == "FV5029-010"]
    assert {p["productType"] for p in same} == {"sneakers", "collectibles"}
    assert any(p["styleId"] != "FV5029-010" and "FV5029" in p["styleId"] for p in found)
    ball = next(p for p in same if p["productType"] != "sneakers")
    assert stockx(fast_sandbox, f"/catalog/products/{ball['productId']}/variants")[0]["variantValue"] is None


# --- StockX: market data --------------------------------------------------------------------------

def market_data(sandbox: Any, style: str, currency: str | None = None) -> list[dict[str, Any]]:
    params = {"currencyCode": currency} if currency else {}
    return stockx(sandbox, f"/catalog/products/{product(sandbox, style)['productId']}/market-data", **params)


AMOUNTS = ("lowestAskAmount", "highestBidAmount", "sellFasterAmount", "earnMoreAmount", "flexLowestAskAmount")
NESTED = {"lowestAsk", "highestBidAmount", "sellFaster", "earnMore", "beatUS"}


def test_gbp_answer_is_in_gbp_converted_with_the_ecb_rates(fast_sandbox) -> None:
    rates = ecb_rates(fast_sandbox)
    gbp_per_usd = rates["GBP"] / rates["USD"]
    usd, gbp = market_data(fast_sandbox, "DD1391-100"), market_data(fast_sandbox, "DD1391-100", "GBP")
    assert {m["currencyCode"] for m in usd} == {"USD"} and {m["currencyCode"] for m in gbp} == {"GBP"}
    compared = 0
    for in_usd, in_gbp in zip(usd, gbp, strict=True):
        assert in_usd["variantId"] == in_gbp["variantId"]
        for key in AMOUNTS:
            if in_usd[key] is None:
                assert in_gbp[key] is None
                continue
            assert in_gbp[key].isdigit() and in_usd[key].isdigit()  # whole units, as strings
            assert abs(int(in_gbp[key]) / gbp_per_usd - int(in_usd[key])) <= 0.5 / gbp_per_usd + 1e-9, key
            compared += 1
    assert compared > 50
    assert int(gbp[10]["lowestAskAmount"] or gbp[11]["lowestAskAmount"]) < int(usd[10]["lowestAskAmount"] or usd[11]["lowestAskAmount"])
    # the per-variant route answers the same
    p = product(fast_sandbox, "DD1391-100")
    one = stockx(fast_sandbox, f"/catalog/products/{p['productId']}/variants/{gbp[10]['variantId']}/market-data", currencyCode="GBP")
    assert one == gbp[10]


@pytest.mark.parametrize("currency", sorted(TWELVE))
def test_every_stockx_currency_is_answered_in_its_own_currency(fast_sandbox, currency) -> None:
    data = market_data(fast_sandbox, "CP9654", currency)
    assert {m["currencyCode"] for m in data} == {currency}
    if currency in ("JPY", "KRW"):
        assert int(next(m["lowestAskAmount"] for m in data if m["lowestAskAmount"])) > 1000


@pytest.mark.parametrize("currency", ["XYZ", "gbp", "BTC", ""])
def test_other_currencies_are_a_400(fast_sandbox, currency) -> None:
    p = product(fast_sandbox, "CP9654")
    response = requests.get(f"{fast_sandbox.url}/stockx/v2/catalog/products/{p['productId']}/market-data",
                            params={"currencyCode": currency}, headers=STOCKX, timeout=10)
    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400 and isinstance(body["message"], str) and body["message"]


def test_suggested_and_flex_asks_with_nested_books(fast_sandbox) -> None:
    rows = [m for shoe in prices.load_catalog() if shoe.on("stockx") and shoe.product_type == "sneakers"
            for m in stockx(fast_sandbox, f"/catalog/products/{shoe.stockx_id}/market-data")]
    for m in rows:
        assert set(AMOUNTS) <= set(m)
        for nested in ("standardMarketData", "flexMarketData", "directMarketData"):
            assert set(m[nested]) == NESTED
        assert m["standardMarketData"]["lowestAsk"] == m["lowestAskAmount"]
        assert m["flexMarketData"]["lowestAsk"] == m["flexLowestAskAmount"]
    flex = [m for m in rows if m["flexLowestAskAmount"] is not None]
    cheaper = [m for m in flex if int(m["flexLowestAskAmount"]) < int(m["lowestAskAmount"])]
    assert 0 < len(cheaper) < len(flex) / 3  # present on some sizes, below the standard ask on a few
    assert len(flex) < len(rows) / 2
    assert any(m["lowestAskAmount"] is None for m in rows) and any(m["highestBidAmount"] is None for m in rows)
    with_ask = [m for m in rows if m["lowestAskAmount"] and m["sellFasterAmount"] and m["earnMoreAmount"]]
    assert all(int(m["sellFasterAmount"]) <= int(m["lowestAskAmount"]) <= int(m["earnMoreAmount"]) for m in with_ask)
    assert any(m["lowestAskAmount"] is None and m["sellFasterAmount"] for m in rows)  # as in the real GBP example


# --- ECB rates ------------------------------------------------------------------------------------

def test_ecb_xml_is_the_ecb_format_with_the_rates_used(sandbox_factory) -> None:
    sandbox = sandbox_factory(latency_ms=(400.0, 400.0), stockx_burst=1, alias_burst=1)
    started = time.monotonic()
    response = requests.get(f"{sandbox.url}{ECB_PATH}", timeout=10)  # no auth, no latency
    ecb_s = time.monotonic() - started
    started = time.monotonic()
    market = requests.get(f"{sandbox.url}/stockx/v2/catalog/search", params={"query": "CP9654"}, headers=STOCKX, timeout=10)
    market_s = time.monotonic() - started  # the market's 400 ms latency, side by side
    assert response.status_code == 200 and market.status_code == 200 and ecb_s < market_s / 2, (ecb_s, market_s)
    assert "xml" in response.headers["content-type"]
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.gesmes.org/xml/2002-08-01}Envelope"
    assert root.find("gesmes:subject", ECB_NS).text == "Reference rates"
    day = root.find("ecb:Cube/ecb:Cube", ECB_NS)
    assert dt.date.fromisoformat(day.get("time")).weekday() < 5
    rates = ecb_rates(sandbox)
    assert TWELVE - {"EUR"} <= set(rates) and "EUR" not in rates
    assert rates == ECB_RATES
    assert sandbox.counters.requests == {"stockx": 1, "alias": 0}  # the one market call above; the ECB file counts for no market


def test_sandbox_settings_point_fx_at_the_sandbox() -> None:
    if "fx_url" not in Settings.__dataclass_fields__:
        pytest.skip("Settings has no fx_url yet")
    settings = sandbox_settings(Settings(), "http://127.0.0.1:9")
    assert settings.fx_url == f"http://127.0.0.1:9{ECB_PATH}"  # type: ignore[attr-defined]


# --- Alias: availabilities ------------------------------------------------------------------------

def test_availabilities_have_placeholders_outside_sizes_int_and_float_sizes_and_12_pairs(fast_sandbox) -> None:
    item = catalog_item(fast_sandbox, "DD1391-100")
    allowed = {s["value"] for s in item["allowed_sizes"]}
    rows = book_rows(fast_sandbox, "DD1391-100")
    sizes = {r["size"] for r in rows}
    assert {0, 40} <= sizes and len(sizes - allowed - {0, 40}) >= 2
    for r in rows:
        assert type(r["size"]) is (int if float(r["size"]).is_integer() else float), r["size"]
        assert set(r["availability"]) == {"lowest_listing_price_cents", "highest_offer_price_cents",
                                          "last_sold_listing_price_cents", "global_indicator_price_cents"}
        assert all(v.isdigit() for v in r["availability"].values())
        assert "consigned" not in r
    pairs = {s: {(r["product_condition"], r["packaging_condition"]) for r in rows if r["size"] == s} for s in sizes}
    assert all(len(p) == 12 for p in pairs.values()) and len(rows) == 12 * len(sizes)
    assert pairs[10] == {(p, k) for p, k, _ in CONDITIONS}
    assert {p for p, _ in pairs[10]} == {NEW, "PRODUCT_CONDITION_USED", "PRODUCT_CONDITION_NEW_WITH_DEFECTS"}
    placeholder = new_good(rows)[0]
    assert (placeholder["lowest_listing_price_cents"], placeholder["highest_offer_price_cents"]) == ("9600", "10500")


def figures(a: dict[str, str]) -> tuple[str, str, str]:
    return a["lowest_listing_price_cents"], a["highest_offer_price_cents"], a["last_sold_listing_price_cents"]


def test_real_crossed_book_of_dd1391_100(fast_sandbox) -> None:
    item = catalog_item(fast_sandbox, "DD1391-100")
    allowed = {s["value"] for s in item["allowed_sizes"]}
    book = new_good(book_rows(fast_sandbox, "DD1391-100"))
    crossed = {s for s, a in book.items() if s in allowed and "0" not in (a["lowest_listing_price_cents"], a["highest_offer_price_cents"])
               and int(a["highest_offer_price_cents"]) > int(a["lowest_listing_price_cents"])}
    assert crossed == {7, 8.5, 9, 10, 10.5}
    assert figures(book[9]) == ("6400", "6500", "7100")  # global: ask, bid, last
    assert figures(new_good(book_rows(fast_sandbox, "DD1391-100", region_id=1))[9]) == ("7900", "2500", "3100")  # US


def test_region_and_consignment_change_the_book(fast_sandbox) -> None:
    allowed = {s["value"] for s in catalog_item(fast_sandbox, "CP9654")["allowed_sizes"]}
    books = {key: {s: a for s, a in new_good(book_rows(fast_sandbox, "CP9654", **params)).items() if s in allowed}
             for key, params in {"global": {}, "us": {"region_id": 1}, "eu": {"region_id": 2}, "uk": {"region_id": 3},
                                 "consigned": {"consigned": "true"}, "not": {"consigned": "false"}}.items()}
    for key in ("us", "eu", "uk", "consigned", "not"):
        differ = sum(books[key][s] != books["global"][s] for s in allowed)
        assert differ >= 0.8 * len(allowed), key
    assert sum(books["consigned"][s] != books["not"][s] for s in allowed) >= 0.8 * len(allowed)
    assert sum(books["us"][s] != books["eu"][s] for s in allowed) >= 0.8 * len(allowed)
    for flag in ("true", "false"):
        assert {r["consigned"] for r in book_rows(fast_sandbox, "CP9654", consigned=flag, region_id=2)} == {flag == "true"}


def test_single_availability_agrees_and_requires_every_parameter(fast_sandbox) -> None:
    item = catalog_item(fast_sandbox, "DD1503-103")
    rows = book_rows(fast_sandbox, "DD1503-103", region_id=3, consigned="false")
    row = next(r for r in rows if r["size"] == 8.5 and r["product_condition"] == "PRODUCT_CONDITION_USED")
    one = alias(fast_sandbox, "/pricing_insights/availability", catalog_id=item["catalog_id"], size="8.5",
                product_condition=row["product_condition"], packaging_condition=row["packaging_condition"],
                region_id=3, consigned="false")
    assert one == {"availability": row["availability"]}
    full = {"catalog_id": item["catalog_id"], "size": "8", "product_condition": NEW, "packaging_condition": GOOD}
    for name, label in (("catalog_id", "CatalogId"), ("size", "Size"), ("product_condition", "ProductCondition"),
                        ("packaging_condition", "PackagingCondition")):
        response = alias_get(fast_sandbox, "/pricing_insights/availability", **{k: v for k, v in full.items() if k != name})
        assert response.status_code == 400
        assert response.json() == {"code": 3, "message": f"Missing parameter: input.{label}", "details": []}
        assert response.headers["x-request-id"]


# --- Alias: recent sales and offer histogram ------------------------------------------------------

def sales(sandbox: Any, style: str, **params: Any) -> list[dict[str, Any]]:
    base = {"catalog_id": catalog_item(sandbox, style)["catalog_id"], "product_condition": NEW, "packaging_condition": GOOD}
    return alias(sandbox, "/pricing_insights/recent_sales", **{**base, **params})["recent_sales"]


def test_recent_sales_without_a_size_is_the_real_400(fast_sandbox) -> None:
    item = catalog_item(fast_sandbox, "DD1391-100")
    response = alias_get(fast_sandbox, "/pricing_insights/recent_sales", catalog_id=item["catalog_id"],
                         product_condition=NEW, packaging_condition=GOOD)
    assert response.status_code == 400
    assert response.json() == {"code": 3, "message": "Missing parameter: input.Size", "details": []}


def test_recent_sales_newest_first_with_limit(fast_sandbox) -> None:
    default = sales(fast_sandbox, "DD1391-100", size="10")
    assert len(default) == 10
    three = sales(fast_sandbox, "DD1391-100", size="10", limit=3)
    assert three == default[:3]  # deterministic, and the newest three
    times = [dt.datetime.fromisoformat(s["purchased_at"].replace("Z", "+00:00")) for s in default]
    assert times == sorted(times, reverse=True) and len(set(times)) == len(times)
    now = dt.datetime.now(dt.UTC)
    assert all(now - dt.timedelta(days=60) < t <= now for t in times)
    assert all(s["purchased_at"].endswith("Z") and len(s["purchased_at"]) == 24 for s in default)
    item = catalog_item(fast_sandbox, "DD1391-100")
    last = int(new_good(book_rows(fast_sandbox, "DD1391-100"))[10]["last_sold_listing_price_cents"])
    for sale in default:
        assert sale["size"] == 10 and type(sale["size"]) is int and sale["catalog_id"] == item["catalog_id"]
        assert isinstance(sale["consigned"], bool)
        assert 0.85 * last <= int(sale["price_cents"]) <= 1.15 * last
    many = sales(fast_sandbox, "DD1391-100", size="10", limit=500)
    assert 10 < len(many) <= 200
    half = sales(fast_sandbox, "DD1391-100", size="10.5", limit=2)
    assert half[0]["size"] == 10.5


def test_recent_sales_follow_region_and_consignment(fast_sandbox) -> None:
    global_ = sales(fast_sandbox, "CP9654", size="9", limit=20)
    assert sales(fast_sandbox, "CP9654", size="9", limit=20, region_id=2) != global_
    consigned = sales(fast_sandbox, "CP9654", size="9", limit=20, consigned="true")
    assert consigned and all(s["consigned"] is True for s in consigned)
    assert all(s["consigned"] is False for s in sales(fast_sandbox, "CP9654", size="9", consigned="false"))


def test_offer_histogram_is_the_depth_of_bids(fast_sandbox) -> None:
    item = catalog_item(fast_sandbox, "CP9654")
    book = new_good(book_rows(fast_sandbox, "CP9654"))
    size = next(s for s in (10, 9.5, 11, 8.5, 10.5) if book[s]["highest_offer_price_cents"] != "0")
    body = alias(fast_sandbox, "/pricing_insights/offer_histogram", catalog_id=item["catalog_id"], size=str(size),
                 product_condition=NEW, packaging_condition=GOOD)
    bins = body["offer_histogram"]["bins"]
    assert bins and bins[0]["offer_price_cents"] == book[size]["highest_offer_price_cents"]
    assert all(set(b) == {"offer_price_cents", "count"} and b["count"].isdigit() and int(b["count"]) >= 1 for b in bins)
    prices_ = [int(b["offer_price_cents"]) for b in bins]
    assert prices_ == sorted(prices_, reverse=True)
    response = alias_get(fast_sandbox, "/pricing_insights/offer_histogram", catalog_id=item["catalog_id"],
                         product_condition=NEW, packaging_condition=GOOD)
    assert response.status_code == 400 and response.json()["message"] == "Missing parameter: input.Size"


def test_every_alias_answer_has_a_request_id(fast_sandbox) -> None:
    answers = [
        alias_get(fast_sandbox, "/catalog", query="panda"),
        alias_get(fast_sandbox, "/catalog/nope"),
        alias_get(fast_sandbox, "/pricing_insights/recent_sales"),
        requests.get(f"{fast_sandbox.url}/alias/api/v1/catalog", params={"query": "x"}, timeout=10),  # no token
    ]
    assert [a.status_code for a in answers] == [200, 404, 400, 401]
    assert all(a.headers.get("x-request-id") for a in answers)


# --- faults, info, determinism --------------------------------------------------------------------

def test_stockx_500_with_error_message_and_alias_grpc_500(sandbox_factory) -> None:
    sandbox = sandbox_factory(fault_rate=1.0, fault_kinds=("500_errormessage",))
    response = requests.get(f"{sandbox.url}/stockx/v2/catalog/search", params={"query": "panda"}, headers=STOCKX, timeout=10)
    assert response.status_code == 500
    body = response.json()
    assert body["statusCode"] == 500 and body["errorMessage"] and "message" not in body
    response = alias_get(sandbox, "/catalog", query="panda")
    assert response.status_code == 500 and response.headers["x-request-id"]
    assert set(response.json()) == {"code", "message", "details"}
    assert sandbox.counters.faults == {"500_errormessage": 2}


def test_504_is_the_cdns_html_page(sandbox_factory) -> None:
    sandbox = sandbox_factory(fault_rate=1.0, fault_kinds=("504_html",))
    for response in (requests.get(f"{sandbox.url}/stockx/v2/catalog/search", params={"query": "x"}, headers=STOCKX, timeout=10),
                     alias_get(sandbox, "/catalog", query="x")):
        assert response.status_code == 504
        assert response.headers["content-type"].startswith("text/html")
        assert "504 Gateway Timeout" in response.text
        with pytest.raises(ValueError):
            response.json()


def test_new_fault_kinds_are_in_the_storm() -> None:
    assert {"500_errormessage", "504_html", "500", "502", "503", "html", "wrong_shape", "stall", "drop", "429"} <= set(FAULT_KINDS)


def test_sandbox_info_needs_no_auth_and_skips_latency_and_limits(sandbox_factory) -> None:
    sandbox = sandbox_factory(latency_ms=(400.0, 400.0), stockx_burst=1, alias_burst=1, stockx_rate_per_sec=0.01,
                              alias_rate_per_sec=0.01)
    started = time.monotonic()
    for _ in range(5):
        response = requests.get(f"{sandbox.url}/sandbox/info", timeout=10)
        assert response.status_code == 200
        assert response.json() == {"sandbox": True, "name": "sneaker-analyzer-sandbox"}
    assert time.monotonic() - started < 1.0
    assert sandbox.counters.requests == {"stockx": 0, "alias": 0} and sandbox.counters.rate_limited == {"stockx": 0, "alias": 0}


def test_same_answers_from_another_sandbox(fast_sandbox, sandbox_factory) -> None:
    other = sandbox_factory(seed=99)
    for sandbox_a, sandbox_b in ((fast_sandbox, other),):
        assert market_data(sandbox_a, "DJ0675-200", "EUR") == market_data(sandbox_b, "DJ0675-200", "EUR")
        assert book_rows(sandbox_a, "IB4171-100", region_id=1) == book_rows(sandbox_b, "IB4171-100", region_id=1)
        assert variants(sandbox_a, "IG9030") == variants(sandbox_b, "IG9030")
