"""The ledger for the accountant: every sale of a year, line by line, and a summary per month and market.

Pure over sold positions (analyzer.store.positions_repo.Position). Each sale is in its own currency
and in the display currency (converted at today's rate, as the portfolio's totals are); dates are ISO
(YYYY-MM-DD), amounts are numbers, text cells are neutralised for spreadsheets (analyzer/domain/csv_safe.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from analyzer.domain.csv_safe import safe_row
from analyzer.domain.money import ZERO, convert, rounded
from analyzer.services.portfolio import sale_fees
from analyzer.store.history import label_of
from analyzer.store.positions_repo import Position

FEE_LINES = 3  # the most fee lines a market's payout has (Alias: commission, seller fee, cash-out fee)
SALE_COLUMNS = ["date", "sale_id", "pair", "size", "market", "currency", "price",
                *[f"fee_{i}{part}" for i in range(1, FEE_LINES + 1) for part in ("", "_amount")],
                "fees_total", "shipping", "payout", "cost", "profit",
                "display_currency", "rate", "price_shown", "fees_shown", "shipping_shown", "payout_shown", "cost_shown", "profit_shown"]
SUMMARY_COLUMNS = ["month", "market", "pairs", "price", "fees", "shipping", "payout", "cost", "profit", "currency"]
_SUMMED = ("price", "fees", "shipping", "payout", "cost", "profit")


def sales_of(sold: Sequence[Position], year: int | None) -> list[Position]:
    """The sales of `year` (every year with None), oldest first."""
    kept = [p for p in sold if p.sold_at and (year is None or str(p.sold_at)[:4] == str(year))]
    return sorted(kept, key=lambda p: (str(p.sold_at), p.id))


def _amounts(p: Position) -> dict[str, Decimal]:
    """The sale in its own currency; the fees in all are payout minus price (the lines, each rounded,
    may differ from it by a cent), so price + fees = payout on every row."""
    price, payout, shipping = p.sold_price or ZERO, p.sold_payout or ZERO, p.sold_shipping or ZERO
    amounts = {"price": price, "fees": payout - price, "shipping": shipping, "payout": payout, "cost": p.cost,
               "profit": payout - shipping - p.cost}
    return {k: rounded(v, p.currency) for k, v in amounts.items()}


def _shown(p: Position, own: Mapping[str, Decimal], currency: str, fx: Mapping[str, float] | None) -> dict[str, Decimal] | None:
    """The sale's amounts in `currency`, each rounded once; profit their sum; None without a rate."""
    out = {}
    for key in ("price", "fees", "shipping", "payout", "cost"):
        value = convert(own[key], p.currency, currency, fx)
        if value is None:
            return None
        out[key] = rounded(value, currency)
    out["profit"] = out["payout"] - out["shipping"] - out["cost"]
    return out


def sale_rows(sold: Sequence[Position], currency: str, fx: Mapping[str, float] | None) -> list[list[Any]]:
    """One row per sale, in SALE_COLUMNS order: its own currency, then the display currency (blank
    where there is no rate to convert with)."""
    rows = []
    for p in sold:
        own = _amounts(p)
        lines = sale_fees(p)[:FEE_LINES]
        fee_cells = [cell for what, value in lines for cell in (what, rounded(value, p.currency))] + ["", None] * (FEE_LINES - len(lines))
        shown = _shown(p, own, currency, fx)
        rate = None if p.currency == currency else convert(Decimal(1), p.currency, currency, fx)
        rows.append([str(p.sold_at)[:10], p.id, p.query, label_of(p.size, p.scale), p.sold_market, p.currency, own["price"],
                     *fee_cells, own["fees"], own["shipping"], own["payout"], own["cost"], own["profit"], currency,
                     None if rate is None else round(rate, 6),
                     *([shown[k] for k in ("price", "fees", "shipping", "payout", "cost", "profit")] if shown else [None] * 6)])
    return rows


def summary_rows(sold: Sequence[Position], currency: str, fx: Mapping[str, float] | None) -> list[list[Any]]:
    """Per month and market, then per market for the whole period, then the total: in `currency`.
    A sale without a rate is left out (and the CLI says so)."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}

    def add(key: tuple[str, str], amounts: Mapping[str, Decimal]) -> None:
        group = groups.setdefault(key, {"pairs": 0, **dict.fromkeys(_SUMMED, ZERO)})
        group["pairs"] += 1
        for name in _SUMMED:
            group[name] += amounts[name]

    for p in sold:
        shown = _shown(p, _amounts(p), currency, fx)
        if shown is None:
            continue
        month = str(p.sold_at)[:7]
        for key in ((month, p.sold_market or ""), ("all", p.sold_market or ""), ("all", "all")):
            add(key, shown)
    order = sorted(groups, key=lambda k: (k[0] == "all", k[0], k[1] == "all", k[1]))
    return [[month, market, groups[(month, market)]["pairs"], *[groups[(month, market)][n] for n in _SUMMED], currency]
            for month, market in order]


def unconverted(sold: Sequence[Position], currency: str, fx: Mapping[str, float] | None) -> list[int]:
    return [p.id for p in sold if _shown(p, _amounts(p), currency, fx) is None]


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A CSV a spreadsheet opens as meant: numbers as plain numbers (2 decimals for money), text made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(safe_row(["" if v is None else v for v in row]))
    return out.getvalue()
