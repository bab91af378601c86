"""Killed mid-batch, or several processes on one data dir: nothing written is lost, the next start works."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from analyzer.lookup.metrics import MetricsStore
from analyzer.sandbox.prices import load_catalog

ROOT = Path(__file__).resolve().parents[2]
# Men's shoes listed on both markets: every one has a US 10 to quote.
SHOES = [s.style_ids[0] for s in load_catalog()
         if s.gender == "men" and s.product_type == "sneakers" and set(s.markets) == {"stockx", "alias"}]


def cli(data_dir: Path, sandbox_url: str, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKX_", "ALIAS_"))}
    env.update(ANALYZER_DATA_DIR=str(data_dir), ANALYZER_SANDBOX_URL=sandbox_url, PYTHONPATH=str(ROOT), ANALYZER_MAX_WORKERS="2")
    return subprocess.Popen([sys.executable, "-m", "analyzer", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def test_kill_9_mid_batch_loses_nothing_written(sandbox_factory, tmp_path: Path) -> None:
    sandbox = sandbox_factory(latency_ms=(40.0, 80.0))
    batch = cli(tmp_path, sandbox.url, "compare", *SHOES[:10], "--size", "10", "--json")
    store = MetricsStore(tmp_path)
    deadline = time.monotonic() + 60
    while store.count() < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    seen = store.count()
    assert seen >= 4, batch.stderr.read() if batch.poll() is not None else "no rows written"
    batch.send_signal(signal.SIGKILL)
    batch.wait(timeout=10)
    assert batch.returncode == -signal.SIGKILL

    assert integrity(tmp_path / "analyzer.sqlite") == "ok" and integrity(tmp_path / "http-cache.sqlite") == "ok"
    assert store.count() >= seen  # every row seen before the kill is still there
    again = cli(tmp_path, sandbox.url, "lookup", SHOES[0], "--size", "10", "--json")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    result = json.loads(out)
    assert result["success"] and result["quotes"]["stockx"]["calls"] == 0  # answered from the cache the killed run wrote
    assert store.count() >= seen + 1


def test_four_processes_share_one_data_dir(sandbox_factory, tmp_path: Path) -> None:
    sandbox = sandbox_factory(latency_ms=(5.0, 20.0))
    groups = [SHOES[i::4][:5] for i in range(4)]
    runs = [cli(tmp_path, sandbox.url, "compare", *group, "--size", "10", "--json") for group in groups]
    outputs = [run.communicate(timeout=180) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert "database is locked" not in err and "Traceback" not in err
        assert all(r["success"] for r in json.loads(out)["results"])
    assert MetricsStore(tmp_path).count() == sum(len(g) for g in groups)
    assert integrity(tmp_path / "http-cache.sqlite") == "ok"
