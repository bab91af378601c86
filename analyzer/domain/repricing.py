"""Repricing rules, pure: from a listing and its market now to the price it should have, and why.

A rule has a target (match the lowest ask, beat it by a step, StockX's sell-faster or earn-more
suggestion, or a fixed price), a FLOOR that is never crossed (the lowest whole price whose payout covers
the position's cost plus ANALYZER_MIN_MARGIN, or an explicit minimum payout), a ceiling, at most N changes
a day and a maximum step per change. Prices are whole units (StockX's amounts, Alias's whole dollars).

`plan` is the only place a new price is decided: the preview shows its plans and the apply sends them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from analyzer.domain.money import dec
from analyzer.domain.validation import InvalidInput

TARGETS = ("match", "beat", "sell_faster", "earn_more", "fixed")
MAX_PRICE = Decimal(10_000_000)
Payout = Callable[[Decimal], Decimal | None]
"""The seller's payout at a price (exact, in the listing's currency); None when it cannot be worked out."""


@dataclass(frozen=True)
class Rule:
    target: str = "beat"
    step: Decimal = Decimal(1)
    fixed: Decimal | None = None
    min_payout: Decimal | None = None  # an explicit floor on the payout (else cost + margin)
    ceiling: Decimal | None = None
    max_changes_per_day: int = 4
    max_step: Decimal | None = None

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise InvalidInput(f"A repricing target is one of {', '.join(TARGETS)}, not {self.target!r}.")
        if self.target == "fixed" and (self.fixed is None or self.fixed < 1):
            raise InvalidInput("A fixed target needs a price of at least 1.")
        for name in ("step", "min_payout", "ceiling", "max_step"):
            value = getattr(self, name)
            if value is not None and not (dec(value).is_finite() and dec(value) >= 0):
                raise InvalidInput(f"The rule's {name.replace('_', ' ')} must be a positive amount.")
        if self.max_changes_per_day < 0:
            raise InvalidInput("The rule's changes a day must be 0 or more.")

    def to_json(self) -> str:
        return json.dumps({k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Rule:
        """A stored rule; the default rule for None or an unreadable one."""
        try:
            raw = json.loads(text) if text else {}
            money = {k: (None if raw.get(k) is None else Decimal(str(raw[k]))) for k in ("step", "fixed", "min_payout",
                                                                                          "ceiling", "max_step") if k in raw}
            return cls(**{**raw, **money})
        except (ValueError, TypeError, ArithmeticError, InvalidInput):
            return cls()

    def describe(self) -> str:
        words = {"match": "match the lowest ask", "beat": f"beat the lowest ask by {self.step}",
                 "sell_faster": "StockX's sell-faster price", "earn_more": "StockX's earn-more price",
                 "fixed": f"fixed at {self.fixed}"}[self.target]
        return words + (f", ceiling {self.ceiling}" if self.ceiling is not None else "")


@dataclass(frozen=True)
class Situation:
    """One listing and its market now, in the listing's currency."""

    listing_id: int
    amount: Decimal
    lowest_ask: Decimal | None
    ours_lowest: bool
    cost: Decimal | None = None
    sell_faster: Decimal | None = None
    earn_more: Decimal | None = None
    changes_today: int = 0
    minimum: Decimal | None = None  # the market's minimum listing price
    maximum: Decimal | None = None


@dataclass(frozen=True)
class Plan:
    listing_id: int
    old: Decimal
    new: Decimal | None  # None: no change
    payout: Decimal | None  # at the price the listing will have
    floor: Decimal | None  # the lowest price the rule allows
    why: str

    @property
    def changes(self) -> bool:
        return self.new is not None and self.new != self.old

    def to_dict(self) -> dict[str, Any]:
        return {"listing_id": self.listing_id, "old": float(self.old), "new": None if self.new is None else float(self.new),
                "payout": None if self.payout is None else float(self.payout),
                "floor": None if self.floor is None else float(self.floor), "why": self.why}


