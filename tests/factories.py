"""Made-up lookup results for the tests of what records and summarises them (no market involved)."""

from __future__ import annotations

from analyzer.domain.answer import Recommendation
from analyzer.domain.models import LookupResult, Quote


def result(mode: str = "parallel", ok: tuple[bool, bool] = (True, True), calls: int = 3, hits: int = 0,
           limited: int = 0, elapsed: float = 1.0) -> LookupResult:
    quotes = {
        "stockx": Quote("stockx", ok[0], None if ok[0] else "StockX is unavailable", calls=calls, cache_hits=hits,
                        rate_limited=limited, elapsed_s=elapsed),
        "alias": Quote("alias", ok[1], None if ok[1] else "Alias is unavailable", calls=calls, cache_hits=hits, elapsed_s=elapsed / 2),
    }
    return LookupResult(query="CP9654", size=10.0, size_label="US 10", currency="USD", mode=mode, source="sandbox",
                        elapsed_s=elapsed, product=None, quotes=quotes, pricing=Recommendation("USD", {}, {}))
