"""The sandbox marketplace: StockX v2 under /stockx/v2, Alias under /alias/api/v1, in the documented
shapes, with their auth headers, latency, token-bucket rate limits and, on request, faults."""

from __future__ import annotations

import asyncio
import base64
import random
import secrets
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pyrate_limiter import Rate, RateItem, StateBucket, TokenBucket
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from analyzer.markets.stockx import variant_id
from analyzer.sandbox import prices
from analyzer.sandbox.prices import Shoe

SANDBOX_STOCKX_KEY = "sandbox-stockx-key"
SANDBOX_STOCKX_TOKEN = "sandbox-stockx-token"
SANDBOX_ALIAS_TOKEN = "sandbox-alias-token"
FAULT_KINDS = ("500", "502", "503", "html", "wrong_shape", "stall", "drop", "429")
CONDITIONS = (
    ("PRODUCT_CONDITION_NEW", "PACKAGING_CONDITION_GOOD_CONDITION", 1.0),
    ("PRODUCT_CONDITION_NEW_WITH_DEFECTS", "PACKAGING_CONDITION_GOOD_CONDITION", 0.85),
    ("PRODUCT_CONDITION_USED", "PACKAGING_CONDITION_NO_ORIGINAL_BOX", 0.6),
)


@dataclass
class SandboxConfig:
    """Everything a test or the benchmark may set; changes take effect on the next request."""

    latency_ms: tuple[float, float] = (150.0, 400.0)
    extra_latency_ms: dict[str, float] = field(default_factory=dict)  # per market, on top
    stockx_rate_per_sec: float = 1.0
    stockx_burst: int = 10
    alias_rate_per_sec: float = 1.0
    alias_burst: int = 8
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    stall_s: float = 12.0
    down: set[str] = field(default_factory=set)
    seed: int | None = None


@dataclass
class Counters:
    """What the sandbox saw: the tests compare these with what the client says it did."""

    requests: dict[str, int] = field(default_factory=lambda: {"stockx": 0, "alias": 0})
    rate_limited: dict[str, int] = field(default_factory=lambda: {"stockx": 0, "alias": 0})
    faults: dict[str, int] = field(default_factory=dict)


class _Limits:
    """One token bucket per API, as the markets count (pyrate-limiter's TokenBucket)."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._buckets: dict[str, tuple[tuple[float, int], StateBucket]] = {}
        self._lock = threading.Lock()

    def check(self, market: str) -> float | None:
        """None when admitted, else the seconds to wait."""
        rate = getattr(self.config, f"{market}_rate_per_sec")
        burst = getattr(self.config, f"{market}_burst")
        with self._lock:
            key, bucket = self._buckets.get(market, ((0.0, 0), None))  # type: ignore[assignment]
            if bucket is None or key != (rate, burst):
                bucket = StateBucket([Rate(1, max(1, round(1000 / rate)), burst=burst)], algorithm=TokenBucket())
                self._buckets[market] = ((rate, burst), bucket)
            item = RateItem(market, bucket.now())
            if bucket.put(item):
                return None
            return max(0.001, bucket.waiting(item) / 1000)  # type: ignore[operator]


def _stockx_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": status, "message": message}, status_code=status)


def _alias_error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "details": []}, status_code=status)


class _Latency:
    """Every API answer leaves one latency after its request arrived, however long the handler took,
    so the latency is the floor a client sees, as on a real network (ASGI middleware)."""

    def __init__(self, app: Any, config: SandboxConfig, rng: random.Random) -> None:
        self.app, self.config, self.rng = app, config, rng

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(("/stockx/v2/", "/alias/api/")):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        market = "stockx" if scope["path"].startswith("/stockx/") else "alias"
        latency_ms = self.rng.uniform(*self.config.latency_ms) + self.config.extra_latency_ms.get(market, 0.0)
        deadline = loop.time() + latency_ms / 1000

        async def send_when_due(message: Any) -> None:
            if message["type"] == "http.response.start" and (wait := deadline - loop.time()) > 0:
                await asyncio.sleep(wait)
            await send(message)

        await self.app(scope, receive, send_when_due)


class _DroppedConnection(Response):
    """Promises a body it never finishes, so the client sees the connection break mid-answer."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
        await send({"type": "http.response.body", "body": b'{"products": [', "more_body": False})


