"""A lookup's amounts in the display currency: pure, so every part of the answer (the books, the
suggested asks, the size run, recent sales, history, details) says one currency, converted once
(half-up, analyzer.domain.money) at the rates the answer was priced with. No market call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from analyzer.domain.models import plain
from analyzer.domain.money import convert, rate, rounded

MONEY_KEYS = ("lowest_ask", "highest_bid", "last_sale", "sell_faster", "earn_more", "flex_lowest_ask", "flex_sell_faster",
              "flex_earn_more", "beat_us", "direct_lowest_ask", "direct_sell_faster", "direct_earn_more",
              "min_listing_price", "max_listing_price", "global_indicator")


def _amount(value: Any, own: str, shown: str, rates: Mapping[str, float]) -> float | None:
    exact = None if value is None else convert(value, own, shown, rates)
    return None if exact is None else float(rounded(exact, shown))


def quote_in(quote: Mapping[str, Any], shown: str, rates: Mapping[str, float]) -> dict[str, Any]:
    """One quote (as LookupResult.to_dict() has it) with every amount in `shown`; unchanged when
    it is already in `shown` or no rate converts it (then its own currency stays named)."""
    own = quote.get("currency") or "USD"
    if own == shown or rate(own, shown, rates) is None:
        return dict(quote)  # nothing changes: the caller's fresh dict is not copied again
    out = plain(dict(quote))
    for row in (out, *(out.get("sizes") or [])):
        for key in MONEY_KEYS:
            if key in row:
                row[key] = _amount(row[key], own, shown, rates)
    for sale in out.get("recent_sales") or []:
        sale["price"] = _amount(sale.get("price"), own, shown, rates)
    curve = out.get("time_to_sell") or {}
    if (curve.get("currency") or own) == own:
        for point in curve.get("points") or []:
            point["ask"], point["payout"] = _amount(point.get("ask"), own, shown, rates), _amount(point.get("payout"), own, shown, rates)
        if curve:
            curve["currency"] = shown
    out["currency"], out["converted_from"] = shown, own
    return out


def result_in(data: Mapping[str, Any], shown: str, rates: Mapping[str, float]) -> dict[str, Any]:
    """A whole lookup's dict with its quotes in `shown`."""
    out = dict(data)
    out["quotes"] = {market: quote_in(q, shown, rates) for market, q in data["quotes"].items()}
    return out


def history_in(frame: pd.DataFrame, sales: list[dict[str, Any]], shown: str,
               rates: Mapping[str, float]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Stored points (views.history_frame) and sales in `shown`, where a rate converts them."""
    out = frame.copy()
    if len(out):
        converted = [_amount(a, c, shown, rates) if rate(c, shown, rates) is not None else None
                     for a, c in zip(out["amount"], out["currency"], strict=True)]
        keep = [v is not None for v in converted]
        out["amount"], out["currency"] = converted, [shown if k else c for k, c in zip(keep, out["currency"], strict=True)]
        out = out[keep] if any(keep) else frame.copy()
    moved = [{**s, "price": _amount(s.get("price"), s.get("currency") or "USD", shown, rates), "currency": shown}
             for s in sales if rate(s.get("currency") or "USD", shown, rates) is not None]
    return out, moved


def changes_in(changes: Mapping[str, Mapping[str, Any]], currencies: Mapping[str, str], shown: str,
               rates: Mapping[str, float]) -> tuple[dict[str, Any], dict[str, str]]:
    """A history's 7/30-day changes (from, to, change; the share is the same) in `shown`, with the
    currency each market's figures are now in (its own where no rate converts them)."""
    out: dict[str, Any] = {}
    said: dict[str, str] = {}
    for market, prices in changes.items():
        own = currencies.get(market, "USD")
        moved = rate(own, shown, rates) is not None
        said[market] = shown if moved else own
        out[market] = {name: None if not figures else
                       {**figures, **{k: _amount(figures[k], own, shown, rates) if moved else figures[k] for k in ("from", "to")}}
                       for name, figures in (prices or {}).items()}
        for figures in out[market].values():
            if figures and moved:
                figures["change"] = round(figures["to"] - figures["from"], 2)
    return out, said
