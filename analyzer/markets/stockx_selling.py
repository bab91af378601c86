"""StockX's selling API v2: listings, asynchronous operations and batches (../shared/marketplace-apis.md,
"Selling"). Amounts are whole units of a currency StockX quotes, sent as strings."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from analyzer.config import Settings
from analyzer.domain.errors import BadAnswer
from analyzer.domain.validation import InvalidInput
from analyzer.markets.base import is_dict_with
from analyzer.markets.selling import BookNow, MarketListing, SellingHttp, WriteResult, amount_of
from analyzer.markets.stockx import StockX

CURRENCIES = ("AUD", "CAD", "CHF", "EUR", "GBP", "HKD", "JPY", "KRW", "MXN", "NZD", "SGD", "USD")
PAGE = 100
BATCH_MAX = 100
POLL_S, POLL_FOR_S = 0.2, 60.0
STATUSES = {"ACTIVE": "active", "INACTIVE": "inactive", "DELETED": "deleted"}


def _size(value: Any) -> float | None:
    found = re.match(r"\d+(\.\d+)?", str(value or ""))
    return float(found.group(0)) if found else None


def parse_listing(data: Any) -> MarketListing | None:
    if not is_dict_with(data, "listingId", "amount", "status") or amount_of(data["amount"]) is None:
        return None
    variant, product = data.get("variant") or {}, data.get("product") or {}
    return MarketListing("stockx", str(data["listingId"]), str(product.get("productId") or ""), _size(variant.get("variantValue")),
                         amount_of(data["amount"]), str(data.get("currencyCode") or "USD"),  # type: ignore[arg-type]
                         STATUSES.get(str(data["status"]), str(data["status"]).lower()), variant.get("variantId"),
                         product.get("productName"), product.get("styleId"))


def checked_amount(amount: Decimal, currency: str) -> str:
    """StockX's rules, checked before any call: a whole number of units, at least 1, in a currency it quotes."""
    if currency not in CURRENCIES:
        raise InvalidInput(f"StockX lists in {', '.join(CURRENCIES)}, not {currency!r}.")
    if amount != amount.to_integral_value() or amount < 1:
        raise InvalidInput(f"A StockX ask is a whole number of {currency}, at least 1 (not {amount}).")
    return str(int(amount))


class StockXSelling:
    name = "stockx"
    whole_units = True

    def __init__(self, http: SellingHttp, sleep: Callable[[float], None] = time.sleep) -> None:
        self.http = http
        self.sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings) -> StockXSelling:
        return cls(SellingHttp(StockX.from_settings(settings).http))

    def listings(self) -> list[MarketListing]:
        found, number = [], 1
        while True:
            page = self.http.read("/selling/listings", {"pageNumber": number, "pageSize": PAGE, "listingStatuses": "ACTIVE"})
            if not is_dict_with(page, "listings"):
                raise BadAnswer("bad answer from StockX")
            found += [x for x in map(parse_listing, page["listings"]) if x is not None]
            if not page.get("hasNextPage"):
                return found
            number += 1

    def listing(self, listing_id: str) -> MarketListing | None:
        return parse_listing(self.http.read(f"/selling/listings/{listing_id}"))

    def _operation(self, answer: Any) -> WriteResult:
        if not is_dict_with(answer, "listingId", "operationStatus"):
            raise BadAnswer("bad answer from StockX")
        status = {"PENDING": "pending", "SUCCEEDED": "done", "FAILED": "failed"}.get(answer["operationStatus"], "pending")
        error = answer.get("error")
        return WriteResult(status, str(answer["listingId"]), answer.get("operationId"), str(error) if error else None)

    def create(self, target: dict[str, Any], amount: Decimal, currency: str) -> WriteResult:
        body = {"amount": checked_amount(amount, currency), "variantId": target["variant_id"], "currencyCode": currency}
        return self._operation(self.http.write("POST", "/selling/listings", body))

    def update(self, listing_id: str, amount: Decimal, currency: str) -> WriteResult:
        body = {"amount": checked_amount(amount, currency), "currencyCode": currency}
        return self._operation(self.http.write("PATCH", f"/selling/listings/{listing_id}", body))

    def delete(self, listing_id: str) -> WriteResult:
        return self._operation(self.http.write("DELETE", f"/selling/listings/{listing_id}"))

    def settle(self, result: WriteResult) -> WriteResult:
        """Poll the operation until it succeeds or fails (a write is asynchronous on StockX)."""
        deadline = time.monotonic() + POLL_FOR_S
        while result.status == "pending" and result.operation_id and time.monotonic() < deadline:
            self.sleep(POLL_S)
            result = self._operation(self.http.read(f"/selling/listings/{result.listing_id}/operations/{result.operation_id}"))
        return result

    def create_batch(self, items: Sequence[tuple[str, Decimal, str]]) -> list[WriteResult]:
        """Create up to 100 listings in one batch (variant ID, amount, currency); one result per item, in order."""
        if not 1 <= len(items) <= BATCH_MAX:
            raise InvalidInput(f"A StockX batch has 1 to {BATCH_MAX} items.")
        body = {"items": [{"variantId": v, "amount": checked_amount(a, c), "currencyCode": c, "quantity": 1} for v, a, c in items]}
        batch = self.http.write("POST", "/selling/batch/create-listing", body)
        if not is_dict_with(batch, "batchId", "status"):
            raise BadAnswer("bad answer from StockX")
        deadline = time.monotonic() + POLL_FOR_S
        while batch.get("status") not in ("COMPLETED", "FAILED") and time.monotonic() < deadline:
            self.sleep(POLL_S)
            batch = self.http.read(f"/selling/batch/create-listing/{batch['batchId']}")
        answered = self.http.read(f"/selling/batch/create-listing/{batch['batchId']}/items").get("items") or []
        by_variant: dict[str, list[dict[str, Any]]] = {}
        for item in answered:
            by_variant.setdefault(str((item.get("listingInput") or {}).get("variantId")), []).append(item)
        results = []
        for variant, _, _ in items:
            item = by_variant[variant].pop(0) if by_variant.get(variant) else {}
            status = {"COMPLETED": "done", "FAILED": "failed"}.get(str(item.get("status")), "pending")
            results.append(WriteResult(status, item.get("listingId"), batch.get("batchId"), item.get("error")))
        return results

    def book(self, listing: Any) -> BookNow:
        data = self.http.read(f"/catalog/products/{listing.product_id}/variants/{listing.variant_id}/market-data",
                              {"currencyCode": listing.currency}, cacheable=True)
        if not is_dict_with(data, "currencyCode"):
            raise BadAnswer("bad answer from StockX")
        return BookNow(amount_of(data.get("lowestAskAmount")) if data.get("lowestAskAmount") else None,
                       amount_of(data.get("highestBidAmount")) if data.get("highestBidAmount") else None,
                       str(data["currencyCode"]),
                       amount_of(data["sellFasterAmount"]) if data.get("sellFasterAmount") else None,
                       amount_of(data["earnMoreAmount"]) if data.get("earnMoreAmount") else None)
