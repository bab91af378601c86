"""Every market the analyzer quotes, in the order they are shown: a third market is its spec module
and one more line here. Everything else (pricing, settings, rate budgets, the store, the CLI, the
screens) iterates this list."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from analyzer.markets.spec import MarketSpec

if TYPE_CHECKING:
    from analyzer.config import Settings
    from analyzer.markets.base import Market

SPEC_MODULES: tuple[str, ...] = (
    "analyzer.markets.stockx_spec",
    "analyzer.markets.alias_spec",
    "analyzer.markets.ebay_spec",
)
"""Each market's spec module, in the order they are shown (a spec module imports no client)."""
MARKETS: tuple[MarketSpec, ...] = tuple(import_module(module).SPEC for module in SPEC_MODULES)
NAMES: tuple[str, ...] = tuple(m.name for m in MARKETS)
LABELS: dict[str, str] = {m.name: m.label for m in MARKETS}
_BY_NAME = {m.name: m for m in MARKETS}


def spec(name: str) -> MarketSpec:
    """The market called `name`; KeyError for a name no market has."""
    return _BY_NAME[name]


def label(name: str) -> str:
    """'StockX' for 'stockx'; an unknown name as it is."""
    return LABELS.get(name, name)


def is_on(market: MarketSpec, settings: Settings) -> bool:
    """Whether the settings switch the market on (a market without credentials may be left off)."""
    return market.enabled is None or market.enabled(settings)


def off_notes(settings: Settings) -> list[str]:
    """A plain line for each market the settings leave off."""
    return [m.off_note or f"{m.label} is off." for m in MARKETS if not is_on(m, settings)]


def build_markets(settings: Settings) -> list[Market]:
    """Every market's client the settings switch on, built from them (clients are imported here, not before)."""
    built = []
    for market in MARKETS:
        if not is_on(market, settings):
            continue
        module, _, name = market.client.partition(":")
        built.append(getattr(import_module(module), name).from_settings(settings))
    return built
