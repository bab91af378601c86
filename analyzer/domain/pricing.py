"""Fees, buyer costs, currency conversion, payouts and the recommendation: pure functions over quotes.

Each market's fee rule lives in its spec (analyzer/markets/<market>_spec.py); here they are applied
through the registry, so a third market adds nothing here. Payouts are worked out in the currency of the market's own
answer, then converted into the display currency; a market whose currency has no rate keeps its
own and is left out of the picks that compare markets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, make_dataclass
from decimal import Decimal

from analyzer.domain.answer import Arbitrage, BuyPick, ListPick, MarketPayouts, Recommendation, SellPick
from analyzer.domain.models import Quote, Sale
from analyzer.domain.money import as_number, dec, rounded
from analyzer.domain.money import convert as convert_exact
from analyzer.domain.times import read_time
from analyzer.markets import alias_spec, stockx_spec
from analyzer.markets.registry import MARKETS, spec
from analyzer.markets.spec import usd_flat

STOCKX_TRANSACTION_FEES = stockx_spec.TRANSACTION_FEES


@dataclass(frozen=True)
class _Fees:
    """Published seller fees (StockX since 2023-07-01; Alias for a US seller) and what a buyer pays
    on top of an ask (typical US figures: StockX 3% processing + $14.95 shipping; GOAT $14.50
    shipping). Flat amounts are US dollars."""

    stockx_level: int = 1
    stockx_processing: float = 0.03
    alias_commission: float = 0.095
    alias_seller_fee: float = 5.0
    alias_cashout: float = 0.029
    alias_cashout_enabled: bool = True
    stockx_buyer_pct: float = 0.03
    stockx_buyer_flat: float = 14.95
    alias_buyer_pct: float = 0.0
    alias_buyer_flat: float = 14.50

    def __post_init__(self) -> None:
        if self.stockx_level not in STOCKX_TRANSACTION_FEES:
            raise ValueError(f"StockX seller level must be 1 to 5, not {self.stockx_level}")


def _with_market_fees() -> type[_Fees]:
    """`Fees`: the fields above and every fee setting a market's spec declares (`<market>_...`), so a
    market adds its fees in its spec; the saved settings and the sidebar read `dataclasses.fields(Fees)`."""
    declared = [(f.name, type(f.default), field(default=f.default)) for m in MARKETS for f in m.fee_settings]
    made = make_dataclass("Fees", declared, bases=(_Fees,), frozen=True)
    made.__module__, made.__doc__ = __name__, _Fees.__doc__
    return made


Fees = _with_market_fees()


def money(amount: float | Decimal, currency: str = "USD") -> float:
    """`amount` rounded once, half-up, to the currency's minor unit, as a number for JSON."""
    return float(rounded(amount, currency))


def convert(amount: float | Decimal | None, source: str, target: str, fx: Mapping[str, float] | None) -> float | None:
    """`amount` in `source` as `target` (rates in units per US dollar), rounded once; None without a rate."""
    exact = convert_exact(amount, source, target, fx)
    return None if exact is None else money(exact, target)


def stockx_payout(price: float, fees: Fees) -> float:
    return money(stockx_spec.payout_exact(price, fees))


def alias_payout(price: float, fees: Fees) -> float:
    exact = alias_spec.payout_exact(price, fees)
    assert exact is not None  # dollars need no rate
    return money(exact)


def payout_exact(market: str, price: float | Decimal | None, fees: Fees, currency: str = "USD",
                 fx: Mapping[str, float] | None = None) -> Decimal | None:
    """The seller's payout at `price` (in `currency`), not rounded; None without a price or a needed rate."""
    return None if price is None else spec(market).payout(price, fees, currency, fx)


def payout(market: str, price: float | None, fees: Fees, currency: str = "USD",
           fx: Mapping[str, float] | None = None) -> float | None:
    """What the seller receives for a sale at `price` (in `currency`, the market's by default), rounded
    once; None without a price, or without the rate a fixed dollar fee needs."""
    exact = payout_exact(market, price, fees, currency, fx)
    return None if exact is None else money(exact, currency)


def fee_lines(market: str, price: float, fees: Fees, currency: str = "USD",
              fx: Mapping[str, float] | None = None) -> list[tuple[str, float]]:
    """The arithmetic of one payout: (what, amount) from the price down to the payout, each shown rounded."""
    return spec(market).fee_lines(price, fees, currency, fx)


