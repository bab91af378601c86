"""Portfolio positions: pairs held (cost per pair) and, once sold, where, for what and what it paid."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from analyzer.domain.owners import LOCAL
from analyzer.store.market_data import now_iso
from analyzer.store.schema import positions


@dataclass(frozen=True)
class NewPosition:
    query: str
    size: float
    scale: str | None
    cost: Decimal  # per pair, in `currency`
    quantity: int = 1
    currency: str = "USD"
    bought_at: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Position:
    id: int
    query: str
    size: float
    scale: str | None
    quantity: int
    cost: Decimal  # per pair, in `currency`; the sale's price and payout are in it too
    currency: str
    bought_at: str | None
    note: str | None
    created_at: str
    sold_at: str | None = None
    sold_market: str | None = None
    sold_price: Decimal | None = None
    sold_payout: Decimal | None = None
    style_key: str | None = None
    resolved: str | None = None  # JSON, see remember_match
    owner: str = LOCAL
    sold_shipping: Decimal | None = None  # in `currency`; None when not given
    sold_fees: str | None = None  # JSON [[what, amount], ...] in `currency`, as worked out when it was sold

    @property
    def sold(self) -> bool:
        return self.sold_at is not None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("owner")
        return data


def _position(row: Any) -> Position:
    return Position(**dict(row._mapping))


def add_positions(conn: Connection, new: Sequence[NewPosition], *, owner: str) -> list[int]:
    at = now_iso()
    ids = []
    for p in new:
        ids.append(int(conn.execute(insert(positions).values(created_at=at, owner=owner, **asdict(p))).inserted_primary_key[0]))  # type: ignore[index]
    return ids


def open_positions(conn: Connection, *, owner: str) -> list[Position]:
    query = select(positions).where(positions.c.owner == owner, positions.c.sold_at.is_(None)).order_by(positions.c.id)
    return [_position(r) for r in conn.execute(query)]


def sold_positions(conn: Connection, *, owner: str) -> list[Position]:
    query = (select(positions).where(positions.c.owner == owner, positions.c.sold_at.is_not(None))
             .order_by(positions.c.sold_at, positions.c.id))
    return [_position(r) for r in conn.execute(query)]


def get_position(conn: Connection, position_id: int, *, owner: str) -> Position | None:
    row = conn.execute(select(positions).where(positions.c.id == position_id, positions.c.owner == owner)).first()
    return None if row is None else _position(row)


def remove_position(conn: Connection, position_id: int, *, owner: str) -> bool:
    """Delete one of the owner's positions; another owner's id deletes nothing."""
    return bool(conn.execute(delete(positions).where(positions.c.id == position_id, positions.c.owner == owner)).rowcount)


def remember_match(conn: Connection, position_ids: Sequence[int], key: str | None, resolved: dict[str, Any]) -> None:
    """What the last valuation matched: the style, and per market the product and own-scale size."""
    if position_ids and (key or resolved):
        conn.execute(update(positions).where(positions.c.id.in_(list(position_ids)))
                     .values(style_key=key, resolved=json.dumps(resolved, sort_keys=True) if resolved else None))


def matched(p: Position) -> dict[str, dict[str, Any]]:
    return json.loads(p.resolved) if p.resolved else {}


def mark_sold(conn: Connection, position_id: int, market: str, price: Decimal, payout: Decimal, at: str, *,
              owner: str, shipping: Decimal | None = None, fee_lines: str | None = None) -> int:
    """Sell one pair of a position: a position of several keeps the rest open. Returns the sold row's id."""
    held = get_position(conn, position_id, owner=owner)
    if held is None or held.sold:
        raise LookupError(f"no open position #{position_id}")
    sold = {"sold_at": at, "sold_market": market, "sold_price": price, "sold_payout": payout,
            "sold_shipping": shipping, "sold_fees": fee_lines}
    if held.quantity == 1:
        conn.execute(update(positions).where(positions.c.id == position_id).values(**sold))
        return position_id
    conn.execute(update(positions).where(positions.c.id == position_id).values(quantity=held.quantity - 1))
    row = {k: v for k, v in asdict(held).items() if k != "id"}  # the sold pair keeps what it matched (and its owner)
    row.update(quantity=1, **sold)
    return int(conn.execute(insert(positions).values(**row)).inserted_primary_key[0])  # type: ignore[index]
