"""`python -m analyzer bench --workload pages`: one round on the Lookup page, in Debian's Chromium.

Behaviour, not timing bounds: every figure is there and is a positive number (a machine shared with
other work makes any bound on seconds a flaky test).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.bench.pages import missing, rows
from tests.clirun import run_cli

ROOT = Path(__file__).resolve().parents[2]

if missing() and not os.environ.get("CI"):
    pytest.skip(missing() or "", allow_module_level=True)


def test_one_round_on_lookup_gives_every_figure(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANALYZER_DATABASE_URL"}
    env["ANALYZER_DATA_DIR"] = str(tmp_path / "out")
    done = subprocess.run([sys.executable, "-m", "analyzer", "bench", "--workload", "pages", "--rounds", "1",
                           "--pages", "lookup,floor", "--sessions", "2", "--server-flags", "--runner.postScriptGC true", "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["workload"] == "pages" and result["settings"]["pages"] == ["lookup", "floor"]
    config = result["configs"]["--runner.postScriptGC true"]
    assert config["flags"] == ["--runner.postScriptGC", "true"]
    lookup = config["pages"]["lookup"]
    assert lookup["path"] == "/?q=CP9654&size=10"
    assert result["settings"]["sessions"] == 2
    for _, key in rows(2):
        assert isinstance(lookup[key], (int, float)) and lookup[key] > 0, (key, lookup.get(key))
    assert len(lookup["rounds"]) == 1 and lookup["errors"] == []
    assert lookup["rss_2_sessions_mb"] >= lookup["rss_idle_mb"] > 0
    assert (tmp_path / "out" / "bench-pages.json").exists()
    # The floor (Streamlit alone, one line) is measured the same way, beside it; it has no fees to change.
    floor = config["pages"]["floor"]
    assert floor["errors"] == [] and "fee_change_cpu_s" not in floor
    assert 0 < floor["cached_view_cpu_s"] < lookup["cached_view_cpu_s"]


def test_bad_option_is_exit_2_before_a_browser_starts(tmp_path: Path) -> None:
    env = {**os.environ, "ANALYZER_DATA_DIR": str(tmp_path)}
    done = run_cli(env, "bench", "--workload", "pages", "--pages", "nowhere")  # in this process: tests/clirun.py
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
