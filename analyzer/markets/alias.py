"""Alias (the GOAT group's seller API): catalog search and availabilities of every size."""

from __future__ import annotations

from typing import Any

from analyzer.config import Settings
from analyzer.errors import BadAnswer, NotConfigured
from analyzer.markets.base import Call, Gather, HttpMarket, amount, is_dict_with, size_number, text
from analyzer.matching import split_style_ids
from analyzer.models import CallStats, Product, SizePrice

PAGE_LIMIT = 20
PRODUCT_PAGE = "https://www.goat.com/sneakers/{catalog_id}"
NEW_IN_GOOD_BOX = ("PRODUCT_CONDITION_NEW", "PACKAGING_CONDITION_GOOD_CONDITION")


class AliasAuth:
    """A personal access token; they do not expire, so there is nothing to refresh."""

    def __init__(self, settings: Settings) -> None:
        self._token = settings.alias_api_token

    def headers(self) -> dict[str, str]:
        if not self._token:
            raise NotConfigured("Alias is not configured: set ALIAS_API_TOKEN.")
        return {"Authorization": f"Bearer {self._token}"}

    def refresh(self) -> bool:
        return False


def parse_catalog_item(item: dict[str, Any]) -> Product:
    if not is_dict_with(item, "catalog_id", "name"):
        raise BadAnswer("bad answer from Alias")
    catalog_id = str(item["catalog_id"])
    release = text(item.get("release_date"))
    return Product(
        market="alias",
        product_id=catalog_id,
        title=str(item["name"]),
        brand=text(item.get("brand")),
        style_ids=split_style_ids(text(item.get("sku"))),
        retail_price=amount(item.get("retail_price_cents"), cents=True),
        release_date=release[:10] if release else None,
        image_url=text(item.get("main_picture_url")),
        url=PRODUCT_PAGE.format(catalog_id=catalog_id),
    )


def is_catalog_page(data: Any) -> bool:
    return is_dict_with(data, "catalog_items") and isinstance(data["catalog_items"], list)


def parse_catalog(data: Any) -> list[Product]:
    if not is_catalog_page(data):
        raise BadAnswer("bad answer from Alias")
    return [parse_catalog_item(item) for item in data["catalog_items"] if isinstance(item, dict)]


def is_availabilities(data: Any) -> bool:
    return is_dict_with(data, "variants") and isinstance(data["variants"], list)


def parse_availabilities(data: Any) -> list[SizePrice]:
    """One row per size for a new pair in a good box; '0' cents means no data."""
    if not is_availabilities(data):
        raise BadAnswer("bad answer from Alias")
    run: dict[float, SizePrice] = {}
    for row in data["variants"]:
        if not isinstance(row, dict):
            continue
        if (row.get("product_condition"), row.get("packaging_condition")) != NEW_IN_GOOD_BOX:
            continue
        size = size_number(row.get("size"))
        book = row.get("availability") if isinstance(row.get("availability"), dict) else {}
        if size is None or size in run:
            continue
        run[size] = SizePrice(
            size=size,
            lowest_ask=amount(book.get("lowest_listing_price_cents"), cents=True),
            highest_bid=amount(book.get("highest_offer_price_cents"), cents=True),
            last_sale=amount(book.get("last_sold_listing_price_cents"), cents=True),
        )
    return sorted(run.values(), key=lambda s: s.size)


class Alias(HttpMarket):
    name = "alias"
    label = "Alias"
    steps = ("search", "availability")
    volatile_urls = ("*/pricing_insights/*",)

    @classmethod
    def base_url(cls, settings: Settings) -> str:
        return settings.alias_base_url

    @classmethod
    def auth(cls, settings: Settings) -> AliasAuth:
        return AliasAuth(settings)

    def search(self, query: str, stats: CallStats) -> list[Product]:
        return parse_catalog(self.http.get_json("/catalog", {"query": query, "limit": PAGE_LIMIT}, stats, is_catalog_page))

    def size_run(self, product: Product, stats: CallStats, gather: Gather) -> list[SizePrice]:
        (data,) = gather([
            Call("availability", "asks, bids and last sales",
                 lambda: self.http.get_json(f"/pricing_insights/availabilities/{product.product_id}", {}, stats, is_availabilities)),
        ])
        return parse_availabilities(data)
