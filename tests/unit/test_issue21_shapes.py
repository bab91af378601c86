"""Issue 21: the three faults and the dropped fields, on answers in the real captured shapes."""

from __future__ import annotations

from typing import Any

import pytest

from analyzer.config import Settings
from analyzer.domain.errors import Rejected
from analyzer.domain.models import CallStats, Size
from analyzer.domain.sizes import Picked, read_size, resolve
from analyzer.domain.validation import parse_size
from analyzer.lookup.engine import Analyzer
from analyzer.markets.alias import (
    Alias,
    next_page,
    parse_availabilities,
    parse_catalog_item,
    parse_offer_histogram,
)
from analyzer.markets.stockx import parse_product, parse_size_run
from analyzer.net.http import Answer

NEW, GOOD = "PRODUCT_CONDITION_NEW", "PACKAGING_CONDITION_GOOD_CONDITION"
USED, NO_BOX = "PRODUCT_CONDITION_USED", "PACKAGING_CONDITION_NO_ORIGINAL_BOX"
MISSING_SIZE = "Alias rejected the request (400): Missing parameter: input.Size"


def cents(ask: str, bid: str, last: str = "0", indicator: str = "0") -> dict[str, str]:
    return {"lowest_listing_price_cents": ask, "highest_offer_price_cents": bid, "last_sold_listing_price_cents": last,
            "global_indicator_price_cents": indicator}


def row(size: float, ask: str, bid: str, product: str = NEW, packaging: str = GOOD, **more: str) -> dict[str, Any]:
    return {"size": size, "product_condition": product, "packaging_condition": packaging,
            "availability": cents(ask, bid, **more)}


ITEM = {"catalog_id": "dunk-low-black-white-dd1391-100", "name": "Nike Dunk Low 'Black White'", "sku": "DD1391 100",
        "brand": "Nike", "gender": "men", "release_date": "", "product_type": "sneakers",
        "allowed_sizes": [{"display_name": "10", "value": 10, "us_size_equivalent": 10}],
        "retail_price_cents": "10000", "minimum_listing_price_cents": "2500", "maximum_listing_price_cents": "500000",
        "resellable": True, "requested_pictures": [], "requires_listing_pictures": False, "product_category_v2": "shoes"}


class FakeAliasHttp:
    """Answers like Alias did in the captured answers: the book, and a 400 from recent_sales."""

    def __init__(self, sales_error: bool = True) -> None:
        self.sales_error = sales_error
        self.paths: list[tuple[str, dict[str, Any]]] = []

    def get_json(self, path: str, params: dict[str, Any], stats: CallStats, valid: Any) -> Any:
        self.paths.append((path, params))
        stats.count(calls=1)
        if path == "/catalog":
            return {"catalog_items": [ITEM], "next_pagination_token": "", "has_more": False}
        if path.endswith("recent_sales"):
            if self.sales_error:
                raise Rejected(MISSING_SIZE)
            return {"recent_sales": []}
        if path.endswith("offer_histogram"):
            return {"offer_histogram": {"bins": [{"offer_price_cents": "5500", "count": "1"},
                                                 {"offer_price_cents": "5000", "count": "3"}]}}
        raise AssertionError(path)

    def get_answer(self, path: str, params: dict[str, Any], stats: CallStats, valid: Any) -> Answer:
        self.paths.append((path, params))
        stats.count(calls=1)
        rows = [row(10, "5200", "5500"), row(10, "3900", "2000", USED, NO_BOX), row(0, "9600", "10500")]
        return Answer({"variants": rows}, True, "2026-11-29T20:00:00Z")

    def clear_cache(self) -> None:
        return None


def settings() -> Settings:
    return Settings.from_env({}).with_(fx_url=None)


# --- fault 1 ------------------------------------------------------------------------------------

