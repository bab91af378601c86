"""The metrics store: one row per lookup, one per market in it; SQLite in WAL mode.

Each write is one short IMMEDIATE transaction on its own connection, with a long busy timeout,
so threads and processes writing at once wait their turn instead of failing or losing rows.
"""

from __future__ import annotations

import math
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from analyzer.models import LookupResult

DB_FILE = "metrics.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS lookups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    query TEXT NOT NULL,
    size REAL NOT NULL,
    mode TEXT NOT NULL,
    source TEXT NOT NULL,
    success INTEGER NOT NULL,
    elapsed_s REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS market_calls (
    lookup_id INTEGER NOT NULL REFERENCES lookups(id) ON DELETE CASCADE,
    market TEXT NOT NULL,
    ok INTEGER NOT NULL,
    elapsed_s REAL NOT NULL,
    calls INTEGER NOT NULL,
    cache_hits INTEGER NOT NULL,
    rate_limited INTEGER NOT NULL,
    retries INTEGER NOT NULL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS market_calls_lookup ON market_calls(lookup_id);
"""


class MetricsStore:
    def __init__(self, data_dir: Path | str) -> None:
        self.path = Path(data_dir) / DB_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        db.execute("PRAGMA busy_timeout=60000")
        db.execute("PRAGMA synchronous=NORMAL")
        db.row_factory = sqlite3.Row
        return db

    def record(self, result: LookupResult) -> None:
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                cursor = db.execute(
                    "INSERT INTO lookups (ts, query, size, mode, source, success, elapsed_s) VALUES (?,?,?,?,?,?,?)",
                    (time.time(), result.query, result.size, result.mode, result.source, int(result.success), result.elapsed_s),
                )
                db.executemany(
                    "INSERT INTO market_calls VALUES (?,?,?,?,?,?,?,?,?)",
                    [(cursor.lastrowid, name, int(q.ok), q.elapsed_s, q.calls, q.cache_hits, q.rate_limited, q.retries, q.error)
                     for name, q in result.quotes.items()],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def clear(self) -> None:
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM market_calls")
            db.execute("DELETE FROM lookups")
            db.execute("COMMIT")

    def count(self) -> int:
        with closing(self._connect()) as db:
            return int(db.execute("SELECT COUNT(*) FROM lookups").fetchone()[0])

    def recent(self, limit: int = 200) -> list[dict[str, Any]]:
        """The newest lookups, one dict each, with per-market columns flattened."""
        with closing(self._connect()) as db:
            rows = [dict(r) for r in db.execute("SELECT * FROM lookups ORDER BY id DESC LIMIT ?", (limit,))]
            if not rows:
                return []
            marks = ",".join("?" * len(rows))
            per_market = db.execute(f"SELECT * FROM market_calls WHERE lookup_id IN ({marks})", [r["id"] for r in rows]).fetchall()
        by_id = {r["id"]: r for r in rows}
        for m in per_market:
            row = by_id[m["lookup_id"]]
            for key in ("ok", "elapsed_s", "calls", "cache_hits", "rate_limited", "retries", "error"):
                row[f"{m['market']}_{key}"] = m[key]
            for key in ("calls", "cache_hits", "rate_limited", "retries"):
                row[key] = row.get(key, 0) + m[key]
        return rows

    def summary(self) -> dict[str, Any]:
        with closing(self._connect()) as db:
            overall = _summarise(db, "")
            overall["by_market"] = {
                market: _summarise(db, "WHERE id IN (SELECT lookup_id FROM market_calls WHERE market = ?)", (market,), market)
                for (market,) in db.execute("SELECT DISTINCT market FROM market_calls ORDER BY market")
            }
            overall["by_mode"] = {
                mode: _summarise(db, "WHERE mode = ?", (mode,))
                for (mode,) in db.execute("SELECT DISTINCT mode FROM lookups ORDER BY mode")
            }
        return overall


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank


def _summarise(db: sqlite3.Connection, where: str, args: tuple[Any, ...] = (), market: str | None = None) -> dict[str, Any]:
    """Summary over the lookups matched by `where`; for one market, its own success and timings."""
    if market is None:
        rows = db.execute(f"SELECT success AS ok, elapsed_s FROM lookups {where}", args).fetchall()
        calls = db.execute(
            f"SELECT COALESCE(SUM(calls),0), COALESCE(SUM(cache_hits),0), COALESCE(SUM(rate_limited),0), COALESCE(SUM(retries),0) "
            f"FROM market_calls WHERE lookup_id IN (SELECT id FROM lookups {where})", args).fetchone()
    else:
        rows = db.execute("SELECT ok, elapsed_s FROM market_calls WHERE market = ?", (market,)).fetchall()
        calls = db.execute("SELECT SUM(calls), SUM(cache_hits), SUM(rate_limited), SUM(retries) FROM market_calls WHERE market = ?",
                           (market,)).fetchone()
    n = len(rows)
    sent, hits, limited, retries = (int(x or 0) for x in calls)
    elapsed = [r["elapsed_s"] for r in rows]
    return {
        "lookups": n,
        "success_rate": round(sum(r["ok"] for r in rows) / n, 4) if n else None,
        "avg_elapsed_s": round(sum(elapsed) / n, 4) if n else None,
        "p95_elapsed_s": round(_p95(elapsed), 4) if n else None,  # type: ignore[arg-type]
        "calls": sent,
        "cache_hits": hits,
        "cache_hit_rate": round(hits / (hits + sent), 4) if hits + sent else None,
        "rate_limit_hits": limited,
        "rate_limit_rate": round(limited / sent, 4) if sent else None,
        "retries": retries,
    }
