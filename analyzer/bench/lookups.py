"""The benchmark: sequential, parallel and cached lookups side by side, against the lower bound.

Every workload runs against its own sandbox (fresh token buckets, fixed latency) and on a fresh
cache, and reports what it measured. Nothing here is a target; the targets live in the docs.
"""

from __future__ import annotations

import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analyzer.bench.limits import PUBLISHED, UNLIMITED, per_market, rate_bound_s
from analyzer.config import Settings
from analyzer.domain.models import LookupResult
from analyzer.launch import sandboxed
from analyzer.lookup.engine import Analyzer
from analyzer.sandbox import SandboxConfig
from analyzer.sandbox.app import ALL_FAULT_KINDS
from analyzer.sandbox.prices import load_catalog
from analyzer.sandbox.server import sandbox_settings

Progress = Callable[[str, float], None]
DESIGN = {"sequential_s": 31.96, "parallel_s": 13.24, "improvement_pct": 48.2, "success_rate": 0.80}
RESULT_FILE = "bench.json"


def bench_shoes(n: int) -> list[str]:
    catalog = load_catalog()
    if not 1 <= n <= len(catalog):
        raise ValueError(f"--shoes must be 1 to {len(catalog)}, the shoes in the sandbox catalog")
    return [shoe.style_ids[0] for shoe in catalog[:n]]


@dataclass(frozen=True)
class Target:
    """Where the workloads send their calls: a fresh sandbox of their own each (`faults` the share of
    answers that fail, stalls left to the fault-storm test), or a sandbox someone started
    (ANALYZER_SANDBOX_URL: its own latency, limits and faults, which the figures then reflect)."""

    url: str | None = None
    faults: float = 0.0

    def describe(self) -> dict[str, Any]:
        return {"sandbox": self.url or "own", "faults": None if self.url else self.faults}


@contextmanager
def _market(latency_ms: float, limits: dict[str, float], market_ttl_s: float = 1800.0,
            target: Target = Target()) -> Iterator[tuple[Analyzer, Any]]:
    """A fresh sandbox (or the one at target.url) and a fresh cache, the client told the sandbox's rate and burst.
    The second value is the sandbox's counters, None for a sandbox started elsewhere."""
    if target.url:
        data_dir = Path(tempfile.mkdtemp(prefix="analyzer-bench-"))
        base = Settings(data_dir=data_dir, market_ttl_s=market_ttl_s)
        try:
            yield Analyzer(sandbox_settings(base, target.url.rstrip("/"), SandboxConfig())), None
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        return
    kinds = tuple(k for k in ALL_FAULT_KINDS if k != "stall")
    config = SandboxConfig.of(latency_ms=(latency_ms, latency_ms), seed=1, fault_rate=target.faults, fault_kinds=kinds, **limits)
    with sandboxed(config, Settings(market_ttl_s=market_ttl_s), prefix="analyzer-bench-") as (analyzer, sandbox):
        yield analyzer, sandbox.counters


def _figures(results: Sequence[LookupResult], wall_s: float) -> dict[str, Any]:
    markets = results[0].quotes.keys() if results else ()
    return {
        "wall_s": round(wall_s, 3),
        "lookups": len(results),
        "success_rate": round(sum(r.success for r in results) / len(results), 4) if results else None,
        "calls": {m: sum(r.quotes[m].calls for r in results) for m in markets},
        "cache_hits": {m: sum(r.quotes[m].cache_hits for r in results) for m in markets},
        "rate_limited": sum(q.rate_limited for r in results for q in r.quotes.values()),
        "retries": sum(q.retries for r in results for q in r.quotes.values()),
    }


def _timed(work: Callable[[], list[LookupResult]]) -> dict[str, Any]:
    started = time.perf_counter()
    results = work()
    return _figures(results, time.perf_counter() - started)


def _sequential_batch(analyzer: Analyzer, shoes: Sequence[str]) -> list[LookupResult]:
    return [analyzer.lookup(shoe, 10, mode="sequential") for shoe in shoes]


