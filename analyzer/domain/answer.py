"""The pricing answer, typed: what `analyzer.domain.pricing.recommend` returns and every reader reads.

Amounts are rounded once, in the currency named next to them, and kept as the numbers the JSON
shows (`to_dict()` is the `pricing` object of the CLI's `--json`: docs/json.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

BUYER_COSTS_NOTE = "Buyer costs are typical US figures (processing and shipping); they vary by location and tax."


@dataclass(frozen=True)
class MarketPayouts:
    """One market's payouts: at its highest bid (sell now), its lowest ask (list), StockX's suggested
    prices, and what a buyer pays in all at its lowest ask."""

    sell_now: float | None
    list: float | None
    sell_faster: float | None
    earn_more: float | None
    buy_cost: float | None
    currency: str

    @classmethod
    def none(cls, currency: str) -> MarketPayouts:
        return cls(None, None, None, None, None, currency)


@dataclass(frozen=True)
class SellPick:
    """Where selling now pays most: the bid and what it pays."""

    market: str
    price: float | None
    payout: float
    currency: str


@dataclass(frozen=True)
class ListPick:
    """Where listing pays most: at the lowest ask, or at StockX's "sell faster" price with no ask to match."""

    market: str
    price: float | None
    payout: float
    basis: str
    currency: str


@dataclass(frozen=True)
class BuyPick:
    """Where buying costs least, buyer fees and shipping included."""

    market: str
    price: float | None
    cost: float
    currency: str


@dataclass(frozen=True)
class Arbitrage:
    """Buy at the lowest ask on one market (plus buyer costs), sell now on another, for a profit."""

    buy_on: str
    sell_on: str
    buy_price: float | None
    buy_cost: float
    sell_price: float | None
    sell_payout: float
    profit: float
    currency: str


@dataclass(frozen=True)
class Recommendation:
    currency: str
    fx: dict[str, float]
    """The rates used, in units per US dollar (US dollars themselves never listed)."""
    payouts: dict[str, MarketPayouts]
    best_sell_now: SellPick | None = None
    best_list: ListPick | None = None
    best_buy: BuyPick | None = None
    arbitrage: Arbitrage | None = None
    buyer_costs_note: str = BUYER_COSTS_NOTE
    notes: list[str] = field(default_factory=list)
    list_advice: dict[str, str] = field(default_factory=dict)
    """Per market, the list advice with its time to sell ("List at $X: you get $Y, typically sells within N days")."""

    @property
    def has_advice(self) -> bool:
        """Some market gave a payout, an ask to buy at or a price to list at."""
        return any(p.sell_now is not None or p.list is not None for p in self.payouts.values()) \
            or self.best_buy is not None or self.best_list is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
