"""The app in a browser, as the README starts it: `streamlit run streamlit_app.py` on a free loopback port,
and the flags Debian's Chromium needs here. Shared by the pages benchmark and the browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MARKET_KEYS = ("STOCKX_", "ALIAS_", "EBAY_")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(data_dir: Path, *dropped: str) -> dict[str, str]:
    """The shell's environment on a sandbox of its own: no market credentials (and whatever else is named)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith((*MARKET_KEYS, *dropped))}
    env.update(ANALYZER_DATA_DIR=str(data_dir), ANALYZER_SANDBOX="1")
    return env


@contextmanager
def running_app(env: dict[str, str], flags: Sequence[str] = (), port: int | None = None,
                host: str = "127.0.0.1", wait_s: float = 90,
                script: str = "streamlit_app.py") -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The app (or another script of the project's, run from its root with its .streamlit/config.toml)
    started and answering its health check; stopped on leaving (killed if it will not stop)."""
    port = port or free_port()
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
               "--server.port", str(port), "--browser.gatherUsageStats", "false", *flags]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        url = f"http://{host}:{port}"
        try:
            deadline = time.monotonic() + wait_s
            while not _healthy(url):
                if time.monotonic() > deadline or process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"streamlit did not start: {log.read().decode(errors='replace')[-1500:]}")
                time.sleep(0.2)
            yield process, url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False
