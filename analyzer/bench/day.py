"""`python -m analyzer bench --workload day`: one key's day in seconds, on an injected clock.

The real limiter (the key's token bucket with the day as its second rate, the background share, the
interactive reserve: `analyzer.net.budget`) and the real planner (`analyzer.services.schedule`) run
against the sandbox's books (`analyzer.sandbox.prices`, in process) with prices that move: each
product walks every 15 minutes, some calmly, some fast. Three replicas' worth of interactive lookups
follow a recorded hourly pattern; 1,000 watched pairs over 300 products for 5 owners (one holding
most of them) are refreshed by the watch worker's plan every minute. An oracle that saw every price
says which alerts should have fired, and when.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analyzer.config import Limits
from analyzer.markets import registry
from analyzer.net.budget import BudgetSpent, DayBudget, ManualClock, day_budget, day_rate
from analyzer.net.session import token_rate
from analyzer.net.shared_state import LocalState
from analyzer.sandbox import prices
from analyzer.services.schedule import Pair, ProductState, plan, promise_s
from analyzer.services.watch_plan import tick_budget

START = 1_790_000_000.0  # a fixed midnight-ish instant; the clock never reads the wall
STEP_S = 900.0  # prices move every 15 minutes
SIGMAS = (0.001, 0.003, 0.003, 0.008)  # a step's move: calm, usual (about 3% a day) and fast products
TICK_S = 60.0  # the watch worker plans every minute
DAY_S = 86_400.0
# Interactive lookups per hour across the three replicas (a recorded weekday: quiet nights, an evening peak).
PATTERN = (30, 20, 15, 12, 12, 20, 45, 90, 140, 170, 180, 190, 210, 200, 190, 180, 190, 220, 260, 280, 250, 190, 120, 60)
CALLS_PER_LOOKUP = 2  # a search and the market data (the catalog answer is cached for a day)
OWNER_WEIGHTS = (0.55, 0.2, 0.12, 0.08, 0.05)
READINGS = 8  # the worker's last readings of a product (price and when) that the planner sees


@dataclass
class World:
    """Products, their moving prices and the watched pairs (one ask_below target each)."""

    base: list[float]
    walks: list[list[float]]
    pairs: list[tuple[str, int, float, float]]  # owner, product, size factor, target
    positions: dict[int, float] = field(default_factory=dict)

    def product_price(self, product: int, t: float) -> float:
        step = min(len(self.walks[product]) - 1, max(0, int((t - START) // STEP_S)))
        return self.base[product] * self.walks[product][step]

    def price(self, pair: int, t: float) -> float:
        _, product, factor, _ = self.pairs[pair]
        return self.product_price(product, t) * factor


def make_world(products: int, pairs: int, seed: int) -> World:
    rng = random.Random(seed)
    shoes = prices.load_catalog()
    base, walks = [], []
    for i in range(products):
        shoe = shoes[i % len(shoes)]
        size = shoe.sizes[len(shoe.sizes) // 2]
        ask = prices.book(shoe, "stockx", size).lowest_ask or prices.value(shoe, size)
        base.append(float(ask) * (1 + 0.05 * (i // len(shoes))))
        sigma = rng.choice(SIGMAS)
        walk = [1.0]
        for _ in range(int(DAY_S // STEP_S) + 2):
            walk.append(walk[-1] * math.exp(rng.gauss(0, sigma)))
        walks.append(walk)
    chosen = []
    for k in range(pairs):
        owner = rng.choices(range(len(OWNER_WEIGHTS)), OWNER_WEIGHTS)[0]
        product = k if k < products else rng.randrange(products)  # every product watched at least once
        factor = rng.uniform(0.9, 1.2)
        target = base[product] * factor * rng.uniform(0.96, 0.995)
        chosen.append((f"owner{owner + 1}", product, factor, target))
    world = World(base, walks, chosen)
    world.positions = {i: rng.choice((0.0, 0.0, 0.0, 250.0, 1_500.0)) for i in range(pairs)}
    return world


def oracle(world: World) -> list[tuple[int, float]]:
    """Every (pair, time) an alert should fire: a target becoming met, knowing every price."""
    fired = []
    for i, (_, _, _, target) in enumerate(world.pairs):
        met = False
        for step in range(int(DAY_S // STEP_S)):
            t = START + step * STEP_S
            now_met = world.price(i, t) < target
            if now_met and not met:
                fired.append((i, t))
            met = now_met
    return fired


@dataclass
class Tally:
    calls: dict[str, int] = field(default_factory=lambda: {"lookup": 0, "watch": 0})
    refused: int = 0
    lookups: int = 0
    deferred: int = 0
    gaps: list[tuple[float, int]] = field(default_factory=list)  # (staleness at refresh, pairs it served)
    alerts: list[tuple[int, float]] = field(default_factory=list)


class Day:
    """One market's day: the events (lookups, the worker's ticks, each call) in time order."""

    def __init__(self, market: str, daily: int, share: float, world: World, seed: int) -> None:
        self.clock = ManualClock(START)
        self.world = world
        self.rng = random.Random(seed)
        published = registry.spec(market).published
        state = LocalState()
        key = f"{market}:bench"
        bucket = state.bucket(key, [token_rate(Limits(published.rate_per_sec, published.burst)), day_rate(daily)], self.clock)
        # Three replicas and the worker: one key, one bucket (as Redis would make it), one spend log.
        made = [day_budget(state, key, registry.spec(market).label, daily, share, bucket, self.clock) for _ in range(4)]
        self.replicas: list[DayBudget] = [d for d in made if d is not None]
        self.worker = self.replicas.pop()
        self.bg_per_s = self.worker.background.rates[0].limit / (self.worker.background.rates[0].interval / 1000)
        self.by_product: dict[int, list[int]] = {}
        for i, (_, product, _, _) in enumerate(world.pairs):
            self.by_product.setdefault(product, []).append(i)
        self.bound = promise_s(len(self.by_product), self.bg_per_s * DAY_S) or DAY_S
        self.states = {p: ProductState() for p in self.by_product}
        self.armed = [True] * len(world.pairs)
        self.tally = Tally()
        self.events: list[tuple[float, int, str, Any]] = []
        self._n = 0

    def at(self, t: float, kind: str, payload: Any = None) -> None:
        self._n += 1
        heapq.heappush(self.events, (t, self._n, kind, payload))

    def prime(self) -> None:
        """Yesterday's worker left every product refreshed at some point of the last promise."""
        for k, product in enumerate(sorted(self.by_product, key=lambda _: self.rng.random())):
            t = START - self.bound * (k + 1) / (len(self.by_product) + 1)
            self.refresh(product, t, measure=False)

    def schedule(self) -> None:
        for hour, n in enumerate(PATTERN):
            for _ in range(n):
                replica = self.rng.randrange(len(self.replicas))
                t = START + hour * 3600 + self.rng.uniform(0, 3600)
                for c in range(CALLS_PER_LOOKUP):
                    self.at(t + c * 0.3, "lookup", (replica, c == 0))
        for k in range(int(DAY_S // TICK_S)):
            self.at(START + k * TICK_S, "tick")

    def refresh(self, product: int, t: float, measure: bool = True) -> None:
        state = self.states[product]
        pairs = self.by_product[product]
        if measure and state.refreshed_at is not None:
            self.tally.gaps.append((t - state.refreshed_at, len(pairs)))
        state.refreshed_at = t
        state.history = [*state.history[-(READINGS - 1):], self.world.product_price(product, t)]
        state.times = [*state.times[-(READINGS - 1):], t]
        for i in pairs:
            met = self.world.price(i, t) < self.world.pairs[i][3]
            if met and self.armed[i]:
                self.tally.alerts.append((i, t))
            self.armed[i] = not met

    def tick(self, t: float) -> None:
        now = t
        wanted = []
        for i, (owner, product, factor, target) in enumerate(self.world.pairs):
            seen = self.states[product].history
            near = abs(seen[-1] * factor - target) / target if seen else None
            wanted.append(Pair(owner, str(product), near, self.world.positions[i]))
        # Spend at the background's own pace (twice it to catch up), never its whole burst at once.
        capacity, spare = tick_budget([self.worker], TICK_S)  # as the watch worker does
        planned = plan(wanted, {str(p): s for p, s in self.states.items()}, now, capacity, self.bound, TICK_S, spare)
        self.tally.deferred += planned.waiting
        for product in planned.products:
            self.at(t, "watch", int(product))

    def call(self, t: float, kind: str, payload: Any) -> None:
        day = self.worker if kind == "watch" else self.replicas[payload[0]]
        try:
            wait = day.take("watch" if kind == "watch" else "lookup")
        except BudgetSpent:
            if kind == "lookup":
                self.tally.refused += 1
            return
        if wait > 0:
            self.at(t + wait, kind, payload)
            return
        self.tally.calls["watch" if kind == "watch" else "lookup"] += 1
        if kind == "watch":
            self.refresh(payload, t)
        elif payload[1]:
            self.tally.lookups += 1

    def run(self) -> Tally:
        self.prime()
        self.schedule()
        while self.events:
            t, _, kind, payload = heapq.heappop(self.events)
            if t >= START + DAY_S:
                break
            self.clock.t = t
            self.tick(t) if kind == "tick" else self.call(t, kind, payload)
        for product, state in self.states.items():  # a pair still waiting at midnight counts too
            if state.refreshed_at is not None:
                self.tally.gaps.append((START + DAY_S - state.refreshed_at, len(self.by_product[product])))
        return self.tally


def _percentile(gaps: list[tuple[float, int]], q: float) -> float:
    ordered = sorted(gaps)
    total = sum(w for _, w in ordered)
    seen = 0
    for gap, weight in ordered:
        seen += weight
        if seen >= q * total:
            return gap
    return ordered[-1][0] if ordered else 0.0


def caught(expected: list[tuple[int, float]], fired: list[tuple[int, float]], bound: float) -> tuple[int, list[float]]:
    """Oracle alerts one of ours answered within `bound`, and each answered one's delay. Each of ours
    answers at most one: the oracle's last alert of that pair before it."""
    ours: dict[int, list[float]] = {}
    for i, t in sorted(fired):
        ours.setdefault(i, []).append(t)
    theirs: dict[int, list[float]] = {}
    for i, t in sorted(expected):
        theirs.setdefault(i, []).append(t)
    within, delays = 0, []
    for i, times in theirs.items():
        for k, t in enumerate(times):
            until = times[k + 1] if k + 1 < len(times) else math.inf
            answer = next((x for x in ours.get(i, []) if t <= x < until), None)
            if answer is not None:
                delays.append(answer - t)
                within += answer - t <= bound
    return within, delays


def run_market(market: str, daily: int, share: float, products: int = 300, pairs: int = 1000, seed: int = 23) -> dict[str, Any]:
    world = make_world(products, pairs, seed)
    day = Day(market, daily, share, world, seed)
    tally = day.run()
    expected = oracle(world)
    within, delays = caught(expected, tally.alerts, day.bound)
    longest = max(g for g, _ in tally.gaps)
    spent = sum(tally.calls.values())
    return {
        "market": market, "daily_budget": daily, "interactive_share": share,
        "calls": spent, "calls_by_purpose": tally.calls, "within_budget": spent <= daily,
        "interactive_lookups": tally.lookups, "interactive_refused": tally.refused,
        "products": len(day.by_product), "pairs": pairs, "owners": len(OWNER_WEIGHTS),
        "promised_staleness_min": round(day.bound / 60, 1),
        "longest_staleness_min": round(longest / 60, 1), "p95_staleness_min": round(_percentile(tally.gaps, 0.95) / 60, 1),
        "longest_vs_bound": round(longest / day.bound, 3),
        "oracle_alerts": len(expected), "alerts_fired": len(tally.alerts), "alerts_within_bound": within,
        "alerts_within_bound_pct": round(100 * within / max(1, len(expected)), 1),
        "alert_delay_median_min": round(sorted(delays)[len(delays) // 2] / 60, 1) if delays else None,
    }


def run_day(budgets: dict[str, int] | None = None, share: float = 0.30, seed: int = 23,
            progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    figures = {}
    for market, daily in (budgets or {"stockx": 25_000, "alias": 25_000}).items():
        if progress:
            progress(f"{market}: a day of {daily:,} calls")
        figures[market] = run_market(market, daily, share, seed=seed)
    return {"workload": "day", "figures": figures, "total_s": round(time.perf_counter() - started, 1)}


def run_cli(as_json: bool = False) -> int:
    import json
    import sys

    from analyzer.config import Settings

    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    daily = settings.daily_budget("stockx") or 25_000
    report = run_day({"stockx": daily, "alias": settings.daily_budget("alias") or daily}, settings.interactive_share,
                     progress=lambda line: print(line, file=sys.stderr, flush=True))
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    for market, f in report["figures"].items():
        print(f"{market}: {f['calls']:,} calls of a {f['daily_budget']:,} day ({f['calls_by_purpose']['lookup']:,} lookups' calls, "
              f"{f['calls_by_purpose']['watch']:,} the watch's); "
              f"{f['interactive_refused']} of {f['interactive_lookups']:,} lookups refused")
        print(f"  staleness: promised {f['promised_staleness_min']} min, longest {f['longest_staleness_min']} min "
              f"({f['longest_vs_bound']}x), p95 {f['p95_staleness_min']} min")
        print(f"  alerts: {f['alerts_within_bound']} of the oracle's {f['oracle_alerts']} within one bound "
              f"({f['alerts_within_bound_pct']}%), median delay {f['alert_delay_median_min']} min")
    print(f"({report['total_s']} s)")
    return 0
