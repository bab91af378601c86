"""The watchlist: refresh each watched pair (fresh stored snapshots first), check its targets on net
payouts at the current fees, and fire an alert when a target becomes met.

A target fires when it becomes met and not again until it has been unmet. The state change and
the alert are one transaction, committed before any webhook is tried: a kill loses nothing and
repeats nothing.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from analyzer.domain.answer import MarketPayouts, Recommendation
from analyzer.domain.books import Book, describe
from analyzer.domain.models import ProgressEvent, Quote
from analyzer.domain.money import convert, dec, rounded
from analyzer.domain.owners import defaults_from
from analyzer.domain.pricing import recommend
from analyzer.net import fx
from analyzer.net.budget import DayBudget, spending
from analyzer.services.watch_plan import Readings, nearness, plan_watches, promise
from analyzer.store import Store, owners_repo, watch_repo
from analyzer.store.history import label_of
from analyzer.store.market_data import Snapshot, latest_snapshots
from analyzer.store.watch_repo import Alert, Watch

if TYPE_CHECKING:
    from analyzer.domain.pricing import Fees
    from analyzer.lookup.engine import Analyzer

log = logging.getLogger(__name__)
ProgressCallback = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class Reading:
    """One target of one watch against the current market: `value` None when no market gave one."""

    target: str
    threshold: float
    value: float | None
    market: str | None
    currency: str

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        value, threshold = dec(self.value), dec(self.threshold)  # exact: 19.43 is above 19.42, never "about"
        return value < threshold if self.target == "ask_below" else value > threshold


@dataclass
class Priced:
    """A watched pair's current quotes and their pricing, from the markets or from stored snapshots."""

    quotes: dict[str, Quote]
    pricing: Recommendation
    from_store: bool = False


@dataclass
class RunReport:
    checked: int = 0
    alerts: list[Alert] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    from_store: int = 0
    delivered: int = 0
    undelivered: int = 0
    deferred: int = 0
    """Pairs the day's plan left for a later run (their product was refreshed recently enough)."""
    promise_s: float | None = None
    """The longest a watched pair waits under the day's plan; None without a daily budget."""

    def to_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "alerts": [a.to_dict() for a in self.alerts], "errors": self.errors,
                "deferred": self.deferred, "promised_staleness_s": None if self.promise_s is None else round(self.promise_s)}


def _ask_shown(quote: Quote, pricing: Recommendation, currency: str) -> tuple[float | None, str]:
    """The lowest ask in the currency the payouts are shown in (rounded once), or its own without a rate."""
    shown = pricing.currency or currency
    own = quote.currency or "USD"
    exact = convert(quote.lowest_ask, own, shown, pricing.fx)
    if exact is None:
        return quote.lowest_ask, own
    return float(rounded(exact, shown)), shown


def readings(watch: Watch, priced: Priced, currency: str) -> list[Reading]:
    """Each target's current value: the best of the watched markets (highest payout, lowest ask), all in
    the display currency so one threshold compares like with like."""
    markets = [m for m in priced.quotes if watch.market in ("any", m)]
    out = []
    for target, threshold in watch.targets():
        options: list[tuple[Decimal, float, str, str]] = []
        for m in markets:
            quote = priced.quotes[m]
            if not quote.ok:
                continue
            if target == "ask_below":
                value, money = _ask_shown(quote, priced.pricing, currency)
            else:
                pay = priced.pricing.payouts.get(m) or MarketPayouts.none(currency)
                value, money = (pay.sell_now if target == "sell_now_above" else pay.list), pay.currency
            if value is not None:
                options.append((dec(value), float(value), m, money or currency))
        pick = (min if target == "ask_below" else max)(options, default=None)
        out.append(Reading(target, threshold, pick[1] if pick else None, pick[2] if pick else None,
                           pick[3] if pick else currency))
    return out


