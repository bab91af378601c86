"""The sandbox's selling side: StockX v2 listings (asynchronous operations, batches) and Alias listings,
in the documented shapes (../shared/marketplace-apis.md, "Selling"), with their validation, write faults
(500, 429 with Retry-After, a time-out AFTER the write was applied) and our listings in the books.

`SellingState` is the seller's account: `counts()` says how many active listings each variant has, for
the tests; `/sandbox/selling` shows the same over HTTP. Mounted by `analyzer.sandbox.app`."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from analyzer.sandbox import prices
from analyzer.sandbox.prices import Shoe

Gate = Callable[[Request, str], Awaitable[Response | None]]
WRITE_FAULT_KINDS = ("500", "429", "timeout_after")
STOCKX_MAX_AMOUNT = 100_000
BATCH_MAX = 100
ALIAS_ACTIVE, ALIAS_INACTIVE = "LISTING_STATUS_ACTIVE", "LISTING_STATUS_INACTIVE"
ALIAS_CONDITIONS = {"PRODUCT_CONDITION_NEW", "PRODUCT_CONDITION_USED", "PRODUCT_CONDITION_NEW_WITH_DEFECTS"}
ALIAS_PACKAGING = {"PACKAGING_CONDITION_GOOD_CONDITION", "PACKAGING_CONDITION_MISSING_LID",
                   "PACKAGING_CONDITION_BADLY_DAMAGED", "PACKAGING_CONDITION_NO_ORIGINAL_BOX"}


@dataclass
class SellingConfig:
    """How the selling side behaves; tests change it between requests."""

    pending_s: float = 0.3  # how long an operation stays PENDING
    write_fault_rate: float = 0.0
    write_fault_kinds: tuple[str, ...] = WRITE_FAULT_KINDS
    timeout_s: float = 15.0  # a 'timeout_after' answer comes this late (after the write was applied)
    seed: int | None = None


@dataclass
class Listing:
    id: str
    market: str
    product_id: str  # StockX productId or Alias catalog_id
    size: float
    amount: Decimal  # whole units of `currency`
    currency: str
    status: str = "ACTIVE"
    variant_id: str | None = None
    condition: str = "PRODUCT_CONDITION_NEW"
    packaging: str = "PACKAGING_CONDITION_GOOD_CONDITION"
    created_at: str = field(default_factory=lambda: _now())
    updated_at: str = field(default_factory=lambda: _now())

    @property
    def active(self) -> bool:
        return self.status in ("ACTIVE", ALIAS_ACTIVE)


@dataclass
class Operation:
    listing_id: str
    id: str
    kind: str  # CREATE, UPDATE, DELETE
    due: float
    error: str | None = None
    created_at: str = field(default_factory=lambda: _now())


@dataclass
class Batch:
    id: str
    kind: str
    items: list[dict[str, Any]]  # each: {itemId, listingId, status, error, input}
    due: float
    created_at: str = field(default_factory=lambda: _now())


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@lru_cache(maxsize=1)
def variant_index() -> dict[str, tuple[Shoe, float]]:
    return {prices.variant_id(s.stockx_id, size): (s, size) for s in prices._in("stockx") for size in s.sizes}


class SellingState:
    """The seller's listings on both markets, their operations and batches; thread-safe."""

    def __init__(self, config: SellingConfig | None = None) -> None:
        self.config = config or SellingConfig()
        self.rng = random.Random(self.config.seed)
        self.listings: dict[str, Listing] = {}
        self.operations: dict[str, Operation] = {}
        self.batches: dict[str, Batch] = {}
        self.writes_applied = 0
        self.lock = threading.Lock()

    def counts(self, market: str | None = None) -> dict[str, int]:
        """Active listings per 'market:variant' (StockX: variant ID; Alias: catalog_id:size)."""
        out: dict[str, int] = {}
        with self.lock:
            for x in self.listings.values():
                if x.active and market in (None, x.market):
                    key = f"{x.market}:{x.variant_id or f'{x.product_id}:{x.size:g}'}"
                    out[key] = out.get(key, 0) + 1
        return out

    def lowest_ours(self, market: str, product_id: str, size: float, currency: str = "USD") -> Decimal | None:
        with self.lock:
            amounts = [x.amount for x in self.listings.values() if x.active and x.market == market
                       and x.product_id == product_id and x.size == size and x.currency == currency]
        return min(amounts) if amounts else None

    def operation(self, listing_id: str, kind: str, error: str | None = None) -> Operation:
        op = Operation(listing_id, str(uuid.uuid4()), kind, time.monotonic() + self.config.pending_s, error)
        self.operations[op.id] = op
        return op

    def fault(self) -> str | None:
        if self.config.write_fault_rate and self.rng.random() < self.config.write_fault_rate:
            return self.rng.choice(self.config.write_fault_kinds)
        return None


