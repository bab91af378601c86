"""eBay's Buy Browse API on the sandbox, under /ebay: `item_summary/search` in the documented shape
(paging, conditions, buying options, sellers' feedback, programme flags, shipping options), the
size aspect and the filters it is asked with, and the client-credentials token endpoint.

Every shoe StockX lists in sizes is listed here too: a few offers a size around the market's value,
some with free shipping, some used or at auction, most at $100+ under the Authenticity Guarantee;
a sample's listings say so, and some shoes draw a box-only listing with the style ID in its title."""

from __future__ import annotations

import base64
import re
import secrets
from functools import lru_cache
from itertools import zip_longest
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from analyzer.sandbox import prices, rates
from analyzer.sandbox.gate import Counters, SandboxMarket
from analyzer.sandbox.prices import Shoe

NAME = "ebay"
PREFIX = "/ebay/buy/"
LIMITS = (1.0, 10)
"""The sandbox bucket by default (the live budget is about 5,000 calls a day: the client's default)."""
SANDBOX_EBAY_CLIENT_ID = "sandbox-ebay-client"
SANDBOX_EBAY_CLIENT_SECRET = "sandbox-ebay-secret"
SCOPE = "https://api.ebay.com/oauth/api_scope"
TOKEN_LIFETIME_S = 7200
CATEGORY = "15709"
SEARCH = "/ebay/buy/browse/v1/item_summary/search"
ASPECTS = {"M": "US Shoe Size", "W": "US Shoe Size", "Y": "US Shoe Size (Youth)", "C": "US Shoe Size (Baby & Toddler)"}
CURRENCIES = {"EBAY_US": "USD", "EBAY_GB": "GBP", "EBAY_DE": "EUR", "EBAY_CA": "CAD", "EBAY_AU": "AUD"}
CONDITIONS = (("New with box", "1000", 0.85), ("New without box", "1500", 0.10), ("Pre-owned", "3000", 0.05))
SELLERS = ("solekicks", "heatcheck", "grailhouse", "kicksdepot", "sneakvault", "laceup_co", "boxfresh")
_FILTER = re.compile(r"(\w+):\{([^}]*)\}")
_ASPECT = re.compile(r"([^,:{}]+):\{([^}]*)\}")
ERRORS = {"unauthorized": (1001, "OAuth", "Invalid access token"),
          "too_many": (2001, "ACCESS", "The request limit has been reached for the resource."),
          "unavailable": (10001, "API_BROWSE", "There was a problem with an eBay internal system or process."),
          "internal": (10001, "API_BROWSE", "There was a problem with an eBay internal system or process.")}


def ebay_error(status: int, error_id: int, domain: str, message: str) -> JSONResponse:
    category = "REQUEST" if status < 500 else "APPLICATION"
    return JSONResponse({"errors": [{"errorId": error_id, "domain": domain, "category": category, "message": message}]},
                        status_code=status)


def error(status: int, kind: str) -> Response:
    return ebay_error(status, *ERRORS[kind])


def settings(url: str) -> dict[str, object]:
    """The Settings changes that point the analyzer at this sandbox."""
    return {"ebay_base_url": f"{url}/ebay", "ebay_client_id": SANDBOX_EBAY_CLIENT_ID,
            "ebay_client_secret": SANDBOX_EBAY_CLIENT_SECRET, "ebay_marketplace": "EBAY_US"}


def listed(shoe: Shoe) -> bool:
    return shoe.on("stockx") and not shoe.one_size and shoe.product_type == "sneakers" and bool(shoe.style_ids[0])


def _core(shoe: Shoe) -> str:
    """Every style ID of the shoe as a seller writes them ('315122-111 / CW2288-111'), without annotations."""
    return " / ".join(dict.fromkeys(shoe.core_styles))


def _size_words(shoe: Shoe, size: float) -> str:
    letter = shoe.size_scale(size)
    return f"Size {size:g}" + {"W": "W", "Y": "Y", "C": "C"}.get(letter, "")


def _money(usd: float, currency: str) -> str:
    return f"{usd * rates.per_usd(currency):.2f}"