def check_targets(store: Store, watch: Watch, found: list[Reading], resolved: dict[str, dict[str, Any]],
                  error: str | None = None) -> list[Alert]:
    """Record each target's state; a target that became met fires an alert in the same transaction."""
    fired = []
    with store.write() as conn:
        if not watch_repo.lock_watch(conn, watch.id):
            return []  # removed while it was being checked
        before = watch_repo.target_states(conn, watch.id)
        for reading in found:
            if reading.met is None:
                continue  # no value this time: the state stays what it was
            if reading.met and not before.get(reading.target, False):
                fired.append(watch_repo.insert_alert(
                    conn, owner=watch.owner, watch_id=watch.id, query=watch.query, size=watch.size,
                    size_label=label_of(watch.size, watch.scale),
                    market=reading.market, target=reading.target, threshold=reading.threshold, value=reading.value,
                    currency=reading.currency))
            watch_repo.set_state(conn, watch.id, reading.target, bool(reading.met), reading.value)
        watch_repo.mark_checked(conn, watch.id, resolved, error)
    return fired


def _quote_of(snapshot: Snapshot) -> Quote:
    return Quote(market=snapshot.market, ok=True, size=snapshot.size, lowest_ask=snapshot.lowest_ask,
                 highest_bid=snapshot.highest_bid, last_sale=snapshot.last_sale, currency=snapshot.currency,
                 quoted_at=snapshot.at, scale=snapshot.scale)


def price_quotes(analyzer: Analyzer, quotes: Mapping[str, Quote], fees: Fees, currency: str | None = None) -> Recommendation:
    """Pricing of stored quotes as a lookup would price them: same fees rule, currency and rates."""
    shown = currency or analyzer.settings.currency
    needed = {q.currency for q in quotes.values() if q.ok} | {shown}
    rates = fx.rates(analyzer.settings) if needed != {"USD"} else {}  # the display currency asked, not the app's default
    return recommend(quotes, fees, shown, rates, analyzer.labels)


def books_read_by(analyzer: Analyzer) -> dict[str, Book]:
    """The books an analyzer's lookups quote: the stored snapshots read in their place must be of the same."""
    return dict(analyzer.books)


def stored_quotes(store: Store, resolved: Mapping[str, Mapping[str, Any]], ttl_s: float,
                  books: Mapping[str, Book] | None = None) -> dict[str, Quote] | None:
    """The pair's quotes from snapshots younger than `ttl_s` in `books` (per market; default books when
    not given), when every market it matched has one."""
    if not resolved:
        return None
    pairs = [(m, str(r["product_id"]), float(r["size"])) for m, r in resolved.items()]
    with store.read() as conn:
        found = latest_snapshots(conn, pairs, ttl_s, books)
    if set(found) != set(resolved):
        return None
    return {m: _quote_of(s) for m, s in found.items()}


def resolved_of(quotes: Mapping[str, Quote]) -> dict[str, dict[str, Any]]:
    """Per market, the product and own-scale size a lookup matched (what the snapshots are keyed by)."""
    out = {}
    for market, q in quotes.items():
        if q.ok and q.product is not None and q.size is not None:
            # the shoe's name, its page and the book: what an alert names and links to
            out[market] = {"product_id": str(q.product.product_id), "size": float(q.size), "title": q.title, "url": q.url,
                           "book": describe(q.book) if q.book is not None else None}
    return out


def pair_errors(watch: Watch, quotes: Mapping[str, Quote]) -> list[dict[str, Any]]:
    return [{"watch_id": watch.id, "query": watch.query, "size": watch.size, "market": m, "error": q.error,
             "error_kind": q.error_kind}
            for m, q in quotes.items() if not q.ok and watch.market in ("any", m)]


@dataclass(frozen=True)
class OwnerView:
    """How one owner judges their watches: their saved fees and currency, through an analyzer
    asking their Alias book."""

    analyzer: Any
    fees: Any
    currency: str


