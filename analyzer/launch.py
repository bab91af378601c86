"""Open an analyzer on live credentials or, without them, on the sandbox.

Every process on the machine shares one sandbox on the usual port (the app, the CLI, the watch
worker): one sandbox means one rate budget, as with the real markets, and the same URLs, so one
process's cached answers are the next one's hits. Whoever finds the port free starts it; the others
use it, and take it over if its owner exits (same port, same URLs: their sessions never notice).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from analyzer.config import Settings
from analyzer.lookup.engine import Analyzer
from analyzer.lookup.metrics import MetricsStore
from analyzer.sandbox import RunningSandbox, SandboxConfig, start_sandbox
from analyzer.sandbox.server import sandbox_settings

log = logging.getLogger(__name__)

SANDBOX_PORT = int(os.environ.get("ANALYZER_SANDBOX_PORT") or 8765)  # the usual port; the tests give each worker its own
SANDBOX_NAME = "sneaker-analyzer-sandbox"
WATCH_EVERY_S = 2.0


def sandbox_answers(url: str, timeout_s: float = 0.5) -> bool:
    """True when this project's sandbox answers at `url` (not just anything on the port)."""
    try:
        response = requests.get(f"{url}/sandbox/info", timeout=timeout_s)
        info = response.json() if response.ok else None
    except (requests.RequestException, ValueError):
        return False
    return isinstance(info, dict) and info.get("sandbox") is True and info.get("name") == SANDBOX_NAME


@dataclass
class SharedSandbox:
    """The usual port's sandbox: ours when we started it, else watched, and taken over when its
    owner stops answering."""

    url: str
    owned: RunningSandbox | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _watcher: threading.Thread | None = None

    def watch(self) -> None:
        self._watcher = threading.Thread(target=self._keep_alive, name="sandbox-watch", daemon=True)
        self._watcher.start()

    def _keep_alive(self) -> None:
        while self.owned is None and not self._stop.wait(WATCH_EVERY_S):
            if sandbox_answers(self.url):
                continue
            try:
                self.owned = start_sandbox(None, port=SANDBOX_PORT)
                log.info("the sandbox on port %d stopped; this process runs it now", SANDBOX_PORT)
            except OSError:
                pass  # another process took it over first; keep watching it

    def stop(self) -> None:
        self._stop.set()
        if self.owned is not None:
            self.owned.stop()


def usual_url() -> str:
    return f"http://127.0.0.1:{SANDBOX_PORT}"


def share_usual_sandbox() -> SharedSandbox | None:
    """The sandbox on the usual port, started here or found running; None when something else
    holds the port."""
    url = usual_url()
    if not sandbox_answers(url):
        try:
            return SharedSandbox(url, owned=start_sandbox(None, port=SANDBOX_PORT))
        except OSError:
            pass  # taken: by another process's sandbox that is just starting, or by something else
    if not sandbox_answers(url, timeout_s=2.0):
        return None
    shared = SharedSandbox(url)
    shared.watch()
    return shared


@dataclass
class Opened:
    analyzer: Analyzer
    sandbox: RunningSandbox | SharedSandbox | None

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()


def open_analyzer(settings: Settings, sandbox_config: SandboxConfig | None = None, record: bool = True) -> Opened:
    sandbox: RunningSandbox | SharedSandbox | None = None
    if settings.sandbox_url:
        # A sandbox someone started (python -m analyzer sandbox): its limits are the published defaults.
        settings = sandbox_settings(settings, settings.sandbox_url.rstrip("/"), SandboxConfig())
    elif settings.wants_sandbox:
        shared = share_usual_sandbox() if sandbox_config is None else None
        if shared is not None:
            sandbox = shared
            settings = sandbox_settings(settings, shared.url, SandboxConfig())
        else:
            # A sandbox with its own configuration (or no usual port to be had): one of our own,
            # on any free port; the cache keys do not depend on the port anyway.
            sandbox = start_sandbox(sandbox_config)
            settings = sandbox.settings_for(settings)
    metrics = MetricsStore(settings) if record else None
    return Opened(Analyzer(settings, metrics=metrics), sandbox)


@contextmanager
def sandboxed(config: SandboxConfig, base: Settings | None = None, *, record: bool = False,
              prefix: str = "analyzer-") -> Iterator[tuple[Analyzer, RunningSandbox]]:
    """A sandbox of its own, a fresh data folder and an Analyzer pointed at both (recording its lookups
    there with `record`): what the benchmarks measure on. Both are gone afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    sandbox = start_sandbox(config)
    try:
        settings = sandbox.settings_for((base or Settings()).with_(data_dir=data_dir))
        yield Analyzer(settings, metrics=MetricsStore(settings) if record else None), sandbox
    finally:
        sandbox.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
