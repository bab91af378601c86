"""The markets the analyzer quotes: their registry (analyzer.markets.registry), one spec module each
(`<market>_spec.py`: fees, limits, labels) and one client module each (`<market>.py`: its API)."""

from __future__ import annotations

from analyzer.markets.registry import LABELS, MARKETS, NAMES, build_markets, label, spec

__all__ = ["LABELS", "MARKETS", "NAMES", "build_markets", "label", "spec"]
