"""The day over real HTTP against the sandbox: lookups spend it by purpose, and a spent day is a plain
per-market error at once (no 429s, no waiting), the other market still answering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzer.net.budget import spending


def _market(analyzer: Any, name: str) -> Any:
    return next(m for m in analyzer.markets if m.name == name)


def test_lookups_and_the_watch_spend_the_day_by_purpose(fast_sandbox: Any, analyzer_for: Callable[..., Any]) -> None:
    analyzer = analyzer_for(fast_sandbox, record=False, use_cache=False, daily_budgets={"stockx": 2_400})
    assert analyzer.lookup("DD1391-100", "10").quotes["stockx"].ok
    with spending("watch"):
        assert analyzer.lookup("DD1391-100", "9").quotes["stockx"].ok
    day = _market(analyzer, "stockx").http.day()
    assert day["by_purpose"]["lookup"] >= 1 and day["by_purpose"]["watch"] >= 1
    assert day["spent"] == day["by_purpose"]["lookup"] + day["by_purpose"]["watch"]
    assert _market(analyzer, "alias").http.day() is None  # Alias publishes no day: none unless set


def test_a_spent_day_is_a_plain_error_for_that_market_only(fast_sandbox: Any, analyzer_for: Callable[..., Any]) -> None:
    analyzer = analyzer_for(fast_sandbox, record=False, use_cache=False, daily_budgets={"stockx": 24})
    results = [analyzer.lookup("DD1391-100", size) for size in ("8", "9", "10")]
    refused = [r.quotes["stockx"] for r in results if not r.quotes["stockx"].ok]
    assert refused, "a day of 24 calls (one an hour) cannot pay for three lookups at once"
    assert "StockX's daily budget for this key is spent; next call at" in (refused[-1].error or "")
    assert all(r.quotes["alias"].ok for r in results)  # the other market still shows
    assert sum(r.quotes["stockx"].rate_limited for r in results) == 0  # never a 429 storm
