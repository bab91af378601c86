"""My listings on the markets: sync them into the store, show each against the market now, list a pair
from the advice (a preview first), delist, and the audit log. Repricing is analyzer.services.repricing.

Writes need ANALYZER_SELLING=on; in an accounts deployment only the owners in ANALYZER_SELLERS may write
(one seller account per deployment). Every write goes through analyzer.services.listing_writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from analyzer.config import Settings
from analyzer.domain.errors import MarketError
from analyzer.domain.matching import normalise_style_id
from analyzer.domain.money import convert, dec, rounded
from analyzer.domain.owners import LOCAL
from analyzer.domain.pricing import payout_exact
from analyzer.domain.validation import InvalidInput
from analyzer.markets.registry import NAMES, label
from analyzer.markets.selling import BookNow, SellingClient, selling_clients
from analyzer.services.listing_writes import Outcome, Writer
from analyzer.store import Store
from analyzer.store import listings_repo as repo
from analyzer.store.listings_repo import Listing, NewListing
from analyzer.store.positions_repo import Position, open_positions


class NotAllowed(InvalidInput):
    """Selling is off, or this owner may not write."""


def write_refusal(settings: Settings, owner: str) -> str | None:
    """Why `owner` may not write to the markets, or None when they may."""
    if not settings.selling:
        return "Selling is off: set ANALYZER_SELLING=on (and keys that allow selling) to list, reprice or delist."
    if owner != LOCAL and owner not in settings.sellers:
        return "Only the sellers named in ANALYZER_SELLERS may list, reprice or delist in this deployment."
    return None


def check_may_write(settings: Settings, owner: str) -> None:
    refusal = write_refusal(settings, owner)
    if refusal:
        raise NotAllowed(refusal)


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class ListingView:
    """One listing against the market now."""

    listing: Listing
    lowest_ask: Decimal | None = None
    ours_lowest: bool | None = None
    highest_bid: Decimal | None = None
    payout: Decimal | None = None
    cost: Decimal | None = None
    profit: Decimal | None = None
    position_id: int | None = None
    error: str | None = None
    book: BookNow | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {**self.listing.to_dict(), "market_label": label(self.listing.market), "lowest_ask": _num(self.lowest_ask),
                "ours_lowest": self.ours_lowest, "highest_bid": _num(self.highest_bid), "payout": _num(self.payout),
                "cost": _num(self.cost), "profit": _num(self.profit), "position_id": self.position_id, "error": self.error}


@dataclass(frozen=True)
class CreatePreview:
    """A listing about to be made, with what it would pay and earn; `create` sends exactly this."""

    market: str
    query: str
    title: str | None
    product_id: str
    variant_id: str | None
    size: float
    size_label: str | None
    book: str
    amount: Decimal
    currency: str
    payout: Decimal | None
    cost: Decimal | None
    profit: Decimal | None
    lowest_ask: Decimal | None
    highest_bid: Decimal | None
    minimum: Decimal | None
    position_id: int | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: (float(v) if isinstance(v, Decimal) else v) for k, v in data.items()} | {"market_label": label(self.market)}


@dataclass
class SyncReport:
    adopted: int = 0
    updated: int = 0
    gone: int = 0
    reconciled: list[Outcome] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"adopted": self.adopted, "updated": self.updated, "gone": self.gone, "errors": self.errors,
                "reconciled": [o.to_dict() for o in self.reconciled]}


def position_for(positions: Sequence[Position], listing: Listing | CreatePreview, position_id: int | None = None) -> Position | None:
    """The open position a listing sells: the one it names, else the first of the same style and size."""
    if position_id is not None:
        return next((p for p in positions if p.id == position_id), None)
    key = normalise_style_id(listing.query)
    return next((p for p in positions if normalise_style_id(p.query) == key and p.size == listing.size), None)


class ListingsService:
    """One owner's listings; `settings` point at the markets (or the sandbox) the clients talk to."""

    def __init__(self, settings: Settings, store: Store, clients: Mapping[str, SellingClient] | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clients = dict(clients) if clients is not None else selling_clients(settings)

    def writer(self, who: str) -> Writer:
        return Writer(self.store, self.clients, who)

    def payout(self, market: str, amount: Decimal, currency: str) -> Decimal | None:
        return payout_exact(market, amount, self.settings.fees, currency, self.settings.fx_rates)

    def cost_in(self, position: Position | None, currency: str) -> Decimal | None:
        if position is None:
            return None
        return position.cost if position.currency == currency else convert(position.cost, position.currency, currency,
                                                                             self.settings.fx_rates)

    # --- reading -------------------------------------------------------------------------------------

    def listings(self, owner: str, statuses: Sequence[str] | None = repo.LIVE) -> list[Listing]:
        with self.store.read() as conn:
            return repo.owned_listings(conn, owner=owner, statuses=statuses)

    def view(self, owner: str) -> list[ListingView]:
        with self.store.read() as conn:
            positions = open_positions(conn, owner=owner)
        views = []
        for listing in self.listings(owner):
            position = position_for(positions, listing, listing.position_id)
            cost = self.cost_in(position, listing.currency)
            payout = self.payout(listing.market, listing.amount, listing.currency)
            profit = None if payout is None or cost is None else rounded(payout - cost, listing.currency)
            base = {"listing": listing, "payout": None if payout is None else rounded(payout, listing.currency), "cost": cost,
                    "profit": profit, "position_id": position.id if position else None}
            try:
                book = self.clients[listing.market].book(listing)
            except MarketError as exc:
                views.append(ListingView(**base, error=exc.message))
                continue
            ours = book.lowest_ask is not None and book.lowest_ask >= listing.amount
            views.append(ListingView(**base, lowest_ask=book.lowest_ask, ours_lowest=ours, highest_bid=book.highest_bid, book=book))
        return views

    def log(self, owner: str, limit: int = 200) -> list[repo.Change]:
        with self.store.read() as conn:
            return repo.change_log(conn, owner=owner, limit=limit)

    def open_operations(self, owner: str) -> int:
        with self.store.read() as conn:
            return len(repo.open_operations(conn, owner=owner))

    # --- sync -----------------------------------------------------------------------------------------

    def sync(self, owner: str) -> SyncReport:
        """Reconcile unfinished writes, then read each market's active listings into the store: known ones
        updated, unknown ones adopted (only by an owner who may sell), ours that ended marked gone."""
        report = SyncReport()
        may_adopt = write_refusal(self.settings.with_(selling=True), owner) is None
        try:
            report.reconciled = self.writer(owner).reconcile(owner)
        except MarketError as exc:
            report.errors["reconcile"] = exc.message
        for market, client in self.clients.items():
            try:
                found = client.listings()
            except MarketError as exc:
                report.errors[market] = exc.message
                continue
            self._absorb(owner, market, found, may_adopt, report)
        return report

    def _absorb(self, owner: str, market: str, found: Sequence[Any], may_adopt: bool, report: SyncReport) -> None:
        now = repo.now_iso()
        with self.store.write() as conn:
            busy = {r.listing_id for r in repo.open_operations(conn, owner=owner)}
            unclaimed = repo.unconfirmed_pairs(conn, market)  # creates whose answer was lost: theirs to reconcile
            active_ids = set()
            for x in found:
                active_ids.add(x.listing_id)
                row = repo.by_market_id(conn, market, x.listing_id)
                if row is None and may_adopt and (x.variant_id or (x.product_id, x.size)) not in unclaimed:
                    new = NewListing(market, x.style_id or x.product_id, x.product_id, x.size or 0.0, f"{market}:default",
                                     x.amount, x.currency, x.variant_id, x.title)
                    repo.add_listing(conn, new, owner=owner, status="active", market_listing_id=x.listing_id)
                    report.adopted += 1
                elif row is not None and row.owner == owner and row.id not in busy:
                    if row.amount != x.amount or row.status != "active":
                        report.updated += 1
                    repo.set_listing(conn, row.id, owner=owner, amount=x.amount, currency=x.currency, status="active", synced_at=now)
            for row in repo.owned_listings(conn, owner=owner, statuses=("active",)):
                if row.market == market and row.market_listing_id not in active_ids and row.id not in busy:
                    repo.set_listing(conn, row.id, owner=owner, status="gone", synced_at=now)
                    report.gone += 1

    # --- listing from the advice ------------------------------------------------------------------------

    def preview_create(self, analyzer: Any, owner: str, query: str, size: object, market: str, price: object,
                       position_id: int | None = None) -> CreatePreview:
        """What listing `query` at `size` on `market` for `price` would be: checked, priced and costed.
        Bad input raises InvalidInput before any call; a market that fails raises its MarketError."""
        if market not in NAMES or market not in self.clients:
            raise InvalidInput(f"--market must be one of {', '.join(n for n in NAMES if n in self.clients)}.")
        try:
            amount = dec(str(price).strip().lstrip("$"))
        except (ValueError, ArithmeticError):
            raise InvalidInput(f"--price must be an amount, not {str(price)[:40]!r}.") from None
        if not amount.is_finite() or amount < 1 or amount != amount.to_integral_value():
            raise InvalidInput(f"{label(market)} takes whole amounts of at least 1 (not {price}).")
        result = analyzer.lookup(query, size, fees=self.settings.fees, owner=owner)
        quote = result.quotes.get(market)
        if quote is None or not quote.ok or quote.product is None:
            raise MarketError((quote.error if quote else None) or f"{label(market)} has no such pair")
        minimum = dec(quote.min_listing_price) if quote.min_listing_price else None
        if minimum is not None and amount < minimum:
            raise InvalidInput(f"{label(market)}'s minimum listing price for this item is {minimum:.0f}.")
        with self.store.read() as conn:
            positions = open_positions(conn, owner=owner)
        payout = self.payout(market, amount, quote.currency)
        preview = CreatePreview(market, result.query, quote.title, quote.product.product_id, quote.variant_id, float(quote.size),
                                quote.size_label, quote.book.key if quote.book else f"{market}:default", amount, quote.currency,
                                None if payout is None else rounded(payout, quote.currency), None, None,
                                None if quote.lowest_ask is None else dec(quote.lowest_ask),
                                None if quote.highest_bid is None else dec(quote.highest_bid), minimum, position_id)
        position = position_for(positions, preview, position_id)
        cost = self.cost_in(position, quote.currency)
        profit = None if cost is None or payout is None else rounded(payout - cost, quote.currency)
        return CreatePreview(**{**preview.__dict__, "cost": cost, "profit": profit, "position_id": position.id if position else None})

    def _pending_row(self, owner: str, p: CreatePreview) -> Listing:
        new = NewListing(p.market, p.query, p.product_id, p.size, p.book, p.amount, p.currency, p.variant_id, p.title,
                         p.size_label, p.position_id, minimum=p.minimum)
        with self.store.write() as conn:
            listing_id = repo.add_listing(conn, new, owner=owner)
            return repo.get_listing(conn, listing_id, owner=owner)  # type: ignore[return-value]

    def create(self, owner: str, preview: CreatePreview, who: str | None = None) -> Outcome:
        check_may_write(self.settings, owner)
        return self.writer(who or owner).create(self._pending_row(owner, preview), "manual")

    def create_many(self, owner: str, previews: Sequence[CreatePreview], who: str | None = None) -> list[Outcome]:
        """Many listings: StockX's in batches of up to 100 (each recorded before the batch is sent), the others one by one."""
        check_may_write(self.settings, owner)
        writer = self.writer(who or owner)
        rows = [(self._pending_row(owner, p), p) for p in previews]
        batchable = [(row, p) for row, p in rows if hasattr(self.clients[p.market], "create_batch")]
        outcomes = [writer.create(row, "manual") for row, p in rows if (row, p) not in batchable]
        for start in range(0, len(batchable), 100):
            outcomes += writer.create_batch([row for row, _ in batchable[start: start + 100]])
        return outcomes

    def delete(self, owner: str, listing_id: int, who: str | None = None) -> Outcome:
        check_may_write(self.settings, owner)
        with self.store.read() as conn:
            listing = repo.get_listing(conn, listing_id, owner=owner)
        if listing is None or listing.status not in repo.LIVE:
            raise InvalidInput(f"You have no listing #{listing_id} on a market.")
        return self.writer(who or owner).delete(listing)
