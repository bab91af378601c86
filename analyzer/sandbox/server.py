"""Start the sandbox on a free loopback port, in a background thread or in the foreground."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn

from analyzer.config import Limits, Settings
from analyzer.markets.registry import spec
from analyzer.sandbox.app import ECB_PATH, Counters, SandboxConfig, create_app, market_modules
from analyzer.sandbox.selling import SellingState


@dataclass
class RunningSandbox:
    url: str
    config: SandboxConfig
    counters: Counters
    _server: uvicorn.Server
    _thread: threading.Thread
    selling: SellingState | None = None  # the seller's account (analyzer.sandbox.selling)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def settings_for(self, settings: Settings, *, client_limits: bool = True) -> Settings:
        return sandbox_settings(settings, self.url, self.config if client_limits else None)


def sandbox_settings(settings: Settings, url: str, config: SandboxConfig | None = None) -> Settings:
    """The same settings pointed at a sandbox at `url`, with its keys and (given its config) its limits."""
    changes: dict[str, object] = {"source": "sandbox"}
    for module in market_modules():
        changes.update(module.settings(url))
        if config is not None:
            changes[spec(module.NAME).limits_setting] = Limits(*config.limits_of(module.NAME, module.LIMITS))
    if "fx_url" in Settings.__dataclass_fields__:  # the sandbox serves its own ECB reference rates
        changes["fx_url"] = f"{url}{ECB_PATH}"
    return settings.with_(**changes)


def _bind(port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it Nagle's algorithm and delayed ACKs add 40 ms to every keep-alive answer.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


class _QuietDroppedConnections(logging.Filter):
    """The 'drop' fault breaks its answer on purpose; uvicorn's traceback for it is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return "Too little data for declared Content-Length" not in str(error)


logging.getLogger("uvicorn.error").addFilter(_QuietDroppedConnections())


def _server(config: SandboxConfig) -> tuple[uvicorn.Server, object]:
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                           timeout_keep_alive=30))
    return server, app


def start_sandbox(config: SandboxConfig | None = None, port: int = 0) -> RunningSandbox:
    config = config or SandboxConfig()
    server, app = _server(config)
    sock = _bind(port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the sandbox marketplace did not start")
        time.sleep(0.01)
    host, bound = sock.getsockname()[:2]
    return RunningSandbox(f"http://{host}:{bound}", config, app.state.counters, server, thread,  # type: ignore[attr-defined]
                          app.state.selling)  # type: ignore[attr-defined]


def serve_forever(config: SandboxConfig, port: int) -> None:
    server, _ = _server(config)
    sock = _bind(port)
    where = ", ".join(f"{m.NAME} at {m.PREFIX}" for m in market_modules())
    print(f"Sandbox marketplace on http://127.0.0.1:{sock.getsockname()[1]} ({where}). Ctrl+C stops it.", flush=True)
    server.run(sockets=[sock])
