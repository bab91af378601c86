"""Plain-words text of a lookup, shared by the CLI and the screens."""

from __future__ import annotations

from analyzer.domain.answer import Recommendation
from analyzer.domain.money import SYMBOLS, WHOLE_UNITS, format_money
from analyzer.markets.registry import label

__all__ = ["SYMBOLS", "WHOLE_UNITS", "label", "money", "recommendation_lines"]

def money(value: float | None, currency: str = "USD") -> str:
    """'$176.00', '£140.00', '¥27,000', '−$19.84'; a missing amount is '—' (analyzer.domain.money's one formatter)."""
    return format_money(value, currency)


def recommendation_lines(pricing: Recommendation) -> list[str]:
    """One sentence each for where to sell now, list, buy, and any arbitrage: only from data that
    exist; the notes say what the advice rests on."""
    notes = list(pricing.notes)
    if not pricing.has_advice:
        return notes or ["No market quoted this pair: no advice."]
    lines = []
    sell = pricing.best_sell_now
    lines.append(f"Sell now on {label(sell.market)}: the {money(sell.price, sell.currency)} bid pays you "
                 f"{money(sell.payout, sell.currency)}." if sell else "Sell now: no quoted market has a bid for this size.")
    listing = pricing.best_list
    if listing and listing.basis == "sell_faster":
        lines.append(f"List on {label(listing.market)} at its suggested {money(listing.price, listing.currency)} "
                     f"(no ask to match): pays you {money(listing.payout, listing.currency)}.")
    elif listing:
        lines.append(f"List on {label(listing.market)}: selling at the {money(listing.price, listing.currency)} "
                     f"lowest ask pays you {money(listing.payout, listing.currency)}.")
    else:
        lines.append("List: no quoted market has an ask to match for this size.")
    for market, pays in pricing.payouts.items():
        if pays.sell_faster is not None or pays.earn_more is not None:
            lines.append(f"{label(market)} suggests listing lower to sell faster (pays {money(pays.sell_faster, pays.currency)}) "
                         f"or higher to earn more (pays {money(pays.earn_more, pays.currency)}).")
    buy = pricing.best_buy
    lines.append(f"Buy on {label(buy.market)}: the {money(buy.price, buy.currency)} lowest ask costs "
                 f"{money(buy.cost, buy.currency)} with buyer fees and shipping." if buy
                 else "Buy: no quoted market has an ask for this size.")
    arb = pricing.arbitrage
    lines.append(f"Arbitrage: buy on {label(arb.buy_on)} for {money(arb.buy_cost, arb.currency)} in all, sell now on "
                 f"{label(arb.sell_on)} for a {money(arb.sell_payout, arb.currency)} payout: "
                 f"{money(arb.profit, arb.currency)} profit." if arb else "Arbitrage: none after fees and buyer costs.")
    return lines + notes
