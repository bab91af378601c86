"""Alias (the GOAT group's seller API) on the sandbox, under /alias/api/v1: catalog, availabilities by
size and condition pair (regions, consignment, placeholder rows), recent sales, the offer histogram."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from analyzer.sandbox import prices, selling
from analyzer.sandbox.gate import Counters, SandboxMarket
from analyzer.sandbox.prices import Shoe
from analyzer.sandbox.shapes import cents, json_size, size_text

PREFIX = "/alias/api/"
LIMITS = (1.0, 8)
"""The sandbox bucket by default: (rate per second, burst), as the market publishes."""
NAME = "alias"
SANDBOX_ALIAS_TOKEN = "sandbox-alias-token"
DEFAULT_SALES, MAX_SALES = 10, 200
CODES = {"unauthorized": (16, "unauthenticated"), "too_many": (8, "rate limit exceeded"),
         "unavailable": (14, "unavailable"), "internal": (13, "internal error")}


def alias_error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "details": []}, status_code=status)


def error(status: int, kind: str) -> Response:
    return alias_error(status, *CODES[kind])


PRODUCT_CONDITIONS = (("PRODUCT_CONDITION_NEW", 1.0), ("PRODUCT_CONDITION_USED", 0.6),
                      ("PRODUCT_CONDITION_NEW_WITH_DEFECTS", 0.85))
PACKAGING_CONDITIONS = (("PACKAGING_CONDITION_GOOD_CONDITION", 1.0), ("PACKAGING_CONDITION_MISSING_LID", 0.95),
                        ("PACKAGING_CONDITION_BADLY_DAMAGED", 0.9), ("PACKAGING_CONDITION_NO_ORIGINAL_BOX", 0.85))
# All 12 pairs, as a real availabilities answer has them; a new pair in a good box first.
CONDITIONS = tuple((p, k, pf * kf) for p, pf in PRODUCT_CONDITIONS for k, kf in PACKAGING_CONDITIONS)
NEW_GOOD = (CONDITIONS[0][0], CONDITIONS[0][1])


def listed_sizes(shoe: Shoe) -> list[float]:
    """Alias's `allowed_sizes` in the order its item lists them: a pre-school run toddler first (10.5
    to 13.5, then 1 to 3); some men's items unsorted, as real answers are."""
    sizes = list(shoe.alias_sizes)
    if shoe.gender in (None, "men", "unisex") and not shoe.kids_run and prices.rng_for(shoe.style_ids[0], "unsorted").random() < 0.3:
        cut = len(sizes) // 3
        sizes = sizes[cut:] + sizes[:cut]
    return sizes


@lru_cache(maxsize=256)
def alias_item(shoe: Shoe) -> dict[str, Any]:
    retail = shoe.alias_retail
    return {
        "catalog_id": shoe.catalog_id, "name": shoe.alias_name, "sku": shoe.alias_sku, "brand": shoe.brand,
        # Real items without a known release date say "" (not null)
        "gender": shoe.alias_gender_word, "release_date": f"{shoe.release_date}T00:00:00Z" if shoe.release_date else "",
        "product_type": "sneakers", "product_category": "PRODUCT_CATEGORY_SHOES",  # category name unverified
        "product_category_v2": "shoes", "resellable": True, "requested_pictures": [], "requires_listing_pictures": False,
        "size_unit": "SIZE_UNIT_US",
        "allowed_sizes": [{"display_name": size_text(s), "value": json_size(s), "us_size_equivalent": json_size(s)}
                          for s in listed_sizes(shoe)],
        "retail_price_cents": cents(retail), "colorway": shoe.colorway, "nickname": shoe.nickname,
        "main_picture_url": f"https://image.goat.com/sandbox/{shoe.catalog_id}.png",
        "minimum_listing_price_cents": "2500", "maximum_listing_price_cents": "500000",
    }


REGION_STRAYS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 15.5, 16.0, 16.5, 17.0, 17.5, 18.0, 18.5, 19.0, 19.5)


def alias_sizes(shoe: Shoe, region: int | None = None) -> list[float]:
    """The sizes an availabilities answer has rows for: the allowed ones, a few outside, and 0 and 40;
    a region's book also has rows at 0.5-3.5 and 15.5-19.5 that the item does not allow."""
    step = shoe.size_step
    allowed = shoe.alias_sizes
    outside = [min(allowed) - step, max(allowed) + step, max(allowed) + 2 * step]
    strays = [s for s in REGION_STRAYS if s not in allowed] if region is not None else []
    return sorted({*allowed, *outside, *strays, *prices.PLACEHOLDER_SIZES})


def region_pairs(shoe: Shoe, size: float, region: int | None) -> tuple[tuple[str, str, float], ...]:
    """The condition pairs a book has rows for at one size: all 12 globally; in a region's book
    some sizes have fewer (nobody ever listed a used pair there)."""
    if region is None or prices.rng_for(shoe.style_ids[0], size, region, "pairs").random() >= 0.3:
        return CONDITIONS
    return CONDITIONS[:4] + CONDITIONS[8:9]


