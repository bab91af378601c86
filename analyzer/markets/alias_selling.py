"""Alias's listings (../shared/marketplace-apis.md, "Selling"): whole-dollar `price_cents`, never below the
item's `minimum_listing_price_cents`. Writes answer at once (no operations to poll). Delisting is the
deactivate call (the path is unverified; keep it easy to change)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from analyzer.config import Settings
from analyzer.domain.errors import BadAnswer
from analyzer.domain.validation import InvalidInput
from analyzer.markets.alias import Alias
from analyzer.markets.base import is_dict_with, size_number
from analyzer.markets.selling import BookNow, MarketListing, SellingHttp, WriteResult, amount_of

PAGE = 100
NEW, GOOD_BOX = "PRODUCT_CONDITION_NEW", "PACKAGING_CONDITION_GOOD_CONDITION"
STATUSES = {"LISTING_STATUS_ACTIVE": "active", "LISTING_STATUS_INACTIVE": "inactive"}


def parse_listing(data: Any) -> MarketListing | None:
    if not is_dict_with(data, "id", "catalog_id", "price_cents", "status"):
        return None
    cents = amount_of(data["price_cents"])
    if cents is None:
        return None
    return MarketListing("alias", str(data["id"]), str(data["catalog_id"]), size_number(data.get("size")), cents / 100, "USD",
                         STATUSES.get(str(data["status"]), str(data["status"]).lower()))


def price_cents(amount: Decimal, minimum: Decimal | None) -> str:
    """Alias's rules, checked before any call: whole dollars, at least the item's minimum."""
    if amount != amount.to_integral_value():
        raise InvalidInput(f"Alias lists in whole dollars ({amount} is not).")
    if minimum is not None and amount < minimum:
        raise InvalidInput(f"Alias's minimum listing price for this item is ${minimum:.0f}.")
    if amount < 1:
        raise InvalidInput("An Alias price is at least $1.")
    return str(int(amount) * 100)


class AliasSelling:
    name = "alias"
    whole_units = True

    def __init__(self, http: SellingHttp) -> None:
        self.http = http

    @classmethod
    def from_settings(cls, settings: Settings) -> AliasSelling:
        return cls(SellingHttp(Alias.from_settings(settings).http))

    def listings(self) -> list[MarketListing]:
        found: list[MarketListing] = []
        token = ""
        while True:
            page = self.http.read("/listings", {"limit": PAGE, "status": "LISTING_STATUS_ACTIVE",
                                                **({"pagination_token": token} if token else {})})
            if not is_dict_with(page, "listings"):
                raise BadAnswer("bad answer from Alias")
            found += [x for x in map(parse_listing, page["listings"]) if x is not None]
            token = page.get("next_pagination_token") or ""
            if not page.get("has_more") or not token:
                return found

    def listing(self, listing_id: str) -> MarketListing | None:
        return parse_listing((self.http.read(f"/listings/{listing_id}") or {}).get("listing"))

    def _done(self, answer: Any) -> WriteResult:
        listing = parse_listing((answer or {}).get("listing") if isinstance(answer, dict) else None)
        if listing is None:
            raise BadAnswer("bad answer from Alias")
        return WriteResult("done", listing.listing_id, None, None, listing)

    def create(self, target: dict[str, Any], amount: Decimal, currency: str) -> WriteResult:
        if currency != "USD":
            raise InvalidInput("Alias lists in US dollars.")
        size = target["size"]
        body = {"catalog_id": target["product_id"], "price_cents": price_cents(amount, target.get("minimum")),
                "condition": target.get("condition", NEW), "packaging_condition": target.get("packaging", GOOD_BOX),
                "size": int(size) if float(size).is_integer() else size, "size_unit": "SIZE_UNIT_US", "activate": True}
        return self._done(self.http.write("POST", "/listings", body))

    def update(self, listing_id: str, amount: Decimal, currency: str, minimum: Decimal | None = None) -> WriteResult:
        return self._done(self.http.write("POST", f"/listings/{listing_id}", {"price_cents": price_cents(amount, minimum)}))

    def delete(self, listing_id: str) -> WriteResult:
        return self._done(self.http.write("POST", f"/listings/{listing_id}/deactivate"))

    def settle(self, result: WriteResult) -> WriteResult:
        return result

    def book(self, listing: Any) -> BookNow:
        data = self.http.read("/pricing_insights/availability", {
            "catalog_id": listing.product_id, "size": f"{listing.size:g}", "product_condition": NEW,
            "packaging_condition": GOOD_BOX}, cacheable=True)
        if not is_dict_with(data, "availability"):
            raise BadAnswer("bad answer from Alias")
        a = data["availability"]
        ask, bid = amount_of(a.get("lowest_listing_price_cents")), amount_of(a.get("highest_offer_price_cents"))
        return BookNow(ask / 100 if ask else None, bid / 100 if bid else None, "USD")
