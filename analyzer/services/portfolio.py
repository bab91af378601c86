"""The portfolio: valuation at both markets' net payouts, advice, sales and realised profit per month
(import and export of positions: analyzer/services/portfolio_csv.py).

Advice and totals are pure; valuation reads fresh stored snapshots first and sends the
rest through the Analyzer (its limiter paces the markets).
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from analyzer.domain.answer import ListPick, Recommendation, SellPick
from analyzer.domain.books import Book
from analyzer.domain.models import ProgressEvent, Quote
from analyzer.domain.money import ZERO, as_number, dec, opt_dec, rounded
from analyzer.domain.money import convert as convert_exact
from analyzer.domain.pricing import fee_lines, payout_exact
from analyzer.domain.times import parse_time
from analyzer.domain.validation import InvalidInput
from analyzer.net.budget import spending
from analyzer.services.portfolio_pricing import PairPrice, PairPricer
from analyzer.services.watch import books_read_by, price_quotes
from analyzer.store import Store, positions_repo
from analyzer.store.history import label_of
from analyzer.store.positions_repo import Position

RATE_BASIS = "today"  # amounts in other currencies are converted at today's rate (no rate history is kept)
RATE_NOTE = "at today's rate"
ProgressCallback = Callable[[ProgressEvent], None]


def advise(cost: Decimal | float, sell_now: Decimal | float | None, listing: Decimal | float | None, min_margin: float) -> str:
    """`sell now` when selling now clears the margin over cost (unless listing earns another margin's
    worth more), `list` when only listing clears it, else `hold`. Amounts in one currency, exact."""
    cost, margin = dec(cost), dec(min_margin)
    now, best = opt_dec(sell_now), opt_dec(listing)
    target = cost * (1 + margin)
    now_ok = now is not None and now >= target
    list_ok = best is not None and best >= target
    if now_ok and list_ok and best - now > cost * margin:  # type: ignore[operator]
        return "list"
    if now_ok:
        return "sell now"
    return "list" if list_ok else "hold"


@dataclass
class Valued:
    position: Position
    cost: Decimal | None  # per pair, in the display currency (rounded once from the position's own)
    sell_now: dict[str, Any] | None = None
    listing: dict[str, Any] | None = None
    quoted_at: str | None = None
    error: str | None = None
    currency: str = "USD"
    quotes: dict[str, Quote] | None = field(default=None, repr=False)  # what it was priced from: re-priced without a call
    problem: str | None = field(default=None, repr=False)  # the markets' errors, kept for a re-pricing

    @property
    def unrealised(self) -> Decimal | None:
        if self.cost is None or self.sell_now is None:
            return None
        return (dec(self.sell_now["payout"]) - self.cost) * self.position.quantity  # rounded amounts: exact

    @property
    def gain(self) -> Decimal | float:
        """What acting on the advice would make now: the better of selling now and listing, for sorting."""
        options = [dec(x["payout"]) for x in (self.sell_now, self.listing) if x]
        if self.cost is None or not options:
            return float("-inf")
        return (max(options) - self.cost) * self.position.quantity

    def to_dict(self, min_margin: float) -> dict[str, Any]:
        p = self.position
        unrealised = self.unrealised
        basis = (self.cost or ZERO) * p.quantity
        return {
            "id": p.id, "query": p.query, "size": p.size, "size_label": label_of(p.size, p.scale), "quantity": p.quantity,
            "cost": as_number(self.cost), "sell_now": self.sell_now, "list": self.listing, "unrealised": as_number(unrealised),
            "roi": float(round(unrealised / basis, 4)) if unrealised is not None and basis else None,
            "advice": advise(self.cost, _pay(self.sell_now), _pay(self.listing), min_margin) if self.cost is not None else None,
            "quoted_at": self.quoted_at,
            "currency": self.currency, "cost_paid": as_number(p.cost), "cost_currency": p.currency,
        }


def _pay(pick: dict[str, Any] | None) -> Decimal | None:
    return None if pick is None else dec(pick["payout"])


@dataclass
class Valuation:
    valued: list[Valued]
    currency: str
    min_margin: float
    from_store: int = 0
    looked_up: int = 0
    fx: dict[str, float] = field(default_factory=dict)  # the rates the costs were converted at (units per US dollar)

    def totals(self) -> dict[str, Any]:
        cost = sum(((v.cost or ZERO) * v.position.quantity for v in self.valued), ZERO)
        ok = [v for v in self.valued if v.error is None]
        sell_now = sum((dec(v.sell_now["payout"]) * v.position.quantity for v in ok if v.sell_now), ZERO)
        listing = sum((dec(v.listing["payout"]) * v.position.quantity for v in ok if v.listing), ZERO)
        unrealised = sum((v.unrealised or ZERO for v in ok), ZERO)
        return {"cost": as_number(cost), "sell_now_value": as_number(sell_now), "list_value": as_number(listing),
                "unrealised": as_number(unrealised), "currency": self.currency}

    def to_dict(self) -> dict[str, Any]:
        good = sorted((v for v in self.valued if v.error is None), key=lambda v: v.gain, reverse=True)
        return {"positions": [v.to_dict(self.min_margin) for v in good], "totals": self.totals(), "currency": self.currency,
                "errors": [{"id": v.position.id, "query": v.position.query, "size": v.position.size,
                            "size_label": label_of(v.position.size, v.position.scale), "error": v.error}
                           for v in self.valued if v.error is not None],
                "fx": self.fx, "rate_basis": RATE_BASIS}


def _pick(best: SellPick | ListPick | None) -> dict[str, Any] | None:
    """A pick as a valuation keeps it: where and what it pays."""
    if best is None:
        return None
    return {"market": best.market, "payout": float(best.payout), "currency": best.currency}


def value_portfolio(analyzer: Any, store: Store, fees: Any = None, on_progress: ProgressCallback | None = None,
                    force: bool = False, books: Mapping[str, Book] | None = None, *, owner: str,
                    currency: str | None = None) -> Valuation:
    """Every open position of `owner` at the best sell-now and list payouts (net, display currency).

    Fresh stored snapshots stand in for a lookup only when of `books`: by default the analyzer's own
    (the region and listing choice it quotes), so a valuation never reads another book's price."""
    settings = analyzer.settings
    fees = fees or settings.fees
    books = dict(books) if books is not None else books_read_by(analyzer)
    shown = currency or settings.currency
    with store.read() as conn:
        held = positions_repo.open_positions(conn, owner=owner)
    rates: dict[str, float] = {}
    if any(p.currency != shown for p in held):
        from analyzer.net import fx

        rates = fx.rates(settings)
    valuation = Valuation([], shown, float(settings.min_margin),
                          fx=rates_used(rates, {p.currency for p in held}, shown))
    price = PairPricer(analyzer, store, fees, shown, books, force, owner, [m.name for m in analyzer.markets])
    _price_pairs(valuation, _pairs(held), price, int(settings.max_workers), rates, on_progress)
    valuation.valued.sort(key=lambda v: v.position.id)
    return valuation


