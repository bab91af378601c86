"""`python -m analyzer portfolio bench`: value N positions on a sandbox of its own at its published
limits, cold (every pair through the limiter) and again within the TTL: calls, time, rate bound."""

from __future__ import annotations

import json
from time import perf_counter

from analyzer.bench.limits import rate_bound_s
from analyzer.config import Settings
from analyzer.domain.owners import LOCAL
from analyzer.domain.validation import InvalidInput
from analyzer.launch import sandboxed
from analyzer.sandbox import SandboxConfig
from analyzer.sandbox.prices import load_catalog
from analyzer.services import portfolio, portfolio_csv
from analyzer.store import Store

EXIT_OK = 0


def bench(positions: int, as_json: bool, settings: Settings) -> int:
    """Cold: every pair asked of the markets through the limiter; warm: again within the TTL."""
    if not 1 <= positions <= 500:
        raise InvalidInput("--positions runs from 1 to 500.")
    catalog = load_catalog()
    everywhere = {m for s in catalog for m in s.markets}  # a shoe of the catalog on every market it names
    shoes = [s.style_ids[0] for s in catalog if s.gender == "men" and set(s.markets) == everywhere and s.size_min <= 10 <= s.size_max]
    rows = "".join(f"{shoes[i % len(shoes)]},10,100\n" for i in range(positions))
    with sandboxed(SandboxConfig(), settings.with_(database_url=None), record=True,
                   prefix="analyzer-portfolio-") as (analyzer, sandbox):
        store = Store.open(analyzer.settings)
        portfolio_csv.import_csv(store, "style_id,size,cost\n" + rows, owner=LOCAL)
        started = perf_counter()
        cold = portfolio.value_portfolio(analyzer, store, owner=LOCAL)
        cold_s = perf_counter() - started
        calls = dict(sandbox.counters.requests)
        started = perf_counter()
        warm = portfolio.value_portfolio(analyzer, store, owner=LOCAL)
        warm_s = perf_counter() - started
        limits = {m: analyzer.settings.limits(m) for m in calls}
    bound = rate_bound_s(calls, limits)
    figures = {"positions": positions, "pairs": len(set(rows.splitlines())), "cold_s": round(cold_s, 2),
               "calls": calls, "rate_bound_s": round(bound, 2), "valued": sum(v.error is None for v in cold.valued),
               "warm_s": round(warm_s, 3), "warm_calls": sum(sandbox.counters.requests.values()) - sum(calls.values()),
               "warm_from_store": warm.from_store,
               "limits": {m: {"rate_per_sec": lim.rate_per_sec, "burst": lim.burst} for m, lim in limits.items()}}
    if as_json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{figures['positions']} positions ({figures['pairs']} pairs): {figures['cold_s']} s cold with "
              f"{sum(calls.values())} calls ({', '.join(f'{m} {n}' for m, n in calls.items())}); the rate bound is "
              f"{figures['rate_bound_s']} s. Again within the TTL: {figures['warm_s']} s, {figures['warm_calls']} calls.")
    return EXIT_OK
