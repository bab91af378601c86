"""Writes to the markets, each recorded BEFORE its request and reconciled from the market after a crash,
a time-out or a 5xx: a write is never sent twice by a retry.

1. The listing row (a create: status `pending`) and an operation row are written to the store.
2. The request goes out once (a 429 is waited out: it says nothing was changed).
3. The answer (StockX: the operation polled to SUCCEEDED or FAILED) closes the operation and goes into
   the audit log. An unknown outcome leaves the operation open.
4. `reconcile` (at the start of every run) asks the market what became of each open operation: a create
   whose listing is there is adopted, one that is not is sent again; an update whose price is there is
   done; a delete whose listing is gone is done."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from analyzer.domain.errors import MarketError, NotFound
from analyzer.domain.validation import InvalidInput
from analyzer.markets.selling import MarketListing, SellingClient, WriteResult, WriteUnknown
from analyzer.store import Store
from analyzer.store import listings_repo as repo
from analyzer.store.listings_repo import Listing, Operation


@dataclass(frozen=True)
class Outcome:
    listing_id: int
    action: str
    status: str  # done, failed, unknown (pending on the market or not known: the next run reconciles)
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"listing_id": self.listing_id, "action": self.action, "status": self.status, "message": self.message}


def target_of(listing: Listing) -> dict[str, Any]:
    return {"variant_id": listing.variant_id, "product_id": listing.product_id, "size": listing.size, "minimum": listing.minimum}


class Writer:
    """Recorded writes for one owner's listings; `who` goes into the audit log."""

    def __init__(self, store: Store, clients: Mapping[str, SellingClient], who: str) -> None:
        self.store = store
        self.clients = clients
        self.who = who

    # --- the three writes -------------------------------------------------------------------------

    def create(self, listing: Listing, rule: str | None = "manual") -> Outcome:
        op_id = self._open(listing, "create", listing.amount, rule)
        return self._send(listing, op_id, "create", listing.amount, rule)

    def update(self, listing: Listing, amount: Decimal, rule: str | None) -> Outcome:
        op_id = self._open(listing, "update", amount, rule)
        return self._send(listing, op_id, "update", amount, rule)

    def delete(self, listing: Listing, rule: str | None = "manual") -> Outcome:
        op_id = self._open(listing, "delete", None, rule)
        return self._send(listing, op_id, "delete", None, rule)

    def create_batch(self, rows: Sequence[Listing]) -> list[Outcome]:
        """Up to 100 listings of one market in one batch (StockX): every write recorded before the batch
        goes out; a lost answer leaves them all to the next run's reconcile."""
        ops = [self._open(row, "create", row.amount, "manual") for row in rows]
        client = self.clients[rows[0].market]
        try:
            results = client.create_batch([(row.variant_id, row.amount, row.currency) for row in rows])  # type: ignore[attr-defined]
        except WriteUnknown as exc:
            return [self._unknown(row, op, "create", row.amount, "manual", exc.message) for row, op in zip(rows, ops, strict=True)]
        except (MarketError, InvalidInput) as exc:
            results = [WriteResult("failed", error=str(exc))] * len(rows)
        return [self._close(row, op, "create", row.amount, "manual", WriteResult(r.status, r.listing_id, None, r.error))
                for row, op, r in zip(rows, ops, results, strict=True)]

    def _open(self, listing: Listing, kind: str, amount: Decimal | None, rule: str | None) -> int:
        with self.store.write() as conn:
            return repo.open_operation(conn, listing.id, kind, amount, listing.currency, rule, owner=listing.owner)

    def _send(self, listing: Listing, op_id: int, kind: str, amount: Decimal | None, rule: str | None) -> Outcome:
        client = self.clients[listing.market]
        try:
            if kind == "create":
                result = client.create(target_of(listing), listing.amount, listing.currency)
            elif kind == "update":
                result = client.update(listing.market_listing_id or "", amount, listing.currency)  # type: ignore[arg-type]
            else:
                result = client.delete(listing.market_listing_id or "")
            self._remember(listing, op_id, result)
            result = client.settle(result)
        except WriteUnknown as exc:
            return self._unknown(listing, op_id, kind, amount, rule, exc.message)
        except (MarketError, InvalidInput) as exc:
            return self._close(listing, op_id, kind, amount, rule, WriteResult("failed", error=str(exc)))
        return self._close(listing, op_id, kind, amount, rule, result)

    def _remember(self, listing: Listing, op_id: int, result: WriteResult) -> None:
        """The market's ids as soon as it gives them: a crash after this point is reconciled by id."""
        with self.store.write() as conn:
            repo.set_operation(conn, op_id, market_operation_id=result.operation_id)
            if result.listing_id and not listing.market_listing_id:
                repo.set_listing(conn, listing.id, owner=listing.owner, market_listing_id=result.listing_id)

    def _unknown(self, listing: Listing, op_id: int, kind: str, amount: Decimal | None, rule: str | None, why: str) -> Outcome:
        with self.store.write() as conn:
            repo.set_operation(conn, op_id, answer=why)
            repo.log_change(conn, listing, kind, listing.amount if kind != "create" else None, amount, rule, "unknown", why,
                            who=self.who)
        return Outcome(listing.id, kind, "unknown", why)

    def _close(self, listing: Listing, op_id: int, kind: str, amount: Decimal | None, rule: str | None,
               result: WriteResult) -> Outcome:
        if result.status == "pending":  # still queued on the market: the next run polls it
            return self._unknown(listing, op_id, kind, amount, rule, "the market has not finished the change yet")
        done = result.status == "done"
        with self.store.write() as conn:
            repo.set_operation(conn, op_id, status=result.status, answer=result.error or "ok")
            changes: dict[str, Any] = {}
            if kind == "create":
                changes = {"status": "active" if done else "failed"}
            elif kind == "update" and done:
                changes = {"amount": amount}
            elif kind == "delete" and done:
                changes = {"status": "deleted"}
            if result.listing_id and not listing.market_listing_id:
                changes["market_listing_id"] = result.listing_id
            if changes:
                repo.set_listing(conn, listing.id, owner=listing.owner, **changes)
            old = None if kind == "create" else listing.amount
            new = listing.amount if kind == "create" else amount
            repo.log_change(conn, listing, kind, old, new, rule, result.status, result.error or "ok", who=self.who)
        return Outcome(listing.id, kind, result.status, result.error)

    # --- after a crash, a time-out or a 5xx ----------------------------------------------------------

    def reconcile(self, owner: str | None) -> list[Outcome]:
        """Finish every open operation of `owner` from what the market says now."""
        with self.store.read() as conn:
            ops = repo.open_operations(conn, owner=owner)
        seen: dict[str, list[MarketListing]] = {}
        outcomes = []
        for op in ops:
            with self.store.read() as conn:
                listing = repo.get_listing(conn, op.listing_id, owner=op.owner)
            if listing is None:
                continue
            outcomes.append(self._reconcile_one(op, listing, seen))
        return outcomes

    def _market_listings(self, market: str, seen: dict[str, list[MarketListing]]) -> list[MarketListing]:
        if market not in seen:
            seen[market] = self.clients[market].listings()
        return seen[market]

    def _find(self, listing: Listing, seen: dict[str, list[MarketListing]]) -> MarketListing | None:
        """The market's listing of this row: by its id when known, else one the store does not know yet
        of the same pair (a create whose answer was lost)."""
        if listing.market_listing_id:
            try:
                return self.clients[listing.market].listing(listing.market_listing_id)
            except NotFound:
                return None
        for found in self._market_listings(listing.market, seen):
            same = found.variant_id == listing.variant_id if listing.variant_id else \
                (found.product_id, found.size) == (listing.product_id, listing.size)
            if same and found.status == "active":
                with self.store.read() as conn:
                    if repo.by_market_id(conn, listing.market, found.listing_id) is None:
                        return found
        return None

    def _reconcile_one(self, op: Operation, listing: Listing, seen: dict[str, list[MarketListing]]) -> Outcome:
        if op.market_operation_id and listing.market_listing_id:  # the market answered: its operation says
            try:
                settled = self.clients[listing.market].settle(WriteResult("pending", listing.market_listing_id, op.market_operation_id))
            except NotFound:
                settled = None
            if settled is not None:
                return self._close(listing, op.id, op.kind, op.amount, op.rule, settled)
        found = self._find(listing, seen)
        if op.kind == "create":
            if found is None:
                return self._send(listing, op.id, "create", op.amount, op.rule)
            with self.store.write() as conn:
                repo.set_listing(conn, listing.id, owner=listing.owner, market_listing_id=found.listing_id)
            adopted = repo.Listing(**{**listing.__dict__, "market_listing_id": found.listing_id})
            outcome = self._close(adopted, op.id, "create", op.amount, op.rule, WriteResult("done", found.listing_id))
            if found.amount != listing.amount:  # it was made, at another price than intended: set it
                return self.update(adopted, listing.amount, op.rule)
            return outcome
        if op.kind == "update":
            if found is not None and found.amount == op.amount:
                return self._close(listing, op.id, "update", op.amount, op.rule, WriteResult("done", found.listing_id))
            if found is None or found.status != "active":
                return self._close(listing, op.id, "update", op.amount, op.rule, WriteResult("failed", error="the listing is gone"))
            return self._send(listing, op.id, "update", op.amount, op.rule)
        if found is None or found.status != "active":
            return self._close(listing, op.id, "delete", None, op.rule, WriteResult("done", listing.market_listing_id))
        return self._send(listing, op.id, "delete", None, op.rule)
