"""Listings on the markets per owner, the writes recorded before their requests, and the audit log.

Every function takes `owner=` (None: every owner, for the repricing worker only). A listing row is made
BEFORE its create request (status `pending`) and a write's operation row before it is sent, so a run that
crashed mid-write leaves a trace the next run reconciles from the market (analyzer.services.listings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from analyzer.store.market_data import now_iso
from analyzer.store.schema import listing_log, listing_ops, listings

LIVE = ("pending", "active")  # a listing that is (or may be) on the market


@dataclass(frozen=True)
class NewListing:
    market: str
    query: str
    product_id: str
    size: float
    book: str
    amount: Decimal
    currency: str
    variant_id: str | None = None
    title: str | None = None
    size_label: str | None = None
    position_id: int | None = None
    rule: str | None = None
    minimum: Decimal | None = None


@dataclass(frozen=True)
class Listing:
    id: int
    owner: str
    market: str
    market_listing_id: str | None
    query: str
    title: str | None
    product_id: str
    variant_id: str | None
    size: float
    size_label: str | None
    book: str
    amount: Decimal
    currency: str
    minimum: Decimal | None
    status: str
    position_id: int | None
    rule: str | None
    created_at: str
    updated_at: str
    synced_at: str | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("owner")
        data["amount"] = float(self.amount)
        data["minimum"] = None if self.minimum is None else float(self.minimum)
        return data


@dataclass(frozen=True)
class Operation:
    id: int
    owner: str
    listing_id: int
    kind: str
    amount: Decimal | None
    currency: str | None
    status: str
    market_operation_id: str | None
    rule: str | None
    created_at: str
    updated_at: str
    answer: str | None


@dataclass(frozen=True)
class Change:
    id: int
    at: str
    who: str
    market: str
    listing_id: int
    market_listing_id: str | None
    action: str
    old_amount: Decimal | None
    new_amount: Decimal | None
    currency: str
    rule: str | None
    outcome: str
    answer: str | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("old_amount", "new_amount"):
            data[name] = None if data[name] is None else float(data[name])
        return data


def _mine(table: Any, owner: str | None) -> Any:
    return table.c.owner == owner if owner is not None else True


def add_listing(conn: Connection, new: NewListing, *, owner: str, status: str = "pending",
                market_listing_id: str | None = None) -> int:
    now = now_iso()
    values = {**asdict(new), "owner": owner, "status": status, "market_listing_id": market_listing_id,
              "created_at": now, "updated_at": now}
    return int(conn.execute(insert(listings).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def get_listing(conn: Connection, listing_id: int, *, owner: str | None) -> Listing | None:
    row = conn.execute(select(listings).where(listings.c.id == listing_id, _mine(listings, owner))).first()
    return None if row is None else Listing(**row._mapping)


def owned_listings(conn: Connection, *, owner: str | None, statuses: Sequence[str] | None = None) -> list[Listing]:
    query = select(listings).where(_mine(listings, owner)).order_by(listings.c.id)
    if statuses:
        query = query.where(listings.c.status.in_(statuses))
    return [Listing(**r._mapping) for r in conn.execute(query)]


def by_market_id(conn: Connection, market: str, market_listing_id: str) -> Listing | None:
    """The row of a market's listing, whoever owns it (one seller account per deployment)."""
    row = conn.execute(select(listings).where(listings.c.market == market,
                                              listings.c.market_listing_id == market_listing_id)).first()
    return None if row is None else Listing(**row._mapping)


def set_listing(conn: Connection, listing_id: int, *, owner: str, **values: Any) -> None:
    conn.execute(update(listings).where(listings.c.id == listing_id, listings.c.owner == owner)
                 .values(**values, updated_at=now_iso()))


def open_operation(conn: Connection, listing_id: int, kind: str, amount: Decimal | None, currency: str | None,
                   rule: str | None, *, owner: str) -> int:
    now = now_iso()
    values = {"owner": owner, "listing_id": listing_id, "kind": kind, "amount": amount, "currency": currency,
              "status": "pending", "rule": rule, "created_at": now, "updated_at": now}
    return int(conn.execute(insert(listing_ops).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def set_operation(conn: Connection, op_id: int, **values: Any) -> None:
    conn.execute(update(listing_ops).where(listing_ops.c.id == op_id).values(**values, updated_at=now_iso()))


def open_operations(conn: Connection, *, owner: str | None) -> list[Operation]:
    query = select(listing_ops).where(listing_ops.c.status == "pending", _mine(listing_ops, owner)).order_by(listing_ops.c.id)
    return [Operation(**r._mapping) for r in conn.execute(query)]


def log_change(conn: Connection, listing: Listing, action: str, old: Decimal | None, new: Decimal | None,
               rule: str | None, outcome: str, answer: str | None, *, who: str) -> None:
    conn.execute(insert(listing_log).values(
        owner=listing.owner, at=now_iso(), who=who, market=listing.market, listing_id=listing.id,
        market_listing_id=listing.market_listing_id, action=action, old_amount=old, new_amount=new,
        currency=listing.currency, rule=rule, outcome=outcome, answer=(answer or "")[:500] or None))


def change_log(conn: Connection, *, owner: str | None, limit: int = 200) -> list[Change]:
    query = select(listing_log).where(_mine(listing_log, owner)).order_by(listing_log.c.id.desc()).limit(limit)
    return [Change(**{k: v for k, v in r._mapping.items() if k != "owner"}) for r in conn.execute(query)]


def price_changes_since(conn: Connection, listing_id: int, since: str) -> int:
    """How many price changes of a listing were applied since `since` (ISO time): the daily limit's count."""
    query = select(func.count()).select_from(listing_log).where(
        listing_log.c.listing_id == listing_id, listing_log.c.action == "update", listing_log.c.outcome == "done",
        listing_log.c.at >= since)
    return int(conn.execute(query).scalar_one())


def unconfirmed_pairs(conn: Connection, market: str) -> set[Any]:
    """The pairs of every owner's open create whose market id is not known: a listing of one of these
    pairs may be that create's (its answer lost), so sync leaves it to the reconcile."""
    query = select(listings.c.variant_id, listings.c.product_id, listings.c.size).select_from(
        listing_ops.join(listings, listing_ops.c.listing_id == listings.c.id)).where(
        listing_ops.c.status == "pending", listing_ops.c.kind == "create", listings.c.market == market,
        listings.c.market_listing_id.is_(None))
    return {r.variant_id or (r.product_id, r.size) for r in conn.execute(query)}


def owners_with_listings(conn: Connection) -> list[str]:
    """Every owner with a live listing: the repricing worker's round."""
    query = select(listings.c.owner).where(listings.c.status.in_(LIVE)).distinct().order_by(listings.c.owner)
    return [r.owner for r in conn.execute(query)]
