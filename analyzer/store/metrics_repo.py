"""Lookups and their per-market rows: write one, summarise them, list the newest, import the old file."""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, true

from analyzer.store.db import writing
from analyzer.store.schema import lookups, market_calls

log = logging.getLogger(__name__)
LEGACY_FILE = "metrics.sqlite"
# Answers about the shoe, not failures of the market: a typo or a size it lacks.
NOT_MARKET_FAULTS = ("not_found", "size_not_offered")


def lookup_rows(result: Any, ts: float | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The lookup's row and its per-market rows (pure: the recorder may spool them while the store is down)."""
    size = getattr(result.size, "value", result.size)
    row = {"ts": time.time() if ts is None else ts, "owner": result.owner, "query": result.query, "size": float(size),
           "size_label": result.size_label,
           "mode": result.mode, "source": result.source, "success": int(result.success), "elapsed_s": float(result.elapsed_s)}
    markets = [{"market": name, "ok": int(q.ok), "elapsed_s": float(q.elapsed_s), "calls": q.calls, "cache_hits": q.cache_hits,
                "rate_limited": q.rate_limited, "retries": q.retries, "error": q.error, "error_kind": q.error_kind}
               for name, q in result.quotes.items()]
    return row, markets


def insert_lookup(conn: Connection, row: dict[str, Any], markets: list[dict[str, Any]]) -> int:
    lookup_id = conn.execute(insert(lookups).values(**row)).inserted_primary_key[0]  # type: ignore[index]
    if markets:
        conn.execute(insert(market_calls), [{"lookup_id": lookup_id, **m} for m in markets])
    return int(lookup_id)


def record_lookup(conn: Connection, result: Any, ts: float | None = None) -> int:
    return insert_lookup(conn, *lookup_rows(result, ts))


def clear(conn: Connection, *, owner: str | None) -> None:
    """Delete the owner's lookups (their market rows go with them); `owner=None` (an operator) every lookup."""
    mine = select(lookups.c.id) if owner is None else select(lookups.c.id).where(lookups.c.owner == owner)
    conn.execute(delete(market_calls).where(market_calls.c.lookup_id.in_(mine)))
    conn.execute(delete(lookups).where(lookups.c.id.in_(mine)))


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(lookups)).scalar_one())


def recent(conn: Connection, limit: int = 200, *, owner: str | None) -> list[dict[str, Any]]:
    """The owner's newest lookups (`owner=None`: everyone's), one dict each, with per-market columns
    flattened (`stockx_ok`, ...)."""
    columns = [c for c in lookups.c if c.name not in ("legacy_id", "owner")]
    query = select(*columns).order_by(lookups.c.id.desc()).limit(limit)
    if owner is not None:
        query = query.where(lookups.c.owner == owner)
    rows = [dict(r._mapping) for r in conn.execute(query)]
    if not rows:
        return []
    per_market = conn.execute(select(market_calls).where(market_calls.c.lookup_id.in_([r["id"] for r in rows]))).all()
    by_id = {r["id"]: r for r in rows}
    for m in (r._mapping for r in per_market):
        row = by_id[m["lookup_id"]]
        for key in ("ok", "elapsed_s", "calls", "cache_hits", "rate_limited", "retries", "error", "error_kind"):
            row[f"{m['market']}_{key}"] = m[key]
        for key in ("calls", "cache_hits", "rate_limited", "retries"):
            row[key] = row.get(key, 0) + m[key]
        failed = not m["ok"] and m["error_kind"] not in NOT_MARKET_FAULTS
        row["market_failures"] = row.get("market_failures", 0) + int(failed)
    return rows


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank


def _figures(rows: list[tuple[int, float]], calls: tuple[Any, ...], kinds: list[tuple[int, str | None]]) -> dict[str, Any]:
    n = len(rows)
    sent, hits, limited, retries = (int(x or 0) for x in calls)
    elapsed = [float(e) for _, e in rows]
    failures = sum(1 for ok, kind in kinds if not ok and kind not in NOT_MARKET_FAULTS)
    answered = len(kinds)
    return {
        "lookups": n,
        "success_rate": round(sum(int(ok) for ok, _ in rows) / n, 4) if n else None,
        "avg_elapsed_s": round(sum(elapsed) / n, 4) if n else None,
        "p95_elapsed_s": round(p95(elapsed), 4) if n else None,  # type: ignore[arg-type]
        "calls": sent,
        "cache_hits": hits,
        "cache_hit_rate": round(hits / (hits + sent), 4) if hits + sent else None,
        "rate_limit_hits": limited,
        "rate_limit_rate": round(limited / sent, 4) if sent else None,
        "retries": retries,
        # Market failures (errors, time-outs, refusals) apart from "not found" and "no such size".
        "market_quotes": answered,
        "market_failures": failures,
        "not_found": sum(1 for ok, kind in kinds if not ok and kind == "not_found"),
        "size_not_offered": sum(1 for ok, kind in kinds if not ok and kind == "size_not_offered"),
        "market_failure_rate": round(failures / answered, 4) if answered else None,
    }


