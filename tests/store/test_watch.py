"""Watchlist: one alert per crossing, none repeated, delivery after an outage, errors reported, the TTL kept."""

from __future__ import annotations

import json
from pathlib import Path

from analyzer.domain.answer import MarketPayouts, Recommendation
from analyzer.domain.models import Quote
from analyzer.domain.owners import LOCAL
from analyzer.services.alerts import deliver_pending
from analyzer.services.watch import Priced, WatchRunner, check_targets, readings
from analyzer.store import Store, watch_repo
from tests.clirun import cli_env, run_cli


def add(store: Store, query: str = "DD1391-100", size: float = 10.0, **targets: float) -> watch_repo.Watch:
    with store.write() as conn:
        watch = watch_repo.get_watch(conn, watch_repo.add_watch(conn, query, size, None, owner=LOCAL, **targets), owner=LOCAL)
    assert watch is not None
    return watch


def priced(bid: float | None, ask: float | None = 200.0) -> Priced:
    quotes = {"stockx": Quote("stockx", True, highest_bid=bid, lowest_ask=ask)}
    payouts = {"stockx": MarketPayouts(sell_now=bid, list=ask, sell_faster=None, earn_more=None, buy_cost=None, currency="USD")}
    return Priced(quotes, Recommendation("USD", {}, payouts))


def test_one_alert_per_crossing_none_repeated(db_url: str) -> None:
    store = Store(db_url)
    watch = add(store, sell_now_above=100.0)
    fired = []
    for bid in (90, 120, 130, 95, None, 140, 150):  # met at 120, unmet at 95, unknown, met again at 140
        fired += check_targets(store, watch, readings(watch, priced(bid), "USD"), {})
    assert [(a.value, a.target, a.threshold, a.market) for a in fired] == [(120, "sell_now_above", 100.0, "stockx"),
                                                                             (140, "sell_now_above", 100.0, "stockx")]
    with store.read() as conn:
        assert len(watch_repo.list_alerts(conn, owner=LOCAL)) == 2 and len(watch_repo.pending_alerts(conn)) == 2


def test_ask_below_and_list_above_and_market_filter(db_url: str) -> None:
    store = Store(db_url)
    watch = add(store, ask_below=150.0, list_above=180.0)
    fired = check_targets(store, watch, readings(watch, priced(100, ask=140.0), "USD"), {})
    assert [a.target for a in fired] == ["ask_below"]
    fired = check_targets(store, watch, readings(watch, priced(100, ask=190.0), "USD"), {})
    assert [a.target for a in fired] == ["list_above"]
    with store.write() as conn:
        alias_only = watch_repo.get_watch(conn, watch_repo.add_watch(conn, "X", 9, None, "alias", owner=LOCAL, ask_below=500), owner=LOCAL)
    assert alias_only is not None
    assert readings(alias_only, priced(100), "USD")[0].value is None  # StockX's ask does not count


def test_delivery_after_an_outage_loses_nothing(db_url: str, webhook) -> None:
    store = Store(db_url)
    watch = add(store, sell_now_above=100.0)
    check_targets(store, watch, readings(watch, priced(120), "USD"), {})
    check_targets(store, watch, readings(watch, priced(90), "USD"), {})
    check_targets(store, watch, readings(watch, priced(125), "USD"), {})
    webhook.down = True
    assert deliver_pending(store, lambda _owner: webhook.url, attempts=3, backoff_s=0.01, retry_base_s=0) == (0, 2)
    assert webhook.attempts == 6 and webhook.bodies == []  # each retried on its own, then left for the next run
    with store.read() as conn:
        waiting = watch_repo.pending_alerts(conn)
    assert len(waiting) == 2 and waiting[0].attempts == 3 and waiting[0].last_error == "HTTP 503"
    assert all("secret-token" not in (a.last_error or "") for a in waiting)
    webhook.down = False
    assert deliver_pending(store, lambda _owner: webhook.url, backoff_s=0.01) == (2, 0)
    assert deliver_pending(store, lambda _owner: webhook.url, backoff_s=0.01) == (0, 0)
    assert [b["value"] for b in webhook.bodies] == [120, 125]
    body = webhook.bodies[0]
    assert body["text"] == body["content"] and "DD1391-100" in body["text"] and "100.00" in body["text"]
    assert body["idempotency_key"] == f"alert-{body['alert_id']}" and body["allowed_mentions"] == {"parse": []}
    assert {"watch_id", "query", "size", "market", "target", "threshold", "value", "currency", "at"} <= set(body)


def test_runner_reports_missing_pairs_and_failed_markets(sandbox_factory, recording_analyzer) -> None:
    sandbox = sandbox_factory(down={"alias"})
    analyzer = recording_analyzer(sandbox, breaker_fail_max=100, max_retries=0)
    store = Store.open(analyzer.settings)
    add(store, "zzzz qqq unknown", sell_now_above=1.0)
    add(store, "DD1391-100", list_above=1.0)
    report = WatchRunner(analyzer, store).run_once()
    assert report.checked == 2
    errors = {(e["query"], e["market"], e["error_kind"]) for e in report.errors}
    assert ("zzzz qqq unknown", "stockx", "not_found") in errors and ("DD1391-100", "alias", "unavailable") in errors
    assert len(report.alerts) == 1 and report.alerts[0].market in ("stockx", "ebay")  # the markets that answered still count
    with store.read() as conn:
        problems = {w.query: w.last_error for w in watch_repo.list_watches(conn, owner=LOCAL)}
    assert "no shoe" in (problems["zzzz qqq unknown"] or "") and "Alias" in (problems["DD1391-100"] or "")