def batch_bound_s(calls: dict[str, int], latency_s: float, limits: dict[str, float]) -> float:
    """The fastest any client could finish: each market's calls beyond its burst at its rate, plus
    one latency for the last answer; never less than two round trips."""
    return max(rate_bound_s(calls, per_market(limits, list(calls)), latency_s), 2 * latency_s)


def single_cold(shoe: str, latency_ms: float, rounds: int, target: Target = Target()) -> dict[str, Any]:
    times: dict[str, list[float]] = {"sequential": [], "parallel": []}
    results: list[LookupResult] = []
    with _market(latency_ms, UNLIMITED, target=target) as (analyzer, counters):
        for _ in range(rounds):
            for mode in times:
                analyzer.clear_cache()
                started = time.perf_counter()
                results.append(analyzer.lookup(shoe, 10, mode=mode))
                times[mode].append(time.perf_counter() - started)
        sent = counters.requests if counters is not None else _figures(results, 0)["calls"]
        calls = {m: n // (2 * rounds) for m, n in sent.items()}
    seq, par = statistics.median(times["sequential"]), statistics.median(times["parallel"])
    # Sequential is one round trip per call; parallel is two (the search, then the rest at once).
    in_a_row = max(1, sum(calls.values()))
    return {"rounds": rounds, "success_rate": _figures(results, 0)["success_rate"],
            "sequential_median_s": round(seq, 4), "parallel_median_s": round(par, 4),
            "parallel_vs_sequential": round(par / seq, 4), "bound": round(2 / in_a_row, 4), "calls": calls,
            "latency_floor_s": {"sequential": in_a_row * latency_ms / 1000, "parallel": 2 * latency_ms / 1000}}


def batch_cold(shoes: Sequence[str], latency_ms: float, target: Target = Target()) -> dict[str, Any]:
    with _market(latency_ms, PUBLISHED, target=target) as (analyzer, _):
        sequential = _timed(lambda: _sequential_batch(analyzer, shoes))
    with _market(latency_ms, PUBLISHED, target=target) as (analyzer, _):
        parallel = _timed(lambda: analyzer.compare(shoes, 10))
    bound = batch_bound_s(parallel["calls"], latency_ms / 1000, PUBLISHED)
    return {"shoes": len(shoes), "limits": PUBLISHED, "sequential": sequential, "parallel": parallel,
            "bound_s": round(bound, 3), "batch_ratio_to_bound": round(parallel["wall_s"] / bound, 4),
            "parallel_vs_sequential": round(parallel["wall_s"] / sequential["wall_s"], 4)}


def warm_and_cached(shoes: Sequence[str], latency_ms: float, target: Target = Target()) -> tuple[dict[str, Any], dict[str, Any]]:
    """After the market data expire the catalog is reused; within the TTL nothing is sent at all."""
    with _market(latency_ms, UNLIMITED, market_ttl_s=1.0, target=target) as (analyzer, _):
        analyzer.compare(shoes, 10)
        time.sleep(2.2)  # twice the TTL: on a loaded machine the last answers are stored late, and must expire too
        warm = _timed(lambda: analyzer.compare(shoes, 10))
        warm["calls_per_lookup"] = {m: round(c / len(shoes), 3) for m, c in warm["calls"].items()}
    with _market(latency_ms, UNLIMITED, target=target) as (analyzer, _):
        analyzer.compare(shoes, 10)
        timings: list[float] = []
        results: list[LookupResult] = []
        for _ in range(3):
            for shoe in shoes:
                started = time.perf_counter()
                results.append(analyzer.lookup(shoe, 10))
                timings.append((time.perf_counter() - started) * 1000)
        other_size = [analyzer.lookup(shoe, 11) for shoe in shoes]
        cached = _figures(results, sum(timings) / 1000)
        ordered = sorted(timings)
        cached.update(cached_p50_ms=round(statistics.median(ordered), 2),
                      cached_p95_ms=round(ordered[max(0, int(0.95 * len(ordered) + 0.999) - 1)], 2),
                      other_size_calls=sum(q.calls for r in other_size for q in r.quotes.values()))
    return warm, cached


def design_test(shoes: Sequence[str], latency_ms: float, target: Target = Target()) -> dict[str, Any]:
    five = list(shoes[:5])
    with _market(latency_ms, PUBLISHED, target=target) as (analyzer, _):
        sequential = _timed(lambda: _sequential_batch(analyzer, five))
    with _market(latency_ms, PUBLISHED, target=target) as (analyzer, _):
        parallel = _timed(lambda: analyzer.compare(five, 10))
    improvement = 100 * (1 - parallel["wall_s"] / sequential["wall_s"])
    return {"shoes": len(five), "sequential": sequential, "parallel": parallel,
            "improvement_pct": round(improvement, 1), "design": DESIGN}


def run_bench(shoes: int = 12, latency_ms: float = 250.0, rounds: int = 5, progress: Progress | None = None,
              target: Target = Target()) -> dict[str, Any]:
    """The standard workloads; ValueError (one line) for options out of range, before anything runs."""
    validate("standard", shoes, latency_ms, rounds, target.faults)
    names = bench_shoes(shoes)
    report = progress or (lambda message, fraction: None)
    started = time.perf_counter()
    report("single cold: one shoe, sequential vs parallel", 0.0)
    single = single_cold(names[0], latency_ms, rounds, target)
    report("batch cold at the published limits (about a minute)", 0.15)
    batch = batch_cold(names, latency_ms, target)
    report("warm catalog and cached lookups", 0.7)
    warm, cached = warm_and_cached(names, latency_ms, target)
    report("5 shoes, as the tool was first tested", 0.8)
    design = design_test(names, latency_ms, target)
    report("done", 1.0)
    workloads = {"single_cold": single, "batch_cold": batch, "warm_catalog": warm, "cached": cached, "design_test": design}
    every = [batch["sequential"], batch["parallel"], warm, cached, design["sequential"], design["parallel"]]
    return {
        "machine": _machine(),
        "settings": {"shoes": shoes, "latency_ms": latency_ms, "rounds": rounds, **target.describe()},
        "parallel_vs_sequential": single["parallel_vs_sequential"],
        "batch_ratio_to_bound": batch["batch_ratio_to_bound"],
        "cached_p50_ms": cached["cached_p50_ms"],
        "cached_p95_ms": cached["cached_p95_ms"],
        "success_rate": round(min(w["success_rate"] for w in [*every, single]), 4),
        "rate_limited": sum(w["rate_limited"] for w in every),
        "total_s": round(time.perf_counter() - started, 1),
        "workloads": workloads,
    }


def _machine() -> dict[str, Any]:
    import os
    import platform

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(terse=True)}


