"""Many processes on one API key: a worker process, and the benchmark workloads built on it.

`python -m analyzer.bench.replicas --sandbox-url URL SHOE...` is one replica: it quotes its shoes
against a sandbox (settings from the environment, so REDIS_URL and ANALYZER_REDIS_PREFIX apply)
and prints what each quote cost as JSON. The workloads start real processes, as a deployment does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from analyzer.bench.limits import PUBLISHED, UNLIMITED, per_market, rate_bound_s
from analyzer.config import Limits, Settings
from analyzer.launch import sandboxed
from analyzer.lookup.engine import Analyzer
from analyzer.markets.registry import MARKETS
from analyzer.net.shared_state import PREFIX_ENV, redis_client
from analyzer.sandbox import SandboxConfig, start_sandbox
from analyzer.sandbox.server import sandbox_settings

ROOT = Path(__file__).resolve().parents[2]


def quote_costs(analyzer: Analyzer, shoes: Sequence[str], size: str = "10", *, at_once: bool = True) -> list[dict[str, Any]]:
    """What each market's quote of each shoe cost; `at_once` = the shoes in parallel (compare)."""
    results = analyzer.compare(list(shoes), size) if at_once else [analyzer.lookup(s, size) for s in shoes]
    return [{"shoe": shoe, "market": market, "ok": q.ok, "error": q.error, "calls": q.calls,
             "cache_hits": q.cache_hits, "rate_limited": q.rate_limited, "retries": q.retries}
            for shoe, result in zip(shoes, results, strict=True) for market, q in result.quotes.items()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analyzer.bench.replicas", description="one replica: quote shoes, print costs")
    parser.add_argument("shoes", nargs="+")
    parser.add_argument("--sandbox-url", required=True)
    parser.add_argument("--limits", default="", help="client limits as the sandbox names them, JSON "
                                                     '({"stockx_rate_per_sec": 1, ...}); default: the published ones')
    parser.add_argument("--max-retries", type=int)
    parser.add_argument("--breaker-fail-max", type=int)
    parser.add_argument("--one-by-one", action="store_true", help="one shoe after another, not in parallel")
    parser.add_argument("--start-at", type=float, default=0.0, help="epoch seconds to wait for, so replicas start together")
    return parser


def worker_main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    limits = SandboxConfig.of(**json.loads(args.limits)) if args.limits else SandboxConfig()
    settings = sandbox_settings(Settings.from_env(), args.sandbox_url.rstrip("/"), limits)
    changes = {"max_retries": args.max_retries, "breaker_fail_max": args.breaker_fail_max}
    settings = settings.with_(**{k: v for k, v in changes.items() if v is not None})
    analyzer = Analyzer(settings)
    state = analyzer.markets[0].http.shared_state  # type: ignore[attr-defined]
    time.sleep(max(0.0, args.start_at - time.time()))
    started = time.time()
    costs = quote_costs(analyzer, args.shoes, at_once=not args.one_by_one)
    print(json.dumps({"state": state, "started": started, "finished": time.time(), "quotes": costs}))
    return 0


def start_replica(sandbox_url: str, shoes: Sequence[str], env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "analyzer.bench.replicas", "--sandbox-url", sandbox_url, *extra, *shoes],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def finish(process: subprocess.Popen[str], timeout_s: float = 600) -> dict[str, Any]:
    out, err = process.communicate(timeout=timeout_s)
    if process.returncode != 0:
        raise RuntimeError(f"a replica failed ({process.returncode}): {err.strip()[-500:]}")
    return json.loads(out.strip().splitlines()[-1])


def replica_env(redis_url: str | None, prefix: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "ANALYZER_SANDBOX_URL")}
    env.update(ANALYZER_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT), **{PREFIX_ENV: prefix})
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def drop_prefix(redis_url: str, prefix: str) -> None:
    client = redis_client(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)


def shared_rate_bound_s(calls: dict[str, int], latency_s: float, limits: dict[str, float]) -> float:
    """The fastest one API key allows, however many processes use it: each market's calls beyond
    its burst at its rate, plus one latency for the last answer."""
    return rate_bound_s(calls, per_market(limits, list(calls)), latency_s)


