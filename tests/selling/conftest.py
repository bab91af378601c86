"""Selling fixtures: a sandbox of the test's own, settings with selling on, a store and the service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from analyzer.config import Settings
from analyzer.lookup.engine import Analyzer
from analyzer.sandbox import RunningSandbox
from analyzer.services.listings import ListingsService
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