def _pairs(held: Sequence[Position]) -> dict[tuple[str, float, str | None], list[Position]]:
    """The positions by pair (query, size, scale): a pair is priced once however many positions hold it."""
    groups: dict[tuple[str, float, str | None], list[Position]] = {}
    for p in held:
        groups.setdefault((p.query.upper(), p.size, p.scale), []).append(p)
    return groups


def _price_pairs(valuation: Valuation, groups: dict[Any, list[Position]], price: Callable[[list[Position]], PairPrice],
                 max_workers: int, rates: Mapping[str, float], on_progress: ProgressCallback | None) -> None:
    """Every pair priced on a bounded pool, its positions added to `valuation` as each is done."""
    total = max(1, len(groups))
    workers = max(1, min(len(groups), max_workers))
    shown = valuation.currency
    # A portfolio refresh is background work: it spends the day's background share, never the lookups' reserve.
    with spending("portfolio"), ThreadPoolExecutor(max_workers=workers, thread_name_prefix="portfolio") as pool:
        futures = {pool.submit(contextvars.copy_context().run, price, pair): pair for pair in groups.values()}
        for done, future in enumerate(as_completed(futures), start=1):
            pair = futures[future]
            try:
                pricing, at, problem, from_store, quotes = future.result()
            except Exception as exc:
                pricing, at, problem, from_store, quotes = None, None, f"{type(exc).__name__}: {exc}", False, None
            valuation.from_store += int(from_store)
            valuation.looked_up += int(not from_store and pricing is not None)
            valuation.valued.extend(_valued(p, pricing, at, problem, quotes, shown, rates) for p in pair)
            if on_progress is not None:
                on_progress(ProgressEvent("", "position", f"{pair[0].query} {label_of(pair[0].size, pair[0].scale)} valued",
                                          done / total))