def whole(value: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    return dec(value).to_integral_value(rounding=rounding)


def needed_payout(rule: Rule, cost: Decimal | None, min_margin: float | Decimal) -> Decimal | None:
    """The payout a sale must at least bring: the rule's own minimum, else cost plus the margin."""
    if rule.min_payout is not None:
        return dec(rule.min_payout)
    return None if cost is None else dec(cost) * (1 + dec(min_margin))


def floor_price(payout: Payout, need: Decimal | None, minimum: Decimal | None = None) -> Decimal | None:
    """The lowest whole price whose payout is at least `need` (payouts rise with the price); None
    without a need, or when no price up to MAX_PRICE pays it."""
    if need is None:
        return None
    low = max(Decimal(1), whole(minimum, ROUND_CEILING) if minimum is not None else Decimal(1))
    high = MAX_PRICE
    paid = payout(high)
    if paid is None or paid < need:
        return None
    while low < high:
        mid = (low + high) // 2
        got = payout(mid)
        if got is not None and got >= need:
            high = mid
        else:
            low = mid + 1
    return low


def _target(s: Situation, rule: Rule) -> tuple[Decimal | None, str]:
    """The rule's wanted price before floor, ceiling and step; or None and why not."""
    if rule.target == "fixed":
        return dec(rule.fixed), f"fixed at {rule.fixed}"  # type: ignore[arg-type]
    if rule.target in ("sell_faster", "earn_more"):
        value = s.sell_faster if rule.target == "sell_faster" else s.earn_more
        label = rule.target.replace("_", "-")
        return (None, f"no {label} suggestion for this listing") if value is None else (whole(value), f"{label} {value}")
    if s.lowest_ask is None:
        return None, "no lowest ask to follow"
    if s.ours_lowest:
        return None, "ours is already the lowest ask"
    if rule.target == "match":
        return whole(s.lowest_ask), f"match the lowest ask {s.lowest_ask}"
    return whole(dec(s.lowest_ask) - dec(rule.step), ROUND_FLOOR), f"beat the lowest ask {s.lowest_ask} by {rule.step}"


def plan_one(s: Situation, rule: Rule, payout: Payout, min_margin: float | Decimal) -> Plan:
    """The price one listing should have now under `rule`, never below its floor."""
    floor = floor_price(payout, needed_payout(rule, s.cost, min_margin), s.minimum)

    def hold(why: str) -> Plan:
        return Plan(s.listing_id, s.amount, None, payout(s.amount), floor, why)

    if floor is None:
        return hold("no floor: the position's cost is not known and the rule sets no minimum payout")
    if s.changes_today >= rule.max_changes_per_day:
        return hold(f"{s.changes_today} changes today already (at most {rule.max_changes_per_day})")
    wanted, why = _target(s, rule)
    if wanted is None:
        return hold(why)
    for cap in (rule.ceiling, s.maximum):
        if cap is not None and wanted > cap:
            wanted, why = whole(cap, ROUND_FLOOR), f"{why}; capped at the ceiling {cap}"
    if rule.max_step is not None and abs(wanted - s.amount) > rule.max_step:
        step = whole(rule.max_step, ROUND_FLOOR)
        wanted = s.amount + step if wanted > s.amount else s.amount - step
        why = f"{why}; at most {rule.max_step} a change"
    if wanted < floor:
        wanted, why = floor, f"{why}; held at the floor {floor}"
    if rule.ceiling is not None and wanted > rule.ceiling:
        return hold(f"the floor {floor} is above the ceiling {rule.ceiling}")
    if wanted == s.amount:
        return hold(f"{why}: already there")
    return Plan(s.listing_id, s.amount, wanted, payout(wanted), floor, why)


def plan(situations: Sequence[Situation], rules: Mapping[int, Rule], payouts: Mapping[int, Payout],
         min_margin: float | Decimal) -> list[Plan]:
    """Every listing's plan: what the preview shows and what the apply sends."""
    return [plan_one(s, rules.get(s.listing_id, Rule()), payouts[s.listing_id], min_margin) for s in situations]
