"""StockX API v2: catalog search, variants, market data; OAuth2 refresh for long-running apps."""

from __future__ import annotations

import threading
from typing import Any

import requests

from analyzer.config import Settings
from analyzer.domain.errors import AuthRefused, BadAnswer, NotConfigured
from analyzer.domain.matching import split_style_ids
from analyzer.domain.models import CallStats, Product, Sale, SizePrice, SizeRun
from analyzer.domain.sizes import main_scale, product_scale, read_size
from analyzer.markets.base import Call, Gather, HttpMarket, amount, is_dict_with, text
from analyzer.markets.stockx_spec import SPEC
from analyzer.net.http import MarketHttp

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
    if not is_dict_with(item, "productId"):
        raise BadAnswer("bad answer from StockX")
    attributes = item.get("productAttributes") if isinstance(item.get("productAttributes"), dict) else {}
    url_key = text(item.get("urlKey"))
    style = text(item.get("styleId"))
    return Product(
        market="stockx",
        product_id=str(item["productId"]),
        title=text(item.get("title")) or style or url_key or "Untitled product",
        brand=text(item.get("brand")),
        style_ids=split_style_ids(style),
        retail_price=amount(attributes.get("retailPrice")),
        release_date=text(attributes.get("releaseDate")),
        url=PRODUCT_PAGE.format(url_key=url_key) if url_key else None,
        product_type=text(item.get("productType")),
        scale=product_scale(attributes.get("gender"), item.get("title")),
    )


def is_search_page(data: Any) -> bool:
    return is_dict_with(data, "products") and isinstance(data["products"], list)


def parse_search(data: Any) -> list[Product]:
    if not is_search_page(data):
        raise BadAnswer("bad answer from StockX")
    return [parse_product(item) for item in data["products"] if isinstance(item, dict)]


def _conversions(variant: dict[str, Any]) -> tuple[tuple[str, float] | None, dict[str, float]]:
    """The variant's own size (from variantValue, else the default conversion) and its US sizes in
    every scale its chart gives ('us m', 'us w', 'us' for youth); UK, EU, CM, KR are left out."""
    chart = variant.get("sizeChart") if isinstance(variant.get("sizeChart"), dict) else {}
    default = chart.get("defaultConversion") if isinstance(chart.get("defaultConversion"), dict) else {}
    own_default = read_size(default.get("size"), default.get("type"))
    value = variant.get("variantValue")
    lettered = isinstance(value, str) and value.strip()[-1:].upper() in ("M", "W", "Y", "C")
    own = (read_size(value, default.get("type")) or read_size(value)) if lettered else None
    # A bare variantValue ('4') says no scale: the default conversion ('4C', 'us') does.
    own = own or own_default or read_size(value, default.get("type")) or read_size(value)
    table: dict[str, float] = {}
    for conversion in chart.get("availableConversions") or []:
        if isinstance(conversion, dict) and (read := read_size(conversion.get("size"), conversion.get("type"))):
            table.setdefault(read[0], read[1])
    if own is not None:
        table[own[0]] = own[1]
    return own, table