def _valued(p: Position, pricing: Recommendation | None, at: str | None, problem: str | None,
            quotes: dict[str, Quote] | None, shown: str, rates: Mapping[str, float]) -> Valued:
    """One position at `pricing` (already in `shown`), its cost converted at `rates`."""
    cost = convert_exact(p.cost, p.currency, shown, rates)
    item = Valued(p, None if cost is None else rounded(cost, shown), quoted_at=at, currency=shown, quotes=quotes, problem=problem)
    if cost is None:
        item.error = f"no {p.currency}->{shown} rate to convert the cost"
    elif pricing is None:
        item.error = problem
    else:
        item.sell_now, item.listing = _pick(pricing.best_sell_now), _pick(pricing.best_list)
        if item.sell_now is None and item.listing is None:
            item.error = problem or "no market has a price for this pair"
    return item


def revalue(valuation: Valuation, analyzer: Any, fees: Any, currency: str) -> Valuation:
    """The same valuation at other fees or in another display currency, from the quotes it was priced
    from: no market call (another currency may need today's reference rates, never a marketplace)."""
    held = [v.position for v in valuation.valued]
    rates: dict[str, float] = {}
    quoted = {q.currency for v in valuation.valued for q in (v.quotes or {}).values() if q.ok}
    if ({p.currency for p in held} | quoted | {currency}) != {"USD"}:
        from analyzer.net import fx

        rates = fx.rates(analyzer.settings)
    again = Valuation([], currency, valuation.min_margin, valuation.from_store, valuation.looked_up,
                      fx=rates_used(rates, {p.currency for p in held}, currency))
    for v in valuation.valued:
        pricing = price_quotes(analyzer, v.quotes, fees, currency) if v.quotes else None
        again.valued.append(_valued(v.position, pricing, v.quoted_at, v.problem if v.quotes else v.error, v.quotes, currency, rates))
    return again


def parse_day(text: str | None) -> str:
    """A sale's time: a date (that day, noon UTC) or an ISO time; today when not given."""
    if not text:
        return datetime.now(UTC).isoformat(timespec="seconds")
    try:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, 12, tzinfo=UTC).isoformat(timespec="seconds")
    except ValueError:
        pass
    try:
        moment = parse_time(text)
    except ValueError:
        raise InvalidInput(f"--at {text!r} is not a date; write 2026-11-29") from None
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def rates_used(fx: Mapping[str, float] | None, currencies: set[str], shown: str) -> dict[str, float]:
    """The rates (units per US dollar) that converting `currencies` into `shown` needs, as stated in the JSON."""
    if not fx or not currencies - {shown}:
        return {}
    return {c: float(fx[c]) for c in sorted(currencies | {shown}) if c != "USD" and c in fx}


def record_sale(store: Store, position_id: int, market: str, price: float | Decimal, fees: Any, at: str | None = None,
                fx: Mapping[str, float] | None = None, *, owner: str, shipping: float | Decimal | None = None) -> dict[str, Any]:
    """One pair of the position sold on `market` at `price`, in the position's currency: its payout after
    that market's fees (a fixed dollar fee converted into that currency first, at `fx`), the fee lines
    kept for the books, the shipping paid (optional, same currency) and the profit."""
    amount = dec(price)
    if not amount.is_finite() or not amount > 0:
        raise InvalidInput("the price must be above 0")
    shipped = None if shipping is None else dec(shipping)
    if shipped is not None and (not shipped.is_finite() or shipped < 0):
        raise InvalidInput("the shipping must be 0 or more")
    with store.read() as conn:
        held = positions_repo.get_position(conn, position_id, owner=owner)
    if held is None or held.sold:
        raise LookupError(f"no open position #{position_id}")
    currency = held.currency
    paid = payout_exact(market, amount, fees, currency, fx)
    if paid is None:
        raise InvalidInput(f"no USD->{currency} rate to convert {market}'s dollar fee; set ANALYZER_FX_RATES")
    lines = [[what, value] for what, value in fee_lines(market, float(amount), fees, currency, fx) if what not in ("price", "payout")]
    with store.write() as conn:
        sold_id = positions_repo.mark_sold(conn, position_id, market, rounded(amount, currency), rounded(paid, currency),
                                           parse_day(at), owner=owner, fee_lines=json.dumps(lines),
                                           shipping=None if shipped is None else rounded(shipped, currency))
        sold = positions_repo.get_position(conn, sold_id, owner=owner)
    assert sold is not None
    return sale_dict(sold)


