"""Shared fixtures: sandbox marketplaces on loopback and analyzers pointed at them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from analyzer.config import Settings
from analyzer.engine import Analyzer
from analyzer.metrics import MetricsStore
from analyzer.sandbox import RunningSandbox, SandboxConfig, start_sandbox

FAST = {"latency_ms": (2.0, 10.0), "stockx_burst": 1000, "alias_burst": 1000, "stockx_rate_per_sec": 1000.0,
        "alias_rate_per_sec": 1000.0, "seed": 7}


@pytest.fixture(autouse=True)
def _no_real_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reaches the internet: clear every credential and keep files in the test's folder."""
    for name in ("STOCKX_API_KEY", "STOCKX_ACCESS_TOKEN", "STOCKX_CLIENT_ID", "STOCKX_CLIENT_SECRET",
                 "STOCKX_REFRESH_TOKEN", "ALIAS_API_TOKEN", "STOCKX_BASE_URL", "ALIAS_BASE_URL",
                 # and no setting of the developer's own shell: a test sets what it needs
                 "REDIS_URL", "ANALYZER_DATABASE_URL", "ANALYZER_CURRENCY", "ANALYZER_FX_RATES", "ANALYZER_FX_URL",
                 "ALIAS_REGION", "ALIAS_CONSIGNED", "ANALYZER_ALERT_WEBHOOK", "ANALYZER_SANDBOX_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANALYZER_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def fast_sandbox() -> Iterator[RunningSandbox]:
    """A shared, quick sandbox for tests that do not change its configuration."""
    running = start_sandbox(SandboxConfig(**FAST))  # type: ignore[arg-type]
    yield running
    running.stop()


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., RunningSandbox]]:
    """Own sandboxes for tests that set latency, limits or faults."""
    started: list[RunningSandbox] = []

    def make(**config: object) -> RunningSandbox:
        running = start_sandbox(SandboxConfig(**{**FAST, **config}))  # type: ignore[arg-type]
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


@pytest.fixture
def analyzer_for(tmp_path: Path) -> Callable[..., Analyzer]:
    def make(sandbox: RunningSandbox, record: bool = True, **settings: object) -> Analyzer:
        base = Settings.from_env({"ANALYZER_DATA_DIR": str(tmp_path / "data")})
        configured = sandbox.settings_for(base).with_(**settings)
        return Analyzer(configured, metrics=MetricsStore(configured.data_dir) if record else None)

    return make
