"""Migrations up and down on both databases; the old metrics.sqlite imported once, nothing lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import inspect

from analyzer.lookup.metrics import MetricsStore
from analyzer.store import Store, db
from analyzer.store.schema import metadata

OLD_SCHEMA = """
CREATE TABLE lookups (id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, query TEXT NOT NULL, size REAL NOT NULL,
    mode TEXT NOT NULL, source TEXT NOT NULL, success INTEGER NOT NULL, elapsed_s REAL NOT NULL);
CREATE TABLE market_calls (lookup_id INTEGER NOT NULL REFERENCES lookups(id) ON DELETE CASCADE, market TEXT NOT NULL,
    ok INTEGER NOT NULL, elapsed_s REAL NOT NULL, calls INTEGER NOT NULL, cache_hits INTEGER NOT NULL,
    rate_limited INTEGER NOT NULL, retries INTEGER NOT NULL, error TEXT);
"""


def test_migrations_reach_the_schema_and_step_back_down(db_url: str) -> None:
    store = Store(db_url)
    tables = set(inspect(store.engine).get_table_names())
    assert set(metadata.tables) <= tables
    with store.read() as conn:
        assert db.current_revision(conn) == db.head_revision() == db.HEAD
    for _ in db.MIGRATIONS.joinpath("versions").glob("0*.py"):  # each migration reverses cleanly
        db.migrate(store.engine, "-1")
    with store.read() as conn:
        assert db.current_revision(conn) is None
    assert not set(metadata.tables) & set(inspect(store.engine).get_table_names())
    db.migrate(store.engine)
    assert set(metadata.tables) <= set(inspect(store.engine).get_table_names())


def test_schema_columns_match_the_migrations(db_url: str) -> None:
    """schema.py and the migrations describe the same tables."""
    engine = Store(db_url).engine
    inspector = inspect(engine)
    for name, table in metadata.tables.items():
        assert {c["name"] for c in inspector.get_columns(name)} == {c.name for c in table.columns}, name


def old_metrics(data_dir: Path, rows: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(data_dir / "metrics.sqlite") as old:
        old.executescript(OLD_SCHEMA)
        for i in range(rows):
            cur = old.execute("INSERT INTO lookups (ts, query, size, mode, source, success, elapsed_s) VALUES (?,?,?,?,?,?,?)",
                              (1_700_000_000 + i, f"Q{i}", 10.0, "parallel" if i % 2 else "sequential", "sandbox", i % 3 != 0, 0.5 + i))
            for market in ("stockx", "alias"):
                old.execute("INSERT INTO market_calls VALUES (?,?,?,?,?,?,?,?,?)",
                            (cur.lastrowid, market, int(i % 3 != 0), 0.25, 3, 1, i % 2, 0, None if i % 3 else "down"))


def test_old_metrics_file_is_imported_once_and_whole(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old_metrics(data, 7)
    store = MetricsStore(data)
    assert store.count() == 7 and store.errors == 0
    summary = store.summary()
    assert summary["calls"] == 7 * 2 * 3 and summary["cache_hits"] == 14
    assert summary["by_mode"]["sequential"]["lookups"] == 4
    assert summary["success_rate"] == round(4 / 7, 4)
    recent = store.recent(7, owner=None)
    assert [r["query"] for r in recent] == [f"Q{i}" for i in reversed(range(7))]
    assert recent[-1]["stockx_error"] == "down"
    assert MetricsStore(data).count() == 7  # a second start imports nothing again
    assert (data / "metrics.sqlite").exists()  # the old file is left as it was


def test_metrics_import_into_another_database(tmp_path: Path, db_url: str) -> None:
    from analyzer.config import Settings

    data = tmp_path / "old"
    old_metrics(data, 3)
    settings = Settings.from_env({"ANALYZER_DATA_DIR": str(data)}).with_(database_url=db_url)
    assert MetricsStore(settings).count() == 3
    assert MetricsStore(settings).count() == 3


def test_market_failures_are_counted_apart_from_not_found_and_missing_sizes(db_url: str) -> None:
    from analyzer.domain.answer import Recommendation
    from analyzer.domain.models import LookupResult, Quote

    def lookup(*kinds: str | None) -> LookupResult:
        quotes = {m: Quote(m, kind is None, None if kind is None else "x", error_kind=kind, calls=1)
                  for m, kind in zip(("stockx", "alias"), kinds, strict=True)}
        return LookupResult(query="Q", size=10.0, size_label="US 10", currency="USD", mode="parallel", source="sandbox",
                            elapsed_s=0.1, product=None, quotes=quotes, pricing=Recommendation("USD", {}, {}))

    store = MetricsStore(db_url)
    for kinds in [(None, None), ("not_found", "not_found"), (None, "size_not_offered"), ("unavailable", None), (None, "auth")]:
        store.record(lookup(*kinds))
    s = store.summary()
    assert s["market_quotes"] == 10 and s["market_failures"] == 2 and s["not_found"] == 2 and s["size_not_offered"] == 1
    assert s["market_failure_rate"] == 0.2 and s["by_market"]["alias"]["market_failures"] == 1
    assert [r["market_failures"] for r in store.recent(5, owner=None)] == [1, 1, 0, 0, 0]
