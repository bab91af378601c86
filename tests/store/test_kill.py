"""kill -9 during `watch run`: every alert and snapshot committed before is still there, none is fired twice,
and the next run delivers whatever the killed one had not."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from analyzer.domain.owners import LOCAL
from analyzer.sandbox.prices import load_catalog
from analyzer.store import Store, watch_repo
from analyzer.store.market_data import count_rows
from analyzer.store.schema import alerts, snapshots, watch_states
from tests.clirun import ROOT, cli_env, run_cli

SHOES = [s.style_ids[0] for s in load_catalog()][:6]


def test_kill_9_during_watch_run_loses_no_alert_and_no_snapshot(sandbox_factory, db_url: str, webhook, tmp_path: Path) -> None:
    sandbox = sandbox_factory(latency_ms=(80.0, 120.0))
    env = cli_env(tmp_path / "data", sandbox.url, db_url, ANALYZER_ALERT_WEBHOOK=webhook.url, ANALYZER_MAX_WORKERS="2")
    store = Store(db_url)
    with store.write() as conn:
        for shoe in SHOES:
            watch_repo.add_watch(conn, shoe, 10.0, None, owner=LOCAL, list_above=1.0)
    run = subprocess.Popen([sys.executable, "-m", "analyzer", "watch", "run", "--once", "--json"], cwd=ROOT, env=env,
                           text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    seen_alerts = seen_snapshots = 0
    while time.monotonic() < deadline and run.poll() is None:
        with store.read() as conn:
            seen_alerts, seen_snapshots = count_rows(conn, alerts), count_rows(conn, snapshots)
        if seen_alerts >= 2:
            break
        time.sleep(0.02)
    assert run.poll() is None, "the run ended before it could be killed: " + (run.stderr.read() if run.stderr else "")
    with store.read() as conn:
        before = {a.id: a for a in watch_repo.list_alerts(conn, owner=LOCAL)}
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    assert seen_alerts >= 2 and len(before) < len(SHOES)  # killed mid-run

    with store.read() as conn:
        after = {a.id: a for a in watch_repo.list_alerts(conn, owner=LOCAL)}
        met = {(r.watch_id, r.target) for r in conn.execute(watch_states.select()) if r.met}
        assert count_rows(conn, snapshots) >= seen_snapshots
    assert set(before) <= set(after)
    assert met == {(a.watch_id, a.target) for a in after.values()}  # no state without its alert, nor the reverse
    if db_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as check:
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    again = run_cli(env, "watch", "run", "--once", "--json")
    assert again.returncode == 0, again.stderr
    with store.read() as conn:
        final = watch_repo.list_alerts(conn, owner=LOCAL)
        assert watch_repo.pending_alerts(conn) == []
    pairs = [(a.watch_id, a.target) for a in final]
    assert len(pairs) == len(set(pairs))  # no crossing fired twice
    quoted = {w for w, _ in pairs}
    assert len(quoted) >= len(SHOES) - 1  # every pair with a price fired once, across the two runs
    assert {b["alert_id"] for b in webhook.bodies} == {a.id for a in final}  # every alert reached the webhook
