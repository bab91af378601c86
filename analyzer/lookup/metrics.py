"""The recorder behind every lookup: its metrics row, and the market data it fetched, in the store.

`MetricsStore(settings)` (or a data dir, or a database URL) is what `Analyzer(metrics=...)` calls
after each lookup. Writing never fails or stops a lookup. A store that is unreachable (down at
start, lost mid-run, silent past its timeouts) pauses recording: one log line says so, what the
lookups would have written goes to a bounded spool in the data folder, a background thread tries
the database again with backoff, and the spool is written when it answers: nothing lost up to the
bound. Any other store error is logged and counted in `errors`. An old `metrics.sqlite` in the data
dir is imported once (rows keep their old id, so a second import adds nothing).
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path
from typing import Any

from analyzer.config import Settings
from analyzer.store import Store, db, metrics_repo
from analyzer.store.db import UNREACHABLE as OUTAGE
from analyzer.store.market_data import insert_once, rows_from_result
from analyzer.store.schema import sales, snapshots
from analyzer.store.spool import SPOOL_FILE, Spool

log = logging.getLogger(__name__)
RETRY_S = (1.0, 2.0, 5.0, 10.0, 30.0)


def _store_url(where: Settings | str | Path) -> str:
    if isinstance(where, Settings):
        return where.store_url
    return str(where) if "://" in str(where) else "sqlite:///"


def _data_dir(where: Settings | str | Path) -> Path | None:
    if isinstance(where, Settings):
        return Path(where.data_dir)
    return None if "://" in str(where) else Path(where)


class MetricsStore:
    def __init__(self, where: Settings | str | Path, import_legacy: bool = True, spool_bytes: int | None = None) -> None:
        self.where = where
        self.errors = 0
        self.snapshots_written = 0
        self.sales_seen = 0
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._down = False
        self._retrying: threading.Thread | None = None
        self._import_legacy = import_legacy
        self._server = not _store_url(where).startswith("sqlite")
        self._writes: queue.Queue[tuple[dict[str, Any], threading.Event]] = queue.Queue()
        self._writer: threading.Thread | None = None
        data_dir = _data_dir(where)
        self.spool = None if data_dir is None else Spool(Path(data_dir) / SPOOL_FILE, **({"max_bytes": spool_bytes}
                                                                                           if spool_bytes else {}))
        try:
            self.store  # noqa: B018  (opened now when it answers, so the first lookup pays nothing)
        except OUTAGE as exc:
            self._outage(exc)
        else:
            self._resume()

    @property
    def store(self) -> Store:
        """The store, opened (and migrated) on first use; raises while it is unreachable."""
        if self._store is None:
            opened = Store.open(self.where)
            if self._import_legacy and _data_dir(self.where) is not None:
                try:
                    metrics_repo.import_legacy(opened.engine, _data_dir(self.where))  # type: ignore[arg-type]
                except Exception:
                    log.exception("metrics.sqlite could not be imported; it is left as it was")
                    self._count_error()
            self._store = opened
        return self._store

    @property
    def paused(self) -> bool:
        """True while the store is unreachable and lookups are spooled."""
        return self._down

    def _count_error(self) -> None:
        with self._lock:
            self.errors += 1

    def record(self, result: Any) -> None:
        """The metrics row, then the snapshots and sales: each its own short transaction, neither raises.

        A database server is written by one writer thread, and a lookup waits for it a few seconds
        at most: a server that stops answering without closing the connection (a partition) holds
        the writer, never the lookup; the records after it are spooled."""
        lookup, markets = metrics_repo.lookup_rows(result)
        snaps, sold = rows_from_result(result)
        record = {"lookup": lookup, "markets": markets, "snapshots": snaps, "sales": sold}
        if self._down:
            self._keep(record)
            return
        if not self._server:
            self._write(record)
            return
        done = threading.Event()
        self._writes.put((record, done))
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_queued, name="store-writer", daemon=True)
                self._writer.start()
        if not done.wait(2 * db.TIMEOUT_S):  # the record stays the writer's: written or spooled, never twice
            self._outage(TimeoutError(f"no answer within {2 * db.TIMEOUT_S:g} s"))

    def _write_queued(self) -> None:
        while True:
            record, done = self._writes.get()
            try:
                self._write(record)
            finally:
                done.set()

    def _write(self, record: dict[str, Any]) -> None:
        lookup, markets, snaps, sold = record["lookup"], record["markets"], record["snapshots"], record["sales"]
        try:
            with self.store.write() as conn:
                metrics_repo.insert_lookup(conn, lookup, markets)
        except OUTAGE as exc:
            self._outage(exc)
            self._keep({"lookup": lookup, "markets": markets, "snapshots": snaps, "sales": sold})
            return
        except Exception:
            log.exception("the store could not record a lookup's metrics")
            self._count_error()
        try:
            with self.store.write() as conn:
                insert_once(conn, snapshots, snaps)
                insert_once(conn, sales, sold)
            with self._lock:
                self.snapshots_written += len(snaps)
                self.sales_seen += len(sold)
        except OUTAGE as exc:
            self._outage(exc)
            self._keep({"snapshots": snaps, "sales": sold})
        except Exception:
            log.exception("the store could not record a lookup's market data")
            self._count_error()

    def _keep(self, record: dict[str, Any]) -> None:
        if self.spool is None or not self.spool.append(record):
            self._count_error()

    def _write_spooled(self, record: dict[str, Any]) -> None:
        with self.store.write() as conn:
            if "lookup" in record:
                metrics_repo.insert_lookup(conn, record["lookup"], record["markets"])
            insert_once(conn, snapshots, record["snapshots"])
            insert_once(conn, sales, record["sales"])

    def _outage(self, error: BaseException) -> None:
        """One log line per outage (not a traceback per lookup), and a thread that waits for the store."""
        with self._lock:
            if self._down:
                return
            self._down = True
            log.error("the store is unreachable (%s); recording is paused, lookups go on, and what they would have "
                      "written is kept in %s until it answers", type(error).__name__, self.spool.path if self.spool else "memory")
            self._retrying = threading.Thread(target=self._wait_for_store, name="store-retry", daemon=True)
            self._retrying.start()

    def _wait_for_store(self) -> None:
        attempt = 0
        while True:
            threading.Event().wait(RETRY_S[min(attempt, len(RETRY_S) - 1)])
            attempt += 1
            try:
                with self.store.read() as conn:
                    conn.exec_driver_sql("SELECT 1")
            except Exception:
                continue
            if self._resume():
                with self._lock:
                    self._down = False
                log.warning("the store answers again; recording resumed")
                return

    def _resume(self) -> bool:
        """Write what was spooled; True when nothing is left."""
        if self.spool is None:
            return True
        try:
            written = self.spool.drain(self._write_spooled)
        except Exception:
            log.exception("the spooled lookups could not be written")
            return False
        if written:
            log.warning("wrote %d lookups kept while the store was unreachable", written)
        return self.spool.pending() == 0

    def summary(self, *, owner: str | None = None) -> dict[str, Any]:
        with self.store.read() as conn:
            return metrics_repo.summary(conn, owner=owner)

    def recent(self, limit: int = 200, *, owner: str | None) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            return metrics_repo.recent(conn, limit, owner=owner)

    def count(self) -> int:
        with self.store.read() as conn:
            return metrics_repo.count(conn)

    def clear(self, *, owner: str | None) -> None:
        with self.store.write() as conn:
            metrics_repo.clear(conn, owner=owner)

