"""How one lookup's calls run: one after another or fanned out to threads (`gather`), each market's
share of them counted (its stats, its clock, its error) and every finished step reported in order."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from analyzer.domain.errors import MarketError
from analyzer.domain.models import CallStats, ProgressEvent, Quote
from analyzer.markets.base import Call, Gather, Market

ProgressCallback = Callable[[ProgressEvent], None]


def run_sequentially(calls: Sequence[Call]) -> list[Any]:
    return [call.run() for call in calls]


def fan_out(pool: ThreadPoolExecutor) -> Callable[[Sequence[Call]], list[Any]]:
    """All calls at once: the last one runs in the calling thread, so nested fans never starve the pool."""

    def gather(calls: Sequence[Call]) -> list[Any]:
        if not calls:
            return []
        futures = [pool.submit(contextvars.copy_context().run, call.run) for call in calls[:-1]]  # the purpose spends
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
class Progress:
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


class MarketRun:
    """One market's part of one lookup: its stats, its clock, its error."""

    def __init__(self, market: Market, started: float, progress: Progress, gather: Gather) -> None:
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
                     cache_hits=s.cache_hits, rate_limited=s.rate_limited, retries=s.retries,
                     book=self.market.book, **fields)

    def done(self, quote: Quote) -> Quote:
        self.progress.announce(quote, self.market.label)
        return quote

    def failed(self, error: BaseException) -> Quote:
        self.finished = max(self.finished, perf_counter())
        if isinstance(error, MarketError):
            return self.quote(ok=False, error=error.message, error_kind=error.kind)
        return self.quote(ok=False, error=f"{self.market.label}: unexpected error ({type(error).__name__})", error_kind="internal")
