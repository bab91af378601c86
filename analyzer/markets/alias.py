"""Alias (the GOAT group's seller API): catalog search and availabilities of every size."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from analyzer.config import Settings
from analyzer.domain.books import default_book
from analyzer.domain.errors import BadAnswer, MarketError, NotConfigured
from analyzer.domain.matching import normalise_style_id, split_style_ids
from analyzer.domain.models import CallStats, OfferBin, Product, Sale, SizePrice, SizeRun
from analyzer.domain.sizes import kids_scales, main_scale, product_scale
from analyzer.markets.alias_spec import SPEC
from analyzer.markets.base import Call, Gather, HttpMarket, amount, is_dict_with, size_number, text
from analyzer.net.http import MarketHttp

PAGE_LIMIT = 20
PRODUCT_PAGE = "https://www.goat.com/sneakers/{catalog_id}"
NEW_IN_GOOD_BOX = ("PRODUCT_CONDITION_NEW", "PACKAGING_CONDITION_GOOD_CONDITION")
PRODUCT_WORDS = {"new": "PRODUCT_CONDITION_NEW", "used": "PRODUCT_CONDITION_USED",
                 "defects": "PRODUCT_CONDITION_NEW_WITH_DEFECTS"}
PACKAGING_WORDS = {"good_box": "PACKAGING_CONDITION_GOOD_CONDITION", "missing_lid": "PACKAGING_CONDITION_MISSING_LID",
                   "damaged_box": "PACKAGING_CONDITION_BADLY_DAMAGED", "no_box": "PACKAGING_CONDITION_NO_ORIGINAL_BOX"}
# The 12 condition pairs as book conditions: 'new_good_box' (the default), 'used_no_box', 'defects_damaged_box'...
CONDITIONS: dict[str, tuple[str, str]] = {f"{p}_{k}": (pv, kv) for p, pv in PRODUCT_WORDS.items()
                                           for k, kv in PACKAGING_WORDS.items()}
MAX_CATALOG_PAGES = 3


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


def condition_pair(condition: str) -> tuple[str, str]:
    """The (product_condition, packaging_condition) Alias is asked for a book's condition."""
    if condition not in CONDITIONS:
        raise ValueError(f"Alias condition must be one of {', '.join(CONDITIONS)}, not {condition!r}")
    return CONDITIONS[condition]


def _size_rows(item: dict[str, Any]) -> list[tuple[float, str | None]]:
    """(value, display name) of every allowed size, in the order listed (which may be unsorted)."""
    rows = item.get("allowed_sizes") if isinstance(item.get("allowed_sizes"), list) else []
    out = []
    for r in rows:
        if isinstance(r, dict) and (v := size_number(r.get("value"))) is not None:
            out.append((v, r.get("display_name") if isinstance(r.get("display_name"), str) else None))
    return out


def _allowed_sizes(item: dict[str, Any]) -> tuple[float, ...]:
    return tuple(sorted({v for v, _ in _size_rows(item)}))


def parse_catalog_item(item: dict[str, Any]) -> Product:
    if not is_dict_with(item, "catalog_id"):
        raise BadAnswer("bad answer from Alias")
    catalog_id = str(item["catalog_id"])
    release = text(item.get("release_date"))
    sku = text(item.get("sku"))
    scale = product_scale(item.get("gender"), item.get("name")) or "M"
    per_size = kids_scales(_size_rows(item), scale) if scale in ("Y", "C") else {}
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
        scale=scale,
        size_values=_allowed_sizes(item),
        min_listing_price=amount(item.get("minimum_listing_price_cents"), cents=True),
        max_listing_price=amount(item.get("maximum_listing_price_cents"), cents=True),
        size_scales=tuple(sorted(per_size.items())) if len(set(per_size.values())) > 1 else (),
    )


def is_catalog_page(data: Any) -> bool:
    return is_dict_with(data, "catalog_items") and isinstance(data["catalog_items"], list)


def parse_catalog(data: Any) -> list[Product]:
    if not is_catalog_page(data):
        raise BadAnswer("bad answer from Alias")
    return [parse_catalog_item(item) for item in data["catalog_items"] if isinstance(item, dict)]


