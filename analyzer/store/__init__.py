"""The store: one SQLAlchemy URL (SQLite by default, PostgreSQL for many replicas), migrated at start.

`Store.open(settings)` gives the engine; the repositories (metrics_repo, market_data, watch_repo,
positions_repo) take a connection and return plain dataclasses or dicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from analyzer.store.db import default_url, engine_for, reading, url_for, writing


class Store:
    """The database behind one URL. Cheap to build: engines are shared per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = engine_for(url)

    @classmethod
    def open(cls, where: Any) -> Store:
        """From Settings (its `database_url`, else the default in its data dir), a data dir or a URL."""
        if isinstance(where, Store):
            return where
        if isinstance(where, str) and "://" in where:
            return cls(where)
        if isinstance(where, (str, Path)):
            return cls(default_url(where))
        return cls(url_for(where))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with writing(self.engine) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with reading(self.engine) as conn:
            yield conn


from analyzer.store.history import History, HistoryPoint, change, history, history_for_result  # noqa: E402

__all__ = ["History", "HistoryPoint", "Store", "change", "history", "history_for_result"]
