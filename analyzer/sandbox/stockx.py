"""StockX API v2 on the sandbox, under /stockx/v2: catalog search, products, variants (size charts,
barcodes), market data in the real shapes; the OAuth refresh grant at /stockx/oauth/token."""

from __future__ import annotations

import random
import secrets
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from analyzer.sandbox import prices, rates, selling
from analyzer.sandbox.gate import CDN_504_PAGE, Counters, SandboxMarket
from analyzer.sandbox.prices import Shoe
from analyzer.sandbox.shapes import size_text

PREFIX = "/stockx/v2/"
LIMITS = (1.0, 10)
"""The sandbox bucket by default: (rate per second, burst), as the market publishes."""
NAME = "stockx"
SANDBOX_STOCKX_KEY = "sandbox-stockx-key"
SANDBOX_STOCKX_TOKEN = "sandbox-stockx-token"
STOCKX_504_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>StockX | 504</title></head>
<body><div id="root"><h1>504 Gateway Timeout</h1><p>Something went wrong. The page timed out; please try again.</p>
<a href="https://stockx.com">Back to StockX</a></div></body></html>"""
MESSAGES = {"unauthorized": "Unauthorized", "too_many": "Too Many Requests", "unavailable": "Service Unavailable",
            "internal": "Internal server error"}


def stockx_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": status, "message": message}, status_code=status)


def error(status: int, kind: str) -> Response:
    if kind == "internal":  # a real StockX 500 said errorMessage, not message
        return JSONResponse({"statusCode": status, "errorMessage": MESSAGES[kind]}, status_code=status)
    return stockx_error(status, MESSAGES[kind])


def _own_504(rng: random.Random) -> Response:
    """A real 504 was the CDN's HTML page, another StockX's own."""
    return Response(STOCKX_504_PAGE if rng.random() < 0.5 else CDN_504_PAGE, status_code=504, media_type="text/html")


@lru_cache(maxsize=256)
def stockx_product(shoe: Shoe) -> dict[str, Any]:
    return {
        "productId": shoe.stockx_id,
        "urlKey": shoe.url_key,
        "styleId": "/".join(shoe.style_ids) or None,  # streetwear may have none
        "productType": shoe.product_type,
        "title": shoe.stockx_title,
        "brand": shoe.brand,
        "productAttributes": {
            "gender": shoe.gender, "season": None, "releaseDate": shoe.release_date,
            "retailPrice": shoe.retail, "colorway": shoe.colorway, "color": None,
        },
    }


def _eu_text(shoe: Shoe, eu: float) -> str:
    """adidas writes EU sizes in thirds ('EU 38 2/3'), as real answers show; the others in halves."""
    if shoe.brand == "adidas" and not float(eu).is_integer():
        whole = int(eu)
        return f"EU {whole} {'1/3' if eu - whole < 0.5 else '2/3'}"
    return f"EU {size_text(eu)}"


def size_chart(shoe: Shoe, size: float) -> dict[str, Any]:
    """StockX's size chart of one variant, in the shape real answers have for each scale: notes in
    brackets ('UK 6 (EU 39)', 'CM 23.5 (US M 4.5)', 'KR 235 (US 3.5Y)'), adidas's EU thirds."""
    if shoe.one_size:
        return {"defaultConversion": None, "availableConversions": []}
    own = size_text(size)
    if shoe.kids_run:  # toddler and pre-school: C and Y per size, type 'us', no 'us m'
        letter = shoe.size_scale(size)
        cm = size + 6 if letter == "C" else size + 19
        eu = round((cm * 1.5 + 2) * 2) / 2
        return {"defaultConversion": {"size": f"{own}{letter}", "type": "us"},
                "availableConversions": [{"size": f"US {own}{letter}", "type": "us"},
                                         {"size": f"UK {size_text(size - 0.5)}", "type": "uk"},
                                         {"size": f"CM {size_text(cm)}", "type": "cm"},
                                         {"size": f"KR {round(cm * 10)} (US {own}{letter})", "type": "kr"},
                                         {"size": _eu_text(shoe, eu), "type": "eu"}]}
    men = prices.men_equivalent(shoe, size)
    uk = men - prices.UK_OFFSET.get(shoe.brand, 1.0)
    cm = men + 18
    eu = prices.eu_size(men)
    if shoe.brand == "adidas":
        eu = round((men * 2 / 3 + 32) * 3) / 3  # adidas's EU run moves in thirds
    common = [
        {"size": f"UK {size_text(uk)}", "type": "uk"},
        {"size": _eu_text(shoe, round(eu * 6) / 6), "type": "eu"},
        {"size": f"CM {size_text(cm)}", "type": "cm"},
        {"size": f"KR {round(cm * 10)}", "type": "kr"},
    ]
    if shoe.gender == "kids":  # GS: '7Y', type 'us', and no 'us m' at all
        common[3] = {"size": f"KR {round(cm * 10)} (US {own}Y)", "type": "kr"}
        return {"defaultConversion": {"size": f"{own}Y", "type": "us"},
                "availableConversions": [{"size": f"US {own}Y", "type": "us"}, *common]}
    women = size if shoe.gender == "women" else size + prices.W_M_OFFSET.get(shoe.brand, 1.5)
    us = [{"size": f"US M {size_text(men)}", "type": "us m"}, {"size": f"US W {size_text(women)}", "type": "us w"}]
    if shoe.gender == "women":
        common[0] = {"size": f"UK {size_text(uk)} ({common[1]['size']})", "type": "uk"}
        common[2] = {"size": f"CM {size_text(cm)} (US M {size_text(men)})", "type": "cm"}
        return {"defaultConversion": {"size": f"{own}W", "type": "us w"}, "availableConversions": [*reversed(us), *common]}
    return {"defaultConversion": {"size": own, "type": "us m"}, "availableConversions": [*us, *common]}


