"""The sandbox's selling side: StockX v2 listings (asynchronous operations, batches) and Alias listings,
in the documented shapes (../shared/marketplace-apis.md, "Selling"), with their validation, write faults
(500, 429 with Retry-After, a time-out AFTER the write was applied) and our listings in the books.

`SellingState` is the seller's account: `counts()` says how many active listings each variant has, for
the tests; `/sandbox/selling` shows the same over HTTP. Mounted by `analyzer.sandbox.app`."""

from __future__ import annotations

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

from analyzer.sandbox import prices, rates
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
    if currency not in rates.STOCKX_CURRENCIES:
        return f"currencyCode must be one of {', '.join(rates.STOCKX_CURRENCIES)}"
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


def routes(state: SellingState, gate: Gate) -> list[Route]:
    """Every selling route of both markets, and /sandbox/selling (analyzer.sandbox.selling_routes)."""
    from analyzer.sandbox.selling_routes import all_routes

    return all_routes(state, gate)
