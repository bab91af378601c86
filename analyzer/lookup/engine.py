"""One shoe = every market at once; inside a market, every call that does not wait on another.

The flow is written once and run by a `gather` that either fans calls out to threads (parallel)
or makes them one after another (sequential, the baseline): analyzer/lookup/runs.py. Progress events are sent from the
worker threads; UIs drain them on their own thread.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from time import perf_counter
from typing import Protocol

from analyzer.config import Settings
from analyzer.domain import time_to_sell
from analyzer.domain.answer import Recommendation
from analyzer.domain.books import Book
from analyzer.domain.errors import MarketError
from analyzer.domain.errors import NotFound as NotFoundError
from analyzer.domain.matching import (
    NotFound,
    SearchAgain,
    needs_anchor,
    plan_after_search_again,
    plan_products,
    suggestions,
)
from analyzer.domain.models import (
    LOCAL_OWNER,
    CallStats,
    LookupResult,
    OfferBin,
    Product,
    ProgressEvent,
    Quote,
    Sale,
    Size,
    SizeRun,
)
from analyzer.domain.pricing import Fees, recommend, sales_per_week
from analyzer.domain.sizes import NoSize, resolve
from analyzer.domain.validation import clean_gtin, clean_query, parse_size, size_label, size_text
from analyzer.lookup.runs import MarketRun, Progress, ProgressCallback, fan_out, run_sequentially
from analyzer.markets import build_markets
from analyzer.markets.base import Call, Gather, Market
from analyzer.net import fx


class Recorder(Protocol):
    """What keeps each lookup (the store's MetricsStore): it must never raise into the lookup."""

    def record(self, result: LookupResult) -> None: ...


MODES = ("parallel", "sequential")


class Analyzer:
    """Quotes shoes on every market. One per process: it owns the sessions, limiters and breakers."""

    def __init__(self, settings: Settings, markets: Sequence[Market] | None = None,
                 metrics: Recorder | None = None) -> None:
        self.settings = settings
        self.markets: list[Market] = list(markets) if markets is not None else build_markets(settings)
        self.metrics = metrics
        self.labels = {m.name: m.label for m in self.markets}

    @property
    def books(self) -> dict[str, Book]:
        """Per market, the book this analyzer's lookups quote (and so the one its readers of the store read)."""
        return {m.name: m.book for m in self.markets}

    def lookup(self, query: str, size: object, *, mode: str = "parallel", fees: Fees | None = None,
               on_progress: ProgressCallback | None = None, owner: str = LOCAL_OWNER) -> LookupResult:
        """Validate, then quote. Invalid input raises InvalidInput before any network call."""
        text, number = clean_query(query), parse_size(size)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        started = perf_counter()
        progress = Progress(sum(len(m.steps) for m in self.markets), on_progress)
        prefetch = fx.needed(self.settings)
        if mode == "sequential":
            quotes = self._quote(text, number, run_sequentially, progress, started)
            rates = fx.rates(self.settings) if prefetch else None
        else:
            with ThreadPoolExecutor(max_workers=2 * len(self.markets) + 3, thread_name_prefix="market") as pool:
                pending = pool.submit(contextvars.copy_context().run, fx.rates, self.settings) if prefetch else None
                quotes = self._quote(text, number, fan_out(pool), progress, started)
                rates = pending.result() if pending is not None else None
        rates = self.rates_for(quotes, rates)
        result = self._result(text, number, mode, quotes, perf_counter() - started, fees or self.settings.fees, rates)
        result.owner = owner
        if self.metrics is not None:
            self.metrics.record(result)
        return result

    def lookup_gtin(self, gtin: str, *, mode: str = "parallel", fees: Fees | None = None,
                    on_progress: ProgressCallback | None = None, owner: str = LOCAL_OWNER) -> LookupResult:
        """A scanned box: the barcode names the product and its size on a market that reads barcodes
        (StockX), then every market is quoted for that style ID and size as usual. An unknown
        barcode raises MarketError (NotFound)."""
        code = clean_gtin(gtin)
        reader = next((m for m in self.markets if hasattr(m, "by_gtin")), None)
        if reader is None:
            raise NotFoundError("No market here reads barcodes.")
        product, (scale, value) = reader.by_gtin(code, CallStats())  # type: ignore[attr-defined]
        query = product.style_ids[0] if product.style_ids else product.title
        result = self.lookup(query, size_text(Size(value, scale)), mode=mode, fees=fees, on_progress=on_progress,
                             owner=owner)
        result.gtin = code
        return result

    def compare(self, queries: Sequence[str], size: object, *, fees: Fees | None = None,
                on_progress: ProgressCallback | None = None, max_workers: int | None = None,
                owner: str = LOCAL_OWNER) -> list[LookupResult]:
        """Many shoes on a bounded pool; results in the order asked. Validates every query first."""
        texts, number = [clean_query(q) for q in queries], parse_size(size)
        shares = [0.0] * len(texts)
        lock = threading.Lock()

        def report(index: int, event: ProgressEvent) -> None:
            """Each shoe's own progress, as a share of the whole batch."""
            if on_progress is not None:
                with lock:
                    shares[index] = event.fraction
                    on_progress(ProgressEvent(event.market, event.step, f"{texts[index]}: {event.message}",
                                              sum(shares) / len(shares), event.quote))

        def one(index: int) -> LookupResult:
            result = self.lookup(texts[index], number, fees=fees, on_progress=lambda event: report(index, event), owner=owner)
            verdict = "quoted" if result.success else ("partly quoted" if result.any_quoted else "not quoted")
            report(index, ProgressEvent("", "shoe", f"{verdict} in {result.elapsed_s:.2f} s", 1.0))
            return result

        with ThreadPoolExecutor(max_workers=max_workers or self.settings.max_workers, thread_name_prefix="shoe") as pool:
            return list(pool.map(one, range(len(texts))))

    def clear_cache(self) -> None:
        for market in self.markets:
            market.clear_cache()

    def _quote(self, query: str, size: Size, gather: Gather, progress: Progress, started: float) -> dict[str, Quote]:
        """Every market's chain at once (see _Chains): one quote per market, in the registry's order."""
        chains = _Chains(self, query, size, progress, {m.name: MarketRun(m, started, progress, gather) for m in self.markets})
        quotes = gather([Call("chain", "", lambda name=name: chains.quote(name)) for name in chains.names])
        return dict(zip(chains.names, quotes, strict=True))

    def _sales(self, run: MarketRun, product: Product, size_run: SizeRun, own: float) -> tuple[list[Sale], str | None]:
        """The asked size's recent sales (and why there are none when the call failed): fetched with
        the size run when the size was known, else now."""
        if own in size_run.sales or "sales" not in run.market.steps:
            return size_run.sales.get(own, []), size_run.sales_errors.get(own)
        try:
            return run.gather([Call("sales", "recent sales", lambda: run.market.recent_sales(product, own, run.stats))])[0], None
        except MarketError as exc:
            return [], f"No recent sales: {exc.message}"  # sales are extra: the quote stands without them

    def _offers(self, run: MarketRun, product: Product, size_run: SizeRun, own: float) -> list[OfferBin] | None:
        """The asked size's bid depth, when the market was asked for it (Alias with offer_depth)."""
        if not getattr(run.market, "offer_depth", False):
            return None
        if own in size_run.offers:
            return size_run.offers[own]
        fetch = getattr(run.market, "offers", None)
        return run.gather([Call("offers", "bid depth", lambda: fetch(product, own, run.stats))])[0] if fetch else None

    def _size_quote(self, run: MarketRun, product: Product, size_run: SizeRun, size: Size, charts: list[SizeRun]) -> Quote:
        common = {"title": product.title, "style_id": product.style_id, "url": product.url, "product": product,
                  "sizes": size_run.sizes, "scale": size_run.scale, "currency": size_run.currency,
                  "fresh": size_run.fresh, "quoted_at": size_run.quoted_at}
        picked = resolve(size, size_run, run.market.label, charts)
        if isinstance(picked, NoSize):
            return run.quote(ok=False, error=picked.message, error_kind=picked.kind, **common)
        book = picked.book
        sales, sales_error = self._sales(run, product, size_run, book.size)
        offers = self._offers(run, product, size_run, book.size)
        return run.quote(ok=True, size=book.size, size_label=picked.label, lowest_ask=book.lowest_ask,
                          highest_bid=book.highest_bid, last_sale=book.last_sale, sell_faster=book.sell_faster,
                          earn_more=book.earn_more, flex_lowest_ask=book.flex_lowest_ask, recent_sales=sales,
                          sales_per_week=sales_per_week(sales), sales_error=sales_error, offer_histogram=offers,
                          variant_id=book.variant_id, gtins=[{"identifier": i, "type": t} for i, t in book.gtins],
                          flex_eligible=book.flex_eligible, direct_eligible=book.direct_eligible,
                          flex_sell_faster=book.flex_sell_faster, flex_earn_more=book.flex_earn_more, beat_us=book.beat_us,
                          direct_lowest_ask=book.direct_lowest_ask, direct_sell_faster=book.direct_sell_faster,
                          direct_earn_more=book.direct_earn_more, global_indicator=book.global_indicator,
                          min_listing_price=product.min_listing_price, max_listing_price=product.max_listing_price,
                          details=dict(book.details), **common)

    def rates_for(self, quotes: dict[str, Quote], prefetched: dict[str, float] | None) -> dict[str, float]:
        """Exchange rates when some money is not in the display currency: fetched at the start of the
        lookup when the display currency needs them, else only now, when an answer surprised us."""
        if prefetched is not None:
            return prefetched
        currencies = {q.currency for q in quotes.values() if q.ok} | {self.settings.currency}
        return fx.rates(self.settings) if currencies != {"USD"} else {}

    def _result(self, query: str, size: Size, mode: str, quotes: dict[str, Quote], elapsed: float, fees: Fees,
                rates: dict[str, float]) -> LookupResult:
        products = [q.product for q in quotes.values() if q.product is not None]
        product = None
        if products:
            first = products[0]
            product = {
                "title": first.title,
                "brand": next((p.brand for p in products if p.brand), None),
                "style_id": first.style_id,
                "retail_price": next((p.retail_price for p in products if p.retail_price), None),
                "retail_currency": "USD",  # both markets list the US retail price
                "release_date": next((p.release_date for p in products if p.release_date), None),
                "image_url": next((p.image_url for p in products if p.image_url), None),
            }
        label = next((q.size_label for q in quotes.values() if q.ok and q.size_label), size_label(size.value, size.scale))
        currency = self.settings.currency
        advice = {}
        for name, quote in quotes.items():
            if quote.ok:
                curve = time_to_sell.of_quote(quote, fees, rates)
                quote.time_to_sell = curve.to_dict()
                if curve.advice:
                    advice[name] = curve.advice
        pricing = replace(recommend(quotes, fees, currency, rates, self.labels), list_advice=advice)
        return LookupResult(query=query, size=size.value, size_label=label, size_asked=size_label(size.value, size.scale),
                            currency=currency, mode=mode, source=self.settings.source, elapsed_s=elapsed, product=product,
                            quotes=quotes, rates=rates, pricing=pricing)

    def reprice(self, result: LookupResult, fees: Fees, currency: str | None = None) -> Recommendation:
        """The recommendation again at other fees or in another display currency, from the stored
        quotes: no market call. Another currency may need today's reference rates (configured, or
        the daily file, cached a day), never a marketplace."""
        shown = currency or result.currency
        rates = dict(result.rates)
        needed = {shown} | {q.currency for q in result.quotes.values() if q.ok}
        if any(c != "USD" and c not in rates for c in needed):
            rates = {**fx.rates(self.settings), **rates}
        return recommend(result.quotes, fees, shown, rates, self.labels)


class _Chains:
    """One lookup's chains, one per market: search, decide, (search again), size run, quote.

    A chain waits on another market only where a decision needs it: a name query is matched against
    the markets listed before (the anchor is the first that found the shoe), so their searches must be
    back; a market without a size chart (Alias) waits for the size runs of the markets with one (StockX)
    when the asked size is bare or in another scale, to quote the same physical size. A style-ID query
    in the shoe's own scale waits on nothing. Each wait is on a threading.Event a chain sets when its
    step is over, whatever its outcome.
    """

    def __init__(self, analyzer: Analyzer, query: str, size: Size, progress: Progress, runs: dict[str, MarketRun]) -> None:
        self.analyzer, self.query, self.size, self.progress, self.runs = analyzer, query, size, progress, runs
        self.names = list(analyzer.labels)
        self.found: dict[str, list[Product] | None] = {}
        self.size_runs: dict[str, SizeRun] = {}
        self.searched = {name: threading.Event() for name in self.names}
        self.sized = {name: threading.Event() for name in self.names}
        self.waits_on_earlier = needs_anchor(query)
        self.charted = [m.name for m in analyzer.markets if m.has_size_chart]

    def quote(self, name: str) -> Quote:
        run = self.runs[name]
        try:
            self.found[name] = self._search(run, self.query, "search")
        except Exception as exc:
            self.found[name] = None
            self.sized[name].set()
            return run.done(run.failed(exc))
        finally:
            self.searched[name].set()
        try:
            return run.done(self._after_search(name, run))
        except Exception as exc:  # that market's error; the others go on
            self.sized[name].set()
            return run.done(run.failed(exc))

    def _after_search(self, name: str, run: MarketRun) -> Quote:
        earlier = self.names[: self.names.index(name)] if self.waits_on_earlier else []
        for other in earlier:
            self.searched[other].wait()
        plan = plan_products(self.query, {n: self.found[n] for n in [*earlier, name]}, self.analyzer.labels)[name]
        if isinstance(plan, SearchAgain):
            self.progress.add_steps(1)
            again = self._search(run, plan.style_id, f"search by style ID {plan.style_id}")
            plan = plan_after_search_again(plan.style_id, again, self.analyzer.labels[name])
        if isinstance(plan, NotFound):
            self.sized[name].set()
            return run.quote(ok=False, error=plan.message, error_kind="not_found", suggestions=suggestions(plan.suggestions))
        hint = self.size.value if self.size.scale in (None, plan.product.scale) else None
        try:
            size_run = run.market.size_run(plan.product, run.stats, run.gather, hint)
            self.size_runs[name] = size_run
        finally:
            self.sized[name].set()
        charts = [] if run.market.has_size_chart else self._charts_for(name, plan.product)
        return self.analyzer._size_quote(run, plan.product, size_run, self.size, charts)

    def _search(self, run: MarketRun, text: str, message: str) -> list[Product]:
        return run.gather([Call("search", message, lambda: run.market.search(text, run.stats))])[0]

    def _charts_for(self, name: str, product: Product) -> list[SizeRun]:
        if self.size.scale is not None and self.size.scale == product.scale:
            return []
        for other in self.charted:
            if other != name:
                self.sized[other].wait()
        return [self.size_runs[o] for o in self.charted if o != name and o in self.size_runs]
