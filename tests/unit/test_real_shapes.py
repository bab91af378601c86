"""Parsers and size decisions on hand-written answers in the real shapes of marketplace-apis.md."""

from __future__ import annotations

import pytest

from analyzer.domain.errors import BadAnswer
from analyzer.domain.matching import find_by_style_id, plan_products
from analyzer.domain.models import Product, Size, SizeRun
from analyzer.domain.pricing import sales_per_week
from analyzer.domain.sizes import NoSize, Picked, read_size, resolve
from analyzer.markets.alias import book_params, parse_availabilities, parse_catalog, parse_recent_sales
from analyzer.markets.stockx import parse_search, parse_size_run


def variant(vid: str, value: str, default_type: str, conversions: list[tuple[str, str]]) -> dict:
    return {"productId": "p", "variantId": vid, "variantName": f"x:{value}", "variantValue": value,
            "sizeChart": {"defaultConversion": {"size": value, "type": default_type},
                          "availableConversions": [{"size": s, "type": t} for s, t in conversions]},
            "gtins": [{"identifier": "0196153000000", "type": "UPC"}], "isFlexEligible": True, "isDirectEligible": False}


MENS = [variant("m10", "10", "us m", [("US M 10", "us m"), ("US W 11.5", "us w"), ("UK 9", "uk"), ("EU 44", "eu"),
                                     ("CM 28", "cm"), ("KR 280", "kr")]),
        variant("m10.5", "10.5", "us m", [("US M 10.5", "us m"), ("US W 12", "us w"), ("UK 9.5", "uk"), ("EU 44.5", "eu")])]
WOMENS = [variant("w8", "8W", "us w", [("US W 8", "us w"), ("US M 6.5", "us m"), ("UK 5.5", "uk"), ("CM 25", "cm")]),
          variant("w9.5", "9.5W", "us w", [("US W 9.5", "us w"), ("US M 8", "us m"), ("UK 7", "uk"), ("KR 265", "kr")])]
GS = [variant("y6.5", "6.5Y", "us", [("US 6.5Y", "us"), ("UK 6", "uk"), ("CM 24.5", "cm"), ("EU 39", "eu")]),
      variant("y7", "7Y", "us", [("US 7Y", "us"), ("UK 6", "uk"), ("CM 25", "cm"), ("KR 250", "kr"), ("EU 40", "eu")])]


def market_row(vid: str, ask: str | None, bid: str | None, currency: str = "USD", **extra: str | None) -> dict:
    nested = {"lowestAsk": ask, "highestBidAmount": bid, "sellFaster": extra.get("sellFasterAmount"),
              "earnMore": extra.get("earnMoreAmount"), "beatUS": None}
    return {"productId": "p", "variantId": vid, "currencyCode": currency, "lowestAskAmount": ask, "highestBidAmount": bid,
            "sellFasterAmount": None, "earnMoreAmount": None, "flexLowestAskAmount": None, **extra,
            "standardMarketData": nested, "flexMarketData": dict(nested, lowestAsk=extra.get("flexLowestAskAmount")),
            "directMarketData": dict(nested, lowestAsk=None)}


@pytest.mark.parametrize(("text", "kind", "read"), [
    ("10.5", "us m", ("M", 10.5)), ("US M 10.5", "us m", ("M", 10.5)), ("US W 12", "us w", ("W", 12.0)),
    ("9.5W", "us w", ("W", 9.5)), ("7Y", "us", ("Y", 7.0)), ("US 7Y", "us", ("Y", 7.0)), ("4C", "us", ("C", 4.0)),
    ("UK 9.5", "uk", None), ("EU 44.5", "eu", None), ("CM 28.5", "cm", None), ("KR 285", "kr", None), (None, "us m", None),
    ("9.5W", "us m", None),
])
def test_stockx_size_strings(text: str | None, kind: str, read: tuple[str, float] | None) -> None:
    assert read_size(text, kind) == read


def test_womens_run_is_in_womens_sizes_with_the_brands_mens_conversion() -> None:
    run, currency = parse_size_run(WOMENS, [market_row("w8", "120", "90"), market_row("w9.5", "130", None)])
    assert run.scale == "W" and currency == "USD"
    assert [(s.size, s.conversions["M"], s.lowest_ask) for s in run.sizes] == [(8.0, 6.5, 120.0), (9.5, 8.0, 130.0)]


def test_gs_run_has_youth_sizes_and_no_mens_entry() -> None:
    run, _ = parse_size_run(GS, [market_row("y7", "179", "87")])
    assert run.scale == "Y"
    seven = run.sizes[-1]
    assert (seven.size, seven.lowest_ask, seven.highest_bid, "M" in seven.conversions) == (7.0, 179.0, 87.0, False)


