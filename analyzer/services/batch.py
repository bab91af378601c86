"""Many shoes from the command line: each its own lookup on a bounded pool, paced by the markets'
rate limiters (the same limiter every lookup goes through), handed back as each one lands."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from analyzer.domain.batch import BatchItem
from analyzer.domain.models import LookupResult
from analyzer.domain.owners import LOCAL
from analyzer.domain.pricing import Fees
from analyzer.lookup.engine import Analyzer


def run_batch(analyzer: Analyzer, items: Sequence[BatchItem], *, fees: Fees | None = None, owner: str = LOCAL,
              max_workers: int | None = None) -> Iterator[tuple[int, LookupResult]]:
    """(place in the batch, result) in the order the results land. At most `max_workers` shoes are
    in flight (pending ones are not even submitted), so 500 pairs hold 500 results at most and no
    more threads than the pages use; the limiter, not this loop, sets the pace."""
    workers = max(1, max_workers or analyzer.settings.max_workers)
    queue = iter(enumerate(items))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="batch") as pool:
        running: dict[Future[LookupResult], int] = {}

        def submit_next() -> None:
            for index, item in queue:
                running[pool.submit(analyzer.lookup, item.query, item.size, fees=fees, owner=owner)] = index
                return

        for _ in range(workers):
            submit_next()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                submit_next()
                yield index, future.result()
