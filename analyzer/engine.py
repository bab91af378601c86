"""One shoe = every market at once; inside a market, every call that does not wait on another.

The flow is written once and run by a `gather` that either fans calls out to threads (parallel)
or makes them one after another (sequential, the baseline). Progress events are sent from the
worker threads; UIs drain them on their own thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from analyzer.config import Settings
from analyzer.errors import MarketError, SizeNotOffered
from analyzer.markets import Market, build_markets
from analyzer.markets.base import Call, Gather
from analyzer.matching import (
    NotFound,
    SearchAgain,
    describe_sizes,
    needs_anchor,
    pick_size,
    plan_after_search_again,
    plan_products,
)
from analyzer.metrics import MetricsStore
from analyzer.models import CallStats, LookupResult, Product, ProgressEvent, Quote, SizePrice
from analyzer.pricing import Fees, recommend
from analyzer.validation import clean_query, format_size, parse_size

ProgressCallback = Callable[[ProgressEvent], None]
MODES = ("parallel", "sequential")


def run_sequentially(calls: Sequence[Call]) -> list[Any]:
    return [call.run() for call in calls]


def fan_out(pool: ThreadPoolExecutor) -> Callable[[Sequence[Call]], list[Any]]:
    """All calls at once: the last one runs in the calling thread, so nested fans never starve the pool."""

    def gather(calls: Sequence[Call]) -> list[Any]:
        if not calls:
            return []
        futures = [pool.submit(call.run) for call in calls[:-1]]
        errors: list[BaseException] = []
        try:
            last = calls[-1].run()
        except BaseException as exc:
            errors.append(exc)
            last = None
        values = []
        for future in futures:
            try:
                values.append(future.result())
            except BaseException as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
        return [*values, last]

    return gather


@dataclass
class _Progress:
    """Counts finished steps of one lookup and reports each as it happens, in order."""

    total: int
    callback: ProgressCallback | None
    done: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def add_steps(self, n: int) -> None:
        with self._lock:
            self.total += n

    def _send(self, market: str, step: str, message: str, quote: Quote | None = None) -> None:
        # Sent under the lock so that fractions reach the listener in the order they grew.
        if self.callback is not None:
            self.callback(ProgressEvent(market, step, message, min(1.0, self.done / max(1, self.total)), quote))

    def report(self, market: str, step: str, message: str) -> None:
        with self._lock:
            self.done += 1
            self._send(market, step, message)

    def announce(self, quote: Quote, label: str) -> None:
        with self._lock:
            self._send(quote.market, "quote", f"{label}: quote ready" if quote.ok else f"{label}: {quote.error}", quote)


class _MarketRun:
    """One market's part of one lookup: its stats, its clock, its error."""

    def __init__(self, market: Market, started: float, progress: _Progress, gather: Gather) -> None:
        self.market = market
        self.stats = CallStats()
        self.started = started
        self.finished = started
        self.progress = progress
        self._gather = gather

    def reported(self, call: Call) -> Call:
        def run() -> Any:
            value = call.run()
            self.finished = perf_counter()
            self.progress.report(self.market.name, call.step, f"{self.market.label}: {call.message}")
            return value

        return Call(call.step, call.message, run)

    def gather(self, calls: Sequence[Call]) -> list[Any]:
        return self._gather([self.reported(c) for c in calls])

    def quote(self, **fields: Any) -> Quote:
        s = self.stats
        return Quote(market=self.market.name, elapsed_s=self.finished - self.started, calls=s.calls,
                     cache_hits=s.cache_hits, rate_limited=s.rate_limited, retries=s.retries, **fields)

    def done(self, quote: Quote) -> Quote:
        self.progress.announce(quote, self.market.label)
        return quote

    def failed(self, error: BaseException) -> Quote:
        self.finished = max(self.finished, perf_counter())
        if isinstance(error, MarketError):
            return self.quote(ok=False, error=error.message, error_kind=error.kind)
        return self.quote(ok=False, error=f"{self.market.label}: unexpected error ({type(error).__name__})", error_kind="internal")