def save(result: dict[str, Any], data_dir: Path, name: str = RESULT_FILE) -> Path:
    path = Path(data_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    result.setdefault("ran_at", datetime.now(UTC).isoformat(timespec="seconds"))
    path.write_text(json.dumps(result, indent=2))
    return path


def load_last(data_dir: Path) -> dict[str, Any] | None:
    path = Path(data_dir) / RESULT_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


WORKLOADS = ("standard", "replicas", "same-shoe")
DEFAULT_SHOES = {"standard": 12, "replicas": 8, "same-shoe": 8}
DEFAULT_LATENCY_MS = {"standard": 250.0, "replicas": 150.0, "same-shoe": 150.0}
REPLICAS = 3
MAX_LATENCY_MS = 10_000.0
MAX_ROUNDS = 100


@dataclass(frozen=True)
class Options:
    workload: str
    shoes: int
    latency_ms: float
    rounds: int
    faults: float = 0.0


def _number(raw: object, name: str, kind: type) -> float:
    try:
        value = kind(str(raw).strip())
    except ValueError:
        raise ValueError(f"{name} must be {'a whole number' if kind is int else 'a number'}, not {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {raw!r}")
    return value


def validate(workload: object = "standard", shoes: object = None, latency_ms: object = None, rounds: object = 5,
             faults: object = 0.0) -> Options:
    """The benchmark's options checked before anything starts; ValueError with a one-line message.
    `shoes` means shoes for `standard`, shoes per replica for `replicas`, and concurrent lookups of
    one shoe for `same-shoe`."""
    name = str(workload).strip().lower().replace("_", "-")
    if name not in WORKLOADS:
        raise ValueError(f"--workload must be one of {', '.join(WORKLOADS)}, not {workload!r}")
    count = int(_number(DEFAULT_SHOES[name] if shoes is None else shoes, "--shoes", int))
    catalog = len(load_catalog())
    most = {"standard": catalog, "replicas": catalog // REPLICAS, "same-shoe": 32}[name]
    if not 1 <= count <= most:
        what = {"standard": "the shoes in the sandbox catalog", "replicas": f"the catalog's {catalog} shoes shared by "
                f"{REPLICAS} replicas", "same-shoe": "concurrent lookups"}[name]
        raise ValueError(f"--shoes must be 1 to {most} ({what}), not {count}")
    latency = _number(DEFAULT_LATENCY_MS[name] if latency_ms is None else latency_ms, "--latency-ms", float)
    if not 0 <= latency <= MAX_LATENCY_MS:
        raise ValueError(f"--latency-ms must be 0 to {MAX_LATENCY_MS:g}, not {latency:g}")
    count_rounds = int(_number(rounds, "--rounds", int))
    if not 1 <= count_rounds <= MAX_ROUNDS:
        raise ValueError(f"--rounds must be 1 to {MAX_ROUNDS}, not {count_rounds}")
    share = _number(faults, "--faults", float)
    if not 0 <= share <= 1:
        raise ValueError(f"--faults must be 0 to 1 (the share of answers that fail), not {share:g}")
    if share and name != "standard":
        raise ValueError("--faults applies to the standard workload only")
    return Options(name, count, latency, count_rounds, share)


def run_workload(options: Options, redis_url: str | None) -> dict[str, Any]:
    """`replicas` and `same-shoe` (analyzer.bench.replicas); the standard benchmark is `run_bench`."""
    from analyzer.bench.replicas import replicas, same_shoe

    started = time.perf_counter()
    if options.workload == "same-shoe":
        figures = same_shoe(bench_shoes(1)[0], lookups=options.shoes, latency_ms=options.latency_ms)
    else:
        shoes = bench_shoes(options.shoes * REPLICAS)
        # The same run without Redis, side by side: what sharing the key's state changes.
        figures = {"redis": replicas(shoes, redis_url, processes=REPLICAS, latency_ms=options.latency_ms),
                   "in_process": replicas(shoes, None, processes=REPLICAS, latency_ms=options.latency_ms)}
    return {"machine": _machine(), "workload": options.workload,
            "settings": {"shoes": options.shoes, "latency_ms": options.latency_ms},
            "total_s": round(time.perf_counter() - started, 1), "figures": figures}


def run_cli(shoes: object = None, latency_ms: object = None, rounds: object = 5, as_json: bool = False,
            workload: object = "standard", faults: object = 0.0, **pages: Any) -> int:
    if str(workload).strip().lower() == "pages":  # Chromium against streamlit run: analyzer.bench.pages
        from analyzer.bench.pages import run_cli as pages_cli

        return pages_cli(rounds=rounds, as_json=as_json, **pages)
    if str(workload).strip().lower() == "day":  # one key's day on an injected clock: analyzer.bench.day
        from analyzer.bench.day import run_cli as day_cli

        return day_cli(as_json=as_json)
    from analyzer.config import Settings
    from analyzer.console import shares

    try:
        options = validate(workload, shoes, latency_ms, rounds, faults)
        settings = Settings.from_env()
        if options.faults and settings.sandbox_url:
            raise ValueError("--faults sets the faults of the bench's own sandboxes; the one at ANALYZER_SANDBOX_URL "
                             "keeps its own (python -m analyzer sandbox --faults)")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    target = Target(settings.sandbox_url, options.faults)
    redis_url = settings.redis_url
    if options.workload == "replicas" and not redis_url:
        print("error: --workload replicas needs REDIS_URL (the Redis the replicas share), e.g. redis://127.0.0.1:6379/0",
              file=sys.stderr)
        return 2
    if options.workload != "standard":  # progress on stderr, whatever stdout is: a bar on a terminal, lines in a pipe
        with shares("benchmark") as report:
            report(f"{options.workload} (about {'4 min' if options.workload == 'replicas' else '5 s'})", 0.0)
            result = run_workload(options, redis_url)
            report("done", 1.0)
        save(result, settings.data_dir, f"bench-{options.workload}.json")
        print(json.dumps(result, indent=2) if as_json else workload_lines(result))
        return 0
    with shares("benchmark") as report:
        result = run_bench(options.shoes, options.latency_ms, options.rounds, report, target=target)
    save(result, settings.data_dir)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


def workload_lines(result: dict[str, Any]) -> str:
    figures = result["figures"]
    if result["workload"] == "same-shoe":
        return (f"same shoe: {figures['lookups']} concurrent lookups of one cold shoe made {figures['calls']['stockx']} StockX + "
                f"{figures['calls']['alias']} Alias calls (one lookup: {figures['one_lookup_calls']['stockx']} + "
                f"{figures['one_lookup_calls']['alias']}), {figures['quoted']}/{figures['lookups']} quoted, {figures['wall_s']} s")
    lines = []
    for name, f in figures.items():
        lines.append(f"replicas ({name.replace('_', '-')}): {f['processes']} processes x {f['shoes'] // f['processes']} cold shoes: "
                     f"{f['quoted']}/{f['quotes']} quoted, {f['rate_limited']} 429s, calls StockX {f['calls']['stockx']}/"
                     f"{f['calls_target']['stockx']} Alias {f['calls']['alias']}/{f['calls_target']['alias']} (made/needed), "
                     f"span {f['span_s']} s = {f['span_vs_bound']} x the shared rate bound ({f['bound_s']} s)")
    return "\n".join(lines)


def print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    w = result["workloads"]
    where = result["settings"].get("sandbox", "own")
    faults = result["settings"].get("faults") or 0
    table = Table(title=f"Benchmark: {result['settings']['shoes']} shoes, " + (
        f"{result['settings']['latency_ms']:g} ms latency (sandbox{f', {faults:.0%} faults' if faults else ''})"
        if where == "own" else f"the sandbox at {where}") + f", {result['total_s']} s")
    for column in ("workload", "wall", "calls StockX/Alias", "429s", "retries", "success", "figure"):
        table.add_column(column)

    def row(name: str, fig: dict[str, Any], figure: str) -> None:
        calls = fig.get("calls", {})
        table.add_row(name, f"{fig['wall_s']:.2f} s", f"{calls.get('stockx', 0)}/{calls.get('alias', 0)}", str(fig["rate_limited"]),
                      str(fig["retries"]), f"{fig['success_rate']:.0%}", figure)

    single = w["single_cold"]
    table.add_row("single cold", f"seq {single['sequential_median_s']:.3f} s / par {single['parallel_median_s']:.3f} s",
                  f"{single['calls']['stockx']}/{single['calls']['alias']} each", "-", "-", "-",
                  f"parallel/sequential {single['parallel_vs_sequential']:.3f} (bound {single['bound']:.2f})")
    batch = w["batch_cold"]
    row("batch cold, sequential", batch["sequential"], "")
    row("batch cold, parallel", batch["parallel"], f"{batch['batch_ratio_to_bound']:.3f} x bound ({batch['bound_s']:.2f} s)")
    per_lookup = w["warm_catalog"]["calls_per_lookup"]
    row("warm catalog", w["warm_catalog"], f"calls per lookup: StockX {per_lookup['stockx']:g}, Alias {per_lookup['alias']:g}")
    cached = w["cached"]
    row("cached", cached, f"p50 {cached['cached_p50_ms']:.1f} ms, p95 {cached['cached_p95_ms']:.1f} ms; "
                          f"other size: {cached['other_size_calls']} calls")
    design = w["design_test"]
    row("design test, sequential", design["sequential"], f"design measured {DESIGN['sequential_s']} s")
    row("design test, parallel", design["parallel"], f"{design['improvement_pct']}% faster (design: {DESIGN['parallel_s']} s, "
                                                     f"{DESIGN['improvement_pct']}% faster, {DESIGN['success_rate']:.0%} success)")
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    console.print(table)