def test_currency_is_read_from_the_answer_and_suggested_prices_kept() -> None:
    row = market_row("m10", None, "27", "GBP", sellFasterAmount="59", earnMoreAmount="100", flexLowestAskAmount="55")
    run, currency = parse_size_run(MENS, [row])
    ten = run.sizes[0]
    assert currency == "GBP"
    assert (ten.lowest_ask, ten.highest_bid, ten.sell_faster, ten.earn_more, ten.flex_lowest_ask) == (None, 27.0, 59.0, 100.0, 55.0)


def charted(variants: list[dict]) -> SizeRun:
    return parse_size_run(variants, [market_row(v["variantId"], "100", "80") for v in variants])[0]


ALIAS_WOMENS = SizeRun(scale="W", sizes=parse_availabilities({"variants": [
    {"size": s, "product_condition": "PRODUCT_CONDITION_NEW", "packaging_condition": "PACKAGING_CONDITION_GOOD_CONDITION",
     "availability": {"lowest_listing_price_cents": "11000", "highest_offer_price_cents": "9000",
                      "last_sold_listing_price_cents": "0", "global_indicator_price_cents": "0"}} for s in (8, 9.5)]},
    (8.0, 9.5), "W").sizes)


@pytest.mark.parametrize(("asked", "label"), [(Size(8), "US W 8"), (Size(8, "W"), "US W 8"), (Size(8, "M"), "US W 9.5")])
def test_both_markets_quote_the_same_physical_womens_size(asked: Size, label: str) -> None:
    stockx = charted(WOMENS)
    on_stockx = resolve(asked, stockx, "StockX")
    on_alias = resolve(asked, ALIAS_WOMENS, "Alias", [stockx])
    assert isinstance(on_stockx, Picked) and isinstance(on_alias, Picked)
    assert on_stockx.label == on_alias.label == label


def test_mens_size_of_a_gs_shoe_is_refused_naming_the_scale() -> None:
    picked = resolve(Size(7, "M"), charted(GS), "StockX")
    assert isinstance(picked, NoSize) and "youth (GS) sizes" in picked.message and "no men's conversion" in picked.message
    assert isinstance(resolve(Size(7), charted(GS), "StockX"), Picked)


def test_womens_size_of_a_mens_shoe_goes_through_the_chart() -> None:
    picked = resolve(Size(11.5, "W"), charted(MENS), "StockX")
    assert isinstance(picked, Picked) and picked.label == "US M 10"


def test_a_market_without_chart_says_it_cannot_convert_alone() -> None:
    picked = resolve(Size(8, "M"), ALIAS_WOMENS, "Alias", [])
    assert isinstance(picked, NoSize) and "no size chart" in picked.message


def test_alias_placeholder_rows_and_sizes_outside_allowed_are_ignored() -> None:
    def row(size: object, ask: str) -> dict:
        return {"size": size, "product_condition": "PRODUCT_CONDITION_NEW",
                "packaging_condition": "PACKAGING_CONDITION_GOOD_CONDITION",
                "availability": {"lowest_listing_price_cents": ask, "highest_offer_price_cents": "10500",
                                 "last_sold_listing_price_cents": "0", "global_indicator_price_cents": "0"}}

    data = {"variants": [row(0, "9600"), row(40, "9600"), row(9, "6400"), row(9.5, "7000"), row(19, "5000")]}
    run = parse_availabilities(data, (8.0, 9.0, 9.5, 10.0), "M")
    assert [(s.size, s.lowest_ask) for s in run.sizes] == [(9.0, 64.0), (9.5, 70.0)]
    assert [s.size for s in parse_availabilities(data).sizes] == [9.0, 9.5, 19.0]  # 0 and 40 never stand in


def test_alias_catalog_gender_and_allowed_sizes_give_the_scale() -> None:
    items = [{"catalog_id": "dunk-w", "name": "W Dunk", "sku": "DD1503 103", "gender": "women",
              "allowed_sizes": [{"display_name": "8", "value": 8, "us_size_equivalent": 8}]},
             {"catalog_id": "aj4-gs", "name": None, "sku": "IB4171 100", "gender": "youth", "allowed_sizes": []}]
    women, youth = parse_catalog({"catalog_items": items, "next_pagination_token": "", "has_more": False})
    assert (women.scale, women.size_values, youth.scale) == ("W", (8.0,), "Y")
    assert youth.title == "IB4171 100"  # a null name is never "None"


def test_null_title_is_never_none_text() -> None:
    (product,) = parse_search({"products": [{"productId": "x", "title": None, "styleId": "DD1391-100"}]})
    assert product.title == "DD1391-100"


