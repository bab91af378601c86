"""The Compare screen's words and tables: one row and one sentence a shoe, the answer first (pure functions
of plain data, as ui/views.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from analyzer.domain.answer import Recommendation
from analyzer.domain.csv_safe import safe_frame
from analyzer.domain.report import label
from ui.views import DASH, money, nothing_found, suggestions

DECISION_COLUMNS = ["Shoe", "Size", "Best payout now", "Sell now on", "Best list pays", "List on", "Arbitrage", "Currency"]


def _status(result: Mapping[str, Any]) -> str:
    """A short status for the table; the whole errors are listed under it."""
    if result.get("success"):
        return "quoted"
    if nothing_found(result):
        return "no shoe found"
    quoted = [label(m) for m, q in result["quotes"].items() if q.get("ok")]
    return f"{' and '.join(quoted)} only" if quoted else "no quote"


def compare_frame(results: Sequence[Mapping[str, Any]], priced: Sequence[Recommendation]) -> pd.DataFrame:
    """One row per shoe, the decision first (shoe, size, best payout and where), then the detail.

    Amounts stay numbers (None where missing) so the table sorts and the CSV reads back; the
    currency is a column of its own."""
    rows = []
    for r, p in zip(results, priced, strict=True):
        q, pays = r["quotes"], p.payouts
        sell, listing, arb = p.best_sell_now, p.best_list, p.arbitrage
        product = r.get("product") or {}
        row: dict[str, Any] = {
            "Shoe": product.get("title") or r["query"],
            "Size": r.get("size_label") or r.get("size"),
            "Best payout now": sell.payout if sell else None,
            "Sell now on": label(sell.market) if sell else None,
            "Best list pays": listing.payout if listing else None,
            "List on": label(listing.market) if listing else None,
            "Arbitrage": arb.profit if arb else None,
            "Currency": p.currency or r.get("currency") or "USD",
            "Status": _status(r),
        }
        for market, quote in q.items():
            name = label(market)
            row[f"{name} bid"] = quote.get("highest_bid")
            row[f"{name} ask"] = quote.get("lowest_ask")
            row[f"{name} sell now pays"] = pays[market].sell_now if market in pays else None
        row["Style ID"] = product.get("style_id")
        for market, quote in q.items():
            row[f"{label(market)} page"] = quote.get("url")
        rows.append(row)
    return pd.DataFrame(rows)


def compare_lines(results: Sequence[Mapping[str, Any]], priced: Sequence[Recommendation]) -> list[str]:
    """One sentence per shoe, the answer first: it reads on a phone where the table cannot."""
    lines = []
    for r, p in zip(results, priced, strict=True):
        shoe = (r.get("product") or {}).get("title") or r["query"]
        where = f"{shoe} · {r.get('size_label') or r.get('size')}"
        if nothing_found(r):
            lines.append(f"{where}: no shoe found")
            continue
        sell, listing = p.best_sell_now, p.best_list
        said = []
        if sell:
            said.append(f"sell now on {label(sell.market)}, you get {money(sell.payout, sell.currency)}")
        if listing:
            said.append(f"list on {label(listing.market)} at {money(listing.price, listing.currency)} "
                        f"for {money(listing.payout, listing.currency)}")
        status = _status(r)
        why = next((q["error"] for q in r["quotes"].values() if not q.get("ok") and q.get("error")), None)
        text = "; ".join(said) if said else (why if why and not any(q.get("ok") for q in r["quotes"].values())
                                             else "no bid or ask to act on")
        lines.append(f"{where}: {text}" + (f" ({status})" if status not in ("quoted",) else ""))
    return lines


def shown_frame(frame: pd.DataFrame, money_columns: Sequence[str]) -> pd.DataFrame:
    """The table as read: each amount with its currency, '—' for every missing value.

    (st.dataframe prints a missing number as "None" whatever the formatting says, so the shown
    table is text; the CSV keeps the numbers.)"""
    shown = frame.astype(object)
    currencies = frame["Currency"] if "Currency" in frame.columns else pd.Series("USD", index=frame.index)
    for column in money_columns:
        shown[column] = [money(v, c) for v, c in zip(frame[column], currencies, strict=True)]
    return shown.where(shown.notna(), DASH)


def compare_errors(results: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every market error of the batch, whole: 'Jordan 1 (Alias): Alias is unavailable, retrying in 30 s'."""
    lines = []
    for r in results:
        shoe = (r.get("product") or {}).get("title") or r["query"]
        if nothing_found(r):  # said once for the shoe, with what the searches did find
            hints = ", ".join(str(h.get("style_id") or h.get("title")) for h in suggestions(r, limit=4))
            lines.append(f"{shoe}: no shoe found on any market" + (f"; did you mean {hints}?" if hints else "."))
            continue
        for market, quote in r["quotes"].items():
            if not quote.get("ok") and quote.get("error"):
                lines.append(f"{shoe} ({label(market)}): {quote['error']}")
    return lines


def compare_csv(frame: pd.DataFrame, quoted_at: str, source: str, fees: str = "") -> bytes:
    """The table as CSV with when, from where and at which fees: a file that still makes sense next week."""
    out = frame.assign(**{"Quoted at (UTC)": quoted_at, "Source": source, "Fees": fees})
    return safe_frame(out).to_csv(index=False).encode()  # a title like =HYPERLINK(...) stays text