# --- the books: our asks among the others -----------------------------------------------------------

def overlay_stockx(state: SellingState, body: dict[str, Any]) -> dict[str, Any]:
    """A variant's market data with our lowest active ask in its currency, when it is the lowest."""
    found = variant_index().get(str(body.get("variantId")))
    ours = state.lowest_ours("stockx", body.get("productId", ""), found[1], body.get("currencyCode", "USD")) if found else None
    if ours is None:
        return body
    current = body.get("lowestAskAmount")
    if current is not None and Decimal(current) <= ours:
        return body
    text = str(ours)
    return {**body, "lowestAskAmount": text, "standardMarketData": {**body["standardMarketData"], "lowestAsk": text}}


def overlay_alias(state: SellingState, shoe: Shoe, size: float, product: str, packaging: str,
                  availability: dict[str, str]) -> dict[str, str]:
    """One Alias availability with our lowest active listing of that size and condition pair."""
    with state.lock:
        cents = [int(x.amount * 100) for x in state.listings.values() if x.active and x.market == "alias"
                 and x.product_id == shoe.catalog_id and x.size == size and (x.condition, x.packaging) == (product, packaging)]
    current = int(availability["lowest_listing_price_cents"])
    if not cents or (current and current <= min(cents)):
        return availability
    return {**availability, "lowest_listing_price_cents": str(min(cents))}


# --- answers -----------------------------------------------------------------------------------------

def _sx_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": status, "message": message}, status_code=status)


def _alias_error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "details": []}, status_code=status)


def stockx_listing(x: Listing) -> dict[str, Any]:
    shoe, size = variant_index()[x.variant_id or ""]
    value = f"{size:g}"
    return {"listingId": x.id, "status": x.status, "amount": str(x.amount), "currencyCode": x.currency,
            "inventoryType": "STANDARD", "createdAt": x.created_at, "updatedAt": x.updated_at, "expiresAt": None,
            "product": {"productId": shoe.stockx_id, "productName": shoe.stockx_title, "styleId": "/".join(shoe.style_ids) or None},
            "variant": {"variantId": x.variant_id, "variantName": f"{shoe.url_key}:{value}", "variantValue": value}}


def alias_listing(x: Listing) -> dict[str, Any]:
    size: int | float = int(x.size) if float(x.size).is_integer() else x.size
    return {"id": x.id, "catalog_id": x.product_id, "price_cents": str(int(x.amount * 100)), "size": size,
            "size_unit": "SIZE_UNIT_US", "condition": x.condition, "packaging_condition": x.packaging,
            "status": x.status, "consigned": False, "created_at": x.created_at, "updated_at": x.updated_at}


def _operation(state: SellingState, op: Operation) -> dict[str, Any]:
    status = "PENDING" if time.monotonic() < op.due else ("FAILED" if op.error else "SUCCEEDED")
    return {"listingId": op.listing_id, "operationId": op.id, "operationType": op.kind, "operationStatus": status,
            "operationInitiatedBy": "USER", "operationInitiatedVia": "PUBLIC-API", "createdAt": op.created_at,
            "updatedAt": _now(), "changes": {}, "error": op.error if status == "FAILED" else None}


def stockx_amount(raw: Any, currency: Any) -> tuple[Decimal, str] | str:
    """StockX's amount rules: a string of a whole number of units, at least 1; a currency it quotes."""
    if currency not in prices.STOCKX_CURRENCIES:
        return f"currencyCode must be one of {', '.join(prices.STOCKX_CURRENCIES)}"
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return "amount must be a whole number as a string"
    if not isinstance(raw, str) or not value.is_finite() or value != value.to_integral_value() or value < 1:
        return "amount must be a whole number as a string, at least 1"
    return value, currency


def alias_price(raw: Any, shoe: Shoe) -> Decimal | str:
    """Alias's rules: whole dollars (a multiple of 100 cents), within the item's minimum and maximum."""
    try:
        cents = int(str(raw))
    except ValueError:
        return "invalid value for input.PriceCents"
    if cents % 100:
        return "price_cents must be whole dollars (a multiple of 100)"
    if cents < 2500:  # the catalog item's minimum_listing_price_cents
        return "price_cents is below the minimum listing price (2500)"
    if cents > 500000:
        return "price_cents is above the maximum listing price (500000)"
    return Decimal(cents) / 100