def _sums(where: Any) -> Any:
    c = market_calls.c
    return select(func.coalesce(func.sum(c.calls), 0), func.coalesce(func.sum(c.cache_hits), 0),
                  func.coalesce(func.sum(c.rate_limited), 0), func.coalesce(func.sum(c.retries), 0)).where(where)


def summary(conn: Connection, *, owner: str | None = None) -> dict[str, Any]:
    """The figures over the owner's lookups; `owner=None` (an operator) over everyone's."""
    c, lk = market_calls.c, lookups.c
    mine = true() if owner is None else lk.owner == owner

    def over_lookups(where: Any) -> dict[str, Any]:
        where = and_(where, mine)
        ids = select(lk.id).where(where)
        rows = [(r[0], r[1]) for r in conn.execute(select(lk.success, lk.elapsed_s).where(where))]
        sums = tuple(conn.execute(_sums(c.lookup_id.in_(ids))).one())
        kinds = [(r[0], r[1]) for r in conn.execute(select(c.ok, c.error_kind).where(c.lookup_id.in_(ids)))]
        return _figures(rows, sums, kinds)

    def over_market(market: str) -> dict[str, Any]:
        where = and_(c.market == market, c.lookup_id.in_(select(lk.id).where(mine)))
        rows = [(r[0], r[1]) for r in conn.execute(select(c.ok, c.elapsed_s).where(where))]
        sums = tuple(conn.execute(_sums(where)).one())
        kinds = [(r[0], r[1]) for r in conn.execute(select(c.ok, c.error_kind).where(where))]
        return _figures(rows, sums, kinds)

    overall = over_lookups(true())
    markets = conn.execute(select(c.market).distinct().where(c.lookup_id.in_(select(lk.id).where(mine)))
                           .order_by(c.market)).scalars().all()
    modes = conn.execute(select(lk.mode).distinct().where(mine).order_by(lk.mode)).scalars().all()
    overall["by_market"] = {m: over_market(m) for m in markets}
    overall["by_mode"] = {m: over_lookups(lk.mode == m) for m in modes}
    return overall


def import_legacy(engine: Engine, data_dir: Path | str) -> int:
    """Copy an old metrics.sqlite into the store, once: rows already imported (by their old id) are skipped.

    The old file is left where it was; importing it again adds nothing.
    """
    path = Path(data_dir) / LEGACY_FILE
    if not path.is_file():
        return 0
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)) as old:
        old.row_factory = sqlite3.Row
        try:
            olds = old.execute("SELECT * FROM lookups ORDER BY id").fetchall()
            calls = old.execute("SELECT * FROM market_calls").fetchall()
        except sqlite3.DatabaseError as exc:
            log.warning("metrics.sqlite could not be read, not imported: %s", exc)
            return 0
    by_lookup: dict[int, list[sqlite3.Row]] = {}
    for row in calls:
        by_lookup.setdefault(row["lookup_id"], []).append(row)
    added = 0
    with writing(engine) as conn:
        done = set(conn.execute(select(lookups.c.legacy_id).where(lookups.c.legacy_id.is_not(None))).scalars())
        for row in olds:
            if row["id"] in done:
                continue
            new_id = conn.execute(insert(lookups).values(
                ts=row["ts"], query=row["query"], size=row["size"], mode=row["mode"], source=row["source"],
                success=row["success"], elapsed_s=row["elapsed_s"], legacy_id=row["id"],
            )).inserted_primary_key[0]  # type: ignore[index]
            market_rows = [{"lookup_id": new_id, "market": m["market"], "ok": m["ok"], "elapsed_s": m["elapsed_s"],
                            "calls": m["calls"], "cache_hits": m["cache_hits"], "rate_limited": m["rate_limited"],
                            "retries": m["retries"], "error": m["error"], "error_kind": None}
                           for m in by_lookup.get(row["id"], [])]
            if market_rows:
                conn.execute(insert(market_calls), market_rows)
            added += 1
    if added:
        log.info("imported %d lookups from %s", added, path)
    return added