def alias_book(shoe: Shoe, size: float, region: int | None, consigned: bool | None) -> prices.Book:
    if size in prices.PLACEHOLDER_SIZES:
        return prices.placeholder_book(shoe, size, region, consigned)
    return prices.book(shoe, "alias", size, region, consigned)


@lru_cache(maxsize=65536)
def alias_availability(shoe: Shoe, size: float, product: str, packaging: str,
                       region: int | None = None, consigned: bool | None = None) -> dict[str, str]:
    """The four cent strings of one size and condition pair; '0' is no data."""
    b = alias_book(shoe, size, region, consigned)
    factor = next((f for p, k, f in CONDITIONS if (p, k) == (product, packaging)), 0.5)
    if (product, packaging) == NEW_GOOD:
        ask, bid, last = b.lowest_ask, b.highest_bid, b.last_sale
    else:  # other conditions: cheaper, and often nobody lists or bids
        rng = prices.rng_for(shoe.style_ids[0], size, product, packaging, region, consigned)

        def scaled(amount: float | None) -> float | None:
            return None if amount is None or rng.random() < 0.45 else round(amount * factor * rng.uniform(0.95, 1.05))

        ask, bid, last = scaled(b.lowest_ask), scaled(b.highest_bid), scaled(b.last_sale)
    return {
        "lowest_listing_price_cents": cents(ask),
        "highest_offer_price_cents": cents(bid),
        "last_sold_listing_price_cents": cents(last),
        # non-zero on some rows only, as in real answers
        "global_indicator_price_cents": cents(last) if prices.rng_for(shoe.style_ids[0], size, product, packaging,
                                                                        region, "indicator").random() < 0.4 else "0",
    }


