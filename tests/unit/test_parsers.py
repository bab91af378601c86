"""The documented shapes, string amounts, cent strings, "0", nulls, two style IDs, spaced SKUs."""

from __future__ import annotations

import pytest

from analyzer.domain.errors import BadAnswer
from analyzer.markets.alias import parse_availabilities, parse_catalog
from analyzer.markets.base import amount
from analyzer.markets.stockx import parse_search, parse_size_run

REAL_SEARCH_ITEM = {
    "productId": "5e6a1e57-1c7d-435a-82bd-5666a13560fe", "brand": "Nike", "productType": "sneakers",
    "styleId": "DD1391-100", "urlKey": "nike-dunk-low-retro-white-black-2021",
    "title": "Nike Dunk Low Retro White Black Panda",
    "productAttributes": {"colorway": "White/Black", "gender": "men", "releaseDate": "2021-03-10", "retailPrice": 115},
}


def test_stockx_search_item() -> None:
    (product,) = parse_search({"count": 1, "pageSize": 10, "pageNumber": 1, "hasNextPage": False, "products": [REAL_SEARCH_ITEM]})
    assert product.style_ids == ("DD1391-100",)
    assert product.retail_price == 115.0
    assert product.release_date == "2021-03-10"
    assert product.url == "https://stockx.com/nike-dunk-low-retro-white-black-2021"


def test_two_style_ids_and_null_style() -> None:
    items = [dict(REAL_SEARCH_ITEM, styleId="315122-111/CW2288-111"), dict(REAL_SEARCH_ITEM, styleId=None, productAttributes=None)]
    first, second = parse_search({"products": items})
    assert first.style_ids == ("315122-111", "CW2288-111")
    assert second.style_ids == () and second.retail_price is None


def test_stockx_amounts_are_strings_or_null() -> None:
    variants = [
        {"productId": "p", "variantId": "v1", "variantValue": "10",
         "sizeChart": {"availableConversions": [{"size": "US M 10", "type": "us m"}]}},
        {"productId": "p", "variantId": "v2", "variantValue": "10.5", "sizeChart": {}},
        {"productId": "p", "variantId": "v3", "variantValue": None},
    ]
    market = [
        {"variantId": "v1", "lowestAskAmount": None, "highestBidAmount": "27", "currencyCode": "USD"},
        {"variantId": "v2", "lowestAskAmount": "187.5", "highestBidAmount": None},
    ]
    run, currency = parse_size_run(variants, market)
    assert [(s.size, s.lowest_ask, s.highest_bid) for s in run.sizes] == [(10.0, None, 27.0), (10.5, 187.5, None)]
    assert currency == "USD"


def test_womens_variant_keeps_its_own_size_and_its_mens_conversion() -> None:
    variants = [{"variantId": "v", "variantValue": "8.5W", "sizeChart": {
        "defaultConversion": {"size": "8.5W", "type": "us w"},
        "availableConversions": [{"size": "UK 6", "type": "uk"}, {"size": "US M 7", "type": "us m"}]}}]
    run, _ = parse_size_run(variants, [])
    (only,) = run.sizes
    assert (run.scale, only.size, only.conversions) == ("W", 8.5, {"M": 7.0, "W": 8.5})


def test_alias_catalog_spaced_sku_and_cent_strings() -> None:
    (product,) = parse_catalog({"catalog_items": [{
        "catalog_id": "dunk-low-black-white-dd1391-100", "name": "Nike Dunk Low 'Black White'", "sku": "DD1391 100",
        "brand": "Nike", "release_date": "2021-03-10T23:00:00.000Z", "retail_price_cents": "10000",
        "main_picture_url": "https://image.goat.com/x.png"}], "next_pagination_token": "", "has_more": False})
    assert product.style_ids == ("DD1391 100",)
    assert product.retail_price == 100.0
    assert product.release_date == "2021-03-10"


def test_alias_zero_means_no_data_and_only_new_in_good_box() -> None:
    rows = [
        {"size": 10, "product_condition": "PRODUCT_CONDITION_USED", "packaging_condition": "PACKAGING_CONDITION_NO_ORIGINAL_BOX",
         "availability": {"lowest_listing_price_cents": "5000"}},
        {"size": 10, "product_condition": "PRODUCT_CONDITION_NEW", "packaging_condition": "PACKAGING_CONDITION_GOOD_CONDITION",
         "availability": {"lowest_listing_price_cents": "9600", "highest_offer_price_cents": "10500",
                          "last_sold_listing_price_cents": "0", "global_indicator_price_cents": "0"}},
    ]
    (book,) = parse_availabilities({"variants": rows}).sizes
    assert (book.lowest_ask, book.highest_bid, book.last_sale) == (96.0, 105.0, None)  # a crossed book is kept as data


@pytest.mark.parametrize("value", [None, "", "0", "0.00", 0, "abc", "nan", "-5", True, [], {}])
def test_amount_missing_is_none(value: object) -> None:
    assert amount(value) is None


@pytest.mark.parametrize(("value", "cents"), [(0.004, False), ("0.001", False), (0.4, True), ("0.4", True)])
def test_amount_that_rounds_to_nothing_is_none(value: object, cents: bool) -> None:
    assert amount(value, cents=cents) is None


def test_amount_rounds_to_the_cent() -> None:
    assert amount("0.005") == 0.01 and amount("6500", cents=True) == 65.0 and amount(187.504) == 187.5


@pytest.mark.parametrize("bad", [None, [], "<html>", {"products": None}, {"data": 1}])
def test_wrong_shapes_are_bad_answers(bad: object) -> None:
    with pytest.raises(BadAnswer):
        parse_search(bad)
    with pytest.raises(BadAnswer):
        parse_catalog(bad)
    with pytest.raises(BadAnswer):
        parse_availabilities(bad)
