"""The recorder behind every lookup: its metrics row, and the market data it fetched, in the store.

`MetricsStore(settings)` (or a data dir, or a database URL) is what `Analyzer(metrics=...)` calls
after each lookup. Writing never fails or stops a lookup: a store error is logged and counted in
`errors`. An old `metrics.sqlite` in the data dir is imported once (rows keep their old id, so a
second import adds nothing).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from analyzer.store import Store, metrics_repo
from analyzer.store.market_data import write_result

log = logging.getLogger(__name__)


class MetricsStore:
    def __init__(self, where: Any, import_legacy: bool = True) -> None:
        self.store = Store.open(where)
        self.errors = 0
        self.snapshots_written = 0
        self.sales_seen = 0
        self._lock = threading.Lock()
        data_dir = where if isinstance(where, (str, Path)) and "://" not in str(where) else getattr(where, "data_dir", None)
        if import_legacy and data_dir is not None:
            try:
                metrics_repo.import_legacy(self.store.engine, data_dir)
            except Exception:
                log.exception("metrics.sqlite could not be imported; it is left as it was")
                self._count_error()

    def _count_error(self) -> None:
        with self._lock:
            self.errors += 1

    def record(self, result: Any) -> None:
        """The metrics row, then the snapshots and sales: each its own short transaction, neither raises."""
        try:
            with self.store.write() as conn:
                metrics_repo.record_lookup(conn, result)
        except Exception:
            log.exception("the store could not record a lookup's metrics")
            self._count_error()
        try:
            with self.store.write() as conn:
                snaps, sold = write_result(conn, result)
            with self._lock:
                self.snapshots_written += snaps
                self.sales_seen += sold
        except Exception:
            log.exception("the store could not record a lookup's market data")
            self._count_error()

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


Recorder = MetricsStore