def test_failed_sales_call_leaves_the_alias_quote_standing_and_says_why() -> None:
    result = Analyzer(settings(), markets=[Alias(FakeAliasHttp())]).lookup("DD1391-100", "10")
    quote = result.quotes["alias"]
    assert quote.ok, quote.error
    assert (quote.lowest_ask, quote.highest_bid) == (52.0, 55.0)
    assert quote.recent_sales == [] and quote.sales_error == f"No recent sales: {MISSING_SIZE}"
    assert result.to_dict()["quotes"]["alias"]["sales_error"] == quote.sales_error


def test_sales_that_answer_leave_no_sales_error() -> None:
    quote = Analyzer(settings(), markets=[Alias(FakeAliasHttp(sales_error=False))]).lookup("DD1391-100", "10").quotes["alias"]
    assert quote.ok and quote.sales_error is None


# --- fault 2 ------------------------------------------------------------------------------------

def kid_variant(vid: str, value: str, default: str, conversions: list[tuple[str, str]]) -> dict[str, Any]:
    return {"productId": "p", "variantId": vid, "variantName": f"x:{value}", "variantValue": value,
            "sizeChart": {"defaultConversion": {"size": default, "type": "us"},
                          "availableConversions": [{"size": s, "type": t} for s, t in conversions]},
            "gtins": [], "isFlexEligible": False, "isDirectEligible": False}


PS = [kid_variant(f"c{v}", f"{v:g}C", f"{v:g}C", [(f"US {v:g}C", "us"), (f"UK {v - 0.5:g} (EU 28)", "uk")])
      for v in (10.5, 11, 11.5, 12, 12.5, 13, 13.5)] + \
     [kid_variant(f"y{v}", f"{v:g}Y", f"{v:g}Y", [(f"US {v:g}Y", "us"), (f"KR 2{v:g}0 (US {v:g}Y)", "kr"), ("EU 33 2/3", "eu")])
      for v in (1, 1.5, 2, 2.5, 3)]


def test_pre_school_run_is_c_then_y_per_size() -> None:
    product = parse_product({"productId": "p", "title": "Jordan 1 Retro High OG Chicago (PS)", "productType": "sneakers",
                             "productAttributes": {"gender": "kids"}})
    run, _ = parse_size_run(PS, [], product.scale)
    scales = {s.size: s.scale for s in run.sizes}
    assert scales[10.5] == scales[13.5] == "C" and scales[1.0] == scales[3.0] == "Y"
    picks = {asked: resolve(asked, run, "StockX") for asked in (Size(11), Size(2), Size(2, "Y"), Size(11, "C"))}
    assert {str(k): v.label for k, v in picks.items() if isinstance(v, Picked)} == {
        str(Size(11)): "US 11C", str(Size(2)): "US 2Y", str(Size(2, "Y")): "US 2Y", str(Size(11, "C")): "US 11C"}


def test_toddler_product_of_gender_kids_is_c_even_with_a_bare_variant_value() -> None:
    product = parse_product({"productId": "p", "title": "Nike Dunk Low (TD)", "productAttributes": {"gender": "kids"}})
    assert product.scale == "C"
    variants = [kid_variant("t4", "4", "4C", [("US 4C", "us"), ("CM 10 (US 4C)", "cm")])]
    run, _ = parse_size_run(variants, [], product.scale)
    assert [(s.size, s.scale) for s in run.sizes] == [(4.0, "C")]
    assert read_size("US 3.5Y (UK 3)", "us") == ("Y", 3.5) and read_size("KR 235 (US 3.5Y)", "kr") is None


def test_alias_youth_item_lists_toddler_then_youth_in_one_list() -> None:
    sizes = [10.5, 11, 11.5, 12, 12.5, 13, 13.5, *range(1, 11)]
    item = dict(ITEM, gender="youth", name="Air Jordan 1 (Kids)",
                allowed_sizes=[{"display_name": f"{s:g}", "value": s, "us_size_equivalent": s} for s in sizes])
    product = parse_catalog_item(item)
    scales = dict(product.size_scales)
    assert scales[10.5] == "C" and scales[13.5] == "C" and scales[1] == "Y" and scales[10] == "Y"
    run = parse_availabilities({"variants": [row(s, "6000", "4000") for s in sizes]}, product.size_values, product.scale,
                               scales=scales)
    picked = resolve(Size(10.5), run, "Alias")
    assert isinstance(picked, Picked) and picked.label == "US 10.5C"  # not "US 10.5Y"
    ten = resolve(Size(10), run, "Alias")
    assert isinstance(ten, Picked) and ten.label == "US 10Y"


