"""Shared fixtures: sandbox marketplaces on loopback and analyzers pointed at them; the suite's markers."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from analyzer.config import Settings
from analyzer.lookup.engine import Analyzer
from analyzer.lookup.metrics import MetricsStore
from analyzer.sandbox import RunningSandbox, SandboxConfig, start_sandbox
from tests.apptest import AppTest, close, start

SLOW_FILES = ("test_fault_storm.py", "test_kill.py", "test_bench.py", "test_outages.py", "test_write_faults.py")


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker gets a usual sandbox port of its own (its subprocesses inherit it):
    two workers never share one sandbox's rate limits, nor another developer's on the real usual port."""
    if os.environ.get("PYTEST_XDIST_WORKER") and not os.environ.get("ANALYZER_SANDBOX_PORT"):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            os.environ["ANALYZER_SANDBOX_PORT"] = str(probe.getsockname()[1])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The markers follow where a test lives and what it runs on: `-m "not e2e and not slow"` for a quick run."""
    for item in items:
        parts = item.path.parts
        if "e2e" in parts:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)
        if "redis" in parts:
            item.add_marker(pytest.mark.redis)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgresql" in params.values() or "postgres" in item.name.lower():
            item.add_marker(pytest.mark.postgres)
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


FAST = {"latency_ms": (2.0, 10.0), "stockx_burst": 1000, "alias_burst": 1000, "stockx_rate_per_sec": 1000.0,
        "alias_rate_per_sec": 1000.0, "limits": {"ebay": (1000.0, 1000)}, "seed": 7}


@pytest.fixture(autouse=True)
def _no_real_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reaches the internet: clear every credential and keep files in the test's folder."""
    for name in ("STOCKX_API_KEY", "STOCKX_ACCESS_TOKEN", "STOCKX_CLIENT_ID", "STOCKX_CLIENT_SECRET",
                 "STOCKX_REFRESH_TOKEN", "ALIAS_API_TOKEN", "STOCKX_BASE_URL", "ALIAS_BASE_URL",
                 "EBAY_CLIENT_ID", "EBAY_CLIENT_SECRET", "EBAY_BASE_URL", "EBAY_MARKETPLACE", "EBAY_AUTHENTICITY_GUARANTEE",
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
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app in AppTest on a sandbox of its own, closed after the test."""
    yield start(monkeypatch)
    close()



CliRun = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> CliRun:
    """`python -m analyzer ARGS` in this process (argument errors need no interpreter of their own):
    (exit code, stdout, stderr), with `env` set for the run."""
    from analyzer.cli import commands as cli

    def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            code = cli.main(list(args))
        except SystemExit as stop:  # argparse's own refusals
            code = int(stop.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def analyzer_for(tmp_path: Path) -> Callable[..., Analyzer]:
    def make(sandbox: RunningSandbox, record: bool = True, **settings: object) -> Analyzer:
        base = Settings.from_env({"ANALYZER_DATA_DIR": str(tmp_path / "data")})
        configured = sandbox.settings_for(base).with_(**settings)
        return Analyzer(configured, metrics=MetricsStore(configured.data_dir) if record else None)

    return make