async def _body(request: Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def _faulted(state: SellingState, market: str, apply: Callable[[], Response]) -> Response:
    """A write, through the write faults: a 429 refuses it; a 500 comes before or after it was applied;
    a time-out always comes after (the client cannot tell whether it happened)."""
    kind = state.fault()
    if kind == "429":
        headers = {"Retry-After": "1"}
        body = {"statusCode": 429, "message": "Too Many Requests"} if market == "stockx" else \
            {"code": 8, "message": "rate limit exceeded", "details": []}
        return JSONResponse(body, status_code=429, headers=headers)
    if kind == "500" and state.rng.random() < 0.5:
        return _sx_error(500, "Internal server error") if market == "stockx" else _alias_error(500, 13, "internal error")
    with state.lock:
        answer = apply()
        state.writes_applied += 1
    if kind == "500":
        return _sx_error(500, "Internal server error") if market == "stockx" else _alias_error(500, 13, "internal error")
    if kind == "timeout_after":
        await asyncio.sleep(state.config.timeout_s)
        return _sx_error(504, "Gateway Timeout") if market == "stockx" else _alias_error(504, 4, "deadline exceeded")
    return answer


def _stockx_create(state: SellingState, item: dict[str, Any]) -> tuple[Listing | None, str | None]:
    """A listing from one create item, or the reason it is refused (a 400)."""
    found = variant_index().get(str(item.get("variantId")))
    if found is None:
        return None, "variantId not found"
    checked = stockx_amount(item.get("amount"), item.get("currencyCode", "USD"))
    if isinstance(checked, str):
        return None, checked
    shoe, size = found
    return Listing(str(uuid.uuid4()), "stockx", shoe.stockx_id, size, checked[0], checked[1],
                   variant_id=str(item["variantId"])), None


def _stockx_routes(state: SellingState, gate: Gate) -> list[Route]:
    base = "/stockx/v2/selling"

    async def create(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        body = await _body(request) or {}
        listing, problem = _stockx_create(state, body)
        if listing is None:
            return _sx_error(400, problem or "bad request")

        def apply() -> Response:
            failed = "amount exceeds the maximum ask" if listing.amount > STOCKX_MAX_AMOUNT else None
            if failed is None:
                state.listings[listing.id] = listing
            op = state.operation(listing.id, "CREATE", failed)
            return JSONResponse(_operation(state, op), status_code=200)

        return await _faulted(state, "stockx", apply)

    async def listings(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        q = request.query_params
        try:
            number, size = int(q.get("pageNumber", "1")), int(q.get("pageSize", "10"))
        except ValueError:
            return _sx_error(400, "pageNumber and pageSize must be integers")
        if number < 1 or not 1 <= size <= 100:
            return _sx_error(400, "pageNumber >= 1, pageSize 1-100")
        wanted = {s for s in q.get("listingStatuses", "").split(",") if s}
        with state.lock:
            found = [x for x in state.listings.values() if x.market == "stockx" and (not wanted or x.status in wanted)]
        page = found[(number - 1) * size: number * size]
        return JSONResponse({"count": len(found), "pageSize": size, "pageNumber": number,
                             "hasNextPage": number * size < len(found), "listings": [stockx_listing(x) for x in page]})

    def mine(request: Request) -> Listing | None:
        x = state.listings.get(request.path_params["listing_id"])
        return x if x is not None and x.market == "stockx" else None

    async def one(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        if (x := mine(request)) is None:
            return _sx_error(404, "Listing not found")
        if request.method == "GET":
            return JSONResponse(stockx_listing(x))
        if x.status == "DELETED":
            return _sx_error(400, "Listing is deleted")
        if request.method == "DELETE":
            return await _faulted(state, "stockx", lambda: _change(state, x, "DELETE", status="DELETED"))
        body = await _body(request) or {}
        checked = stockx_amount(body.get("amount"), body.get("currencyCode", x.currency))
        if isinstance(checked, str):
            return _sx_error(400, checked)
        return await _faulted(state, "stockx", lambda: _change(state, x, "UPDATE", amount=checked[0], currency=checked[1]))

    async def operation(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        op = state.operations.get(request.path_params["operation_id"])
        if op is None or op.listing_id != request.path_params["listing_id"]:
            return _sx_error(404, "Operation not found")
        return JSONResponse(_operation(state, op))

    return [Route(f"{base}/listings", create, methods=["POST"]),
            Route(f"{base}/listings", listings, methods=["GET"]),
            Route(f"{base}/listings/{{listing_id}}", one, methods=["GET", "PATCH", "DELETE"]),
            Route(f"{base}/listings/{{listing_id}}/operations/{{operation_id}}", operation),
            *_batch_routes(state, gate)]


def _change(state: SellingState, x: Listing, kind: str, **changes: Any) -> Response:
    failed = "amount exceeds the maximum ask" if changes.get("amount", 0) > STOCKX_MAX_AMOUNT else None
    if failed is None:
        for name, value in changes.items():
            setattr(x, name, value)
        x.updated_at = _now()
    return JSONResponse(_operation(state, state.operation(x.id, kind, failed)))


def _batch_item(state: SellingState, kind: str, item: dict[str, Any]) -> dict[str, Any]:
    """Apply one batch item; its status as the batch's items answer shows it."""
    out: dict[str, Any] = {"itemId": str(uuid.uuid4()), "listingInput": item, "listingId": item.get("listingId"),
                           "status": "COMPLETED", "error": None}
    if kind == "create":
        listing, problem = _stockx_create(state, item)
        if listing is None or listing.amount > STOCKX_MAX_AMOUNT:
            return {**out, "status": "FAILED", "error": problem or "amount exceeds the maximum ask"}
        state.listings[listing.id] = listing
        return {**out, "listingId": listing.id}
    x = state.listings.get(str(item.get("listingId")))
    if x is None or x.market != "stockx" or x.status == "DELETED":
        return {**out, "status": "FAILED", "error": "Listing not found"}
    if kind == "delete":
        x.status = "DELETED"
    else:
        checked = stockx_amount(item.get("amount"), item.get("currencyCode", x.currency))
        if isinstance(checked, str):
            return {**out, "status": "FAILED", "error": checked}
        x.amount, x.currency = checked
    x.updated_at = _now()
    return out


def _batch_answer(b: Batch) -> dict[str, Any]:
    done = time.monotonic() >= b.due
    failed = sum(1 for i in b.items if i["status"] == "FAILED") if done else 0
    completed = len(b.items) - failed if done else 0
    return {"batchId": b.id, "status": "COMPLETED" if done else "QUEUED", "totalItems": len(b.items),
            "itemStatuses": {"queued": 0 if done else len(b.items), "completed": completed, "failed": failed},
            "createdAt": b.created_at, "updatedAt": _now(), "completedAt": _now() if done else None}


def _batch_routes(state: SellingState, gate: Gate) -> list[Route]:
    base = "/stockx/v2/selling/batch"

    async def start(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        kind = request.path_params["kind"].removesuffix("-listing")
        items = (await _body(request) or {}).get("items")
        if kind not in ("create", "update", "delete") or not isinstance(items, list) or not 1 <= len(items) <= BATCH_MAX:
            return _sx_error(400, f"items must be a list of 1 to {BATCH_MAX}")

        def apply() -> Response:
            batch = Batch(str(uuid.uuid4()), kind, [_batch_item(state, kind, dict(i)) for i in items],
                          time.monotonic() + state.config.pending_s)
            state.batches[batch.id] = batch
            return JSONResponse(_batch_answer(batch), status_code=201)

        return await _faulted(state, "stockx", apply)

    def found(request: Request) -> Batch | None:
        b = state.batches.get(request.path_params["batch_id"])
        return b if b is not None and f"{b.kind}-listing" == request.path_params["kind"] else None

    async def status(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        b = found(request)
        return JSONResponse(_batch_answer(b)) if b else _sx_error(404, "Batch not found")

    async def items(request: Request) -> Response:
        if (blocked := await gate(request, "stockx")) is not None:
            return blocked
        b = found(request)
        if b is None:
            return _sx_error(404, "Batch not found")
        wanted = request.query_params.get("status")
        done = time.monotonic() >= b.due
        shown = [{**i, "status": i["status"] if done else "QUEUED"} for i in b.items]
        return JSONResponse({"items": [i for i in shown if wanted in (None, i["status"])]})

    return [Route(f"{base}/{{kind}}", start, methods=["POST"]),
            Route(f"{base}/{{kind}}/{{batch_id}}", status),
            Route(f"{base}/{{kind}}/{{batch_id}}/items", items)]


def _alias_create(state: SellingState, body: dict[str, Any]) -> Listing | str:
    shoe = prices.find_shoe(str(body.get("catalog_id")), "alias")
    if shoe is None:
        return "catalog item not found"
    try:
        size = float(body.get("size"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "Missing parameter: input.Size"
    if size not in shoe.alias_sizes:
        return f"size {size:g} is not an allowed size of this item"
    if body.get("size_unit", "SIZE_UNIT_US") != "SIZE_UNIT_US":
        return "invalid value for input.SizeUnit"
    if body.get("condition") not in ALIAS_CONDITIONS or body.get("packaging_condition") not in ALIAS_PACKAGING:
        return "invalid condition or packaging_condition"
    price = alias_price(body.get("price_cents"), shoe)
    if isinstance(price, str):
        return price
    status = ALIAS_ACTIVE if body.get("activate", True) else ALIAS_INACTIVE
    return Listing(str(uuid.uuid4()), "alias", shoe.catalog_id, size, price, "USD", status,
                   condition=str(body["condition"]), packaging=str(body["packaging_condition"]))


def _alias_routes(state: SellingState, gate: Gate) -> list[Route]:
    base = "/alias/api/v1/listings"

    async def create(request: Request) -> Response:
        if (blocked := await gate(request, "alias")) is not None:
            return blocked
        listing = _alias_create(state, await _body(request) or {})
        if isinstance(listing, str):
            return _alias_error(400, 3, listing)

        def apply() -> Response:
            state.listings[listing.id] = listing
            return JSONResponse({"listing": alias_listing(listing)})

        return await _faulted(state, "alias", apply)

    async def listings(request: Request) -> Response:
        if (blocked := await gate(request, "alias")) is not None:
            return blocked
        q = request.query_params
        try:
            limit, offset = int(q.get("limit", "50")), int(q.get("pagination_token") or "0")
        except ValueError:
            return _alias_error(400, 3, "invalid limit or pagination_token")
        wanted = q.get("status")
        with state.lock:
            found = [x for x in state.listings.values() if x.market == "alias" and wanted in (None, "", x.status)]
        more = offset + limit < len(found)
        return JSONResponse({"listings": [alias_listing(x) for x in found[offset: offset + limit]],
                             "next_pagination_token": str(offset + limit) if more else "", "has_more": more})

    def mine(request: Request) -> Listing | None:
        x = state.listings.get(request.path_params["listing_id"])
        return x if x is not None and x.market == "alias" else None

    async def one(request: Request) -> Response:
        if (blocked := await gate(request, "alias")) is not None:
            return blocked
        if (x := mine(request)) is None:
            return _alias_error(404, 5, "listing not found")
        if request.method == "GET":
            return JSONResponse({"listing": alias_listing(x)})
        action = request.path_params.get("action")
        if action in ("activate", "deactivate"):
            status = ALIAS_ACTIVE if action == "activate" else ALIAS_INACTIVE
            return await _faulted(state, "alias", lambda: _alias_set(x, status=status))
        price = alias_price((await _body(request) or {}).get("price_cents"), prices.find_shoe(x.product_id, "alias"))  # type: ignore[arg-type]
        if isinstance(price, str):
            return _alias_error(400, 3, price)
        return await _faulted(state, "alias", lambda: _alias_set(x, amount=price))

    return [Route(base, create, methods=["POST"]), Route(base, listings, methods=["GET"]),
            Route(f"{base}/{{listing_id}}", one, methods=["GET", "POST"]),
            Route(f"{base}/{{listing_id}}/{{action}}", one, methods=["POST"])]


def _alias_set(x: Listing, **changes: Any) -> Response:
    for name, value in changes.items():
        setattr(x, name, value)
    x.updated_at = _now()
    return JSONResponse({"listing": alias_listing(x)})


def routes(state: SellingState, gate: Gate) -> list[Route]:
    """Every selling route of both markets, and /sandbox/selling: the account as the tests count it."""

    async def account(request: Request) -> Response:
        with state.lock:
            rows = [{**(stockx_listing(x) if x.market == "stockx" else alias_listing(x)), "market": x.market}
                    for x in state.listings.values()]
        return JSONResponse({"listings": rows, "active_per_variant": state.counts(), "writes_applied": state.writes_applied})

    return [*_stockx_routes(state, gate), *_alias_routes(state, gate), Route("/sandbox/selling", account)]
