"""Nothing lost when PostgreSQL fails (issue 17): down at start, lost mid-run, silent (a partition),
through a proxy the test takes down, silences and brings back. Lookups answer all along, the log
says so once, and what they would have written reaches the database when it answers."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from analyzer.lookup.engine import Analyzer
from analyzer.lookup.metrics import MetricsStore
from analyzer.services.watch_worker import WORKER_PAUSES_S
from analyzer.store import Store, db, metrics_repo
from analyzer.store.spool import SPOOL_FILE
from tests.clirun import ROOT, cli_env, run_cli, run_cli_process
from tests.store.proxy import Proxy


@pytest.fixture
def proxied(db_url: str) -> Iterator[tuple[Proxy, str]]:
    if db_url.startswith("sqlite"):
        pytest.skip("a network outage needs a database server: the PostgreSQL run covers it")
    Store(db_url)  # migrated through the real address first
    url = make_url(db_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    proxy.close()
    db.dispose()


def lookups_in(db_url: str) -> int:
    with Store(db_url).read() as conn:
        return metrics_repo.count(conn)


def wait_until(condition, seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_down_at_start_the_cli_answers_and_the_lookup_is_written_later(proxied, db_url: str, fast_sandbox,
                                                                       tmp_path: Path) -> None:
    proxy, url = proxied
    proxy.down()
    env = cli_env(tmp_path / "data", fast_sandbox.url, url, ANALYZER_DATABASE_TIMEOUT_S="1")
    # Processes of their own: a process that spooled its lookup and exited leaves no thread that writes it later.
    looked = run_cli_process(env, "lookup", "CP9654", "--size", "10", "--json")
    assert looked.returncode == 0 and json.loads(looked.stdout)["success"]
    assert "Traceback" not in looked.stderr and "unreachable" in looked.stderr and len(looked.stderr.splitlines()) <= 2
    assert (tmp_path / "data" / SPOOL_FILE).read_text().count("\n") == 1
    refused = run_cli_process(env, "portfolio", "--json")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1 and "store is unreachable" in refused.stderr
    proxy.up()
    again = run_cli_process(env, "lookup", "CP9654", "--size", "10", "--json")
    assert again.returncode == 0 and "Traceback" not in again.stderr
    assert lookups_in(db_url) == 2  # the spooled lookup, then this one
    assert (tmp_path / "data" / SPOOL_FILE).read_text() == ""


def test_lost_mid_run_every_lookup_is_recorded_once_it_answers(proxied, db_url: str, fast_sandbox, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    proxy, url = proxied
    monkeypatch.setattr(db, "TIMEOUT_S", 1.0)
    settings = fast_sandbox.settings_for(Analyzer(fast_sandbox.settings_for(_base(tmp_path))).settings).with_(database_url=url)
    recorder = MetricsStore(settings)
    analyzer = Analyzer(settings, metrics=recorder)
    for _ in range(3):
        assert analyzer.lookup("CP9654", "10").success
    proxy.down()
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            assert analyzer.lookup("CP9654", "10").success  # prices still work
    assert recorder.paused
    proxy.up()
    assert wait_until(lambda: not recorder.paused), "recording did not resume"
    assert lookups_in(db_url) == 8 and recorder.errors == 0
    said = [r for r in caplog.records if "store is unreachable" in r.getMessage()]
    assert len(said) == 1 and not any(r.exc_info for r in caplog.records)  # one line per outage, no traceback


def test_silent_database_never_holds_a_lookup(proxied, db_url: str, fast_sandbox, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    proxy, url = proxied
    monkeypatch.setattr(db, "TIMEOUT_S", 1.0)
    settings = fast_sandbox.settings_for(_base(tmp_path)).with_(database_url=url)
    recorder = MetricsStore(settings)
    analyzer = Analyzer(settings, metrics=recorder)
    assert analyzer.lookup("CP9654", "10").success
    proxy.silent()
    started = time.monotonic()
    assert analyzer.lookup("CP9654", "10").success
    held = time.monotonic() - started
    assert analyzer.lookup("CP9654", "10").success
    assert held < 15, f"a lookup waited {held:.1f} s on a silent database"  # it hung past 60 s before
    assert recorder.paused
    proxy.up()
    assert wait_until(lambda: not recorder.paused and lookups_in(db_url) == 3), "the lookups were not all written"


def test_the_worker_outlives_an_outage(proxied, db_url: str, fast_sandbox, tmp_path: Path) -> None:
    proxy, url = proxied
    env = cli_env(tmp_path / "data", fast_sandbox.url, url, ANALYZER_DATABASE_TIMEOUT_S="1")
    assert run_cli(env, "watch", "add", "CP9654", "--size", "10", "--sell-now-above", "50").returncode == 0
    worker = subprocess.Popen([sys.executable, "-m", "analyzer", "watch", "run", "--every", "1"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(worker, lines), daemon=True)
    reader.start()

    def said(text: str) -> bool:
        return any(text in line for line in list(lines))

    # Each step waits for what the worker says, not for a fixed time: a loaded machine starts it late.
    try:
        assert wait_until(lambda: said("checked "), 90), "the worker never finished a first pass"
        proxy.down()
        assert wait_until(lambda: said("trying again"), 60), "the worker did not notice the outage"
        time.sleep(WORKER_PAUSES_S[0] + 1)  # down past its first pause: a second try fails too, and is not said again
        assert worker.poll() is None, "the worker died with the database"
        proxy.up()
        assert wait_until(lambda: said("answers again"), 60), "the worker did not resume"
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        reader.join(timeout=10)
    out = "".join(lines)
    assert "Traceback" not in out
    assert "trying again" in out and "answers again" in out
    assert out.count("trying again") == 1  # said once per outage


def _read_lines(process: subprocess.Popen[str], into: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        into.append(line)


def _base(tmp_path: Path):
    from analyzer.config import Settings

    return Settings.from_env({"ANALYZER_DATA_DIR": str(tmp_path / "data")})
