"""Watched pairs, whether each of their targets is met, and the alerts they fired."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, desc, func, insert, or_, select, update

from analyzer.domain.owners import LOCAL
from analyzer.markets.registry import NAMES
from analyzer.store.market_data import now_iso
from analyzer.store.schema import alerts, watch_states, watches

TARGETS = ("sell_now_above", "list_above", "ask_below")
MARKETS = (*NAMES, "any")


@dataclass(frozen=True)
class Watch:
    id: int
    query: str
    size: float
    scale: str | None
    market: str
    sell_now_above: float | None
    list_above: float | None
    ask_below: float | None
    created_at: str
    checked_at: str | None = None
    resolved: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_error: str | None = None
    owner: str = LOCAL

    def targets(self) -> list[tuple[str, float]]:
        return [(name, float(getattr(self, name))) for name in TARGETS if getattr(self, name) is not None]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("resolved")
        data.pop("owner")
        return data


@dataclass(frozen=True)
class Alert:
    id: int
    watch_id: int
    query: str
    size: float
    size_label: str | None
    market: str
    target: str
    threshold: float
    value: float
    currency: str
    at: str
    delivered_at: str | None = None
    attempts: int = 0
    last_error: str | None = None
    lease_until: str | None = None
    next_attempt_at: str | None = None
    failures: int = 0
    owner: str = LOCAL

    @property
    def idempotency_key(self) -> str:
        """The same on every attempt, so a receiver can drop a repeat (a timeout may have been received)."""
        return f"alert-{self.id}"

    def to_dict(self) -> dict[str, Any]:
        """The alert as `watch run --json` prints it."""
        return {k: getattr(self, k) for k in ("watch_id", "query", "size", "market", "target", "threshold", "value", "currency", "at")}


def _watch(row: Any) -> Watch:
    m = dict(row._mapping)
    m["resolved"] = json.loads(m["resolved"]) if m["resolved"] else {}
    return Watch(**m)


def _alert(row: Any) -> Alert:
    return Alert(**dict(row._mapping))


def add_watch(conn: Connection, query: str, size: float, scale: str | None, market: str = "any", *, owner: str,
              sell_now_above: float | None = None, list_above: float | None = None, ask_below: float | None = None) -> int:
    if market not in MARKETS:
        raise ValueError(f"market must be one of {', '.join(MARKETS)}")
    if sell_now_above is None and list_above is None and ask_below is None:
        raise ValueError("give at least one target: --sell-now-above, --list-above or --ask-below")
    new_id = conn.execute(insert(watches).values(
        owner=owner, query=query, size=float(size), scale=scale, market=market, sell_now_above=sell_now_above,
        list_above=list_above, ask_below=ask_below, created_at=now_iso())).inserted_primary_key[0]  # type: ignore[index]
    return int(new_id)


def same_watch(conn: Connection, query: str, size: float, scale: str | None, market: str = "any", *, owner: str,
               **targets: float | None) -> Watch | None:
    """The owner's watch of the same pair (the query in any case), market and targets, if there is one:
    a second would fire every alert twice."""
    def cents(value: float | None) -> int | None:
        return None if value is None else round(float(value) * 100)

    wanted = {name: cents(targets.get(name)) for name in TARGETS}
    for w in list_watches(conn, owner=owner):
        if (" ".join(w.query.upper().split()) == " ".join(query.upper().split()) and float(w.size) == float(size)
                and w.scale == scale and w.market == market and all(cents(getattr(w, n)) == wanted[n] for n in TARGETS)):
            return w
    return None


def list_watches(conn: Connection, *, owner: str | None) -> list[Watch]:
    """The owner's watches; `owner=None` (the worker) every owner's."""
    query = select(watches).order_by(watches.c.id)
    if owner is not None:
        query = query.where(watches.c.owner == owner)
    return [_watch(r) for r in conn.execute(query)]


def get_watch(conn: Connection, watch_id: int, *, owner: str) -> Watch | None:
    row = conn.execute(select(watches).where(watches.c.id == watch_id, watches.c.owner == owner)).first()
    return None if row is None else _watch(row)


def remove_watch(conn: Connection, watch_id: int, *, owner: str) -> bool:
    """Stop watching one of the owner's pairs; another owner's id removes nothing."""
    if get_watch(conn, watch_id, owner=owner) is None:
        return False
    conn.execute(delete(watch_states).where(watch_states.c.watch_id == watch_id))
    return bool(conn.execute(delete(watches).where(watches.c.id == watch_id, watches.c.owner == owner)).rowcount)


def mark_checked(conn: Connection, watch_id: int, resolved: dict[str, dict[str, Any]] | None,
                 error: str | None = None) -> None:
    values: dict[str, Any] = {"checked_at": now_iso(), "last_error": error}
    if resolved:
        values["resolved"] = json.dumps(resolved, sort_keys=True)
    conn.execute(update(watches).where(watches.c.id == watch_id).values(**values))


def lock_watch(conn: Connection, watch_id: int) -> bool:
    """Hold the watch's row until the transaction ends, so runs in other processes or replicas check
    its targets one at a time (PostgreSQL: FOR UPDATE; SQLite's write transaction already serialises)."""
    return conn.execute(select(watches.c.id).where(watches.c.id == watch_id).with_for_update()).first() is not None


def target_states(conn: Connection, watch_id: int) -> dict[str, bool]:
    rows = conn.execute(select(watch_states.c.target, watch_states.c.met).where(watch_states.c.watch_id == watch_id))
    return {r.target: bool(r.met) for r in rows}


def set_state(conn: Connection, watch_id: int, target: str, met: bool, value: float | None) -> None:
    """Upsert one target's state (a select then insert/update: the caller holds the write lock)."""
    at = now_iso()
    exists = conn.execute(select(watch_states.c.met).where(watch_states.c.watch_id == watch_id,
                                                           watch_states.c.target == target)).first()
    if exists is None:
        conn.execute(insert(watch_states).values(watch_id=watch_id, target=target, met=met, value=value, at=at))
    else:
        conn.execute(update(watch_states).where(watch_states.c.watch_id == watch_id, watch_states.c.target == target)
                     .values(met=met, value=value, at=at))


def insert_alert(conn: Connection, **fields: Any) -> Alert:
    fields.setdefault("at", now_iso())
    new_id = conn.execute(insert(alerts).values(attempts=0, failures=0, **fields)).inserted_primary_key[0]  # type: ignore[index]
    row = conn.execute(select(alerts).where(alerts.c.id == new_id)).one()
    return _alert(row)


def pending_alerts(conn: Connection) -> list[Alert]:
    """Every owner's undelivered alerts (the worker sends each to its owner's webhook)."""
    return [_alert(r) for r in conn.execute(select(alerts).where(alerts.c.delivered_at.is_(None)).order_by(alerts.c.id))]


def count_pending(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(alerts).where(alerts.c.delivered_at.is_(None))).scalar_one())


