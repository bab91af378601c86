"""Refresh by product, by value: which products the background budget refreshes now (pure: no IO).

One StockX market-data call answers every size of a product, and one Alias availabilities call too,
so the unit of work is a product, not a watched pair. Every product is promised a longest staleness,
`promise_s`: the background's calls a day, less a share kept for refreshing by value, spread over the
products. Each tick the plan takes, in this order:

1. the products that would break the promise before the next tick (oldest first), then
2. with what capacity is left, the products that matter most: the pairs likely to have crossed a target
   by the next tick (nearness in the product's own moves, from its readings and when they were read,
   spreading with the square root of the time since), a large position, long unrefreshed; never one
   just refreshed.

Owners take turns (round-robin) at both steps, so one person's 2,000-pair portfolio cannot push
another's 10 watches out of a tick.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

DAILY_MOVE = 0.03
"""The prior for a product's move: about 3% a day (one sigma), until its own readings say otherwise."""
PRIOR_S = 3_600.0
"""How much the prior weighs, as seconds of readings."""
NEAR_WEIGHT = 10.0
"""What a pair's likely crossing weighs against plain staleness."""
VALUE_SHARE = 0.5
"""Of the background's calls, the share kept for refreshing by value beyond the promise."""


@dataclass(frozen=True)
class Pair:
    """A watched pair (or a held position) as the planner sees it."""

    owner: str
    product: str
    nearness: float | None = None
    """|price - target| / target of its nearest target at the last reading; None when unknown."""
    position: float = 0.0
    """What is at stake (the value of the pairs held); 0 for a plain watch."""


@dataclass
class ProductState:
    refreshed_at: float | None = None
    history: Sequence[float] = ()
    """The product's recent prices (oldest first), for how fast it moves."""
    times: Sequence[float] = ()
    """When each of `history` was read (epoch s, same order); without them only the prior move counts."""


@dataclass(frozen=True)
class Plan:
    products: list[str]
    due: int
    by_value: int
    bound_s: float | None
    waiting: int = 0
    """Products not refreshed this tick."""
    owners: dict[str, int] = field(default_factory=dict)
    """Products planned per owner (the first owner who asked for it)."""


def promise_s(products: int, calls_per_day: float | None, calls_per_product: int = 1) -> float | None:
    """The longest any product waits: its share of the background's day (None: no daily budget)."""
    if not calls_per_day or products <= 0:
        return None
    return products * calls_per_product * 86_400 / (calls_per_day * (1 - VALUE_SHARE))


def variance_rate(state: ProductState) -> float:
    """How fast the product's (log) price spreads, per second, from its own readings and when they were
    read: squared moves over the time they took, the prior (DAILY_MOVE) weighing as PRIOR_S of them."""
    moved, took = DAILY_MOVE ** 2 / 86_400 * PRIOR_S, PRIOR_S
    if len(state.times) == len(state.history):
        for (t0, p0), (t1, p1) in itertools.pairwise(zip(state.times, state.history, strict=True)):
            if t1 > t0 and p0 > 0 and p1 > 0:
                moved += math.log(p1 / p0) ** 2
                took += t1 - t0
    return moved / took


def crossing(nearness: float, variance_per_s: float, elapsed_s: float) -> float:
    """The chance that a price `nearness` (a share) from a target has touched it within `elapsed_s`:
    the reflection principle for a random walk, 2 P(Z > d / sqrt(variance * t)) = erfc(z / sqrt 2)."""
    spread = math.sqrt(max(0.0, variance_per_s * elapsed_s))
    if spread <= 0:
        return float(nearness <= 0)
    return math.erfc(math.log1p(nearness) / spread / math.sqrt(2))


def score(pairs: Sequence[Pair], state: ProductState, now: float, bound_s: float, tick_s: float = 0.0) -> float:
    """How much refreshing the product now is worth: staleness times what is at stake, of which the
    alerts it may owe: each pair's chance of crossing its target before the next refresh (nearness in
    the product's own moves, which spread with the square root of the time since the reading), summed
    over the product's pairs; and a little for a large position. 0 for one just refreshed."""
    if state.refreshed_at is None:
        return math.inf
    age = max(0.0, now - state.refreshed_at)
    rate = variance_rate(state)
    owed = sum(crossing(p.nearness, rate, age + tick_s) for p in pairs if p.nearness is not None)
    stake = math.log1p(sum(p.position for p in pairs)) / 10
    return age / bound_s * (1 + NEAR_WEIGHT * owed + stake)


def _turns(by_owner: Mapping[str, Sequence[str]], limit: int, taken: set[str], owners: dict[str, int]) -> list[str]:
    """Up to `limit` products, the owners taking turns in order of their own lists; skips `taken`."""
    queues = {owner: [p for p in products if p not in taken] for owner, products in sorted(by_owner.items())}
    picked: list[str] = []
    while len(picked) < limit and any(queues.values()):
        for owner, queue in queues.items():
            while queue and queue[0] in taken:
                queue.pop(0)
            if queue and len(picked) < limit:
                product = queue.pop(0)
                taken.add(product)
                picked.append(product)
                owners[owner] = owners.get(owner, 0) + 1
    return picked


def plan(pairs: Sequence[Pair], states: Mapping[str, ProductState], now: float, capacity: int | None,
         bound_s: float | None, tick_s: float, value_capacity: int | None = None) -> Plan:
    """The products to refresh now. `capacity`: calls the background may spend now (None: no limit);
    `bound_s`: the promise (None: every product, every tick); `tick_s`: time to the next plan;
    `value_capacity`: at most this many calls in all when refreshing by value (default: `capacity`),
    so the background keeps its catch-up room for the promise and leaves the day's buffer alone."""
    by_product: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_product.setdefault(pair.product, []).append(pair)
    if capacity is None or bound_s is None:
        return Plan(sorted(by_product), len(by_product), 0, bound_s)
    state = {p: states.get(p) or ProductState() for p in by_product}

    def age(product: str) -> float:
        at = state[product].refreshed_at
        return math.inf if at is None else now - at

    due = [p for p in by_product if age(p) + tick_s >= bound_s]
    owners_of: dict[str, set[str]] = {}
    for product, its_pairs in by_product.items():
        for pair in its_pairs:
            owners_of.setdefault(pair.owner, set()).add(product)
    taken: set[str] = set()
    owners: dict[str, int] = {}
    due_set = set(due)
    first = _turns({o: sorted((p for p in ps if p in due_set), key=age, reverse=True) for o, ps in owners_of.items()},
                   capacity, taken, owners)
    value = {p: score(by_product[p], state[p], now, bound_s, tick_s) for p in by_product if p not in taken}
    worth = {p for p, v in value.items() if v > 0}
    room = capacity if value_capacity is None else min(capacity, value_capacity)
    second = _turns({o: sorted((p for p in ps if p in worth), key=lambda p: value[p], reverse=True)
                     for o, ps in owners_of.items()}, max(0, room - len(first)), taken, owners)
    return Plan(first + second, len(first), len(second), bound_s, len(by_product) - len(first) - len(second), owners)
