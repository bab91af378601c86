"""The CLI as a user runs it: `python -m analyzer ...` in a subprocess, on a sandbox and a store of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli_env(data_dir: Path, sandbox_url: str, db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKX_", "ALIAS_", "EBAY_"))}
    env.update(ANALYZER_DATA_DIR=str(data_dir), ANALYZER_SANDBOX_URL=sandbox_url, ANALYZER_DATABASE_URL=db_url,
               PYTHONPATH=str(ROOT), **extra)
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=timeout)