def pending_owners(conn: Connection) -> list[str]:
    """The owners with an undelivered alert."""
    return list(conn.execute(select(alerts.c.owner).distinct().where(alerts.c.delivered_at.is_(None))).scalars())


def claim_alert(conn: Connection, now: str, lease_until: str, skip: Collection[int] = (),
                owners: Collection[str] | None = None) -> Alert | None:
    """Lease the oldest undelivered alert (of `owners`, when given) that is due and not leased by
    another worker, or None.

    PostgreSQL: FOR UPDATE SKIP LOCKED passes over a row another worker is claiming; SQLite's write
    transaction (BEGIN IMMEDIATE) already serialises claims. On both, the UPDATE only takes a row whose
    lease is free, so two workers never hold the same alert. The caller holds a write transaction.
    """
    free = or_(alerts.c.lease_until.is_(None), alerts.c.lease_until < now)
    due = or_(alerts.c.next_attempt_at.is_(None), alerts.c.next_attempt_at <= now)
    query = select(alerts.c.id).where(alerts.c.delivered_at.is_(None), free, due)
    if skip:
        query = query.where(alerts.c.id.notin_(list(skip)))
    if owners is not None:
        query = query.where(alerts.c.owner.in_(list(owners)))
    row = conn.execute(query.order_by(alerts.c.id).limit(1).with_for_update(skip_locked=True)).first()
    if row is None:
        return None
    taken = conn.execute(update(alerts).where(alerts.c.id == row.id, alerts.c.delivered_at.is_(None), free)
                         .values(lease_until=lease_until)).rowcount
    if not taken:
        return None
    return _alert(conn.execute(select(alerts).where(alerts.c.id == row.id)).one())


def list_alerts(conn: Connection, limit: int = 200, watch_id: int | None = None, *, owner: str) -> list[Alert]:
    query = select(alerts).where(alerts.c.owner == owner).order_by(desc(alerts.c.id)).limit(limit)
    if watch_id is not None:
        query = query.where(alerts.c.watch_id == watch_id)
    return [_alert(r) for r in conn.execute(query)]


def mark_delivered(conn: Connection, alert_id: int, attempts: int = 1) -> None:
    conn.execute(update(alerts).where(alerts.c.id == alert_id)
                 .values(delivered_at=now_iso(), attempts=alerts.c.attempts + attempts, last_error=None,
                         lease_until=None, next_attempt_at=None))


def mark_undelivered(conn: Connection, alert_id: int, attempts: int, error: str, next_attempt_at: str | None = None) -> None:
    """A failed delivery: counted, its lease freed, and not tried again before `next_attempt_at`."""
    conn.execute(update(alerts).where(alerts.c.id == alert_id)
                 .values(attempts=alerts.c.attempts + attempts, last_error=error[:500], lease_until=None,
                         next_attempt_at=next_attempt_at, failures=alerts.c.failures + 1))