@lru_cache(maxsize=16384)
def listings(shoe: Shoe, size: float) -> tuple[dict[str, Any], ...]:
    """The offers of one size, in USD, deterministic per shoe and size (currency applied later)."""
    book = prices.book(shoe, NAME, size)
    base = book.lowest_ask or book.last_sale or round(prices.value(shoe, size))
    rng = prices.rng_for(shoe.style_ids[0], size, NAME, "listings")
    out = []
    for i in range(rng.randint(1, 9)):
        price = round(base * (1.0 if i == 0 else rng.uniform(1.0, 1.3))) - rng.choice((0.0, 0.01, 0.05))
        number = 100000000000 + rng.randrange(900000000000)
        condition = rng.choices(CONDITIONS, weights=[c[2] for c in CONDITIONS])[0]
        shipping = rng.choice((0.0, 0.0, 0.0, 9.95, 12.99, 14.95, 19.99, None))
        options = ["FIXED_PRICE"] if rng.random() < 0.8 else rng.choice((["FIXED_PRICE", "BEST_OFFER"], ["AUCTION"]))
        out.append({"itemId": f"v1|{number}|0", "title": f"{shoe.stockx_title} {_core(shoe)} {_size_words(shoe, size)}",
                    "usd": price, "shipping_usd": shipping, "condition": condition[0], "conditionId": condition[1],
                    "buyingOptions": options, "ag": price >= 100 and rng.random() < 0.85,
                    "seller": {"username": f"{rng.choice(SELLERS)}{rng.randint(1, 99)}",
                               "feedbackPercentage": f"{rng.uniform(97.0, 100.0):.1f}", "feedbackScore": rng.randint(3, 25000)},
                    "size": size, "scale": shoe.size_scale(size)})
    return tuple(out)


@lru_cache(maxsize=1024)
def decoys(shoe: Shoe) -> tuple[dict[str, Any], ...]:
    """A box or laces listed alone with the style ID in the title: found, never a pair."""
    rng = prices.rng_for(shoe.style_ids[0], NAME, "decoys")
    if rng.random() >= 0.4:
        return ()
    what = rng.choice(("Empty Box Only", "Replacement Laces"))
    return ({"itemId": f"v1|{100000000000 + rng.randrange(900000000000)}|0", "title": f"{shoe.stockx_title} {_core(shoe)} {what}",
             "usd": 24.99, "shipping_usd": 8.95, "condition": "New with box", "conditionId": "1000",
             "buyingOptions": ["FIXED_PRICE"], "ag": False, "size": None, "scale": None,
             "seller": {"username": "boxesandmore7", "feedbackPercentage": "99.1", "feedbackScore": 412}},)


def summary(row: dict[str, Any], currency: str) -> dict[str, Any]:
    """One listing as an item summary."""
    number = row["itemId"].split("|")[1]
    item: dict[str, Any] = {
        "itemId": row["itemId"], "title": row["title"], "price": {"value": _money(row["usd"], currency), "currency": currency},
        "condition": row["condition"], "conditionId": row["conditionId"], "itemWebUrl": f"https://www.ebay.com/itm/{number}",
        "seller": row["seller"], "buyingOptions": row["buyingOptions"], "itemLocation": {"postalCode": "100**", "country": "US"},
        "categories": [{"categoryId": CATEGORY, "categoryName": "Athletic Shoes"}],
    }
    if row["shipping_usd"] is None:
        item["shippingOptions"] = [{"shippingCostType": "CALCULATED"}]
    else:
        item["shippingOptions"] = [{"shippingCostType": "FIXED", "shippingCost": {"value": _money(row["shipping_usd"], currency),
                                                                                   "currency": currency}}]
    if row["ag"]:
        item["qualifiedPrograms"] = ["AUTHENTICITY_GUARANTEE"]
    return item


def _wanted(row: dict[str, Any], filters: dict[str, set[str]], aspect: tuple[str, float] | None) -> bool:
    if "buyingOptions" in filters and not filters["buyingOptions"] & set(row["buyingOptions"]):
        return False
    if "conditionIds" in filters and row["conditionId"] not in filters["conditionIds"]:
        return False
    if "AUTHENTICITY_GUARANTEE" in filters.get("qualifiedPrograms", set()) and not row["ag"]:
        return False
    return aspect is None or (row["size"] == aspect[1] and ASPECTS.get(row["scale"]) == aspect[0])


