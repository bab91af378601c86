"""The watch worker's plan: which watched pairs to refresh in this run, by product (one market-data
call answers every size), within the background share of each market's day (`analyzer.net.budget`),
by `analyzer.services.schedule`. Without a daily budget every pair is refreshed, as before."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from analyzer.net.budget import DayBudget
from analyzer.services.schedule import Pair, Plan, ProductState, plan, promise_s
from analyzer.store.watch_repo import Watch

HEADROOM = 0.6
"""The share of the key's bucket that must be full before the background refreshes by value."""
TARGETS = ("sell_now_above", "list_above", "ask_below")


def product_key(watch: Watch) -> str:
    """The product a pair belongs to: its first matched market's product, else its query."""
    if watch.resolved:
        market = sorted(watch.resolved)[0]
        return f"{market}:{watch.resolved[market]['product_id']}"
    return f"query:{' '.join(watch.query.lower().split())}"


def _epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None


def promise(watched: Sequence[Watch], days: Sequence[DayBudget]) -> float | None:
    """The longest a watched pair waits (seconds) under the tightest market's background share."""
    products = {product_key(w) for w in watched}
    bounds = [promise_s(len(products), d.background_calls_per_day) for d in days]
    return max((b for b in bounds if b is not None), default=None)


def nearness(rows: Sequence[Mapping[str, object]]) -> dict[int, float]:
    """Per watch (rows of `watch.overview`), how far its nearest target is from the value at the last
    reading, as a share of the target; watches with no reading are left out."""
    out: dict[int, float] = {}
    for row in rows:
        gaps = [abs(float(t["value"]) - float(t["threshold"])) / float(t["threshold"])  # type: ignore[arg-type]
                for t in (row.get(k) for k in TARGETS)
                if isinstance(t, Mapping) and t.get("value") is not None and t.get("threshold")]
        if gaps:
            out[int(row["id"])] = min(gaps)  # type: ignore[call-overload]
    return out


@dataclass
class Readings:
    """The worker's own last readings of each product (when, value), kept across its runs, so the
    planner knows how fast each moves per second. One series per product: its first pair's first
    target with a value (another size or price would be another series)."""

    keep: int = 8
    series: dict[str, tuple[tuple[int, str], list[tuple[float, float]]]] = field(default_factory=dict)

    def note(self, watched: Sequence[Watch], rows: Sequence[Mapping[str, object]]) -> None:
        """Add each product's newest reading from `rows` (of `watch.overview`)."""
        by_id = {int(row["id"]): row for row in rows}  # type: ignore[call-overload]
        for w in sorted(watched, key=lambda w: w.id):
            row, product = by_id.get(w.id), product_key(w)
            at = _epoch(w.checked_at)
            if row is None or at is None or (product in self.series and self.series[product][0][0] != w.id):
                continue
            target = next((k for k in TARGETS if isinstance(row.get(k), Mapping)
                           and row[k].get("value") is not None), None)  # type: ignore[union-attr]
            if target is None:
                continue
            key, seen = self.series.get(product, ((w.id, target), []))
            if key != (w.id, target):
                key, seen = (w.id, target), []
            if not seen or at > seen[-1][0]:
                seen = [*seen, (at, float(row[target]["value"]))][-self.keep:]  # type: ignore[index]
            self.series[product] = (key, seen)

    def state(self, product: str, refreshed_at: float | None) -> ProductState:
        seen = self.series.get(product, ((0, ""), []))[1]
        return ProductState(refreshed_at, [v for _, v in seen], [t for t, _ in seen])


def tick_budget(days: Sequence[DayBudget], tick_s: float) -> tuple[int, int]:
    """(capacity, by value) for one tick: the background's pace over the tick, twice it to catch up
    with the promise; by value only while the key's bucket has room to spare (a peak of lookups
    leaves the background only what the promise needs)."""
    steady = max(1, math.ceil(min(d.background_calls_per_day for d in days) / 86_400 * tick_s))
    capacity = min(min(d.background_left() for d in days), 2 * steady)
    return capacity, steady if min(d.headroom() for d in days) > HEADROOM else 0


def plan_watches(watched: Sequence[Watch], days: Sequence[DayBudget | None], now: float, tick_s: float,
                 near: Mapping[int, float] | None = None, readings: Readings | None = None) -> tuple[list[Watch], Plan | None]:
    """The pairs to check now (every pair of each planned product) and the plan; (all, None) without a day.
    `near`: per watch id, how near its target it was at the last reading (`nearness`); `readings`: the
    worker's own recent readings per product, for how fast each moves."""
    budgets = [d for d in days if d is not None]
    if not budgets or not watched:
        return list(watched), None
    states: dict[str, ProductState] = {}
    for w in watched:
        at = _epoch(w.checked_at)
        state = states.setdefault(product_key(w), ProductState(at))
        if state.refreshed_at is not None and (at is None or at < state.refreshed_at):
            state.refreshed_at = at  # the product is as old as its oldest pair
    if readings is not None:
        states = {p: readings.state(p, s.refreshed_at) for p, s in states.items()}
    capacity, spare = tick_budget(budgets, tick_s)
    near = near or {}
    planned = plan([Pair(w.owner, product_key(w), near.get(w.id)) for w in watched], states, now, capacity,
                   promise(watched, budgets), tick_s, spare)
    chosen = set(planned.products)
    return [w for w in watched if product_key(w) in chosen], planned
