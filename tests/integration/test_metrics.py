"""The metrics store: exact summaries, and no row lost to concurrent threads or processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from analyzer.lookup.metrics import MetricsStore
from tests.factories import result

ROOT = Path(__file__).resolve().parents[2]


def test_summary_figures(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path)
    store.record(result(elapsed=1.0))
    store.record(result(ok=(False, True), limited=2, elapsed=3.0))
    store.record(result(mode="sequential", calls=0, hits=3, elapsed=0.01))
    store.record(result(calls=2, hits=1, elapsed=2.0))
    s = store.summary()
    assert s["lookups"] == 4 and s["success_rate"] == 0.75
    assert s["avg_elapsed_s"] == round((1 + 3 + 0.01 + 2) / 4, 4) and s["p95_elapsed_s"] == 3.0
    assert s["calls"] == 2 * (3 + 3 + 0 + 2) and s["cache_hits"] == 2 * (3 + 1)
    assert s["cache_hit_rate"] == round(8 / (8 + 16), 4)
    assert s["rate_limit_hits"] == 2 and s["rate_limit_rate"] == round(2 / 16, 4)
    assert s["by_market"]["stockx"]["success_rate"] == 0.75 and s["by_market"]["alias"]["success_rate"] == 1.0
    assert s["by_mode"]["sequential"]["lookups"] == 1 and s["by_mode"]["parallel"]["lookups"] == 3
    recent = store.recent(2, owner=None)
    assert recent[0]["calls"] == 4 and recent[0]["stockx_ok"] == 1 and "alias_error" in recent[0]
    store.clear(owner=None)
    assert store.count() == 0 and store.summary()["success_rate"] is None


WRITER = """
import sys
from analyzer.lookup.metrics import MetricsStore
from tests.factories import result
from tests.factories import result
store = MetricsStore(sys.argv[1])
for _ in range(int(sys.argv[2])):
    store.record(result())
"""


def test_threads_and_processes_at_once_lose_no_row(tmp_path: Path) -> None:
    per_writer, threads, processes = 40, 6, 3
    store = MetricsStore(tmp_path)
    children = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(per_writer)], cwd=ROOT,
                                 stderr=subprocess.PIPE, text=True) for _ in range(processes)]
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(per_writer):
                store.record(result())
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=write) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for child in children:
        assert child.wait(timeout=120) == 0, child.stderr.read() if child.stderr else ""
    assert errors == []
    assert store.count() == per_writer * (threads + processes)
    assert store.summary()["by_market"]["stockx"]["lookups"] == per_writer * (threads + processes)


def test_metrics_cli_json(tmp_path: Path) -> None:
    MetricsStore(tmp_path).record(result())
    env = {"ANALYZER_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "analyzer", "metrics", "--json"], capture_output=True, text=True, env=env, cwd=ROOT)
    data = json.loads(done.stdout)
    for key in ("lookups", "success_rate", "avg_elapsed_s", "p95_elapsed_s", "cache_hit_rate", "rate_limit_hits", "retries"):
        assert key in data and key in data["by_market"]["stockx"] and key in data["by_mode"]["parallel"]
