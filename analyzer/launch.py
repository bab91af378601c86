"""Open an analyzer on live credentials or, without them, on a sandbox started for it."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.config import Settings
from analyzer.engine import Analyzer
from analyzer.metrics import MetricsStore
from analyzer.sandbox import RunningSandbox, SandboxConfig, start_sandbox
from analyzer.sandbox.server import sandbox_settings


@dataclass
class Opened:
    analyzer: Analyzer
    sandbox: RunningSandbox | None

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()


SANDBOX_PORT = 8765


def _start_on_usual_port(config: SandboxConfig | None) -> RunningSandbox:
    """The usual port keeps cache keys stable from run to run; any free port when it is taken."""
    try:
        return start_sandbox(config, port=SANDBOX_PORT)
    except OSError:
        return start_sandbox(config)


def open_analyzer(settings: Settings, sandbox_config: SandboxConfig | None = None, record: bool = True) -> Opened:
    sandbox = None
    if settings.sandbox_url:
        # A sandbox someone started (python -m analyzer sandbox): its limits are the published defaults.
        settings = sandbox_settings(settings, settings.sandbox_url.rstrip("/"), SandboxConfig())
    elif settings.wants_sandbox:
        sandbox = _start_on_usual_port(sandbox_config)
        settings = sandbox.settings_for(settings)
    metrics = MetricsStore(settings.data_dir) if record else None
    return Opened(Analyzer(settings, metrics=metrics), sandbox)
