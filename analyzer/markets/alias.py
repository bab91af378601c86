"""Alias (the GOAT group's seller API): catalog search and availabilities of every size."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from analyzer.books import default_book
from analyzer.config import Settings
from analyzer.errors import BadAnswer, NotConfigured
from analyzer.http import MarketHttp
from analyzer.markets.alias_spec import SPEC
from analyzer.markets.base import Call, Gather, HttpMarket, amount, is_dict_with, size_number, text
from analyzer.matching import split_style_ids
from analyzer.models import CallStats, Product, Sale, SizePrice, SizeRun
from analyzer.sizes import scale_of_gender

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


REGION_IDS = {"global": None, "us": "1", "eu": "2", "uk": "3"}
SALES_LIMIT = 50


def _allowed_sizes(item: dict[str, Any]) -> tuple[float, ...]:
    rows = item.get("allowed_sizes") if isinstance(item.get("allowed_sizes"), list) else []
    values = {size_number(r.get("value")) for r in rows if isinstance(r, dict)}
    return tuple(sorted(v for v in values if v is not None))


def parse_catalog_item(item: dict[str, Any]) -> Product:
    if not is_dict_with(item, "catalog_id"):
        raise BadAnswer("bad answer from Alias")
    catalog_id = str(item["catalog_id"])
    release = text(item.get("release_date"))
    sku = text(item.get("sku"))
    return Product(
        market="alias",
        product_id=catalog_id,
        title=text(item.get("name")) or sku or catalog_id,
        brand=text(item.get("brand")),
        style_ids=split_style_ids(sku),
        retail_price=amount(item.get("retail_price_cents"), cents=True),
        release_date=release[:10] if release else None,
        image_url=text(item.get("main_picture_url")),
        url=PRODUCT_PAGE.format(catalog_id=catalog_id),
        product_type=text(item.get("product_type")),
        scale=scale_of_gender(item.get("gender")) or "M",
        size_values=_allowed_sizes(item),
    )


def is_catalog_page(data: Any) -> bool:
    return is_dict_with(data, "catalog_items") and isinstance(data["catalog_items"], list)


def parse_catalog(data: Any) -> list[Product]:
    if not is_catalog_page(data):
        raise BadAnswer("bad answer from Alias")
    return [parse_catalog_item(item) for item in data["catalog_items"] if isinstance(item, dict)]


def is_availabilities(data: Any) -> bool:
    return is_dict_with(data, "variants") and isinstance(data["variants"], list)


def parse_availabilities(data: Any, allowed: tuple[float, ...] = (), scale: str = "M") -> SizeRun:
    """One book per size for a new pair in a good box, in the item's own scale; '0' cents means no
    data. Rows at sizes the item does not allow (the placeholders at 0 and 40, and others) are ignored."""
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
        if size is None or size in run or (allowed and size not in allowed):
            continue
        run[size] = SizePrice(
            size=size,
            scale=scale,
            lowest_ask=amount(book.get("lowest_listing_price_cents"), cents=True),
            highest_bid=amount(book.get("highest_offer_price_cents"), cents=True),
            last_sale=amount(book.get("last_sold_listing_price_cents"), cents=True),
        )
    return SizeRun(scale=scale, sizes=sorted(run.values(), key=lambda s: s.size))


def is_recent_sales(data: Any) -> bool:
    return is_dict_with(data, "recent_sales") and isinstance(data["recent_sales"], list)


def parse_recent_sales(data: Any) -> list[Sale]:
    """Newest first, as Alias answers; rows without a price or a time are left out."""
    if not is_recent_sales(data):
        raise BadAnswer("bad answer from Alias")
    sales = []
    for row in data["recent_sales"]:
        if not isinstance(row, dict):
            continue
        price, at = amount(row.get("price_cents"), cents=True), text(row.get("purchased_at"))
        if price is None or at is None:
            continue
        consigned = row.get("consigned")
        sales.append(Sale(price=price, at=at, consigned=consigned if isinstance(consigned, bool) else None))
    return sorted(sales, key=lambda s: s.at, reverse=True)


def book_params(region: str, consigned: str) -> dict[str, str]:
    """region_id and consigned as every pricing call takes them ('global' and 'any' send nothing)."""
    params = {}
    if REGION_IDS.get(region):
        params["region_id"] = REGION_IDS[region]  # type: ignore[assignment]
    if consigned in ("true", "false"):
        params["consigned"] = consigned
    return params


class Alias(HttpMarket):
    name = SPEC.name
    label = SPEC.label
    steps = ("search", "availability", "sales")
    volatile_urls = ("*/pricing_insights/*",)
    has_size_chart = False

    def __init__(self, http: MarketHttp, region: str = "global", consigned: str = "any") -> None:
        super().__init__(http)
        self.choose_book(region, consigned)

    def choose_book(self, region: str, consigned: str) -> None:
        """The book every pricing call asks for, and the one its quotes (and so the store) name."""
        self.params = book_params(region, consigned)
        self.book = replace(default_book(self.name), region=region, consigned=consigned)

    @classmethod
    def from_settings(cls, settings: Settings) -> Alias:
        market = super().from_settings(settings)
        market.choose_book(settings.alias_region, settings.alias_consigned)
        return market

    @classmethod
    def base_url(cls, settings: Settings) -> str:
        return settings.alias_base_url

    @classmethod
    def auth(cls, settings: Settings) -> AliasAuth:
        return AliasAuth(settings)

    def search(self, query: str, stats: CallStats) -> list[Product]:
        return parse_catalog(self.http.get_json("/catalog", {"query": query, "limit": PAGE_LIMIT}, stats, is_catalog_page))

    def _sales_call(self, product: Product, size: float, stats: CallStats) -> Any:
        product_condition, packaging_condition = NEW_IN_GOOD_BOX
        params = {"catalog_id": product.product_id, "size": f"{size:g}", "product_condition": product_condition,
                  "packaging_condition": packaging_condition, "limit": SALES_LIMIT, **self.params}
        return self.http.get_json("/pricing_insights/recent_sales", params, stats, is_recent_sales)

    def size_run(self, product: Product, stats: CallStats, gather: Gather, size: float | None = None) -> SizeRun:
        calls = [Call("availability", "asks, bids and last sales",
                      lambda: self.http.get_answer(f"/pricing_insights/availabilities/{product.product_id}", dict(self.params),
                                                   stats, is_availabilities))]
        if size is not None:
            calls.append(Call("sales", "recent sales", lambda: self._sales_call(product, size, stats)))
        answers = gather(calls)
        run = parse_availabilities(answers[0].data, product.size_values, product.scale or "M")
        if size is not None:
            run.sales[size] = parse_recent_sales(answers[1])
        run.currency = "USD"
        run.fresh, run.quoted_at = answers[0].fresh, answers[0].at
        return run

    def recent_sales(self, product: Product, size: float, stats: CallStats) -> list[Sale]:
        return parse_recent_sales(self._sales_call(product, size, stats))