def buyer_cost_exact(market: str, ask: float | Decimal | None, currency: str, fees: Fees,
                     fx: Mapping[str, float] | None) -> Decimal | None:
    """What a buyer pays in all at `ask` (in `currency`): the ask, the market's buyer percentage, and its
    flat amount (US dollars, converted first); exact, None without an ask or a rate for the flat amount."""
    if ask is None:
        return None
    market_spec = spec(market)
    pct = dec(getattr(fees, market_spec.buyer_pct))
    flat = usd_flat(getattr(fees, market_spec.buyer_flat), currency, fx)
    return None if flat is None else dec(ask) * (1 + pct) + flat


def quote_buyer_cost(quote: Quote, fees: Fees, fx: Mapping[str, float] | None) -> Decimal | None:
    """What a buyer pays in all for the quote's cheapest pair, in the quote's currency: the market's own
    rule when its spec has one (eBay adds the offer's shipping), else the ask plus buyer costs."""
    rule = spec(quote.market).buy_cost
    if rule is not None:
        return rule(quote, fees, fx)
    return buyer_cost_exact(quote.market, quote.lowest_ask, quote.currency or "USD", fees, fx)


def buyer_cost(market: str, ask: float | None, currency: str, fees: Fees, fx: Mapping[str, float]) -> float | None:
    exact = buyer_cost_exact(market, ask, currency, fees, fx)
    return None if exact is None else money(exact, currency)


@dataclass(frozen=True)
class _Priced:
    """One market's figures in the display currency (or its own, when there is no rate), each
    rounded once from the exact amount in the market's currency."""

    market: str
    currency: str
    comparable: bool
    bid: Decimal | None
    ask: Decimal | None
    sell_now: Decimal | None
    list: Decimal | None
    sell_faster: Decimal | None
    sell_faster_payout: Decimal | None
    earn_more: Decimal | None
    earn_more_payout: Decimal | None
    buy_cost: Decimal | None


def _price(market: str, quote: Quote, fees: Fees, currency: str, fx: Mapping[str, float]) -> _Priced:
    own = quote.currency or "USD"
    rate_known = convert_exact(1, own, currency, fx) is not None
    shown = currency if rate_known else own

    def shown_amount(value: float | Decimal | None) -> Decimal | None:
        exact = convert_exact(value, own, shown, fx)
        return None if exact is None else rounded(exact, shown)

    def paid(price: float | None) -> Decimal | None:
        return shown_amount(payout_exact(market, price, fees, own, fx))

    return _Priced(
        market=market, currency=shown, comparable=rate_known,
        bid=shown_amount(quote.highest_bid), ask=shown_amount(quote.lowest_ask),
        sell_now=paid(quote.highest_bid), list=paid(quote.lowest_ask),
        sell_faster=shown_amount(quote.sell_faster), sell_faster_payout=paid(quote.sell_faster),
        earn_more=shown_amount(quote.earn_more), earn_more_payout=paid(quote.earn_more),
        buy_cost=shown_amount(quote_buyer_cost(quote, fees, fx)),
    )


def _arbitrage(priced: list[_Priced]) -> Arbitrage | None:
    """Buy at the lowest ask (plus buyer costs) on one market, sell now on another: only when it pays."""
    best: tuple[Decimal, _Priced, _Priced] | None = None
    for buy in priced:
        for sell in priced:
            if buy.market == sell.market or buy.buy_cost is None or sell.sell_now is None:
                continue
            profit = sell.sell_now - buy.buy_cost  # both rounded in the same currency: exact
            if profit > 0 and (best is None or profit > best[0]):
                best = (profit, buy, sell)
    if best is None:
        return None
    profit, buy, sell = best
    return Arbitrage(buy_on=buy.market, sell_on=sell.market, buy_price=as_number(buy.ask), buy_cost=float(buy.buy_cost or 0),
                     sell_price=as_number(sell.bid), sell_payout=float(sell.sell_now or 0), profit=float(profit), currency=buy.currency)


def _notes(quotes: Mapping[str, Quote], priced: list[_Priced], currency: str, labels: Mapping[str, str]) -> list[str]:
    notes = []
    ok = [m for m, q in quotes.items() if q.ok]
    failed = [m for m, q in quotes.items() if not q.ok]
    if not ok:
        notes.append("No market quoted this pair: no advice.")
    elif failed:
        names = ", ".join(labels.get(m, m) for m in ok)
        notes.append(f"Advice based on {names} only: {', '.join(labels.get(m, m) for m in failed)} gave no quote.")
    for p in priced:
        if not p.comparable:
            notes.append(f"No {p.currency}->{currency} rate: {labels.get(p.market, p.market)}'s figures stay in {p.currency} "
                         f"and are left out of the picks that compare markets.")
        if p.bid is not None and p.ask is not None and p.bid > p.ask:
            notes.append(f"{labels.get(p.market, p.market)}'s book is crossed: the highest bid ({p.bid:,.2f} {p.currency}) "
                         f"is above the lowest ask ({p.ask:,.2f} {p.currency}).")
    return notes


