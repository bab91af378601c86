"""The markets the analyzer quotes, in the order they are shown. A third market is one more line."""

from __future__ import annotations

from analyzer.config import Settings
from analyzer.markets.alias import Alias
from analyzer.markets.base import Market
from analyzer.markets.stockx import StockX

MARKET_TYPES = (StockX, Alias)
LABELS: dict[str, str] = {m.name: m.label for m in MARKET_TYPES}


def build_markets(settings: Settings) -> list[Market]:
    return [market_type.from_settings(settings) for market_type in MARKET_TYPES]


__all__ = ["LABELS", "MARKET_TYPES", "Market", "build_markets"]