class Analyzer:
    """Quotes shoes on every market. One per process: it owns the sessions, limiters and breakers."""

    def __init__(self, settings: Settings, markets: Sequence[Market] | None = None,
                 metrics: MetricsStore | None = None) -> None:
        self.settings = settings
        self.markets: list[Market] = list(markets) if markets is not None else build_markets(settings)
        self.metrics = metrics
        self.labels = {m.name: m.label for m in self.markets}

    def lookup(self, query: str, size: object, *, mode: str = "parallel", fees: Fees | None = None,
               on_progress: ProgressCallback | None = None) -> LookupResult:
        """Validate, then quote. Invalid input raises InvalidInput before any network call."""
        text, number = clean_query(query), parse_size(size)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        started = perf_counter()
        progress = _Progress(sum(len(m.steps) for m in self.markets), on_progress)
        if mode == "sequential":
            quotes = self._quote(text, number, run_sequentially, progress, started)
        else:
            with ThreadPoolExecutor(max_workers=2 * len(self.markets) + 2, thread_name_prefix="market") as pool:
                quotes = self._quote(text, number, fan_out(pool), progress, started)
        result = self._result(text, number, mode, quotes, perf_counter() - started, fees or self.settings.fees)
        if self.metrics is not None:
            self.metrics.record(result)
        return result

    def compare(self, queries: Sequence[str], size: object, *, fees: Fees | None = None,
                on_progress: ProgressCallback | None = None, max_workers: int | None = None) -> list[LookupResult]:
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
            result = self.lookup(texts[index], number, fees=fees, on_progress=lambda event: report(index, event))
            verdict = "quoted" if result.success else ("partly quoted" if result.any_quoted else "not quoted")
            report(index, ProgressEvent("", "shoe", f"{verdict} in {result.elapsed_s:.2f} s", 1.0))
            return result

        with ThreadPoolExecutor(max_workers=max_workers or self.settings.max_workers, thread_name_prefix="shoe") as pool:
            return list(pool.map(one, range(len(texts))))

    def clear_cache(self) -> None:
        for market in self.markets:
            market.clear_cache()

    def _quote(self, query: str, size: float, gather: Gather, progress: _Progress, started: float) -> dict[str, Quote]:
        """Every market's chain at once: search, decide, (search again), size run, quote.

        A chain waits on another market only where the decision needs it: a name query is matched
        against the markets listed before (the anchor is the first that found the shoe), so their
        searches must be back; a style-ID query waits on nothing.
        """
        names = list(self.labels)
        runs = {m.name: _MarketRun(m, started, progress, gather) for m in self.markets}
        found: dict[str, list[Product] | None] = {}
        searched = {name: threading.Event() for name in names}
        waits_on_earlier = needs_anchor(query)

        def search(run: _MarketRun, text: str, message: str) -> list[Product]:
            return run.gather([Call("search", message, lambda: run.market.search(text, run.stats))])[0]

        def chain(name: str) -> Quote:
            run = runs[name]
            try:
                found[name] = search(run, query, "search")
            except Exception as exc:
                found[name] = None
                return run.done(run.failed(exc))
            finally:
                searched[name].set()
            try:
                earlier = names[: names.index(name)] if waits_on_earlier else []
                for other in earlier:
                    searched[other].wait()
                plan = plan_products(query, {n: found[n] for n in [*earlier, name]}, self.labels)[name]
                if isinstance(plan, SearchAgain):
                    progress.add_steps(1)
                    again = search(run, plan.style_id, f"search by style ID {plan.style_id}")
                    plan = plan_after_search_again(plan.style_id, again, self.labels[name])
                if isinstance(plan, NotFound):
                    return run.done(run.quote(ok=False, error=plan.message, error_kind="not_found"))
                sizes = run.market.size_run(plan.product, run.stats, run.gather)
                return run.done(self._size_quote(run, plan.product, sizes, size))
            except Exception as exc:  # that market's error; the others go on
                return run.done(run.failed(exc))

        quotes = gather([Call("chain", "", lambda name=name: chain(name)) for name in names])
        return dict(zip(names, quotes, strict=True))

    def _size_quote(self, run: _MarketRun, product: Any, sizes: list[SizePrice], size: float) -> Quote:
        book = pick_size(sizes, size)
        common = {"title": product.title, "style_id": product.style_id, "url": product.url, "product": product, "sizes": sizes}
        if book is None:
            error = SizeNotOffered(f"{run.market.label} has no US {format_size(size)} for this shoe; it has {describe_sizes(sizes)}.")
            return run.quote(ok=False, error=error.message, error_kind=error.kind, size=size, **common)
        return run.quote(ok=True, size=size, lowest_ask=book.lowest_ask, highest_bid=book.highest_bid,
                         last_sale=book.last_sale, **common)

    def _result(self, query: str, size: float, mode: str, quotes: dict[str, Quote], elapsed: float, fees: Fees) -> LookupResult:
        products = [q.product for q in quotes.values() if q.product is not None]
        product = None
        if products:
            first = products[0]
            product = {
                "title": first.title,
                "brand": next((p.brand for p in products if p.brand), None),
                "style_id": first.style_id,
                "retail_price": next((p.retail_price for p in products if p.retail_price), None),
                "release_date": next((p.release_date for p in products if p.release_date), None),
                "image_url": next((p.image_url for p in products if p.image_url), None),
            }
        return LookupResult(query=query, size=size, mode=mode, source=self.settings.source, elapsed_s=elapsed,
                            product=product, quotes=quotes, pricing=recommend(quotes, fees))
