"""The benchmark runs on a tiny workload and reports sane figures (timing targets live in the docs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.bench.lookups import Target, batch_bound_s, bench_shoes, run_bench
from analyzer.sandbox import SandboxConfig, start_sandbox
from analyzer.sandbox.app import ALL_FAULT_KINDS
from tests.clirun import run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_bound_is_the_slowest_market_or_two_round_trips() -> None:
    limits = {"stockx_rate_per_sec": 1.0, "stockx_burst": 10, "alias_rate_per_sec": 1.0, "alias_burst": 8}
    assert batch_bound_s({"stockx": 36, "alias": 24}, 0.25, limits) == pytest.approx(26.25)
    assert batch_bound_s({"stockx": 3, "alias": 2}, 0.25, limits) == pytest.approx(0.5)


def test_too_many_shoes_is_refused() -> None:
    with pytest.raises(ValueError):
        bench_shoes(1000)


def test_tiny_bench_reports_every_figure() -> None:
    steps: list[tuple[str, float]] = []
    # Five rounds at 60 ms a call: the ratio is a median, and the network, not a busy machine's CPU, decides it.
    result = run_bench(shoes=2, latency_ms=60, rounds=5, progress=lambda m, f: steps.append((m, f)))
    for key in ("parallel_vs_sequential", "batch_ratio_to_bound", "cached_p50_ms", "cached_p95_ms", "success_rate", "workloads"):
        assert key in result
    assert result["success_rate"] == 1.0 and result["rate_limited"] == 0
    assert 0 < result["parallel_vs_sequential"] < 1
    assert result["batch_ratio_to_bound"] >= 1.0  # nothing beats the physical bound
    w = result["workloads"]
    # Warm: the market data again (Alias: availabilities and the size's recent sales), the catalog cached.
    assert w["warm_catalog"]["calls_per_lookup"] == {"stockx": 1.0, "alias": 2.0, "ebay": 1.0}
    # Another size of a cached shoe: only Alias's recent sales of that size, one call per shoe.
    assert w["cached"]["calls"] == {"stockx": 0, "alias": 0, "ebay": 0}
    assert w["cached"]["other_size_calls"] == 4  # Alias sales and eBay offers of two shoes
    assert 0 < result["cached_p50_ms"] <= result["cached_p95_ms"]
    assert w["batch_cold"]["parallel"]["calls"] == {"stockx": 6, "alias": 6, "ebay": 4}
    assert w["single_cold"]["calls"] == {"stockx": 3, "alias": 3, "ebay": 2} and w["single_cold"]["bound"] == pytest.approx(2 / 8, abs=1e-4)
    assert [f for _, f in steps] == sorted(f for _, f in steps) and steps[-1][1] == 1.0


def test_bench_cli_json(tmp_path: Path) -> None:
    env = dict(os.environ, ANALYZER_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "analyzer", "bench", "--shoes", "1", "--latency-ms", "10", "--rounds", "1", "--json"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["success_rate"] == 1.0  # stdout is the JSON alone
    # progress on stderr, as plain lines in a pipe: one per stage, from the first to done
    stages = [line for line in done.stderr.splitlines() if line.startswith("benchmark: ")]
    assert len(stages) >= 5 and "single cold" in stages[0] and stages[-1].endswith("100% done")
    assert (tmp_path / "bench.json").exists()  # the performance page shows the last run


@pytest.mark.parametrize("args", [["--latency-ms", "-5"], ["--latency-ms", "abc"], ["--latency-ms", "nan"], ["--latency-ms", "99999"],
                                  ["--shoes", "0"], ["--shoes", "1000"], ["--shoes", "2.5"], ["--rounds", "0"], ["--rounds", "x"],
                                  ["--workload", "everything"]])
def test_bad_bench_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], run_main) -> None:
    code, out, err = run_main("bench", *args, env={"ANALYZER_DATA_DIR": str(tmp_path)})
    assert code == 2, err
    assert out == "" and len(err.strip().splitlines()) == 1 and err.startswith("error: --")
    assert not (tmp_path / "bench.json").exists()


def test_replicas_workload_without_redis_says_what_it_needs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(ANALYZER_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    done = run_cli(env, "bench", "--workload", "replicas")
    assert done.returncode == 2 and "REDIS_URL" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_run_bench_refuses_what_the_cli_refuses() -> None:
    from analyzer.bench.lookups import validate

    for bad in ({"latency_ms": -5}, {"shoes": 0}, {"rounds": 0}):
        with pytest.raises(ValueError):
            run_bench(**{"shoes": 1, "latency_ms": 10, "rounds": 1, **bad})  # type: ignore[arg-type]
    assert validate("same_shoe").workload == "same-shoe" and validate("replicas").shoes == 8


def test_same_shoe_workload_costs_the_calls_of_one_lookup() -> None:
    from analyzer.bench.replicas import same_shoe

    figures = same_shoe("DD1391-100", lookups=8, latency_ms=50)
    assert figures["quoted"] == 8
    assert figures["calls"] == figures["one_lookup_calls"] and figures["calls"]["stockx"] == 3
    assert figures["calls_vs_one_lookup"] == 1.0


NO_STALL = tuple(k for k in ALL_FAULT_KINDS if k != "stall")


def test_bench_goes_to_the_sandbox_at_analyzer_sandbox_url_and_reports_its_faults(tmp_path: Path) -> None:
    """Issue 17 point 9: a 0.5-fault sandbox received nothing and the bench said 1.0."""
    sandbox = start_sandbox(SandboxConfig(latency_ms=(5, 5), fault_rate=0.5, fault_kinds=NO_STALL, seed=7))
    try:
        env = dict(os.environ, ANALYZER_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT), ANALYZER_SANDBOX_URL=sandbox.url)
        done = run_cli(env, "bench", "--shoes", "1", "--rounds", "1", "--json")  # in this process: tests/clirun.py
    finally:
        sandbox.stop()
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    received, faulted = sum(sandbox.counters.requests.values()), sum(sandbox.counters.faults.values())
    retries = sum(w.get("retries", 0) for w in result["workloads"]["batch_cold"].values() if isinstance(w, dict))
    print(f"external 0.5-fault sandbox: {received} requests received, {faulted} faulted; bench success "
          f"{result['success_rate']}, batch retries {retries}, {result['total_s']} s")
    assert result["settings"]["sandbox"] == sandbox.url and received > 20 and faulted > 5 and retries > 0
    assert 0 <= result["success_rate"] <= 1


def test_bench_faults_option_makes_its_own_sandboxes_fail() -> None:
    result = run_bench(shoes=1, latency_ms=5, rounds=1, target=Target(faults=0.5))
    batch = result["workloads"]["batch_cold"]
    retries = batch["sequential"]["retries"] + batch["parallel"]["retries"]
    print(f"--faults 0.5: success {result['success_rate']}, batch retries {retries}, {result['total_s']} s")
    assert result["settings"]["faults"] == 0.5 and retries > 0 and 0 <= result["success_rate"] <= 1


@pytest.mark.parametrize("faults", ["2", "-0.1", "x"])
def test_bad_faults_are_one_line_exit_2(faults: str, tmp_path: Path, run_main) -> None:
    code, _, err = run_main("bench", "--faults", faults, env={"ANALYZER_DATA_DIR": str(tmp_path)})
    assert code == 2 and err.startswith("error: --faults") and err.count("\n") == 1