def _aspect(raw: str | None) -> tuple[str, float] | Response | None:
    """'categoryId:15709,US Shoe Size:{10}' -> ('US Shoe Size', 10.0); a 400 without the category."""
    if not raw:
        return None
    if not raw.startswith(f"categoryId:{CATEGORY}"):
        return ebay_error(400, 12023, "API_BROWSE", "The 'aspect_filter' needs the categoryId of the search.")
    pairs = _ASPECT.findall(raw)
    if not pairs:
        return None
    name, value = pairs[0][0].strip(), pairs[0][1].split("|")[0]
    try:
        return name, float(value)
    except ValueError:
        return ebay_error(400, 12023, "API_BROWSE", f"Invalid aspect value {value!r}.")


def _rows(query: str, categories: str, filters: dict[str, set[str]], aspect: tuple[str, float] | None) -> list[dict[str, Any]]:
    if CATEGORY not in categories.split(","):
        return []
    wanted = re.sub(r"[\s-]", "", query).upper()
    found = [s for s in prices.search(query, "stockx") if listed(s)]
    # Best match: the shoes whose style ID the query is first, then their relatives; a name's shoes turn by turn.
    exact = [s for s in found if wanted in {re.sub(r"[\s-]", "", x).upper() for x in s.style_ids + s.core_styles}]
    per_shoe = [[r for size in s.sizes for r in listings(s, size)] + (list(decoys(s)) if aspect is None else [])
                for s in [*exact, *(s for s in found if s not in exact)]]
    rows = [r for shoe in per_shoe[:len(exact)] for r in shoe] + [r for turn in zip_longest(*per_shoe[len(exact):]) for r in turn if r]
    return [r for r in rows if _wanted(r, filters, aspect)]


async def search(request: Request) -> Response:
    params = request.query_params
    query = params.get("q", "")
    try:
        limit, offset = int(params.get("limit", "50")), int(params.get("offset", "0"))
    except ValueError:
        return ebay_error(400, 12003, "API_BROWSE", "The 'limit' and 'offset' values must be integers.")
    if not query or not 1 <= limit <= 200 or not 0 <= offset <= 9999:
        return ebay_error(400, 12001, "API_BROWSE", "A 'q' keyword, a limit of 1-200 and an offset of 0-9999 are needed.")
    if isinstance(aspect := _aspect(params.get("aspect_filter")), Response):
        return aspect
    filters = {k: set(v.split("|")) for k, v in _FILTER.findall(params.get("filter", ""))}
    rows = _rows(query, params.get("category_ids", ""), filters, aspect)
    if params.get("sort") == "price":  # price plus shipping, lowest first
        rows.sort(key=lambda r: (r["usd"] + (r["shipping_usd"] or 0.0), r["itemId"]))
    currency = CURRENCIES.get(request.headers.get("x-ebay-c-marketplace-id", "EBAY_US"), "USD")
    here = f"{SEARCH}?{request.url.query}"
    page: dict[str, Any] = {"href": here, "total": len(rows), "limit": limit, "offset": offset}
    if rows[offset: offset + limit]:
        page["itemSummaries"] = [summary(r, currency) for r in rows[offset: offset + limit]]
    if offset + limit < len(rows):
        page["next"] = re.sub(r"offset=\d+", "", here).rstrip("&") + f"&offset={offset + limit}"
    return JSONResponse(page)


def mount(counters: Counters) -> SandboxMarket:
    tokens: set[str] = set()
    expected = "Basic " + base64.b64encode(f"{SANDBOX_EBAY_CLIENT_ID}:{SANDBOX_EBAY_CLIENT_SECRET}".encode()).decode()

    async def token(request: Request) -> Response:
        counters.tokens[NAME] = counters.tokens.get(NAME, 0) + 1
        form = await request.form()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client", "error_description": "client authentication failed"}, status_code=401)
        if form.get("grant_type") != "client_credentials" or SCOPE not in str(form.get("scope", "")).split():
            return JSONResponse({"error": "invalid_request", "error_description": "grant_type and scope are required"},
                                status_code=400)
        issued = f"v^1.1#i^1#sandbox#{secrets.token_urlsafe(24)}"
        tokens.add(issued)
        return JSONResponse({"access_token": issued, "expires_in": TOKEN_LIFETIME_S, "token_type": "Application Access Token"})

    def authorized(request: Request) -> bool:
        return request.headers.get("authorization", "").removeprefix("Bearer ") in tokens

    routes = [Route("/ebay/identity/v1/oauth2/token", token, methods=["POST"]), Route(SEARCH, search)]
    return SandboxMarket(name=NAME, prefix=PREFIX, limits=LIMITS, routes=routes, authorized=authorized, error=error)