def test_recent_sales_newest_first_and_pace() -> None:
    data = {"recent_sales": [
        {"purchased_at": "2025-12-02T18:24:08.701Z", "price_cents": "6500", "size": 10, "consigned": True, "catalog_id": "c"},
        {"purchased_at": "2025-12-09T18:24:08.701Z", "price_cents": "7100", "size": 10, "consigned": False, "catalog_id": "c"},
        {"purchased_at": "2025-12-05T18:24:08.701Z", "price_cents": "0", "size": 10, "consigned": True, "catalog_id": "c"},
    ]}
    sales = parse_recent_sales(data)
    assert [(s.price, s.consigned) for s in sales] == [(71.0, False), (65.0, True)]
    assert sales_per_week(sales) == 1.0
    assert sales_per_week(sales[:1]) is None
    with pytest.raises(BadAnswer):
        parse_recent_sales({"code": 3, "message": "Missing parameter: input.Size", "details": []})


def test_region_and_consigned_params() -> None:
    assert book_params("global", "any") == {}
    assert book_params("us", "true") == {"region_id": "1", "consigned": "true"}
    assert book_params("uk", "false") == {"region_id": "3", "consigned": "false"}


def p(style: str, product_type: str | None = "sneakers", market: str = "stockx") -> Product:
    return Product(market=market, product_id=style, title=style, style_ids=(style,), product_type=product_type)


def test_exact_style_id_beats_annotated_and_samples() -> None:
    found = [p("AQ0818-148 S"), p("AQ0818-148")]
    assert find_by_style_id(found, "AQ0818-148").style_ids == ("AQ0818-148",)
    assert find_by_style_id([p("AQ0818-148 S")], "AQ0818-148").style_ids == ("AQ0818-148 S",)
    assert find_by_style_id([p("(Gold) FV5029-003"), p("(White) FV5029-003")], "FV5029-003").style_ids == ("(Gold) FV5029-003",)


def test_a_shoe_beats_a_basketball_with_the_same_style_id() -> None:
    found = [p("FV5029-010", "collectibles"), p("FV5029-010"), p("FV5029-006")]
    assert find_by_style_id(found, "FV5029-010").product_type == "sneakers"


def test_partial_style_id_not_found_with_suggestions() -> None:
    plans = plan_products("DD1391", {"stockx": [p("DD1391-100"), p("DD1391-101")]}, {"stockx": "StockX"})
    plan = plans["stockx"]
    assert [s.style_id for s in plan.suggestions] == ["DD1391-100", "DD1391-101"]  # type: ignore[union-attr]


@pytest.mark.parametrize(("body", "said"), [(b'{"statusCode": 500, "errorMessage": "Internal failure"}', "Internal failure"),
                                            (b'{"statusCode": 404, "message": "Product not found"}', "Product not found"),
                                            (b"<html><body>504 Gateway Time-out</body></html>", "")])
def test_stockx_error_bodies_are_read_whichever_key(body: bytes, said: str) -> None:
    import requests

    from analyzer.net.http import _error_message

    response = requests.Response()
    response._content = body
    assert _error_message(response) == said


def test_ecb_daily_file_is_read_per_us_dollar() -> None:
    from analyzer.net.fx import parse_ecb_daily

    xml = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject><Cube><Cube time="2026-11-27">
<Cube currency="USD" rate="1.0800"/><Cube currency="GBP" rate="0.8640"/><Cube currency="JPY" rate="162.00"/>
<Cube currency="DKK" rate="7.46"/></Cube></Cube></gesmes:Envelope>"""
    rates = parse_ecb_daily(xml)
    assert rates == {"EUR": round(1 / 1.08, 6), "USD": 1.0, "GBP": 0.8, "JPY": 150.0}
    assert parse_ecb_daily("<html>504</html>") == {} and parse_ecb_daily("not xml") == {}


def test_a_failing_rate_source_is_not_asked_at_every_lookup(tmp_path) -> None:
    from analyzer.config import Settings
    from analyzer.net import fx

    settings = Settings(data_dir=tmp_path, fx_url="http://127.0.0.1:9/eurofxref-daily.xml")
    fx._FAILED_AT.pop(settings.fx_url, None)
    assert fx.rates(settings) == {} and settings.fx_url in fx._FAILED_AT
    first = fx._FAILED_AT[settings.fx_url]
    assert fx.rates(settings) == {} and fx._FAILED_AT[settings.fx_url] == first  # not tried again yet
    assert fx.rates(Settings(data_dir=tmp_path, fx_rates={"GBP": 0.8})) == {"GBP": 0.8}