def next_page(data: Any) -> str | None:
    """The token of the next catalog page, when the answer says there is one (`has_more`)."""
    token = text(data.get("next_pagination_token")) if isinstance(data, dict) else None
    return token if isinstance(data, dict) and data.get("has_more") is True and token else None


def is_availabilities(data: Any) -> bool:
    return is_dict_with(data, "variants") and isinstance(data["variants"], list)


def parse_availabilities(data: Any, allowed: tuple[float, ...] = (), scale: str = "M",
                         condition: tuple[str, str] = NEW_IN_GOOD_BOX,
                         scales: dict[float, str] | None = None) -> SizeRun:
    """One book per size for the condition pair asked (a new pair in a good box by default), in the
    item's own scale (per size when `scales` says: a kids' run mixes C and Y); '0' cents means no
    data. Rows at sizes the item does not allow (the placeholders at 0 and 40, 0.5-3.5 and 15.5-19.5
    in a region's book, and others) are ignored; a size may have fewer than 12 condition rows."""
    if not is_availabilities(data):
        raise BadAnswer("bad answer from Alias")
    run: dict[float, SizePrice] = {}
    for row in data["variants"]:
        if not isinstance(row, dict):
            continue
        if (row.get("product_condition"), row.get("packaging_condition")) != condition:
            continue
        size = size_number(row.get("size"))
        book = row.get("availability") if isinstance(row.get("availability"), dict) else {}
        if size is None or size in run or (allowed and size not in allowed):
            continue
        run[size] = SizePrice(
            size=size,
            scale=(scales or {}).get(size, scale),
            lowest_ask=amount(book.get("lowest_listing_price_cents"), cents=True),
            highest_bid=amount(book.get("highest_offer_price_cents"), cents=True),
            last_sale=amount(book.get("last_sold_listing_price_cents"), cents=True),
            global_indicator=amount(book.get("global_indicator_price_cents"), cents=True),
        )
    sizes = sorted(run.values(), key=lambda s: s.size)
    return SizeRun(scale=main_scale(sizes, scale) if scales else scale, sizes=sizes)


def is_offer_histogram(data: Any) -> bool:
    return is_dict_with(data, "offer_histogram") and isinstance(data["offer_histogram"], dict)


def parse_offer_histogram(data: Any) -> list[OfferBin]:
    """Bids at one size, highest price first; bins without a price or a count are left out."""
    if not is_offer_histogram(data):
        raise BadAnswer("bad answer from Alias")
    bins = data["offer_histogram"].get("bins")
    out: dict[float, int] = {}
    for row in bins if isinstance(bins, list) else []:
        if not isinstance(row, dict):
            continue
        price = amount(row.get("offer_price_cents"), cents=True)
        try:
            count = int(str(row.get("count")).strip())
        except ValueError:
            continue
        if price is not None and count > 0:
            out[price] = out.get(price, 0) + count
    return [OfferBin(p, c) for p, c in sorted(out.items(), reverse=True)]


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


