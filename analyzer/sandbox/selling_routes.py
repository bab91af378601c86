"""The selling endpoints of the sandbox: StockX v2 listings, operations and batches; Alias listings; and
/sandbox/selling, the account as the tests count it. State, shapes and validation: analyzer.sandbox.selling."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from analyzer.sandbox import prices
from analyzer.sandbox.selling import (
    ALIAS_ACTIVE,
    ALIAS_CONDITIONS,
    ALIAS_INACTIVE,
    ALIAS_PACKAGING,
    BATCH_MAX,
    STOCKX_MAX_AMOUNT,
    Batch,
    Gate,
    Listing,
    SellingState,
    _alias_error,
    _body,
    _now,
    _operation,
    _sx_error,
    alias_listing,
    alias_price,
    stockx_amount,
    stockx_listing,
    variant_index,
)


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

    return [Route(f"{base}/listings", create, methods=["POST"]),
            Route(f"{base}/listings", listings, methods=["GET"]),
            *_stockx_listing_routes(state, gate), *_batch_routes(state, gate)]


def _stockx_listing_routes(state: SellingState, gate: Gate) -> list[Route]:
    """One listing: read, change its amount, delete it; and its operations."""
    base = "/stockx/v2/selling"

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

    return [Route(f"{base}/listings/{{listing_id}}", one, methods=["GET", "PATCH", "DELETE"]),
            Route(f"{base}/listings/{{listing_id}}/operations/{{operation_id}}", operation)]


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


def all_routes(state: SellingState, gate: Gate) -> list[Route]:
    """Every selling route of both markets, and /sandbox/selling: the account as the tests count it."""

    async def account(request: Request) -> Response:
        with state.lock:
            rows = [{**(stockx_listing(x) if x.market == "stockx" else alias_listing(x)), "market": x.market}
                    for x in state.listings.values()]
        return JSONResponse({"listings": rows, "active_per_variant": state.counts(), "writes_applied": state.writes_applied})

    return [*_stockx_routes(state, gate), *_alias_routes(state, gate), Route("/sandbox/selling", account)]