def sale_fees(p: Position) -> list[tuple[str, Decimal]]:
    """The fee lines of a sale's payout (negative amounts, in its currency), as kept when it was sold;
    a sale recorded before they were kept has one line, price minus payout."""
    if p.sold_fees:
        return [(str(what), dec(value)) for what, value in json.loads(p.sold_fees)]
    return [("fees", (p.sold_payout or ZERO) - (p.sold_price or ZERO))]


def sale_dict(p: Position) -> dict[str, Any]:
    """One sale in the position's own currency (price, payout, shipping, cost and profit all in
    `currency`); the profit is the payout less the shipping paid and the cost."""
    profit = (p.sold_payout or ZERO) - (p.sold_shipping or ZERO) - p.cost
    return {"id": p.id, "query": p.query, "size_label": label_of(p.size, p.scale), "market": p.sold_market,
            "price": as_number(p.sold_price), "payout": as_number(p.sold_payout), "cost": as_number(p.cost),
            "profit": as_number(profit), "roi": float(round(profit / p.cost, 4)) if p.cost else None,
            "currency": p.currency, "at": p.sold_at, "shipping": as_number(p.sold_shipping) if p.sold_shipping is not None else None,
            "fees": [{"what": what, "amount": as_number(value)} for what, value in sale_fees(p)]}


def _shown_sale(p: Position, currency: str, fx: Mapping[str, float] | None) -> dict[str, Any] | None:
    """The sale's payout and cost in `currency` (each rounded once), profit their difference; None without a rate."""
    payout_shown = convert_exact(p.sold_payout or ZERO, p.currency, currency, fx)
    cost_shown = convert_exact(p.cost, p.currency, currency, fx)
    if payout_shown is None or cost_shown is None:
        return None
    payout_shown, cost_shown = rounded(payout_shown, currency), rounded(cost_shown, currency)
    price_shown = convert_exact(p.sold_price, p.currency, currency, fx)
    shipping_shown = rounded(convert_exact(p.sold_shipping or ZERO, p.currency, currency, fx) or ZERO, currency)
    return {"price": None if price_shown is None else rounded(price_shown, currency), "payout": payout_shown,
            "shipping": shipping_shown, "cost": cost_shown, "profit": payout_shown - shipping_shown - cost_shown, "currency": currency,
            "rate": None if p.currency == currency else float(convert_exact(1, p.currency, currency, fx) or 0)}


def realised(sold: Sequence[Position], currency: str = "USD", fx: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Sales, and their totals per month in `currency`: a sale in another currency is converted at
    today's rate (`fx`, units per US dollar) before it is added; one without a rate is listed apart (pure)."""
    months: dict[str, dict[str, Any]] = {}
    sales = []
    unconverted = []
    for p in sold:
        sale = sale_dict(p)
        shown = _shown_sale(p, currency, fx)
        sale["converted"] = None if shown is None else {k: as_number(v) if isinstance(v, Decimal) else v for k, v in shown.items()}
        sales.append(sale)
        if shown is None:
            unconverted.append(p.id)
            continue
        month = months.setdefault(str(p.sold_at)[:7], {"pairs": 0, "payout": ZERO, "cost": ZERO, "profit": ZERO})
        month["pairs"] += 1
        for key in ("payout", "cost", "profit"):
            month[key] += shown[key]
    total = {key: sum((m[key] for m in months.values()), ZERO) for key in ("payout", "cost", "profit")}

    def numbers(row: dict[str, Any]) -> dict[str, Any]:
        return {k: as_number(v) if isinstance(v, Decimal) else v for k, v in row.items()}

    notes = []
    others = sorted({p.currency for p in sold} - {currency})
    if others:
        notes.append(f"Sales in {', '.join(others)} are converted to {currency} {RATE_NOTE} before they are added.")
    if unconverted:
        notes.append(f"No rate for {len(unconverted)} sales ({', '.join(f'#{i}' for i in unconverted)}): "
                     "they are left out of the totals.")
    return {"sales": sales, "months": [{"month": k, **numbers(v), "currency": currency} for k, v in sorted(months.items())],
            "totals": {"pairs": sum(m["pairs"] for m in months.values()), **numbers(total), "currency": currency},
            "currency": currency, "fx": rates_used(fx, {p.currency for p in sold}, currency), "rate_basis": RATE_BASIS,
            "unconverted": unconverted, "notes": notes}
