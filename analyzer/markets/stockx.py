"""StockX API v2: catalog search, variants, market data; OAuth2 refresh for long-running apps."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import requests

from analyzer.config import Settings
from analyzer.errors import AuthRefused, BadAnswer, NotConfigured
from analyzer.markets.base import Call, Gather, HttpMarket, amount, is_dict_with, size_number, text
from analyzer.matching import split_style_ids
from analyzer.models import CallStats, Product, SizePrice

PAGE_SIZE = 20
PRODUCT_PAGE = "https://stockx.com/{url_key}"


class StockXAuth:
    """x-api-key plus a bearer token; refreshes the token with the OAuth2 refresh grant when it can."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._token = settings.stockx_access_token
        self._lock = threading.Lock()

    def _can_refresh(self) -> bool:
        s = self._settings
        return bool(s.stockx_client_id and s.stockx_client_secret and s.stockx_refresh_token)

    def headers(self) -> dict[str, str]:
        if not self._settings.stockx_api_key:
            raise NotConfigured("StockX is not configured: set STOCKX_API_KEY and a token.")
        if not self._token and not self.refresh():
            raise NotConfigured("StockX is not configured: set STOCKX_ACCESS_TOKEN or the refresh-token settings.")
        return {"x-api-key": self._settings.stockx_api_key, "Authorization": f"Bearer {self._token}"}

    def refresh(self) -> bool:
        if not self._can_refresh():
            return False
        s = self._settings
        with self._lock:
            try:
                response = requests.post(
                    s.stockx_token_url,
                    data={
                        "grant_type": "refresh_token",
                        "client_id": s.stockx_client_id,
                        "client_secret": s.stockx_client_secret,
                        "audience": "gateway.stockx.com",
                        "refresh_token": s.stockx_refresh_token,
                    },
                    timeout=s.http_timeout_s,
                )
                token = response.json().get("access_token") if response.ok else None
            except (requests.RequestException, ValueError, AttributeError):
                token = None
            if not token:
                raise AuthRefused("StockX refused the refresh token")
            self._token = str(token)
            return True


def parse_product(item: dict[str, Any]) -> Product:
    if not is_dict_with(item, "productId", "title"):
        raise BadAnswer("bad answer from StockX")
    attributes = item.get("productAttributes") if isinstance(item.get("productAttributes"), dict) else {}
    url_key = text(item.get("urlKey"))
    return Product(
        market="stockx",
        product_id=str(item["productId"]),
        title=str(item["title"]),
        brand=text(item.get("brand")),
        style_ids=split_style_ids(text(item.get("styleId"))),
        retail_price=amount(attributes.get("retailPrice")),
        release_date=text(attributes.get("releaseDate")),
        url=PRODUCT_PAGE.format(url_key=url_key) if url_key else None,
    )


def is_search_page(data: Any) -> bool:
    return is_dict_with(data, "products") and isinstance(data["products"], list)


def parse_search(data: Any) -> list[Product]:
    if not is_search_page(data):
        raise BadAnswer("bad answer from StockX")
    return [parse_product(item) for item in data["products"] if isinstance(item, dict)]


def variant_size(variant: dict[str, Any]) -> float | None:
    """The US men's size: from the 'us m' conversion when there is one, else the variant's own value."""
    chart = variant.get("sizeChart") if isinstance(variant.get("sizeChart"), dict) else {}
    for conversion in chart.get("availableConversions") or []:
        if isinstance(conversion, dict) and str(conversion.get("type", "")).lower() == "us m":
            return size_number(conversion.get("size"))
    return size_number(variant.get("variantValue"))


def parse_size_run(variants: Any, market_data: Any) -> list[SizePrice]:
    if not isinstance(variants, list) or not isinstance(market_data, list):
        raise BadAnswer("bad answer from StockX")
    books = {str(m.get("variantId")): m for m in market_data if isinstance(m, dict)}
    run: dict[float, SizePrice] = {}
    for variant in variants:
        if not isinstance(variant, dict):
            continue
        size = variant_size(variant)
        if size is None or size in run:
            continue
        book = books.get(str(variant.get("variantId")), {})
        run[size] = SizePrice(size=size, lowest_ask=amount(book.get("lowestAskAmount")),
                              highest_bid=amount(book.get("highestBidAmount")))
    return sorted(run.values(), key=lambda s: s.size)


class StockX(HttpMarket):
    name = "stockx"
    label = "StockX"
    steps = ("search", "variants", "market_data")
    volatile_urls = ("*/market-data*",)

    @classmethod
    def base_url(cls, settings: Settings) -> str:
        return settings.stockx_base_url

    @classmethod
    def auth(cls, settings: Settings) -> StockXAuth:
        return StockXAuth(settings)

    def search(self, query: str, stats: CallStats) -> list[Product]:
        params = {"query": query, "pageNumber": 1, "pageSize": PAGE_SIZE}
        return parse_search(self.http.get_json("/catalog/search", params, stats, is_search_page))

    def size_run(self, product: Product, stats: CallStats, gather: Gather) -> list[SizePrice]:
        base = f"/catalog/products/{product.product_id}"
        is_list = lambda data: isinstance(data, list)  # noqa: E731
        variants, market_data = gather([
            Call("variants", "size chart", lambda: self.http.get_json(f"{base}/variants", {}, stats, is_list)),
            Call("market_data", "asks and bids",
                 lambda: self.http.get_json(f"{base}/market-data", {"currencyCode": "USD"}, stats, is_list)),
        ])
        return parse_size_run(variants, market_data)


def variant_id(product_id: str, size: float) -> str:
    """Deterministic variant IDs (used by the sandbox to answer like StockX)."""
    return str(uuid.uuid5(uuid.UUID(product_id), f"{size:g}"))
