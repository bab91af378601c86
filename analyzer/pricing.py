"""Fees, payouts and the recommendation: pure functions over quotes.

Each market's fee rule is one small function; `PAYOUT_RULES` is where they are combined, so a
third market adds one rule and one line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from analyzer.models import Quote

STOCKX_TRANSACTION_FEES: dict[int, float] = {1: 0.09, 2: 0.085, 3: 0.08, 4: 0.075, 5: 0.07}


@dataclass(frozen=True)
class Fees:
    """Published seller fees (StockX since 2023-07-01; Alias for a US seller)."""

    stockx_level: int = 1
    stockx_processing: float = 0.03
    alias_commission: float = 0.095
    alias_seller_fee: float = 5.0
    alias_cashout: float = 0.029
    alias_cashout_enabled: bool = True

    def __post_init__(self) -> None:
        if self.stockx_level not in STOCKX_TRANSACTION_FEES:
            raise ValueError(f"StockX seller level must be 1 to 5, not {self.stockx_level}")


def money(amount: float | Decimal) -> float:
    return float(Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def stockx_payout(price: float, fees: Fees) -> float:
    rate = STOCKX_TRANSACTION_FEES[fees.stockx_level] + fees.stockx_processing
    return money(max(0.0, price * (1 - rate)))


def alias_payout(price: float, fees: Fees) -> float:
    after_sale = price * (1 - fees.alias_commission) - fees.alias_seller_fee
    cashout = fees.alias_cashout if fees.alias_cashout_enabled else 0.0
    return money(max(0.0, after_sale * (1 - cashout)))


PayoutRule = Callable[[float, Fees], float]
PAYOUT_RULES: dict[str, PayoutRule] = {"stockx": stockx_payout, "alias": alias_payout}


def payout(market: str, price: float | None, fees: Fees) -> float | None:
    """What the seller receives for a sale at `price`; None when there is no price."""
    return None if price is None else PAYOUT_RULES[market](price, fees)


def market_payouts(quotes: Mapping[str, Quote], fees: Fees) -> dict[str, dict[str, float | None]]:
    """Per market: `sell_now` = payout at the highest bid, `list` = payout at the lowest ask."""
    return {
        market: {
            "sell_now": payout(market, q.highest_bid, fees) if q.ok else None,
            "list": payout(market, q.lowest_ask, fees) if q.ok else None,
        }
        for market, q in quotes.items()
    }


def _best(options: list[dict[str, Any]], key: str, lowest: bool = False) -> dict[str, Any] | None:
    candidates = [o for o in options if o[key] is not None]
    if not candidates:
        return None
    pick = min if lowest else max
    return pick(candidates, key=lambda o: o[key])


def arbitrage(quotes: Mapping[str, Quote], fees: Fees) -> dict[str, Any] | None:
    """Buy at the lowest ask on one market, sell now on another: only when it pays after fees."""
    best: dict[str, Any] | None = None
    for buy_on, buy in quotes.items():
        for sell_on, sell in quotes.items():
            if buy_on == sell_on or not (buy.ok and sell.ok):
                continue
            if buy.lowest_ask is None or sell.highest_bid is None:
                continue
            profit = money(payout(sell_on, sell.highest_bid, fees) - buy.lowest_ask)  # type: ignore[operator]
            if profit > 0 and (best is None or profit > best["profit"]):
                best = {
                    "buy_on": buy_on,
                    "sell_on": sell_on,
                    "buy_price": buy.lowest_ask,
                    "sell_price": sell.highest_bid,
                    "profit": profit,
                }
    return best


def recommend(quotes: Mapping[str, Quote], fees: Fees) -> dict[str, Any]:
    payouts = market_payouts(quotes, fees)
    ok = {m: q for m, q in quotes.items() if q.ok}
    sell_now = [{"market": m, "price": q.highest_bid, "payout": payouts[m]["sell_now"]} for m, q in ok.items()]
    listing = [{"market": m, "price": q.lowest_ask, "payout": payouts[m]["list"]} for m, q in ok.items()]
    buying = [{"market": m, "price": q.lowest_ask} for m, q in ok.items()]
    return {
        "payouts": payouts,
        "best_sell_now": _best(sell_now, "payout"),
        "best_list": _best(listing, "payout"),
        "best_buy": _best(buying, "price", lowest=True),
        "arbitrage": arbitrage(quotes, fees),
    }