def _nested(book: dict[str, Any], key: str) -> dict[str, Any]:
    value = book.get(key)
    return value if isinstance(value, dict) else {}


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _gtins(variant: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The variant's barcodes (UPC, EAN-13, GTIN-8, ITF-14, in any mix; often none), as (identifier, type)."""
    rows = variant.get("gtins") if isinstance(variant.get("gtins"), list) else []
    return tuple((code, text(r.get("type")) or "") for r in rows
                 if isinstance(r, dict) and (code := text(r.get("identifier"))) and code.isdigit())


def parse_size_run(variants: Any, market_data: Any, fallback_scale: str | None = None) -> tuple[SizeRun, str | None]:
    """Every size in the product's own scale with its chart and book; and the currency the market
    data are in, as the answer says (None when it does not say)."""
    if not isinstance(variants, list) or not isinstance(market_data, list):
        raise BadAnswer("bad answer from StockX")
    books = {str(m.get("variantId")): m for m in market_data if isinstance(m, dict)}
    currencies = [c for m in books.values() if (c := text(m.get("currencyCode")))]
    run: dict[float, SizePrice] = {}
    for variant in variants:
        if not isinstance(variant, dict):
            continue
        own, table = _conversions(variant)
        if own is None or own[1] in run:
            continue
        book = books.get(str(variant.get("variantId")), {})
        flex, direct, standard = _nested(book, "flexMarketData"), _nested(book, "directMarketData"), _nested(book, "standardMarketData")
        run[own[1]] = SizePrice(
            size=own[1], scale=own[0], conversions=table,
            lowest_ask=amount(book.get("lowestAskAmount")), highest_bid=amount(book.get("highestBidAmount")),
            sell_faster=amount(book.get("sellFasterAmount")), earn_more=amount(book.get("earnMoreAmount")),
            flex_lowest_ask=amount(book.get("flexLowestAskAmount")) or amount(flex.get("lowestAsk")),
            flex_sell_faster=amount(flex.get("sellFaster")), flex_earn_more=amount(flex.get("earnMore")),
            beat_us=amount(standard.get("beatUS")) or amount(book.get("beatUS")),
            direct_lowest_ask=amount(direct.get("lowestAsk")), direct_sell_faster=amount(direct.get("sellFaster")),
            direct_earn_more=amount(direct.get("earnMore")),
            variant_id=text(variant.get("variantId")), gtins=_gtins(variant),
            flex_eligible=_flag(variant.get("isFlexEligible")), direct_eligible=_flag(variant.get("isDirectEligible")),
        )
    sizes = sorted(run.values(), key=lambda s: s.size)
    return SizeRun(scale=main_scale(sizes, fallback_scale or "M"), sizes=sizes), (currencies[0] if currencies else None)


class StockX(HttpMarket):
    name = SPEC.name
    label = SPEC.label
    steps = ("search", "variants", "market_data")
    volatile_urls = ("*/market-data*",)
    has_size_chart = True

    def __init__(self, http: MarketHttp, currency: str = "USD") -> None:
        super().__init__(http)
        self.currency = currency

    @classmethod
    def from_settings(cls, settings: Settings) -> StockX:
        market = super().from_settings(settings)
        market.currency = settings.currency
        return market

    @classmethod
    def base_url(cls, settings: Settings) -> str:
        return settings.stockx_base_url

    @classmethod
    def auth(cls, settings: Settings) -> StockXAuth:
        return StockXAuth(settings)

    def search(self, query: str, stats: CallStats) -> list[Product]:
        params = {"query": query, "pageNumber": 1, "pageSize": PAGE_SIZE}
        return parse_search(self.http.get_json("/catalog/search", params, stats, is_search_page))

    def size_run(self, product: Product, stats: CallStats, gather: Gather, size: float | None = None) -> SizeRun:
        base = f"/catalog/products/{product.product_id}"
        is_list = lambda data: isinstance(data, list)  # noqa: E731
        variants, market_data = gather([
            Call("variants", "size chart", lambda: self.http.get_json(f"{base}/variants", {}, stats, is_list)),
            Call("market_data", "asks and bids",
                 lambda: self.http.get_answer(f"{base}/market-data", {"currencyCode": self.currency}, stats, is_list)),
        ])
        run, currency = parse_size_run(variants, market_data.data, product.scale)
        run.currency = currency or self.currency
        run.fresh, run.quoted_at = market_data.fresh, market_data.at
        return run

    def recent_sales(self, product: Product, size: float, stats: CallStats) -> list[Sale]:
        return []  # the StockX v2 API has no sales history

    def by_gtin(self, gtin: str, stats: CallStats) -> tuple[Product, tuple[str, float]]:
        """The product and the size (scale, value in its own scale) a barcode is printed for:
        the variant by GTIN, then its product (two catalog calls, cached like the catalog)."""
        variant = self.http.get_json(f"/catalog/variants/gtin/{gtin}", {}, stats, lambda d: is_dict_with(d, "productId"))
        own, _ = _conversions(variant)
        if own is None:
            raise BadAnswer("StockX's variant for this barcode has no size")
        product = self.http.get_json(f"/catalog/products/{variant['productId']}", {}, stats,
                                     lambda d: is_dict_with(d, "productId"))
        return parse_product(product), own