def variant_value(shoe: Shoe, size: float) -> str | None:
    if shoe.one_size:
        return None
    if shoe.kids_run:
        return size_text(size) + shoe.size_scale(size)
    return size_text(size) + {"women": "W", "kids": "Y"}.get(shoe.gender or "", "")


def _eligible(shoe: Shoe, size: float) -> tuple[bool, bool]:
    rng = prices.rng_for(shoe.style_ids[0], size, "eligible")
    return rng.random() < 0.7, rng.random() < 0.3


@lru_cache(maxsize=8192)
def stockx_variant(shoe: Shoe, size: float) -> dict[str, Any]:
    flex, direct = _eligible(shoe, size)
    value = variant_value(shoe, size)
    return {
        "productId": shoe.stockx_id,
        "variantId": prices.variant_id(shoe.stockx_id, size),
        "variantName": f"{shoe.url_key}:{value}" if value else shoe.url_key,
        "variantValue": value,
        "sizeChart": size_chart(shoe, size),
        "gtins": list(prices.gtins(shoe, size)),
        "isFlexEligible": flex,
        "isDirectEligible": direct,
    }


@lru_cache(maxsize=8192)
def stockx_prices_usd(shoe: Shoe, size: float) -> dict[str, float | None]:
    """Every StockX figure of one size in whole US dollars; the answer converts them."""
    b = prices.book(shoe, "stockx", size)
    rng = prices.rng_for(shoe.style_ids[0], size, "stockx-suggested")
    flex_ok, direct_ok = _eligible(shoe, size)
    ask, bid = b.lowest_ask, b.highest_bid
    ref = ask or b.last_sale or round(prices.value(shoe, size))
    faster = float(round(ref * rng.uniform(0.93, 0.985)))
    if bid is not None and faster <= bid:
        faster = bid + 1
    more = float(round(ref * rng.uniform(1.04, 1.12)))
    flex = None
    if ask is not None and flex_ok and rng.random() < 0.45:
        # Flex sellers' stock is already in StockX's warehouse: usually dearer, now and then one
        # unit below the standard lowest ask (5 of 1,114 real answers had it below).
        flex = float(ask - 1) if rng.random() < 0.12 else float(round(ask * rng.uniform(1.01, 1.1)))
    direct = float(round(ask * rng.uniform(1.0, 1.08))) if ask is not None and direct_ok and rng.random() < 0.6 else None
    beat_us = float(max(1, ask - 1)) if ask is not None and rng.random() < 0.7 else None
    # The Flex book's own suggestions differ from the standard ones (1,017 real values).
    flex_faster = float(round(flex * rng.uniform(0.95, 0.99))) if flex is not None else None
    flex_more = float(round(flex * rng.uniform(1.03, 1.1))) if flex is not None else None
    figures = {"ask": ask, "bid": bid, "faster": faster, "more": more, "flex": flex, "direct": direct, "beat_us": beat_us,
               "flex_faster": flex_faster, "flex_more": flex_more}
    shape = rng.random()
    if shape < 0.04:  # a book with every amount null, as some real answers are
        return dict.fromkeys(figures)
    if shape < 0.12:  # no suggestion for this size (null, inside standardMarketData too)
        figures.update(faster=None, more=None)
    return figures


@lru_cache(maxsize=16384)
def stockx_market_data(shoe: Shoe, size: float, currency: str = "USD") -> dict[str, Any]:
    usd = stockx_prices_usd(shoe, size)
    c = {k: rates.convert(v, currency) for k, v in usd.items()}

    def nested(lowest: str | None, faster: str | None, more: str | None, suggested: bool = True) -> dict[str, str | None]:
        return {"lowestAsk": lowest, "highestBidAmount": c["bid"], "sellFaster": faster if suggested else None,
                "earnMore": more if suggested else None, "beatUS": c["beat_us"] if suggested else None}

    return {
        "productId": shoe.stockx_id, "variantId": prices.variant_id(shoe.stockx_id, size), "currencyCode": currency,
        "lowestAskAmount": c["ask"], "highestBidAmount": c["bid"], "sellFasterAmount": c["faster"],
        "earnMoreAmount": c["more"], "flexLowestAskAmount": c["flex"],
        "standardMarketData": nested(c["ask"], c["faster"], c["more"]),
        "flexMarketData": nested(c["flex"], c["flex_faster"], c["flex_more"], suggested=c["flex"] is not None),
        "directMarketData": nested(c["direct"], c["faster"], c["more"], suggested=c["direct"] is not None),
    }