def names_query(query: str, product: Product) -> bool:
    """Whether a catalog item is plainly the shoe asked for: its style ID, or every word of a name."""
    if any(normalise_style_id(s) == normalise_style_id(query) for s in product.style_ids):
        return True
    words = [w for w in re.split(r"[^a-z0-9]+", query.lower()) if len(w) > 1]
    title = product.title.lower()
    return bool(words) and all(w in title for w in words)


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

    def __init__(self, http: MarketHttp, region: str = "global", consigned: str = "any",
                 condition: str = "new_good_box", offer_depth: bool = False) -> None:
        super().__init__(http)
        self.ask_depth(offer_depth)
        self.choose_book(region, consigned, condition)

    def ask_depth(self, offer_depth: bool) -> None:
        """Whether the asked size's bid depth (offer histogram) comes with its sales, as one more step."""
        self.offer_depth = offer_depth
        self.steps = (*type(self).steps, "offers") if offer_depth else type(self).steps

    def choose_book(self, region: str, consigned: str, condition: str = "new_good_box") -> None:
        """The book every pricing call asks for, and the one its quotes (and so the store) name:
        region, listing choice and condition pair (used, no box, damaged box... are other books)."""
        self.params = book_params(region, consigned)
        self.condition = condition_pair(condition)
        self.book = replace(default_book(self.name), region=region, consigned=consigned, condition=condition)

    @classmethod
    def from_settings(cls, settings: Settings) -> Alias:
        market = super().from_settings(settings)
        market.choose_book(settings.alias_region, settings.alias_consigned, settings.alias_condition)
        market.ask_depth(settings.offer_depth)
        return market

    @classmethod
    def base_url(cls, settings: Settings) -> str:
        return settings.alias_base_url

    @classmethod
    def auth(cls, settings: Settings) -> AliasAuth:
        return AliasAuth(settings)

    def search(self, query: str, stats: CallStats) -> list[Product]:
        """The first catalog page and, while the shoe asked for is not on the pages read and Alias
        says `has_more`, the next ones (at most MAX_CATALOG_PAGES): a name whose shoe is on page
        two is found."""
        params: dict[str, Any] = {"query": query, "limit": PAGE_LIMIT}
        found: list[Product] = []
        for _ in range(MAX_CATALOG_PAGES):
            data = self.http.get_json("/catalog", params, stats, is_catalog_page)
            found.extend(parse_catalog(data))
            token = next_page(data)
            if token is None or any(names_query(query, p) for p in found):
                break
            params = {**params, "pagination_token": token}
        return found

    def _pair_params(self, product: Product, size: float) -> dict[str, Any]:
        product_condition, packaging_condition = self.condition
        return {"catalog_id": product.product_id, "size": f"{size:g}", "product_condition": product_condition,
                "packaging_condition": packaging_condition}

    def _sales_call(self, product: Product, size: float, stats: CallStats) -> Any:
        params = {**self._pair_params(product, size), "limit": SALES_LIMIT, **self.params}
        return self.http.get_json("/pricing_insights/recent_sales", params, stats, is_recent_sales)

    def _safe_sales(self, product: Product, size: float, stats: CallStats) -> list[Sale] | MarketError:
        """Sales are context, not the quote: a failed sales call is kept as its error, never raised."""
        try:
            return parse_recent_sales(self._sales_call(product, size, stats))
        except MarketError as exc:
            return exc

    def _safe_offers(self, product: Product, size: float, stats: CallStats) -> list[OfferBin] | MarketError:
        params = {**self._pair_params(product, size), **{k: v for k, v in self.params.items() if k == "region_id"}}
        try:
            return parse_offer_histogram(self.http.get_json("/pricing_insights/offer_histogram", params, stats,
                                                            is_offer_histogram))
        except MarketError as exc:
            return exc

    def size_run(self, product: Product, stats: CallStats, gather: Gather, size: float | None = None) -> SizeRun:
        calls = [Call("availability", "asks, bids and last sales",
                      lambda: self.http.get_answer(f"/pricing_insights/availabilities/{product.product_id}", dict(self.params),
                                                   stats, is_availabilities))]
        if size is not None:
            calls.append(Call("sales", "recent sales", lambda: self._safe_sales(product, size, stats)))
            if self.offer_depth:
                calls.append(Call("offers", "bid depth", lambda: self._safe_offers(product, size, stats)))
        answers = gather(calls)
        run = parse_availabilities(answers[0].data, product.size_values, product.scale or "M", self.condition,
                                   dict(product.size_scales) or None)
        if size is not None:
            self.keep_sales(run, size, answers[1])
            if self.offer_depth and isinstance(answers[2], list):
                run.offers[size] = answers[2]
        run.currency = "USD"
        run.fresh, run.quoted_at = answers[0].fresh, answers[0].at
        return run

    @staticmethod
    def keep_sales(run: SizeRun, size: float, sales: list[Sale] | MarketError) -> None:
        if isinstance(sales, MarketError):
            run.sales[size] = []
            run.sales_errors[size] = f"No recent sales: {sales.message}"
        else:
            run.sales[size] = sales

    def offers(self, product: Product, size: float, stats: CallStats) -> list[OfferBin] | None:
        """The bid depth at one size (None when the call failed)."""
        got = self._safe_offers(product, size, stats)
        return got if isinstance(got, list) else None

    def recent_sales(self, product: Product, size: float, stats: CallStats) -> list[Sale]:
        return parse_recent_sales(self._sales_call(product, size, stats))