def recent_sales(shoe: Shoe, size: float, product: str, packaging: str, region: int | None, consigned: bool | None,
                 limit: int, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Sales over the last 60 days, newest first: a sale every few hours to days, near the last sale.

    Deterministic per shoe, size, conditions, region and consignment; times count back from now
    rounded down to the hour, so repeated calls within an hour agree (a sale, once made, keeps its time:
    two lookups a second apart must not see two sets of sales)."""
    now = (now or dt.datetime.now(dt.UTC)).replace(minute=0, second=0, microsecond=0)
    b = alias_book(shoe, size, region, consigned)
    factor = next((f for p, k, f in CONDITIONS if (p, k) == (product, packaging)), 0.5)
    around = (b.last_sale or b.lowest_ask or prices.value(shoe, size)) * factor
    rng = prices.rng_for(shoe.style_ids[0], size, product, packaging, region, consigned, "sales")
    busy = rng.uniform(3, 36)  # mean hours between sales of this size
    sales, back = [], 0.0
    while len(sales) < limit:
        back += rng.expovariate(1 / busy) * 3600 + rng.uniform(60, 600)
        if back > 60 * 86400:
            break
        at = now - dt.timedelta(seconds=back)
        sales.append({
            "purchased_at": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
            "price_cents": cents(round(around * rng.uniform(0.92, 1.08))),
            "size": json_size(size),
            "consigned": consigned if consigned is not None else rng.random() < 0.4,
            "catalog_id": shoe.catalog_id,
        })
    return sales


def offer_histogram(shoe: Shoe, size: float, product: str, packaging: str, region: int | None) -> list[dict[str, str]]:
    """The depth of bids at one size: the highest bid, then lower ones with more offers each."""
    bid = alias_availability(shoe, size, product, packaging, region)["highest_offer_price_cents"]
    if bid == "0":
        return []
    rng = prices.rng_for(shoe.style_ids[0], size, product, packaging, region, "histogram")
    top = int(bid) // 100
    bins, price = [], top
    for _ in range(rng.randint(2, 8)):
        bins.append({"offer_price_cents": str(price * 100), "count": str(rng.randint(1, 6))})
        price -= rng.choice((5, 5, 10, 15))
        if price <= 0:
            break
    return bins



def settings(url: str) -> dict[str, object]:
    """The Settings changes that point the analyzer at this sandbox."""
    return {"alias_base_url": f"{url}/alias/api/v1", "alias_api_token": SANDBOX_ALIAS_TOKEN}


def _shoe(request: Request) -> Shoe | None:
    return prices.find_shoe(request.path_params.get("catalog_id", ""), NAME)


def options(params: Any) -> tuple[int | None, bool | None] | Response:
    """region_id (absent: global) and consigned (absent: any), or a 400."""
    region, consigned = params.get("region_id"), params.get("consigned")
    try:
        region_id = int(region) if region not in (None, "") else None
    except ValueError:
        return alias_error(400, 3, f"invalid value for input.RegionId: {region!r}")
    if consigned not in (None, "", "true", "false"):
        return alias_error(400, 3, f"invalid value for input.Consigned: {consigned!r}")
    return region_id, None if consigned in (None, "") else consigned == "true"


def size_query(params: Any) -> tuple[Shoe, float, str, str] | Response:
    """catalog_id, size and both conditions, all required (a 400 names the first missing one)."""
    names = [("catalog_id", "CatalogId"), ("size", "Size"), ("product_condition", "ProductCondition"),
             ("packaging_condition", "PackagingCondition")]
    for name, label in names:
        if not params.get(name):
            return alias_error(400, 3, f"Missing parameter: input.{label}")
    try:
        size = float(params["size"])
    except ValueError:
        return alias_error(400, 3, f"invalid value for input.Size: {params['size']!r}")
    if (params["product_condition"], params["packaging_condition"]) not in {(p, k) for p, k, _ in CONDITIONS}:
        return alias_error(400, 3, "invalid product_condition or packaging_condition")
    shoe = prices.find_shoe(params["catalog_id"], NAME)
    if shoe is None:
        return alias_error(404, 5, "catalog item not found")
    return shoe, size, params["product_condition"], params["packaging_condition"]


def size_and_options(request: Request) -> tuple[tuple[Shoe, float, str, str], tuple[int | None, bool | None]] | Response:
    if isinstance(asked := size_query(request.query_params), Response):
        return asked
    if isinstance(opts := options(request.query_params), Response):
        return opts
    return asked, opts


async def catalog(request: Request) -> Response:
    query = request.query_params.get("query", "")
    try:
        limit = int(request.query_params.get("limit", "10"))
        token = request.query_params.get("pagination_token")
        offset = int(base64.urlsafe_b64decode(token).decode()) if token else 0
    except ValueError:
        return alias_error(400, 3, "invalid limit or pagination_token")
    if not query:
        return alias_error(400, 3, "Missing parameter: input.Query")
    found = prices.search(query, NAME)
    if not found[offset:]:
        return JSONResponse({"catalog_items": []})  # an empty page, as Alias writes it
    items = [alias_item(s) for s in found[offset: offset + limit]]
    more = offset + limit < len(found)
    next_token = base64.urlsafe_b64encode(str(offset + limit).encode()).decode() if more else ""
    return JSONResponse({"catalog_items": items, "next_pagination_token": next_token, "has_more": more})


async def catalog_item(request: Request) -> Response:
    shoe = _shoe(request)
    return JSONResponse({"catalog_item": alias_item(shoe)}) if shoe else alias_error(404, 5, "catalog item not found")


async def availability(request: Request) -> Response:
    if isinstance(asked := size_and_options(request), Response):
        return asked
    (shoe, size, product, packaging), opts = asked
    if size not in alias_sizes(shoe, opts[0]):
        return alias_error(404, 5, "availability not found")
    found = alias_availability(shoe, size, product, packaging, *opts)
    return JSONResponse({"availability": selling.overlay_alias(request.app.state.selling, shoe, size, product, packaging, found)})


async def availabilities(request: Request) -> Response:
    shoe = _shoe(request)
    if shoe is None:
        return alias_error(404, 5, "catalog item not found")
    if isinstance(opts := options(request.query_params), Response):
        return opts
    region, consigned = opts
    rows = []
    for s in alias_sizes(shoe, region):
        for p, k, _ in region_pairs(shoe, s, region):
            row: dict[str, Any] = {"size": json_size(s), "product_condition": p, "packaging_condition": k,
                                   "availability": selling.overlay_alias(request.app.state.selling, shoe, s, p, k,
                                                                         alias_availability(shoe, s, p, k, region, consigned))}
            if consigned is not None:
                row["consigned"] = consigned
            rows.append(row)
    return JSONResponse({"variants": rows})


async def sales(request: Request) -> Response:
    if isinstance(asked := size_and_options(request), Response):
        return asked
    try:
        limit = min(MAX_SALES, max(1, int(request.query_params.get("limit") or DEFAULT_SALES)))
    except ValueError:
        return alias_error(400, 3, f"invalid value for input.Limit: {request.query_params['limit']!r}")
    (shoe, size, product, packaging), opts = asked
    if size not in shoe.alias_sizes:
        return JSONResponse({"recent_sales": []})
    return JSONResponse({"recent_sales": recent_sales(shoe, size, product, packaging, *opts, limit)})


async def histogram(request: Request) -> Response:
    if isinstance(asked := size_and_options(request), Response):
        return asked
    (shoe, size, product, packaging), opts = asked
    bins = offer_histogram(shoe, size, product, packaging, opts[0]) if size in shoe.alias_sizes else []
    return JSONResponse({"offer_histogram": {"bins": bins}})


def mount(counters: Counters) -> SandboxMarket:
    base = "/alias/api/v1"
    routes = [
        Route(f"{base}/catalog", catalog),
        Route(f"{base}/catalog/{{catalog_id}}", catalog_item),
        Route(f"{base}/pricing_insights/availability", availability),
        Route(f"{base}/pricing_insights/availabilities/{{catalog_id}}", availabilities),
        Route(f"{base}/pricing_insights/recent_sales", sales),
        Route(f"{base}/pricing_insights/offer_histogram", histogram),
    ]
    return SandboxMarket(
        name=NAME, prefix=PREFIX, limits=LIMITS, routes=routes, error=error,
        authorized=lambda request: request.headers.get("authorization", "") == f"Bearer {SANDBOX_ALIAS_TOKEN}",
        headers=lambda: [(b"x-request-id", secrets.token_hex(16).encode())])  # every answer, errors included