def test_gs_only_item_stays_youth() -> None:
    item = dict(ITEM, gender="youth", allowed_sizes=[{"display_name": f"{s:g}", "value": s} for s in (3.5, 4, 7)])
    assert parse_catalog_item(item).size_scales == ()


# --- fault 3 ------------------------------------------------------------------------------------

def test_womens_to_22_5_unsorted_and_rows_outside_the_run_ignored() -> None:
    sizes = [12, 5, 22.5, 8, 15.5]
    item = dict(ITEM, gender="women", allowed_sizes=[{"display_name": f"{s:g}", "value": s} for s in sizes])
    product = parse_catalog_item(item)
    assert product.size_values == (5.0, 8.0, 12.0, 15.5, 22.5) and product.release_date is None
    rows = [row(s, "9000", "7000") for s in (0.5, 3.5, 5, 8, 12, 15.5, 16, 19.5, 22.5, 0, 40)]
    rows += [row(8, "6000", "4000", USED, NO_BOX)]  # size 8 has 2 condition rows, the others one: fewer than 12
    run = parse_availabilities({"variants": rows}, product.size_values, "W")
    assert [s.size for s in run.sizes] == [5.0, 8.0, 12.0, 15.5, 22.5]
    assert parse_size("22.5W") == Size(22.5, "W")


# --- the dropped fields -------------------------------------------------------------------------

def test_stockx_flex_direct_beat_us_variant_and_barcodes() -> None:
    variant = {"productId": "p", "variantId": "v-10", "variantValue": "10",
               "sizeChart": {"defaultConversion": {"size": "10", "type": "us m"},
                             "availableConversions": [{"size": "US M 10", "type": "us m"}, {"size": "UK 9 (EU 44)", "type": "uk"}]},
               "gtins": [{"identifier": "00195244532806", "type": "ITF-14"}, {"identifier": "195244532806", "type": "UPC"},
                         {"identifier": "19524453", "type": "GTIN-8"}],
               "isFlexEligible": True, "isDirectEligible": False}
    data = {"variantId": "v-10", "currencyCode": "USD", "lowestAskAmount": "120", "highestBidAmount": "100",
            "sellFasterAmount": "118", "earnMoreAmount": "130", "flexLowestAskAmount": "119",
            "standardMarketData": {"lowestAsk": "120", "highestBidAmount": "100", "sellFaster": "118", "earnMore": "130",
                                   "beatUS": "117"},
            "flexMarketData": {"lowestAsk": "119", "highestBidAmount": "100", "sellFaster": "116", "earnMore": "127",
                               "beatUS": None},
            "directMarketData": {"lowestAsk": "125", "highestBidAmount": None, "sellFaster": None, "earnMore": None,
                                 "beatUS": None}}
    (ten,), _ = parse_size_run([variant], [data])[0].sizes, None
    assert (ten.flex_lowest_ask, ten.flex_sell_faster, ten.flex_earn_more) == (119.0, 116.0, 127.0)
    assert (ten.beat_us, ten.direct_lowest_ask, ten.variant_id) == (117.0, 125.0, "v-10")
    assert (ten.flex_eligible, ten.direct_eligible) == (True, False)
    assert [g for g, _ in ten.gtins] == ["00195244532806", "195244532806", "19524453"]


