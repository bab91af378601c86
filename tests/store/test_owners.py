"""Nobody sees or changes another's rows: positions, watches, alerts, lookups and settings, on SQLite
and PostgreSQL; the watch worker judges each watch at its owner's saved settings."""

from __future__ import annotations

import json
from pathlib import Path

from analyzer.domain.owners import LOCAL, OwnerSettings
from analyzer.domain.pricing import Fees, payout
from analyzer.lookup.metrics import MetricsStore
from analyzer.services.watch import WatchRunner, overview
from analyzer.store import Store, owners_repo, positions_repo, watch_repo
from analyzer.store.positions_repo import NewPosition
from tests.clirun import cli_env, run_cli

ANN = "http://localhost:9400:ann"
BOB = "http://localhost:9400:bob"


def test_rows_are_the_owners_alone(db_url: str) -> None:
    store = Store(db_url)
    with store.write() as conn:
        [ann_pair] = positions_repo.add_positions(conn, [NewPosition("DD1391-100", 10.0, None, 110.0)], owner=ANN)
        positions_repo.add_positions(conn, [NewPosition("CP9654", 9.0, None, 200.0)], owner=BOB)
        ann_watch = watch_repo.add_watch(conn, "DD1391-100", 10.0, None, owner=ANN, sell_now_above=50.0)
        watch_repo.insert_alert(conn, owner=ANN, watch_id=ann_watch, query="DD1391-100", size=10.0, size_label="US M 10",
                                market="stockx", target="sell_now_above", threshold=50.0, value=60.0, currency="USD")
    with store.write() as conn:  # Bob cannot read, remove or sell Ann's rows by their ids
        assert [p.query for p in positions_repo.open_positions(conn, owner=BOB)] == ["CP9654"]
        assert positions_repo.get_position(conn, ann_pair, owner=BOB) is None
        assert not positions_repo.remove_position(conn, ann_pair, owner=BOB)
        assert watch_repo.list_watches(conn, owner=BOB) == [] and watch_repo.list_alerts(conn, owner=BOB) == []
        assert watch_repo.get_watch(conn, ann_watch, owner=BOB) is None
        assert not watch_repo.remove_watch(conn, ann_watch, owner=BOB)
    with store.read() as conn:  # and Ann still has everything
        assert [p.id for p in positions_repo.open_positions(conn, owner=ANN)] == [ann_pair]
        assert [w.id for w in watch_repo.list_watches(conn, owner=ANN)] == [ann_watch]
        assert len(watch_repo.list_alerts(conn, owner=ANN)) == 1
        assert len(watch_repo.list_watches(conn, owner=None)) == 1  # the worker sees every owner's


def test_settings_are_saved_per_owner(db_url: str) -> None:
    store = Store(db_url)
    defaults = OwnerSettings()
    ann = OwnerSettings(fees=Fees(stockx_level=5), currency="EUR", alias_region="eu", alias_consigned="true",
                        webhook="https://hooks.example.com/ann")
    with store.write() as conn:
        owners_repo.save_settings(conn, ANN, ann)
        owners_repo.save_settings(conn, ANN, ann.with_(currency="GBP"))  # a second save replaces the first
    with store.read() as conn:
        assert owners_repo.load_settings(conn, ANN, defaults) == ann.with_(currency="GBP")
        assert owners_repo.load_settings(conn, BOB, defaults) == defaults


def test_cli_user_sees_only_their_pairs_and_clears_only_their_lookups(fast_sandbox, db_url: str, tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", fast_sandbox.url, db_url)
    csv_file = tmp_path / "pairs.csv"
    csv_file.write_text("style_id,size,cost\nDD1391-100,10,110\n")
    assert run_cli(env, "portfolio", "import", str(csv_file), "--user", ANN).returncode == 0
    csv_file.write_text("style_id,size,cost\nCP9654,9,200\nDZ5485-612,10,150\n")
    assert run_cli(env, "--user", BOB, "portfolio", "import", str(csv_file)).returncode == 0  # before the command too
    ann = run_cli(env, "portfolio", "--json", "--user", ANN)
    assert ann.returncode == 0, ann.stderr
    assert [p["query"] for p in json.loads(ann.stdout)["positions"]] == ["DD1391-100"]
    bob = json.loads(run_cli({**env, "ANALYZER_USER": BOB}, "portfolio", "--json").stdout)
    assert sorted(p["query"] for p in bob["positions"]) == ["CP9654", "DZ5485-612"]
    assert json.loads(run_cli(env, "portfolio", "--json").stdout)["positions"] == []  # the local owner has none
    removed = run_cli(env, "portfolio", "remove", str(json.loads(ann.stdout)["positions"][0]["id"]), "--user", BOB)
    assert removed.returncode == 2 and "no position" in removed.stderr  # Bob cannot delete Ann's pair
    assert run_cli(env, "metrics", "--clear", "--user", ANN).returncode == 0
    left = MetricsStore(db_url, import_legacy=False).recent(50, owner=None)
    assert left and {r["query"] for r in left} == {"CP9654", "DZ5485-612"}  # Bob's valuation lookups stay
    bad = run_cli(env, "portfolio", "--user", "nobody")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "ISSUER:SUBJECT" in bad.stderr


def test_worker_judges_each_watch_at_its_owners_saved_fees(fast_sandbox, recording_analyzer) -> None:
    analyzer = recording_analyzer(fast_sandbox)
    store = Store.open(analyzer.settings)
    bid = analyzer.lookup("CP9654", "10").quotes["stockx"].highest_bid
    assert bid is not None
    level_1, level_5 = payout("stockx", bid, Fees(stockx_level=1)), payout("stockx", bid, Fees(stockx_level=5))
    assert level_1 < level_5
    threshold = (level_1 + level_5) / 2  # met at Ann's level 5, not at the app's default level 1
    with store.write() as conn:
        owners_repo.save_settings(conn, ANN, OwnerSettings(fees=Fees(stockx_level=5)))
        for who in (ANN, LOCAL):
            watch_repo.add_watch(conn, "CP9654", 10.0, None, "stockx", owner=who, sell_now_above=threshold)
    first = WatchRunner(analyzer, store).run_once()  # the worker: every owner
    assert [(a.owner, a.value) for a in first.alerts] == [(ANN, level_5)]
    assert WatchRunner(analyzer, store, owner=ANN).run_once().alerts == []  # the page's refresh: same fees, no repeat
    assert WatchRunner(analyzer, store).run_once().alerts == []  # and the worker again: nothing new
    [row] = overview(analyzer, store, ANN)
    assert row["sell_now_above"]["value"] == level_5 and row["sell_now_above"]["met"]
