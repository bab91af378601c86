"""Refresh by product, by value: which products the background budget refreshes now (pure: no IO).

One StockX market-data call answers every size of a product, and one Alias availabilities call too,
so the unit of work is a product, not a watched pair. Every product is promised a longest staleness,
`promise_s`: the background's calls a day, less a share kept for refreshing by value, spread over the
products. Each tick the plan takes, in this order:

1. the products that would break the promise before the next tick (oldest first), then
2. with what capacity is left, the products that matter most: near a target, a large position, a
   price that moves (its own history), long unrefreshed; never one just refreshed.

Owners take turns (round-robin) at both steps, so one person's 2,000-pair portfolio cannot push
another's 10 watches out of a tick.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

NEAR_WEIGHT = 20.0
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


def movement(history: Sequence[float]) -> float:
    """Mean absolute relative change between readings (0.02: 2% a reading)."""
    steps = [abs(b - a) / a for a, b in itertools.pairwise(history) if a]
    return sum(steps) / len(steps) if steps else 0.0


def score(pairs: Sequence[Pair], state: ProductState, now: float, bound_s: float) -> float:
    """How much refreshing the product now is worth: staleness times what is at stake. Nearness counts
    in the product's own moves: 1% from a target is close for a price that moves 1% a reading, far
    for one that moves 0.1%."""
    if state.refreshed_at is None:
        return math.inf
    staleness = max(0.0, now - state.refreshed_at) / bound_s
    move = max(movement(state.history), 0.0005)
    near = max((1 / (1 + (p.nearness / move) ** 2) for p in pairs if p.nearness is not None), default=0.0)
    stake = math.log1p(sum(p.position for p in pairs)) / 10
    return staleness * (1 + NEAR_WEIGHT * near + 50 * move + stake)


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
    value = {p: score(by_product[p], state[p], now, bound_s) for p in by_product if p not in taken}
    worth = {p for p, v in value.items() if v > 0}
    room = capacity if value_capacity is None else min(capacity, value_capacity)
    second = _turns({o: sorted((p for p in ps if p in worth), key=lambda p: value[p], reverse=True)
                     for o, ps in owners_of.items()}, max(0, room - len(first)), taken, owners)
    return Plan(first + second, len(first), len(second), bound_s, len(by_product) - len(first) - len(second), owners)