def calls_needed(shoes: Sequence[str], latency_ms: float) -> dict[str, int]:
    """The calls these shoes cost one client quoting them cold, measured on a sandbox with no limit."""
    config = SandboxConfig.of(latency_ms=(latency_ms, latency_ms), seed=1, **UNLIMITED)
    with sandboxed(config, prefix="analyzer-needed-") as (analyzer, sandbox):
        analyzer.compare(list(shoes), "10")
        return dict(sandbox.counters.requests)


def replicas(shoes: Sequence[str], redis_url: str | None, *, processes: int = 3, latency_ms: float = 150.0,
             limits: dict[str, float] | None = None) -> dict[str, Any]:
    """`processes` real processes on one key, each quoting its own cold shoes at the same moment,
    against a sandbox with the published limits (each process is told them, as a replica would be)."""
    limits = limits or PUBLISHED
    per = len(shoes) // processes
    sandbox = start_sandbox(SandboxConfig.of(latency_ms=(latency_ms, latency_ms), seed=1, **limits))
    prefix = f"bench-{uuid.uuid4().hex[:12]}"
    work = Path(tempfile.mkdtemp(prefix="analyzer-replicas-"))
    try:
        start_at = time.time() + 3.0  # every replica imports and connects first, then all begin together
        running = [start_replica(sandbox.url, shoes[i * per:(i + 1) * per], replica_env(redis_url, prefix, work / f"r{i}"),
                                 "--start-at", f"{start_at:.3f}", "--limits", json.dumps(limits))
                   for i in range(processes)]
        reports = [finish(p) for p in running]
    finally:
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)
        if redis_url:
            drop_prefix(redis_url, prefix)
    quotes = [q for r in reports for q in r["quotes"]]
    span = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
    calls = dict(sandbox.counters.requests)
    target = calls_needed(shoes[:per * processes], latency_ms)
    bound = shared_rate_bound_s(target, latency_ms / 1000, limits)
    return {"processes": processes, "shoes": per * processes, "latency_ms": latency_ms, "limits": limits,
            "shared_state": sorted({r["state"] for r in reports}),
            "quoted": sum(q["ok"] for q in quotes), "quotes": len(quotes),
            "rate_limited": sum(sandbox.counters.rate_limited.values()), "calls": calls,
            "calls_target": target,
            "retries": sum(q["retries"] for q in quotes), "span_s": round(span, 2), "bound_s": round(bound, 2),
            "span_vs_bound": round(span / bound, 3)}


def same_shoe(shoe: str, *, lookups: int = 8, latency_ms: float = 150.0) -> dict[str, Any]:
    """`lookups` users asking one cold shoe at the same moment in one process, against the calls of
    one lookup measured beside it on a sandbox of its own."""
    counts: dict[str, dict[str, int]] = {}
    elapsed: dict[str, float] = {}
    quoted: dict[str, int] = {}
    for name, n in (("one_lookup", 1), ("same_shoe", lookups)):
        sandbox = start_sandbox(SandboxConfig.of(latency_ms=(latency_ms, latency_ms), seed=1, **UNLIMITED))
        data_dir = Path(tempfile.mkdtemp(prefix="analyzer-same-shoe-"))
        try:
            settings = sandbox.settings_for(Settings(data_dir=data_dir, max_workers=n))
            analyzer = Analyzer(settings.with_(**{m.limits_setting: Limits(1000, 1000) for m in MARKETS}))
            started = time.perf_counter()
            with ThreadPoolExecutor(n) as pool:
                results = list(pool.map(analyzer.lookup, [shoe] * n, ["10"] * n))
            elapsed[name] = time.perf_counter() - started
            counts[name] = dict(sandbox.counters.requests)
            quoted[name] = sum(r.success for r in results)
        finally:
            sandbox.stop()
            shutil.rmtree(data_dir, ignore_errors=True)
    total = sum(counts["same_shoe"].values())
    return {"lookups": lookups, "latency_ms": latency_ms, "quoted": quoted["same_shoe"], "calls": counts["same_shoe"],
            "one_lookup_calls": counts["one_lookup"], "calls_vs_one_lookup": round(total / sum(counts["one_lookup"].values()), 3),
            "wall_s": round(elapsed["same_shoe"], 3), "one_lookup_wall_s": round(elapsed["one_lookup"], 3)}


if __name__ == "__main__":
    raise SystemExit(worker_main())
