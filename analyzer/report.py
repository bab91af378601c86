"""Plain-words text of a lookup, shared by the CLI and the pages."""

from __future__ import annotations

from typing import Any

from analyzer.markets import LABELS


def dollars(value: float | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def label(market: str) -> str:
    return LABELS.get(market, market)


def recommendation_lines(pricing: dict[str, Any]) -> list[str]:
    """One sentence each for where to sell now, list, buy, and any arbitrage."""
    lines = []
    sell = pricing.get("best_sell_now")
    lines.append(f"Sell now on {label(sell['market'])}: the {dollars(sell['price'])} bid pays you {dollars(sell['payout'])}."
                 if sell else "Sell now: no market has a bid for this size.")
    listing = pricing.get("best_list")
    lines.append(f"List on {label(listing['market'])}: selling at the {dollars(listing['price'])} lowest ask pays you "
                 f"{dollars(listing['payout'])}." if listing else "List: no market has an ask to match for this size.")
    buy = pricing.get("best_buy")
    lines.append(f"Buy on {label(buy['market'])}: the lowest ask is {dollars(buy['price'])}."
                 if buy else "Buy: no market has an ask for this size.")
    arb = pricing.get("arbitrage")
    lines.append(f"Arbitrage: buy on {label(arb['buy_on'])} at {dollars(arb['buy_price'])}, sell now on {label(arb['sell_on'])} "
                 f"at {dollars(arb['sell_price'])}: {dollars(arb['profit'])} profit after fees."
                 if arb else "Arbitrage: none after fees.")
    return lines
