"""`python -m analyzer listings ...` on a sandbox: a preview sends nothing, --apply lists, --json is an interface."""

from __future__ import annotations

import json

import pytest

from analyzer.cli.commands import main


@pytest.fixture
def cli_env(sandbox_factory, monkeypatch, tmp_path):
    box = sandbox_factory()
    box.selling.config.pending_s = 0.05
    monkeypatch.setenv("ANALYZER_SANDBOX_URL", box.url)
    monkeypatch.setenv("ANALYZER_SELLING", "on")
    monkeypatch.setenv("ANALYZER_DATA_DIR", str(tmp_path / "data"))
    return box


def _json(capsys, *argv: str) -> object:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_create_preview_apply_show_reprice_delete_log(cli_env, capsys) -> None:
    preview = _json(capsys, "listings", "create", "DD1391-100", "--size", "10", "--market", "stockx", "--price", "120", "--json")
    assert preview["applied"] is False and preview["outcome"] is None and preview["preview"]["payout"] == 105.6
    assert cli_env.selling.counts() == {}
    made = _json(capsys, "listings", "create", "DD1391-100", "--size", "10", "--market", "stockx", "--price", "120", "--apply", "--json")
    assert made["outcome"]["status"] == "done" and sum(cli_env.selling.counts().values()) == 1
    [row] = _json(capsys, "listings", "--json")
    assert row["amount"] == 120.0 and row["ours_lowest"] is False and row["lowest_ask"] < 120
    planned = _json(capsys, "listings", "reprice", "--target", "match", "--min-payout", "50", "--json")
    assert planned["applied"] is False and planned["plans"][0]["new"] == row["lowest_ask"]
    applied = _json(capsys, "listings", "reprice", "--target", "match", "--min-payout", "50", "--apply", "--json")
    assert applied["plans"] == planned["plans"] and applied["outcomes"][0]["status"] == "done"
    gone = _json(capsys, "listings", "delete", str(row["id"]), "--json")
    assert gone["status"] == "done" and cli_env.selling.counts() == {}
    log = _json(capsys, "listings", "log", "--json")
    assert [c["action"] for c in log] == ["delete", "update", "create"] and log[1]["new_amount"] == row["lowest_ask"]


def test_bad_input_is_one_line_and_no_call(cli_env, capsys) -> None:
    calls = dict(cli_env.counters.requests)
    assert main(["listings", "create", "DD1391-100", "--size", "10", "--market", "alias", "--price", "86.50"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert main(["listings", "reprice", "--target", "fixed"]) == 2
    assert cli_env.counters.requests == calls


def test_the_worker_reprices_every_n_seconds_as_worker(cli_env, capsys, tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    made = _json(capsys, "listings", "create", "DD1391-100", "--size", "10", "--market", "stockx", "--price", "120", "--apply", "--json")
    assert made["outcome"]["status"] == "done"
    root = Path(__file__).resolve().parents[2]
    worker = subprocess.Popen([sys.executable, "-m", "analyzer", "listings", "reprice", "--apply", "--every", "0.5",
                               "--target", "fixed", "--fixed", "150", "--min-payout", "10", "--json"],
                              cwd=root, env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and [x.amount for x in cli_env.selling.listings.values()] != [150]:
        time.sleep(0.1)
    time.sleep(1.2)  # another round or two: nothing more to change
    worker.send_signal(signal.SIGINT)
    out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert [x.amount for x in cli_env.selling.listings.values()] == [150]
    rounds = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(rounds) >= 2 and rounds[0]["outcomes"][0]["status"] == "done" and not rounds[-1]["outcomes"]
    log = _json(capsys, "listings", "log", "--json")
    assert [(c["action"], c["who"]) for c in log] == [("update", "worker"), ("create", "local")]
