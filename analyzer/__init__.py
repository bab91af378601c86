"""Sneaker Market Analyzer: StockX and Alias quotes side by side, with payouts after fees."""

from __future__ import annotations

from typing import Any

__all__ = ["ParallelShoeAnalyzer", "ProgressiveLoadingAnalyzer"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `import analyzer.domain.pricing` does not start the HTTP and sandbox stacks.
    if name in __all__:
        from analyzer.lookup import compat

        return getattr(compat, name)
    raise AttributeError(name)