def test_no_pair_refreshed_within_the_ttl_unless_forced(fast_sandbox, recording_analyzer) -> None:
    analyzer = recording_analyzer(fast_sandbox, market_ttl_s=600)
    store = Store.open(analyzer.settings)
    add(store, sell_now_above=10_000.0)
    runner = WatchRunner(analyzer, store)
    assert runner.run_once().from_store == 0
    before = sum(fast_sandbox.counters.requests.values())
    again = runner.run_once()
    assert again.from_store == 1 and again.errors == []
    assert sum(fast_sandbox.counters.requests.values()) == before  # no market call at all
    assert runner.run_once(force=True).from_store == 0


def test_done_when_one_alert_then_none(fast_sandbox, db_url: str, webhook, tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", fast_sandbox.url, db_url, ANALYZER_ALERT_WEBHOOK=webhook.url)
    added = run_cli(env, "watch", "add", "DD1391-100", "--size", "10", "--sell-now-above", "50")
    assert added.returncode == 0, added.stderr
    first = run_cli(env, "watch", "run", "--once", "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["checked"] == 1 and report["errors"] == [] and len(report["alerts"]) == 1
    alert = report["alerts"][0]
    assert set(alert) == {"watch_id", "query", "size", "market", "target", "threshold", "value", "currency", "at"}
    assert alert["target"] == "sell_now_above" and alert["value"] > 50 and alert["threshold"] == 50
    assert len(webhook.bodies) == 1 and webhook.bodies[0]["value"] == alert["value"]
    second = run_cli(env, "watch", "run", "--once", "--json")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["alerts"] == [] and len(webhook.bodies) == 1
    listed = json.loads(run_cli(env, "watch", "list", "--json").stdout)
    assert [w["query"] for w in listed] == ["DD1391-100"]
    assert run_cli(env, "watch", "remove", str(listed[0]["id"])).returncode == 0
    assert json.loads(run_cli(env, "watch", "list", "--json").stdout) == []
    assert "secret-token" not in (tmp_path / "data").joinpath("analyzer.sqlite").read_bytes().decode("latin-1") \
        if db_url.startswith("sqlite") else True


def test_bad_watch_input_exits_2(tmp_path: Path, fast_sandbox) -> None:
    env = cli_env(tmp_path / "data", fast_sandbox.url, f"sqlite:///{tmp_path}/x.sqlite")
    assert run_cli(env, "watch", "add", "DD1391-100", "--size", "10").returncode == 2  # no target
    assert run_cli(env, "watch", "add", "DD1391-100", "--size", "99", "--ask-below", "5").returncode == 2
    assert run_cli(env, "watch", "add", "DD1391-100", "--size", "10", "--ask-below", "-5").returncode == 2
    assert run_cli(env, "watch", "remove", "42").returncode == 2


def test_runs_at_once_fire_a_crossing_once(db_url: str) -> None:
    """Several processes or replicas checking one watch at the same moment: one alert, not one each."""
    import threading

    store = Store(db_url)
    watch = add(store, sell_now_above=100.0)
    start = threading.Barrier(8)
    fired: list[int] = []

    def check() -> None:
        start.wait()
        fired.extend(a.id for a in check_targets(store, watch, readings(watch, priced(120), "USD"), {}))

    threads = [threading.Thread(target=check) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fired) == 1


def test_forced_run_asks_the_markets_and_records_a_history_point(fast_sandbox, recording_analyzer, monkeypatch) -> None:
    """`watch run --force` after a run within the TTL: the HTTP cache would answer every call, so
    the forced run goes around it, and what the markets said becomes a new snapshot."""
    from sqlalchemy import func, select

    from analyzer.store.schema import snapshots

    analyzer = recording_analyzer(fast_sandbox, market_ttl_s=600)
    store = Store.open(analyzer.settings)
    add(store, sell_now_above=10_000.0)
    runner = WatchRunner(analyzer, store)
    runner.run_once()

    def points() -> int:
        with store.read() as conn:
            return int(conn.execute(select(func.count()).select_from(snapshots)).scalar_one())

    before_calls, before_points = sum(fast_sandbox.counters.requests.values()), points()
    # a point is kept once per second; the forced run's answers carry a later one, as they would a moment later
    monkeypatch.setattr("analyzer.net.http._now_iso", lambda: "2099-01-01T00:00:00+00:00")
    forced = runner.run_once(force=True)
    assert forced.from_store == 0 and forced.errors == []
    assert sum(fast_sandbox.counters.requests.values()) > before_calls  # the markets were asked, not the cache
    assert points() > before_points
