"""How long a price takes to sell: a small curve of (ask, payout, days to sell) for one pair on one market.

Pure: no IO, no clock (the caller gives `now`). The method and its limits are in docs/time-to-sell.md.
In short:
- at an ask at or below the highest bid the pair sells now, to a waiting bid; Alias's offer histogram
  says how many bids wait at or above each price (the depth: how many pairs would go at once);
- above the highest bid, the pace comes from the market's own recent sales: of the sales in the
  window (30 days, or less when the answer was capped), those at or above the ask are the buyers who
  would have paid it; n of them in W days make a wait of about W / n days, with an 80 % band from the
  Poisson spread of n. Fewer than MIN_SALES such sales give no number: "not enough sales";
- StockX publishes no sales history: its curve has payouts at its own suggestions (sell faster,
  lowest ask, earn more) and an order (sooner / later), never an invented number of days.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from analyzer.domain.models import OfferBin, Sale
from analyzer.domain.money import dec, format_money, rounded
from analyzer.markets.registry import NAMES, label, spec

WINDOW_DAYS = 30
MIN_SALES = 3
SALES_CAP = 50  # what the Alias client asks for: a full list may not reach back the whole window
Z80 = 1.2816  # the two-sided 80 % normal quantile
MAX_POINTS = 8
TYPICAL_DAYS = 7.0


@dataclass(frozen=True)
class Point:
    """One candidate ask: what it pays and how long it typically takes to go (None: no estimate)."""

    ask: float
    payout: float | None
    days: float | None
    days_low: float | None
    days_high: float | None
    basis: str
    sales_at_or_above: int | None = None
    bids_at_or_above: int | None = None
    relative: str | None = None


@dataclass(frozen=True)
class Curve:
    market: str
    currency: str
    points: list[Point]
    window_days: float | None
    sales_in_window: int
    bid_depth: int | None
    note: str
    method: str = "docs/time-to-sell.md"
    advice: str | None = None
    advice_point: Point | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("advice_point")
        data["advice_ask"] = self.advice_point.ask if self.advice_point else None
        return data


def _parse_at(text: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def window(sales: Sequence[Sale], now: datetime, cap: int = SALES_CAP) -> tuple[list[Decimal], float]:
    """The prices of the sales in the window and its length in days: 30 days, or back to the oldest
    sale given when the list is full (the sales before it are unknown)."""
    start = now - timedelta(days=WINDOW_DAYS)
    dated = [(at, s.price) for s in sales if (at := _parse_at(s.at)) is not None and start <= at <= now]
    days = float(WINDOW_DAYS)
    if len(sales) >= cap and dated:
        oldest = min(at for at, _ in dated)
        days = max((now - oldest).total_seconds() / 86400, 1 / 24)
    return [dec(p) for _, p in dated], days


def pace(count: int, days: float) -> tuple[float | None, float | None, float | None]:
    """Expected days to the next buyer at n buyers in `days`, with an 80 % band; None when thin."""
    if count < MIN_SALES:
        return None, None, None
    spread = Z80 * math.sqrt(count)
    fast = days / (count + spread + 1)
    slow = days / max(count - spread, 0.5)
    return round(days / count, 2), round(fast, 2), round(slow, 2)


def candidates(bid: float | None, ask: float | None, faster: float | None, more: float | None,
               sale_prices: Sequence[Decimal]) -> list[Decimal]:
    """The asks to show: the highest bid, StockX's suggestions, the lowest ask, and a few between, in whole units."""
    named = [dec(x) for x in (bid, faster, ask, more) if x is not None]
    if not named and not sale_prices:
        return []
    low = min(named) if named else min(sale_prices)
    high = max([*named, *(sorted(sale_prices)[-1:] if not more and sale_prices else [])]) if named else max(sale_prices)
    points = set(named)
    if high > low:
        step = (high - low) / 4
        points |= {(low + step * i).quantize(Decimal("1")) for i in range(1, 4)}
    chosen = sorted(p for p in points if low <= p <= high)
    while len(chosen) > MAX_POINTS:  # keep the named ones, drop the grid's
        extra = next((p for p in chosen if p not in named), None)
        if extra is None:
            break
        chosen.remove(extra)
    return chosen


