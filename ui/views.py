"""Words and tables built from lookup results: pure functions of plain data (charts: ui/charts.py).

Nothing here decides a price: payouts, fees and picks come from `analyzer.domain.pricing`; this module
only says them (with their currency, "—" where a figure is missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from analyzer.domain import pricing
from analyzer.domain.answer import MarketPayouts, Recommendation
from analyzer.domain.money import format_money
from analyzer.domain.pricing import Fees
from analyzer.domain.report import label
from analyzer.domain.times import read_time
from analyzer.markets.registry import MARKETS, NAMES, spec

DASH = "—"


def sentence(text: str) -> str:
    """The text ending in one full stop: a reason that brings its own ('… split it.') gets no second."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def money(value: float | None, currency: str | None = "USD") -> str:
    """The CLI's money ('$157.71', '£27.00', 'C$1,234.00'), with '—' for a missing or NaN amount
    and a minus sign in front of the symbol: analyzer.domain.money's one formatter."""
    return format_money(value, currency)


def ago(quoted_at: str | None, now: datetime | None = None) -> str | None:
    """'quoted just now', 'quoted 12 min ago', 'quoted 3 h ago'; None without a readable time."""
    when = read_time(quoted_at)
    if when is None:
        return None
    minutes = max(0, int(((now or datetime.now(UTC)) - when).total_seconds() // 60))
    if minutes < 1:
        return "quoted just now"
    if minutes < 60:
        return f"quoted {minutes} min ago"
    if minutes < 48 * 60:
        return f"quoted {minutes // 60} h ago"
    return f"quoted {minutes // 1440} days ago"


def nothing_found(result: Mapping[str, Any]) -> bool:
    """No market knows the shoe: say so once, with no cards or tables."""
    quotes = result["quotes"].values()
    return bool(quotes) and all(q.get("error_kind") == "not_found" for q in quotes)


def suggestions(result: Mapping[str, Any], limit: int = 6) -> list[dict[str, str | None]]:
    """'Did you mean': the shoes the markets' searches found, each once (by style ID, else title)."""
    seen: set[str] = set()
    picked = []
    for quote in result["quotes"].values():
        for hint in quote.get("suggestions") or []:
            key = str(hint.get("style_id") or hint.get("title") or "").upper()
            if key and key not in seen:
                seen.add(key)
                picked.append(hint)
    return picked[:limit]


@dataclass(frozen=True)
class Line:
    """One line of advice: the answer, and the figure it comes from."""

    title: str
    text: str
    detail: str


def decision(priced: Recommendation, quotes: Mapping[str, Any]) -> list[Line]:
    """Sell now, list, buy and arbitrage, in words; only from the markets that quoted."""
    sell, listing, buy, arb = priced.best_sell_now, priced.best_list, priced.best_buy, priced.arbitrage
    lines = []
    if sell:
        lines.append(Line("Sell now", f"Sell now on {label(sell.market)}: you get {money(sell.payout, sell.currency)}",
                          f"the {money(sell.price, sell.currency)} highest bid, after fees"))
    else:
        lines.append(Line("Sell now", "No bid to sell into right now", "no market that quoted has a bid at this size"))
    if listing:
        basis = "StockX's “sell faster” price" if listing.basis == "sell_faster" else "the lowest ask"
        lines.append(Line("List", f"List on {label(listing.market)} at {money(listing.price, listing.currency)}: "
                                  f"you get {money(listing.payout, listing.currency)}",
                          f"matching {basis}, after fees"))
    else:
        lines.append(Line("List", "No ask to match", "no market that quoted has an ask at this size"))
    if buy:
        lines.append(Line("Buy", f"Buy on {label(buy.market)}: {money(buy.cost, buy.currency)} in all",
                          f"the {money(buy.price, buy.currency)} lowest ask plus buyer costs"))
    if arb:
        lines.append(Line("Arbitrage", f"Arbitrage: +{money(arb.profit, arb.currency)}",
                          f"buy on {label(arb.buy_on)} ({money(arb.buy_cost, arb.currency)} in all), "
                          f"sell now on {label(arb.sell_on)} at {money(arb.sell_price, arb.currency)}"))
    elif len([q for q in quotes.values() if q.get("ok")]) > 1:
        lines.append(Line("Arbitrage", "No arbitrage", "buying on one market and selling on another loses money after "
                                                        "fees and buyer costs"))
    return lines


def arithmetic(market: str, quote: Mapping[str, Any], priced: Recommendation, fees: Fees) -> str | None:
    """'StockX: $175.00 bid − $15.75 transaction fee 9.0% (level 1) − $5.25 payment processing 3.0% = $154.00'.

    At the bid (selling now) when there is one, else at the ask (listing); in the market's own
    currency, with the converted payout after it when the display currency differs."""
    price, what = (quote.get("highest_bid"), "bid") if quote.get("highest_bid") is not None else (quote.get("lowest_ask"), "ask")
    if not quote.get("ok") or price is None:
        return None
    own = quote.get("currency") or "USD"
    steps = pricing.fee_lines(market, price, fees, own, priced.fx)
    parts = [f"{money(price, own)} {what}"]
    parts += [f"− {money(-amount, own)} {name}" for name, amount in steps[1:-1]]
    text = f"{label(market)}: {' '.join(parts)} = {money(steps[-1][1], own)}"
    shown = priced.payouts.get(market)
    paid = None if shown is None else shown.sell_now if what == "bid" else shown.list
    if shown is not None and shown.currency != own and paid is not None:
        text += f" ≈ {money(paid, shown.currency)}"
    return text


def suggested_frame(quote: Mapping[str, Any], priced: Recommendation, fees: Fees) -> pd.DataFrame:
    """StockX's own prices (sell faster, earn more, flex) and what each pays, in the quote's currency."""
    own = quote.get("currency") or "USD"
    rows = []
    for key, name, why in (("lowest_ask", "Lowest ask", "match the cheapest listing"),
                           ("sell_faster", "Sell faster", "StockX's price to sell sooner"),
                           ("earn_more", "Earn more", "StockX's price to earn more, waiting longer"),
                           ("flex_lowest_ask", "Flex lowest ask", "the lowest ask among Flex (pre-stocked) listings")):
        price = quote.get(key)
        if price is None and key != "lowest_ask":
            continue
        paid = pricing.payout(quote["market"], price, fees, own, priced.fx)
        rows.append({"Price": name, "Ask": money(price, own), "You get": money(paid, own),
                     "Why": why if price is not None else "no ask at this size"})
    frame = pd.DataFrame(rows, columns=["Price", "Ask", "You get", "Why"])
    return frame if len(frame) > 1 else frame.iloc[0:0]


def book_figures(quote: Mapping[str, Any]) -> list[tuple[str, str, str | None]]:
    """(label, value, why it is missing) for the lowest ask, highest bid and last sale."""
    own = quote.get("currency")
    reasons = {"lowest_ask": "nobody is selling this size right now", "highest_bid": "nobody is bidding on this size right now",
               "last_sale": spec(quote["market"]).last_sale_note if quote["market"] in NAMES else "no sale reported"}
    return [(name, money(quote.get(key), own), None if quote.get(key) is not None else reasons[key])
            for key, name in (("lowest_ask", "Lowest ask"), ("highest_bid", "Highest bid"), ("last_sale", "Last sale"))]


def quote_facts(quote: Mapping[str, Any], now: datetime | None = None) -> str:
    """'US W 8 · quoted 12 min ago · 3.5 sales a week' — what a reseller needs about a card."""
    facts = [quote.get("size_label")]
    facts.append("quoted just now" if quote.get("fresh") else ago(quote.get("quoted_at"), now))
    if quote.get("sales_per_week") is not None:
        facts.append(f"{quote['sales_per_week']:g} sales a week")
    return " · ".join(str(f) for f in facts if f)


def payouts_frame(result: Mapping[str, Any], priced: Recommendation) -> pd.DataFrame:
    """One row per market: the book and what selling now, listing and buying come to; '—' for gaps."""
    rows = []
    for market, quote in result["quotes"].items():
        own = quote.get("currency")
        pays = priced.payouts.get(market) or MarketPayouts.none(own or priced.currency)
        shown = pays.currency or own
        rows.append({
            "Market": label(market), "Size": quote.get("size_label") or DASH,
            "Lowest ask": money(quote.get("lowest_ask"), own), "Highest bid": money(quote.get("highest_bid"), own),
            "Last sale": money(quote.get("last_sale"), own),
            "Sell now pays": money(pays.sell_now, shown), "List pays": money(pays.list, shown),
            "Buyer pays in all": money(pays.buy_cost, shown),
            "Page": quote.get("url"),
        })
    return pd.DataFrame(rows)


def size_run_frame(result: Mapping[str, Any]) -> pd.DataFrame:
    rows = [{"market": market, "size": s["size"], "lowest_ask": s["lowest_ask"], "highest_bid": s["highest_bid"]}
            for market, quote in result["quotes"].items() for s in quote.get("sizes") or []]
    return pd.DataFrame(rows, columns=["market", "size", "lowest_ask", "highest_bid"])


def sales_frame(quote: Mapping[str, Any]) -> pd.DataFrame:
    sales = quote.get("recent_sales") or []
    frame = pd.DataFrame({"at": pd.to_datetime([s.get("at") for s in sales], utc=True, errors="coerce", format="ISO8601"),
                          "price": [s.get("price") for s in sales], "consigned": [s.get("consigned") for s in sales]},
                         columns=["at", "price", "consigned"])  # one parse of every time, not one a sale
    return frame.dropna(subset=["at", "price"]).sort_values("at")


HISTORY_PRICES = {"lowest_ask": "ask", "highest_bid": "bid"}


def history_frame(history: Mapping[str, Any]) -> pd.DataFrame:
    """One row per stored point and price: at, market, price kind, amount, currency."""
    rows = [{"at": p["at"], "market": p["market"], "kind": kind, "amount": p[name], "currency": p["currency"]}
            for p in history.get("points", []) for name, kind in HISTORY_PRICES.items() if p.get(name) is not None]
    frame = pd.DataFrame(rows, columns=["at", "market", "kind", "amount", "currency"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    return frame


def has_history(frame: pd.DataFrame) -> bool:
    """Whether the stored points draw a line: one lookup stores one point per market and price (two
    markets may answer a second apart), so a history needs one price at two times."""
    return not frame.empty and int(frame.groupby(["market", "kind"])["at"].nunique().max()) >= 2


def books_line(books: Mapping[str, Mapping[str, Any]]) -> str:
    """'Books shown: StockX standard book (new); Alias Europe, consigned only, new in a good box'."""
    names = [str(b.get("label") or b.get("key") or market) for market, b in books.items()]
    return "Books shown: " + "; ".join(names) if names else ""


def change_lines(changes: Mapping[str, Mapping[str, Any]], days: int, currencies: Mapping[str, str] | None = None) -> list[str]:
    """'StockX ask $100.00 → $110.00 (+$10.00, +10.0%)' for each price that moved over `days` (in the
    market's stored currency, written as every amount is), then one 'unchanged' line for those that did not;
    [] when no price has two points yet."""
    moved, still = [], []
    for market, prices in changes.items():
        for name, kind in HISTORY_PRICES.items():
            figures = (prices or {}).get(name)
            if not figures:
                continue
            if not figures["change"]:
                still.append(f"{label(market)} {kind}")
                continue
            pct = f", {figures['pct']:+.1%}" if figures.get("pct") is not None else ""
            cur = (currencies or {}).get(market, "USD")
            sign = "+" if figures["change"] > 0 else "−"
            moved.append(f"{label(market)} {kind} {money(figures['from'], cur)} → {money(figures['to'], cur)} "
                         f"({sign}{money(abs(figures['change']), cur)}{pct})")
    lines = [f"In {days} days: " + "; ".join(moved)] if moved else []
    return lines + ([f"Unchanged in {days} days: " + ", ".join(still)] if still else [])


# -- Compare ---------------------------------------------------------------------------------------

def bench_frame(result: Mapping[str, Any]) -> pd.DataFrame:
    """One row per workload run: its wall time, calls, 429s, retries and success, in words."""
    w = result["workloads"]
    runs = [("a batch, cold, one call after another", w["batch_cold"]["sequential"]),
            ("a batch, cold, in parallel", w["batch_cold"]["parallel"]),
            ("catalog already cached", w["warm_catalog"]), ("everything cached", w["cached"]),
            ("5 shoes as first tested, one after another", w["design_test"]["sequential"]),
            ("5 shoes as first tested, in parallel", w["design_test"]["parallel"])]
    return pd.DataFrame([{"Run": name, "Seconds": fig["wall_s"], "Lookups": fig["lookups"],
                          **{f"{m.label} calls": fig["calls"].get(m.name) for m in MARKETS},
                          "Rate-limited (429)": fig["rate_limited"], "Retries": fig["retries"], "Answered": fig["success_rate"]}
                         for name, fig in runs])


# --- issue 21: the fields a reseller reads, and time to sell ---------------------------------------

def market_facts(quote: Mapping[str, Any]) -> list[str]:
    """The facts of one quote a reseller acts on beyond the book, as its market's spec says them (StockX's
    Flex and Direct books, beat-US ask, variant and barcodes; Alias's indicator, listing limits, bid depth),
    and why there are no sales when the sales call failed."""
    if not quote.get("ok"):
        return []
    said = spec(quote["market"]).facts
    facts = said(quote) if said is not None else []
    if quote.get("sales_error"):
        facts.append(str(quote["sales_error"]))
    return facts


def time_to_sell_frame(result: Mapping[str, Any]) -> pd.DataFrame:
    """One row per candidate ask and market: ask, payout, days (NaN: no estimate) and its band."""
    rows = []
    for market, quote in result["quotes"].items():
        curve = quote.get("time_to_sell") or {}
        for point in curve.get("points") or []:
            rows.append({"market": market, "Market": label(market), "ask": point["ask"], "payout": point["payout"],
                         "days": point["days"], "low": point["days_low"], "high": point["days_high"],
                         "basis": point["basis"], "currency": curve.get("currency") or quote.get("currency")})
    return pd.DataFrame(rows, columns=["market", "Market", "ask", "payout", "days", "low", "high", "basis", "currency"])
