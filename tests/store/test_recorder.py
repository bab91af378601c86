"""The recorder: snapshots of every fresh size run, sales once, history, and never a failed lookup."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from analyzer.lookup.metrics import MetricsStore
from analyzer.store import Store, change, history, history_for_result, metrics_repo
from analyzer.store.history import HistoryPoint
from analyzer.store.market_data import count_rows, normalise_time
from analyzer.store.schema import sales, snapshots


def rows(store: Store, table: Any) -> int:
    with store.read() as conn:
        return count_rows(conn, table)


def test_two_lookups_with_the_market_data_expiring_give_two_points_per_market(fast_sandbox, recording_analyzer) -> None:
    analyzer = recording_analyzer(fast_sandbox, market_ttl_s=1.0)
    first = analyzer.lookup("DD1391-100", "10")
    assert first.success and all(q.fresh for q in first.quotes.values())
    store = Store.open(analyzer.settings)
    runs = rows(store, snapshots)
    assert runs == sum(len(q.sizes) for q in first.quotes.values())
    sold = rows(store, sales)
    assert sold > 0  # Alias's recent sales

    repeat = analyzer.lookup("DD1391-100", "10")  # from the cache: no new snapshot
    assert not any(q.fresh for q in repeat.quotes.values())
    assert rows(store, snapshots) == runs
    time.sleep(1.2)
    analyzer.lookup("DD1391-100", "10")
    assert rows(store, snapshots) == 2 * runs
    assert rows(store, sales) == sold  # the same sales again are stored once

    found = history_for_result(analyzer.settings, first, days=30)
    per_market = {m: [p for p in found.points if p.market == m] for m in ("stockx", "alias", "ebay")}
    assert all(len(points) == 2 for points in per_market.values()), found.points
    assert [p.at for p in found.points] == sorted(p.at for p in found.points)
    data = found.to_dict()
    assert set(data) == {"query", "size", "size_label", "points", "sales", "book"}  # book: added with books
    assert set(data["points"][0]) == {"at", "market", "lowest_ask", "highest_bid", "last_sale", "currency", "book"}
    assert {m: b["key"] for m, b in data["book"].items()} == {"stockx": "stockx:global:any:new",
                                                             "alias": "alias:global:any:new_good_box",
                                                             "ebay": "ebay:global:any:new"}
    assert set(data["sales"][0]) >= {"at", "market", "price", "consigned"}  # fields may be added (currency)
    assert data["sales"][0]["currency"] == "USD"
    assert [s["at"] for s in data["sales"]] == sorted(s["at"] for s in data["sales"])

    by_style = history(analyzer.settings, "DD1391-100", first.quotes["stockx"].size, first.quotes["stockx"].scale, days=30)
    assert {p.market for p in by_style.points} == {"stockx", "alias", "ebay"} and len(by_style.points) == 6


def test_snapshot_rows_hold_the_whole_book(fast_sandbox, recording_analyzer) -> None:
    analyzer = recording_analyzer(fast_sandbox)
    result = analyzer.lookup("DD1391-100", "10")
    with Store.open(analyzer.settings).read() as conn:
        stored = conn.execute(select(snapshots).where(snapshots.c.market == "stockx")).all()
    quote = result.quotes["stockx"]
    assert {r.size for r in stored} == {s.size for s in quote.sizes}
    row = next(r for r in stored if r.size == quote.size)
    assert (row.lowest_ask, row.highest_bid, row.last_sale) == (quote.lowest_ask, quote.highest_bid, quote.last_sale)
    assert row.product_id == quote.product.product_id and row.style_id == quote.style_id
    assert row.source == "sandbox" and row.currency == quote.currency and row.at == normalise_time(quote.quoted_at)


def test_a_store_failure_never_fails_the_lookup(fast_sandbox, recording_analyzer, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    analyzer = recording_analyzer(fast_sandbox, market_ttl_s=0.5)
    recorder: MetricsStore = analyzer.metrics  # type: ignore[assignment]

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(metrics_repo, "insert_lookup", broken)
    monkeypatch.setattr("analyzer.lookup.metrics.insert_once", broken)
    result = analyzer.lookup("CP9654", "10")
    assert result.success and result.quotes["stockx"].lowest_ask is not None
    assert recorder.errors == 2 and "could not record" in caplog.text
    monkeypatch.undo()
    time.sleep(0.6)
    analyzer.lookup("CP9654", "10")
    assert recorder.errors == 2 and recorder.count() == 1


def test_change_over_days_is_pure() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    points = [HistoryPoint("2026-11-01T12:00:00+00:00", "stockx", 200.0, 150.0, None, "USD"),
              HistoryPoint("2026-11-20T12:00:00+00:00", "stockx", 180.0, 160.0, None, "USD"),
              HistoryPoint("2026-11-25T12:00:00+00:00", "stockx", 190.0, None, None, "USD"),
              HistoryPoint("2026-11-28T12:00:00+00:00", "stockx", 171.0, 171.0, None, "USD"),
              HistoryPoint("2026-11-28T12:00:00+00:00", "alias", 100.0, None, None, "USD")]
    week = change(points, 7, now)
    assert week["stockx"]["lowest_ask"] == {"from": 180.0, "to": 171.0, "change": -9.0, "pct": -0.05,
                                            "since": "2026-11-20T12:00:00+00:00"}
    assert week["stockx"]["highest_bid"]["change"] == 11.0
    assert week["alias"] == {"lowest_ask": None, "highest_bid": None}
    month = change(points, 30, now)
    assert month["stockx"]["lowest_ask"]["from"] == 200.0 and month["stockx"]["lowest_ask"]["change"] == -29.0


def test_history_command_gives_two_points_per_market(fast_sandbox, db_url: str, tmp_path) -> None:
    import json

    from tests.clirun import cli_env, run_cli

    env = cli_env(tmp_path / "data", fast_sandbox.url, db_url, ANALYZER_MARKET_TTL_S="1")
    first = run_cli(env, "history", "DD1391-100", "--size", "10", "--json")
    assert first.returncode == 0, first.stderr
    assert {p["market"] for p in json.loads(first.stdout)["points"]} == {"stockx", "alias", "ebay"}
    time.sleep(1.2)
    second = run_cli(env, "history", "DD1391-100", "--size", "10", "--days", "7", "--json")
    data = json.loads(second.stdout)
    assert data["query"] == "DD1391-100" and data["size"] == 10.0 and data["size_label"]
    assert sorted(p["market"] for p in data["points"]) == ["alias", "alias", "ebay", "ebay", "stockx", "stockx"]
    assert data["points"] == sorted(data["points"], key=lambda p: p["at"])
    assert data["sales"] and all(s["market"] == "alias" for s in data["sales"])
    text = run_cli(env, "history", "DD1391-100", "--size", "10")
    assert text.returncode == 0 and "7-day change" in text.stdout
    assert run_cli(env, "history", "DD1391-100", "--size", "99").returncode == 2