def settings(url: str) -> dict[str, object]:
    """The Settings changes that point the analyzer at this sandbox."""
    return {"stockx_base_url": f"{url}/stockx/v2", "stockx_token_url": f"{url}/stockx/oauth/token",
            "stockx_api_key": SANDBOX_STOCKX_KEY, "stockx_access_token": SANDBOX_STOCKX_TOKEN,
            "stockx_client_id": None, "stockx_client_secret": None, "stockx_refresh_token": None}


def _shoe(request: Request) -> Shoe | None:
    return prices.find_shoe(request.path_params.get("product_id", ""), NAME)


def _currency(request: Request) -> str | Response:
    currency = request.query_params.get("currencyCode", "USD")
    if currency not in rates.STOCKX_CURRENCIES:
        return stockx_error(400, f"currencyCode must be one of {', '.join(rates.STOCKX_CURRENCIES)}")
    return currency


async def search(request: Request) -> Response:
    query = request.query_params.get("query", "")
    try:
        number = int(request.query_params.get("pageNumber", "1"))
        size = int(request.query_params.get("pageSize", "1"))
    except ValueError:
        return stockx_error(400, "pageNumber and pageSize must be integers")
    if not 1 <= len(query) <= 100 or number < 1 or not 1 <= size <= 50:
        return stockx_error(400, "query must be 1-100 characters, pageNumber >= 1, pageSize 1-50")
    found = prices.search(query, NAME)
    products = [stockx_product(s) for s in found[(number - 1) * size: number * size]]
    return JSONResponse({"count": len(found), "pageSize": size, "pageNumber": number,
                         "hasNextPage": number * size < len(found), "products": products})


async def product(request: Request) -> Response:
    shoe = _shoe(request)
    return JSONResponse(stockx_product(shoe)) if shoe else stockx_error(404, "Product not found")


async def variants(request: Request) -> Response:
    shoe = _shoe(request)
    return JSONResponse([stockx_variant(shoe, s) for s in shoe.sizes]) if shoe else stockx_error(404, "Product not found")


async def all_market_data(request: Request) -> Response:
    if isinstance(currency := _currency(request), Response):
        return currency
    shoe = _shoe(request)
    if shoe is None:
        return stockx_error(404, "Product not found")
    account = request.app.state.selling  # our own asks count in the books (analyzer.sandbox.selling)
    return JSONResponse([selling.overlay_stockx(account, stockx_market_data(shoe, s, currency)) for s in shoe.sizes])


async def variant_market_data(request: Request) -> Response:
    if isinstance(currency := _currency(request), Response):
        return currency
    shoe = _shoe(request)
    wanted = request.path_params["variant_id"]
    size = next((s for s in shoe.sizes if prices.variant_id(shoe.stockx_id, s) == wanted), None) if shoe else None
    if shoe is None or size is None:
        return stockx_error(404, "Variant not found")
    return JSONResponse(selling.overlay_stockx(request.app.state.selling, stockx_market_data(shoe, size, currency)))


async def variant_by_gtin(request: Request) -> Response:
    found = prices.gtin_index().get(request.path_params["gtin"].zfill(14))
    return JSONResponse(stockx_variant(*found)) if found else stockx_error(404, "Variant not found")


def mount(counters: Counters) -> SandboxMarket:
    tokens = {SANDBOX_STOCKX_TOKEN}

    async def token(request: Request) -> Response:
        counters.tokens[NAME] = counters.tokens.get(NAME, 0) + 1
        form = await request.form()
        if form.get("grant_type") != "refresh_token" or not form.get("refresh_token") or not form.get("client_secret"):
            return JSONResponse({"error": "invalid_grant"}, status_code=403)
        issued = secrets.token_urlsafe(16)
        tokens.add(issued)
        return JSONResponse({"access_token": issued, "token_type": "Bearer", "expires_in": 3600})

    def authorized(request: Request) -> bool:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        return request.headers.get("x-api-key") == SANDBOX_STOCKX_KEY and bearer in tokens

    base = "/stockx/v2/catalog"
    routes = [
        Route("/stockx/oauth/token", token, methods=["POST"]),
        Route(f"{base}/search", search),
        Route(f"{base}/products/{{product_id}}", product),
        Route(f"{base}/products/{{product_id}}/variants", variants),
        Route(f"{base}/products/{{product_id}}/market-data", all_market_data),
        Route(f"{base}/products/{{product_id}}/variants/{{variant_id}}/market-data", variant_market_data),
        Route(f"{base}/variants/gtin/{{gtin}}", variant_by_gtin),
    ]
    return SandboxMarket(name=NAME, prefix=PREFIX, limits=LIMITS, routes=routes, authorized=authorized, error=error,
                         faults={"504_html": _own_504})
