"""Selling fixtures: a sandbox of the test's own, settings with selling on, a store and the service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from analyzer.config import Settings
from analyzer.lookup.engine import Analyzer
from analyzer.sandbox import RunningSandbox, prices
from analyzer.services.listings import CreatePreview, ListingsService
from analyzer.store import Store


@dataclass
class Selling:
    sandbox: RunningSandbox
    settings: Settings
    store: Store
    service: ListingsService
    analyzer: Analyzer


@pytest.fixture
def selling(sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path) -> Selling:
    box = sandbox_factory()
    box.selling.config.pending_s = 0.05
    settings = box.settings_for(Settings(data_dir=tmp_path / "data", selling=True, use_cache=False, http_timeout_s=2.0))
    store = Store.open(settings)
    return Selling(box, settings, store, ListingsService(settings, store), Analyzer(settings))


def stockx_intents(n: int, first_amount: int = 200) -> list[CreatePreview]:
    """`n` listings to make on distinct StockX variants of the sandbox's catalog (no lookups needed)."""
    pairs = [(shoe, size) for shoe in prices._in("stockx") for size in shoe.sizes][:n]
    return [CreatePreview("stockx", shoe.style_ids[0], shoe.stockx_title, shoe.stockx_id, prices.variant_id(shoe.stockx_id, size),
                          size, None, "stockx:global:any:new", Decimal(first_amount + i), "USD", None, None, None, None, None,
                          None, None) for i, (shoe, size) in enumerate(pairs)]


@pytest.fixture
def intents() -> Callable[..., list[CreatePreview]]:
    return stockx_intents