def curve(market: str, currency: str, *, highest_bid: float | None, lowest_ask: float | None,
          sell_faster: float | None = None, earn_more: float | None = None, sales: Sequence[Sale] = (),
          offers: Sequence[OfferBin] | None = None, has_sales_history: bool = True,
          payout: Callable[[float], float | None] = lambda price: None, now: datetime | None = None) -> Curve:
    now = now or datetime.now(UTC)
    name = label(market)
    prices, days = window(sales, now) if has_sales_history else ([], float(WINDOW_DAYS))
    days = round(days, 1)
    asks = candidates(highest_bid, lowest_ask, sell_faster, earn_more, prices)
    depth = sum(b.count for b in offers) if offers is not None else None
    points = []
    for price in asks:
        ask = float(rounded(price, currency))
        bids = sum(b.count for b in offers if dec(b.price) >= price) if offers is not None else None
        if highest_bid is not None and price <= dec(highest_bid):
            points.append(Point(ask, payout(ask), 0.0, 0.0, 0.0, "sells now to the highest bid", None, bids, "now"))
            continue
        if not has_sales_history:
            relative = ("sooner than at the lowest ask" if lowest_ask is not None and price < dec(lowest_ask)
                        else "later than at the lowest ask" if lowest_ask is not None and price > dec(lowest_ask)
                        else "as the lowest ask" if lowest_ask is not None else None)
            if sell_faster is not None and price == dec(sell_faster):
                relative = "StockX's sell-faster price"
            elif earn_more is not None and price == dec(earn_more):
                relative = "StockX's earn-more price (slower)"
            points.append(Point(ask, payout(ask), None, None, None, f"{name} gives no sales history: no time estimate",
                                None, bids, relative))
            continue
        count = sum(1 for p in prices if p >= price)
        mean, fast, slow = pace(count, days)
        basis = (f"{count} sales at or above in {days:g} days" if mean is not None
                 else f"not enough sales in {days:g} days ({count} at or above this price)")
        points.append(Point(ask, payout(ask), mean, fast, slow, basis, count, bids))
    if not has_sales_history:
        note = f"{name} publishes no sales: payouts at its suggested prices, no days."
    elif len(prices) < MIN_SALES:
        note = f"Not enough sales in {days:g} days ({len(prices)}): no time estimate above the highest bid."
    else:
        note = f"{len(prices)} sales in {days:g} days" + ("" if offers is None else f"; {depth} bids in the book")
    chosen = advise(points)
    return Curve(market, currency, points, days if has_sales_history else None, len(prices), depth, note,
                 advice=advice_text(chosen, currency) if chosen else None, advice_point=chosen)


def advise(points: Sequence[Point]) -> Point | None:
    """The best-paying ask that typically goes within a week (above the bids), else the quickest estimated one."""
    timed = [p for p in points if p.days is not None and p.days > 0 and p.payout is not None]
    if not timed:  # nothing timed above the bids: the best bid, when one waits, is the advice
        now = [p for p in points if p.days == 0.0 and p.payout is not None]
        return max(now, key=lambda p: p.ask) if now else None
    within = [p for p in timed if p.days is not None and p.days <= TYPICAL_DAYS]
    return max(within, key=lambda p: p.ask) if within else min(timed, key=lambda p: p.days or 0)


def advice_text(point: Point, currency: str) -> str:
    if point.days == 0.0:
        return (f"Sell at {format_money(point.ask, currency)}: you get {format_money(point.payout, currency)} now "
                f"(a bid is waiting)")
    days = max(1, math.ceil(point.days or 0))
    return (f"List at {format_money(point.ask, currency)}: you get {format_money(point.payout, currency)}, "
            f"typically sells within {days} day{'s' if days != 1 else ''}")


def of_quote(quote: Any, fees: Any, fx: Any = None, now: datetime | None = None) -> Curve:
    """The curve of one quoted pair (an analyzer.domain.models.Quote), payouts after that market's fees."""
    from analyzer.domain.pricing import payout

    market, currency = quote.market, quote.currency
    min_price = quote.min_listing_price
    curve_ = curve(market, currency, highest_bid=quote.highest_bid, lowest_ask=quote.lowest_ask,
                   sell_faster=quote.sell_faster, earn_more=quote.earn_more, sales=quote.recent_sales,
                   offers=quote.offer_histogram, has_sales_history=market not in NAMES or spec(market).has_sales_history,
                   payout=lambda price: payout(market, price, fees, currency, fx), now=now)
    if min_price is None:
        return curve_
    points = [p for p in curve_.points if p.ask >= min_price or p.days == 0.0]  # a bid may be sold to below it
    chosen = advise(points)
    return Curve(curve_.market, currency, points, curve_.window_days, curve_.sales_in_window, curve_.bid_depth,
                 curve_.note, advice=advice_text(chosen, currency) if chosen else None, advice_point=chosen)
