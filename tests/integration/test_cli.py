"""The CLI's exit codes and JSON, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from analyzer.cli import commands as cli
from tests import clirun

ROOT = clirun.ROOT


def run_cli(*args: str, data_dir: Path, process: bool = False) -> subprocess.CompletedProcess[str]:
    """On the usual sandbox (none given: the command starts or shares it); in this process unless `process`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKX_", "ALIAS_"))}
    env.update(ANALYZER_DATA_DIR=str(data_dir), ANALYZER_SANDBOX="1", PYTHONPATH=str(ROOT))
    return (clirun.run_cli_process if process else clirun.run_cli)(env, *args)


def test_lookup_json_has_every_documented_key(tmp_path: Path) -> None:
    # The real `python -m analyzer`: its stdout alone in a pipe is the JSON, and it exits 0.
    done = run_cli("lookup", "DD1391-100", "--size", "10", "--json", data_dir=tmp_path, process=True)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {"query", "size", "mode", "source", "elapsed_s", "product", "quotes", "pricing"} <= data.keys()
    assert data["source"] == "sandbox" and data["mode"] == "parallel"
    assert {"title", "brand", "style_id", "retail_price", "release_date", "image_url"} <= data["product"].keys()
    for quote in data["quotes"].values():
        assert {"ok", "error", "title", "style_id", "size", "lowest_ask", "highest_bid", "last_sale", "currency", "url",
                "elapsed_s", "calls", "cache_hits", "rate_limited", "retries"} <= quote.keys()
    assert {"payouts", "best_sell_now", "best_list", "best_buy", "arbitrage"} <= data["pricing"].keys()


def test_human_output_says_sandbox(tmp_path: Path) -> None:
    done = run_cli("lookup", "DD1391-100", "--size", "10", "--sequential", data_dir=tmp_path)
    assert done.returncode == 0 and "SANDBOX" in done.stdout and "sequential" in done.stdout


def test_nothing_quoted_exits_1_with_json(tmp_path: Path) -> None:
    done = run_cli("lookup", "qqqqzzzz", "--size", "10", "--json", data_dir=tmp_path)
    assert done.returncode == 1
    assert json.loads(done.stdout)["quotes"]["stockx"]["ok"] is False


def test_compare_json_in_order(tmp_path: Path) -> None:
    done = run_cli("compare", "CP9654", "qqqqzzzz", "--size", "10", "--json", data_dir=tmp_path, process=True)
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert [r["query"] for r in data["results"]] == ["CP9654", "qqqqzzzz"] and data["elapsed_s"] > 0


@pytest.mark.parametrize("args", [["lookup", "", "--size", "10"], ["lookup", "x" * 101, "--size", "10"],
                                  ["lookup", "DD1391-100", "--size", "23"], ["lookup", "DD1391-100", "--size", "ten"],
                                  ["compare", "CP9654", "  ", "--size", "10"]])
def test_invalid_input_exits_2_with_one_line_and_no_call(args: list[str], monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    def no_network(*_: object, **__: object) -> None:
        raise AssertionError("invalid input must not open the analyzer")

    monkeypatch.setattr("analyzer.launch.open_analyzer", no_network)
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