class OwnerViews:
    """Each owner's view, from their saved settings (the app's defaults for one who saved none);
    one analyzer per Alias book, all sharing the base analyzer's recorder."""

    def __init__(self, analyzer: Any, store: Store) -> None:
        self.analyzer = analyzer
        self.store = store
        self._views: dict[str, OwnerView] = {}
        self._by_book: dict[tuple[str, str, bool], Any] = {}
        self._lock = threading.RLock()  # __call__ builds its book under it

    def __call__(self, owner: str) -> OwnerView:
        with self._lock:
            view = self._views.get(owner)
            if view is None:
                base = self.analyzer.settings
                with self.store.read() as conn:
                    saved = owners_repo.load_settings(conn, owner, defaults_from(base))
                view = OwnerView(self._book(saved.alias_region, saved.alias_consigned), saved.fees, saved.currency)
                self._views[owner] = view
            return view

    def _book(self, region: str, consigned: str, use_cache: bool = True) -> Any:
        base = self.analyzer.settings
        if (region, consigned, use_cache) == (base.alias_region, base.alias_consigned, base.use_cache):
            return self.analyzer
        key = (region, consigned, use_cache)
        with self._lock:
            if key not in self._by_book:
                from analyzer.lookup.engine import Analyzer

                changed = base.with_(alias_region=region, alias_consigned=consigned, use_cache=use_cache)
                self._by_book[key] = Analyzer(changed, metrics=self.analyzer.metrics)
            return self._by_book[key]

    def asking(self, owner: str) -> Any:
        """The owner's analyzer without the HTTP cache: what a forced run asks, so its answer is the
        markets' own and is recorded (a cached answer is neither)."""
        settings = self(owner).analyzer.settings
        return self._book(settings.alias_region, settings.alias_consigned, use_cache=False)


class WatchRunner:
    """Runs the watchlist through one Analyzer (its limiter paces the markets) on one store: one
    owner's watches (the page), or every owner's (`owner=None`, the worker); each watch is judged at
    its owner's saved fees, currency and Alias book, whoever runs it."""

    def __init__(self, analyzer: Any, store: Store | None = None, owner: str | None = None, tick_s: float = 300.0) -> None:
        self.analyzer = analyzer
        self.tick_s = tick_s  # how often the runs come: the plan keeps every product's promise until the next
        self.readings = Readings()  # its own readings of each product across runs: how fast each moves
        self.settings = analyzer.settings
        self.store = store or Store.open(self.settings)
        self.owner = owner
        self.views = OwnerViews(analyzer, self.store)

    def price(self, watch: Watch, force: bool = False) -> Priced:
        view = self.views(watch.owner)
        if not force:
            quotes = stored_quotes(self.store, watch.resolved, self.settings.market_ttl_s, books_read_by(view.analyzer))
            if quotes is not None:
                return Priced(quotes, price_quotes(view.analyzer, quotes, view.fees, view.currency), from_store=True)
        analyzer = self.views.asking(watch.owner) if force else view.analyzer
        result = analyzer.lookup(watch.query, label_of(watch.size, watch.scale), fees=view.fees, owner=watch.owner)
        pricing = result.pricing if result.currency == view.currency else view.analyzer.reprice(result, view.fees, view.currency)
        return Priced(dict(result.quotes), pricing)

    def check(self, watch: Watch, force: bool = False) -> tuple[list[Alert], list[dict[str, Any]], bool]:
        priced = self.price(watch, force)
        errors = pair_errors(watch, priced.quotes)
        resolved = watch.resolved if priced.from_store else resolved_of(priced.quotes)
        found = readings(watch, priced, self.views(watch.owner).currency)
        fired = check_targets(self.store, watch, found, resolved, " ".join(e["error"] or "" for e in errors) or None)
        return fired, errors, priced.from_store

    def run_once(self, force: bool = False, on_progress: ProgressCallback | None = None,
                 deliver: Callable[[Store], tuple[int, int]] | None = None) -> RunReport:
        with self.store.read() as conn:
            watched = watch_repo.list_watches(conn, owner=self.owner)
        report = RunReport()
        if not force:  # the day's plan: by product, within the background share; every pair without a daily budget
            days = days_of(self.analyzer)
            rows = [r for o in {w.owner for w in watched} for r in overview(self.analyzer, self.store, o)] if any(days) else []
            near = nearness(rows) if any(days) else None
            self.readings.note(watched, rows)
            planned, schedule = plan_watches(watched, days, time.time(), self.tick_s, near, self.readings)
            if schedule is not None:
                report.deferred, report.promise_s = len(watched) - len(planned), schedule.bound_s
            watched = planned
        workers = max(1, min(len(watched), int(self.settings.max_workers)))
        with spending("watch"), ThreadPoolExecutor(max_workers=workers, thread_name_prefix="watch") as pool:
            futures = {pool.submit(contextvars.copy_context().run, self.check, w, force): w for w in watched}
            for done, future in enumerate(as_completed(futures), start=1):
                watch = futures[future]
                try:
                    fired, errors, from_store = future.result()
                    report.alerts.extend(fired)
                    report.errors.extend(errors)
                    report.from_store += int(from_store)
                except Exception as exc:  # one pair's failure is reported, the others go on
                    log.exception("watch %s failed", watch.id)
                    report.errors.append({"watch_id": watch.id, "query": watch.query, "size": watch.size, "market": None,
                                          "error": f"{type(exc).__name__}: {exc}", "error_kind": "internal"})
                report.checked += 1
                if on_progress is not None:
                    on_progress(ProgressEvent("", "watch", f"{watch.query} {label_of(watch.size, watch.scale)} checked",
                                              done / max(1, len(watched))))
        report.alerts.sort(key=lambda a: a.id)
        if deliver is not None:
            report.delivered, report.undelivered = deliver(self.store)
        return report