def _payouts(p: _Priced) -> MarketPayouts:
    return MarketPayouts(sell_now=as_number(p.sell_now), list=as_number(p.list), sell_faster=as_number(p.sell_faster_payout),
                         earn_more=as_number(p.earn_more_payout), buy_cost=as_number(p.buy_cost), currency=p.currency)


def _best_sell(comparable: list[_Priced]) -> SellPick | None:
    best = max((p for p in comparable if p.sell_now is not None), key=lambda p: p.sell_now, default=None)  # type: ignore[arg-type,return-value]
    return None if best is None else SellPick(best.market, as_number(best.bid), float(best.sell_now), best.currency)


def _best_list(comparable: list[_Priced], quotes: Mapping[str, Quote]) -> tuple[ListPick | None, list[str]]:
    """The highest payout at a lowest ask; with no ask to match, StockX's own "sell faster" suggestion.
    A price below the market's minimum listing price (Alias's) is no advice: those markets are returned apart."""
    at_ask = [(p.ask, p.list, p) for p in comparable if p.list is not None]
    basis = "lowest_ask"
    if not at_ask:
        at_ask, basis = [(p.sell_faster, p.sell_faster_payout, p) for p in comparable if p.sell_faster_payout is not None], "sell_faster"
    refused = [p.market for _, _, p in at_ask if _below_minimum(quotes[p.market], basis)]
    at_ask = [option for option in at_ask if option[2].market not in refused]
    if not at_ask:
        return None, refused
    price, paid, best = max(at_ask, key=lambda option: option[1])  # type: ignore[arg-type,return-value]
    return ListPick(best.market, as_number(price), float(paid), basis, best.currency), refused  # type: ignore[arg-type]


def _below_minimum(quote: Quote, basis: str) -> bool:
    """A list price (in the quote's own currency) under the market's minimum listing price."""
    own = quote.lowest_ask if basis == "lowest_ask" else quote.sell_faster
    return quote.min_listing_price is not None and own is not None and own < quote.min_listing_price


def _best_buy(comparable: list[_Priced]) -> BuyPick | None:
    best = min((p for p in comparable if p.buy_cost is not None), key=lambda p: p.buy_cost, default=None)  # type: ignore[arg-type,return-value]
    return None if best is None else BuyPick(best.market, as_number(best.ask), float(best.buy_cost), best.currency)  # type: ignore[arg-type]


def recommend(quotes: Mapping[str, Quote], fees: Fees, currency: str = "USD", fx: Mapping[str, float] | None = None,
              labels: Mapping[str, str] | None = None) -> Recommendation:
    """Payouts per market and the picks: best sell now, best list, best buy (with buyer costs),
    arbitrage; all in `currency`, with the rates used and notes saying what was left out and why."""
    fx = dict(fx or {})
    labels = labels or {}
    priced = [_price(m, q, fees, currency, fx) for m, q in quotes.items() if q.ok]
    by_market = {p.market: p for p in priced}
    comparable = [p for p in priced if p.comparable]
    involved = {currency} | {q.currency for q in quotes.values() if q.ok}
    best_list, refused = _best_list(comparable, quotes)
    return Recommendation(
        currency=currency,
        fx={c: fx[c] for c in sorted(involved) if c in fx and c != "USD"},
        payouts={m: _payouts(by_market[m]) if m in by_market else MarketPayouts.none(currency) for m in quotes},
        best_sell_now=_best_sell(comparable), best_list=best_list, best_buy=_best_buy(comparable),
        arbitrage=_arbitrage(comparable),
        notes=_notes(quotes, priced, currency, labels) + [
            f"{labels.get(m, m)} refuses listings below {quotes[m].min_listing_price:,.2f} {quotes[m].currency}: "
            f"its list price is no advice." for m in refused],
    )


def sales_per_week(sales: Sequence[Sale]) -> float | None:
    """How often the pair sells, from the sales returned (newest first): sales per week over the span
    they cover; None with fewer than two."""
    times = sorted(t for s in sales if (t := read_time(s.at)) is not None)
    if len(times) < 2 or times[-1] <= times[0]:
        return None
    weeks = (times[-1] - times[0]).total_seconds() / 604_800
    return round((len(times) - 1) / weeks, 2)


def market_payouts(quotes: Mapping[str, Quote], fees: Fees, currency: str = "USD",
                   fx: Mapping[str, float] | None = None) -> dict[str, MarketPayouts]:
    """Per market: `sell_now` = payout at the highest bid, `list` = payout at the lowest ask."""
    return recommend(quotes, fees, currency, fx).payouts