def _money(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def _cents(value: float | None) -> str:
    return "0" if value is None else str(round(value * 100))


@lru_cache(maxsize=256)
def stockx_product(shoe: Shoe) -> dict[str, Any]:
    return {
        "productId": shoe.stockx_id,
        "urlKey": shoe.url_key,
        "styleId": "/".join(shoe.style_ids),
        "productType": "sneakers",
        "title": shoe.stockx_title,
        "brand": shoe.brand,
        "productAttributes": {
            "gender": "men", "season": None, "releaseDate": shoe.release_date,
            "retailPrice": shoe.retail, "colorway": shoe.colorway, "color": None,
        },
    }


@lru_cache(maxsize=8192)
def stockx_variant(shoe: Shoe, size: float) -> dict[str, Any]:
    return {
        "productId": shoe.stockx_id,
        "variantId": variant_id(shoe.stockx_id, size),
        "variantName": f"{shoe.url_key}:{size:g}",
        "variantValue": f"{size:g}",
        "sizeChart": {
            "defaultConversion": {"size": f"US M {size:g}", "type": "us m"},
            "availableConversions": [
                {"size": f"US M {size:g}", "type": "us m"},
                {"size": f"UK {size - 1:g}", "type": "uk"},
                {"size": f"EU {round((size + 33.5) * 2) / 2:g}", "type": "eu"},
                {"size": f"US W {size + 1.5:g}", "type": "us w"},
            ],
        },
        "gtins": [],
    }


@lru_cache(maxsize=8192)
def stockx_market_data(shoe: Shoe, size: float) -> dict[str, Any]:
    b = prices.book(shoe, "stockx", size)
    ask, bid = _money(b.lowest_ask), _money(b.highest_bid)
    faster = _money(round(b.lowest_ask * 0.97)) if b.lowest_ask else None
    more = _money(round(b.lowest_ask * 1.05)) if b.lowest_ask else None
    nested = {"lowestAsk": ask, "highestBidAmount": bid, "sellFaster": faster, "earnMore": more, "beatUS": None}
    return {
        "productId": shoe.stockx_id, "variantId": variant_id(shoe.stockx_id, size), "currencyCode": "USD",
        "lowestAskAmount": ask, "highestBidAmount": bid, "sellFasterAmount": faster, "earnMoreAmount": more,
        "flexLowestAskAmount": None, "standardMarketData": nested, "flexMarketData": dict(nested, lowestAsk=None),
        "directMarketData": dict(nested, lowestAsk=None),
    }


@lru_cache(maxsize=256)
def alias_item(shoe: Shoe) -> dict[str, Any]:
    return {
        "catalog_id": shoe.catalog_id, "name": shoe.alias_name, "sku": shoe.alias_sku, "brand": shoe.brand,
        "gender": "men", "release_date": f"{shoe.release_date}T00:00:00Z" if shoe.release_date else None,
        "product_type": "sneakers", "size_unit": "SIZE_UNIT_US",
        "allowed_sizes": [{"display_name": f"{s:g}", "value": s, "us_size_equivalent": s} for s in shoe.sizes],
        "retail_price_cents": _cents(shoe.alias_retail), "colorway": shoe.colorway, "nickname": shoe.nickname,
        "main_picture_url": f"https://image.goat.com/sandbox/{shoe.catalog_id}.png",
    }


@lru_cache(maxsize=16384)
def alias_availability(shoe: Shoe, size: float, factor: float = 1.0) -> dict[str, str]:
    b = prices.book(shoe, "alias", size)

    def scaled(value: float | None) -> float | None:
        return None if value is None else round(value * factor)

    return {
        "lowest_listing_price_cents": _cents(scaled(b.lowest_ask)),
        "highest_offer_price_cents": _cents(scaled(b.highest_bid)),
        "last_sold_listing_price_cents": _cents(scaled(b.last_sale)),
        "global_indicator_price_cents": _cents(scaled(b.last_sale)),
    }


def create_app(config: SandboxConfig | None = None) -> Starlette:
    config = config or SandboxConfig()
    counters = Counters()
    limits = _Limits(config)
    rng = random.Random(config.seed)
    tokens = {SANDBOX_STOCKX_TOKEN}

    async def gate(request: Request, market: str) -> Response | None:
        """Auth, rate limit, faults and latency: what every API answer goes through."""
        counters.requests[market] += 1
        auth = request.headers.get("authorization", "")
        if market == "stockx":
            if request.headers.get("x-api-key") != SANDBOX_STOCKX_KEY or auth.removeprefix("Bearer ") not in tokens:
                return _stockx_error(401, "Unauthorized")
        elif auth != f"Bearer {SANDBOX_ALIAS_TOKEN}":
            return _alias_error(401, 16, "unauthenticated")
        wait = limits.check(market)
        if wait is not None:
            counters.rate_limited[market] += 1
            return _too_many(market, wait)
        if market in config.down:
            return _unavailable(market)
        if config.fault_rate and rng.random() < config.fault_rate:
            kind = rng.choice(config.fault_kinds)
            counters.faults[kind] = counters.faults.get(kind, 0) + 1
            return await _fault(kind, market)
        return None

    def _too_many(market: str, wait: float) -> Response:
        retry_after = {"Retry-After": str(max(1, round(wait + 0.49)))}
        if market == "stockx":
            return JSONResponse({"statusCode": 429, "message": "Too Many Requests"}, status_code=429, headers=retry_after)
        return JSONResponse({"code": 8, "message": "rate limit exceeded", "details": []}, status_code=429, headers=retry_after)

    def _unavailable(market: str, status: int = 503) -> Response:
        return _stockx_error(status, "Service Unavailable") if market == "stockx" else _alias_error(status, 14, "unavailable")

    async def _fault(kind: str, market: str) -> Response:
        if kind in ("500", "502", "503"):
            return _unavailable(market, int(kind))
        if kind == "html":
            return Response("<html><body><h1>Please wait...</h1></body></html>", media_type="text/html")
        if kind == "wrong_shape":
            return JSONResponse({"data": None, "error": "upstream"})
        if kind == "stall":
            await asyncio.sleep(config.stall_s)
            return _unavailable(market, 504)
        if kind == "drop":
            return _DroppedConnection()
        return _too_many(market, 1.0)

    def page(items: list[Any], number: int, size: int) -> list[Any]:
        return items[(number - 1) * size: number * size]

    def shoe_or_404(request: Request, market: str) -> Shoe | None:
        key = request.path_params.get("product_id") or request.path_params.get("catalog_id") or ""
        return prices.find_shoe(key, market)

    async def stockx_token(request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") != "refresh_token" or not form.get("refresh_token") or not form.get("client_secret"):
            return JSONResponse({"error": "invalid_grant"}, status_code=403)
        token = secrets.token_urlsafe(16)
        tokens.add(token)
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    async def stockx_search(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        query = request.query_params.get("query", "")
        try:
            number = int(request.query_params.get("pageNumber", "1"))
            size = int(request.query_params.get("pageSize", "1"))
        except ValueError:
            return _stockx_error(400, "pageNumber and pageSize must be integers")
        if not 1 <= len(query) <= 100 or number < 1 or not 1 <= size <= 50:
            return _stockx_error(400, "query must be 1-100 characters, pageNumber >= 1, pageSize 1-50")
        found = prices.search(query, "stockx")
        products = [stockx_product(s) for s in page(found, number, size)]
        return JSONResponse({"count": len(found), "pageSize": size, "pageNumber": number,
                             "hasNextPage": number * size < len(found), "products": products})

    async def stockx_product_route(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        shoe = shoe_or_404(request, "stockx")
        return JSONResponse(stockx_product(shoe)) if shoe else _stockx_error(404, "Product not found")

    async def stockx_variants(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        shoe = shoe_or_404(request, "stockx")
        return JSONResponse([stockx_variant(shoe, s) for s in shoe.sizes]) if shoe else _stockx_error(404, "Product not found")

    async def stockx_all_market_data(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        shoe = shoe_or_404(request, "stockx")
        return JSONResponse([stockx_market_data(shoe, s) for s in shoe.sizes]) if shoe else _stockx_error(404, "Product not found")

    async def stockx_variant_market_data(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        shoe = shoe_or_404(request, "stockx")
        wanted = request.path_params["variant_id"]
        size = next((s for s in (shoe.sizes if shoe else []) if variant_id(shoe.stockx_id, s) == wanted), None)  # type: ignore[union-attr]
        if shoe is None or size is None:
            return _stockx_error(404, "Variant not found")
        return JSONResponse(stockx_market_data(shoe, size))

    def alias_json(body: Any) -> JSONResponse:
        return JSONResponse(body, headers={"x-request-id": secrets.token_hex(8)})

    async def alias_catalog(request: Request) -> Response:
        if (blocked := await gate(request, "alias")) is not None:
            return blocked
        query = request.query_params.get("query", "")
        try:
            limit = int(request.query_params.get("limit", "10"))
            token = request.query_params.get("pagination_token")
            offset = int(base64.urlsafe_b64decode(token).decode()) if token else 0
        except ValueError:
            return _alias_error(400, 3, "invalid limit or pagination_token")
        if not query:
            return _alias_error(400, 3, "Missing parameter: input.Query")
        found = prices.search(query, "alias")
        items = [alias_item(s) for s in found[offset: offset + limit]]
        more = offset + limit < len(found)
        next_token = base64.urlsafe_b64encode(str(offset + limit).encode()).decode() if more else ""
        return alias_json({"catalog_items": items, "next_pagination_token": next_token, "has_more": more})

    async def alias_catalog_item(request: Request) -> Response:
        if (blocked := await gate(request, "alias")) is not None:
            return blocked
        shoe = shoe_or_404(request, "alias")
        return alias_json({"catalog_item": alias_item(shoe)}) if shoe else _alias_error(404, 5, "catalog item not found")

    async def alias_availability_route(request: Request) -> Response:
        if (blocked := await gate(request, "alias")) is not None:
            return blocked
        params = request.query_params
        for name, label in (("catalog_id", "CatalogId"), ("size", "Size"), ("product_condition", "ProductCondition"),
                            ("packaging_condition", "PackagingCondition")):
            if not params.get(name):
                return _alias_error(400, 3, f"Missing parameter: input.{label}")
        shoe = prices.find_shoe(params["catalog_id"], "alias")
        try:
            size = float(params["size"])
        except ValueError:
            return _alias_error(400, 3, "invalid size")
        if shoe is None or size not in shoe.sizes:
            return _alias_error(404, 5, "availability not found")
        factor = next((f for p, k, f in CONDITIONS if (p, k) == (params["product_condition"], params["packaging_condition"])), 0.5)
        return alias_json({"availability": alias_availability(shoe, size, factor)})

    async def alias_availabilities(request: Request) -> Response:
        if (blocked := await gate(request, "alias")) is not None:
            return blocked
        shoe = shoe_or_404(request, "alias")
        if shoe is None:
            return _alias_error(404, 5, "catalog item not found")
        rows = [{"size": s, "product_condition": p, "packaging_condition": k, "availability": alias_availability(shoe, s, f)}
                for s in shoe.sizes for p, k, f in CONDITIONS]
        return alias_json({"variants": rows})

    async def alias_recent_sales(request: Request) -> Response:
        if (blocked := await gate(request, "alias")) is not None:
            return blocked
        shoe = prices.find_shoe(request.query_params.get("catalog_id", ""), "alias")
        if shoe is None:
            return _alias_error(404, 5, "catalog item not found")
        size = float(request.query_params.get("size", "10"))
        last = prices.book(shoe, "alias", size).last_sale or 100.0
        sale_rng = random.Random(f"{shoe.catalog_id}{size}")
        sales = [{"purchased_at": f"2026-11-{27 - i:02d}T12:00:00Z", "price_cents": _cents(round(last * sale_rng.uniform(0.95, 1.05))),
                  "size": size, "consigned": False, "catalog_id": shoe.catalog_id}
                 for i in range(int(request.query_params.get("limit", "10")))]
        return alias_json({"recent_sales": sales})

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    app = Starlette(routes=[
        Route("/health", health),
        Route("/stockx/oauth/token", stockx_token, methods=["POST"]),
        Route("/stockx/v2/catalog/search", stockx_search),
        Route("/stockx/v2/catalog/products/{product_id}", stockx_product_route),
        Route("/stockx/v2/catalog/products/{product_id}/variants", stockx_variants),
        Route("/stockx/v2/catalog/products/{product_id}/market-data", stockx_all_market_data),
        Route("/stockx/v2/catalog/products/{product_id}/variants/{variant_id}/market-data", stockx_variant_market_data),
        Route("/alias/api/v1/catalog", alias_catalog),
        Route("/alias/api/v1/catalog/{catalog_id}", alias_catalog_item),
        Route("/alias/api/v1/pricing_insights/availability", alias_availability_route),
        Route("/alias/api/v1/pricing_insights/availabilities/{catalog_id}", alias_availabilities),
        Route("/alias/api/v1/pricing_insights/recent_sales", alias_recent_sales),
    ])
    app.state.config = config
    app.state.counters = counters
    app.add_middleware(_Latency, config=config, rng=rng)
    return app