def days_of(analyzer: Any) -> list[DayBudget | None]:
    """Each market's day on its key (None where it has no daily budget)."""
    return [m.http.wiring().day for m in analyzer.markets]


def promised_age_s(analyzer: Any, store: Store) -> float | None:
    """The longest any watched pair waits under the worker's plan (every owner's pairs share the
    background budget); None without a daily budget. Only a number leaves here, no one's pairs."""
    with store.read() as conn:
        everyone = watch_repo.list_watches(conn, owner=None)
    budgets = [d for d in days_of(analyzer) if d is not None]
    return promise(everyone, budgets) if everyone and budgets else None


def overview(analyzer: Any, store: Store, owner: str) -> list[dict[str, Any]]:
    """One row per watched pair of `owner`: its targets against the newest stored quotes, priced at
    the owner's saved fees and currency (what the worker judges them by)."""
    view = OwnerViews(analyzer, store)(owner)
    books = books_read_by(view.analyzer)  # the book the owner chose, as their lookups quote it
    with store.read() as conn:
        watched = watch_repo.list_watches(conn, owner=owner)
        states = {w.id: watch_repo.target_states(conn, w.id) for w in watched}
    rows = []
    for w in watched:
        quotes = stored_quotes(store, w.resolved, float("inf"), books) if w.resolved else None
        found = (readings(w, Priced(quotes, price_quotes(view.analyzer, quotes, view.fees, view.currency)), view.currency)
                 if quotes else [])
        by_target = {r.target: r for r in found}
        row: dict[str, Any] = {"id": w.id, "query": w.query, "size_label": label_of(w.size, w.scale), "market": w.market,
                               "checked_at": w.checked_at, "problem": w.last_error}
        for target, threshold in w.targets():
            reading = by_target.get(target)
            row[target] = {"threshold": threshold, "value": reading.value if reading else None,
                           "market": reading.market if reading else None, "currency": reading.currency if reading else None,
                           "met": reading.met if reading else None, "alerted": states[w.id].get(target, False)}
        rows.append(row)
    return rows