def test_stockx_all_null_book_and_no_barcodes() -> None:
    variant = {"productId": "p", "variantId": "v", "variantValue": "9", "gtins": [],
               "sizeChart": {"defaultConversion": {"size": "9", "type": "us m"}, "availableConversions": []}}
    nulls = {"variantId": "v", "currencyCode": "USD", "lowestAskAmount": None, "highestBidAmount": None,
             "sellFasterAmount": None, "earnMoreAmount": None, "flexLowestAskAmount": None,
             "standardMarketData": {"lowestAsk": None, "highestBidAmount": None, "sellFaster": None, "earnMore": None,
                                    "beatUS": None}, "flexMarketData": None, "directMarketData": None}
    (nine,) = parse_size_run([variant], [nulls])[0].sizes
    assert nine.gtins == () and nine.flex_sell_faster is None and nine.beat_us is None and nine.lowest_ask is None


def test_alias_condition_choice_asks_and_reads_another_book() -> None:
    http = FakeAliasHttp(sales_error=False)
    market = Alias(http, condition="used_no_box", offer_depth=True)
    result = Analyzer(settings(), markets=[market]).lookup("DD1391-100", "10")
    quote = result.quotes["alias"]
    assert (quote.lowest_ask, quote.highest_bid) == (39.0, 20.0)
    assert quote.book is not None and quote.book.condition == "used_no_box"
    asked = [p for path, p in http.paths if path.endswith(("recent_sales", "offer_histogram"))]
    assert asked and all((p["product_condition"], p["packaging_condition"]) == (USED, NO_BOX) for p in asked)
    assert quote.min_listing_price == 25.0 and quote.max_listing_price == 5000.0
    assert [(b.price, b.count) for b in quote.offer_histogram or []] == [(55.0, 1), (50.0, 3)]


def test_global_indicator_and_histogram_and_pages() -> None:
    run = parse_availabilities({"variants": [row(10, "5200", "5500", indicator="6100")]}, (10.0,))
    assert run.sizes[0].global_indicator == 61.0
    assert parse_offer_histogram({"offer_histogram": {"bins": []}}) == []
    assert next_page({"catalog_items": [], "next_pagination_token": "abc", "has_more": True}) == "abc"
    assert next_page({"catalog_items": []}) is None


@pytest.mark.parametrize("condition", ["new_good_box", "used_damaged_box", "defects_missing_lid"])
def test_every_condition_is_a_book(condition: str) -> None:
    market = Alias(FakeAliasHttp(), condition=condition)
    assert market.book.condition == condition and market.book.key.endswith(condition)


def test_unknown_condition_is_refused() -> None:
    with pytest.raises(ValueError, match="Alias condition"):
        Alias(FakeAliasHttp(), condition="mint")


def test_a_list_price_below_alias_minimum_is_no_advice() -> None:
    from analyzer.domain.models import Quote
    from analyzer.domain.pricing import Fees, recommend

    quotes = {"alias": Quote(market="alias", ok=True, lowest_ask=20.0, highest_bid=15.0, min_listing_price=25.0)}
    priced = recommend(quotes, Fees(), labels={"alias": "Alias"})
    assert priced.best_list is None
    assert any("refuses listings below 25.00 USD" in n for n in priced.notes)
    fine = recommend({"alias": Quote(market="alias", ok=True, lowest_ask=30.0, min_listing_price=25.0)}, Fees())
    assert fine.best_list is not None and fine.best_list.price == 30.0


@pytest.mark.parametrize(("title", "gender", "scale"), [
    ("Nike Dunk Low (I)", "kids", "C"), ("Nike Dunk Low (TD)", "kids", "C"), ("Jordan 1 Mid (PS)", "kids", "C"),
    ("Jordan 4 Retro (GS)", "kids", "Y"), ("Nike Air Max 90 (Kids)", "kids", "Y"), ("New Balance 550", "unisex", "M"),
    ("Nike Dunk Low (Women's)", "women", "W"),
])
def test_a_products_usual_scale_from_its_title_and_gender(title: str, gender: str, scale: str) -> None:
    assert parse_product({"productId": "p", "title": title, "productAttributes": {"gender": gender}}).scale == scale
