"""The CLI as a user runs it, on a sandbox and a store of the test's own.

`run_cli` runs `python -m analyzer ARGS` in the test's own process: the same `main()` that
analyzer/__main__.py calls, with the environment, stdin, stdout and stderr of the call swapped in
and the process-wide registries a fresh interpreter starts without (rate buckets, shared values,
cache connections, FX sessions) emptied for the call and put back afterwards. A subprocess costs
~1.5 CPU-s of imports; this costs milliseconds, and the answer (exit code, stdout, stderr) is the same.

`run_cli_process` is the real thing, a `python -m analyzer` subprocess: for what is about processes
(the interpreter's exit code, stdout alone in a pipe, a kill, two processes at once). Each command
family keeps at least one test through it, so the real entry point stays covered.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli_env(data_dir: Path, sandbox_url: str, db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKX_", "ALIAS_", "EBAY_"))}
    env.update(ANALYZER_DATA_DIR=str(data_dir), ANALYZER_SANDBOX_URL=sandbox_url, ANALYZER_DATABASE_URL=db_url,
               PYTHONPATH=str(ROOT), **extra)
    return env


def run_cli_process(env: dict[str, str], *args: str, timeout: float = 120,
                    input: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m analyzer ARGS` in a subprocess of its own."""
    return subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=timeout, input=input)


def run_cli(env: dict[str, str], *args: str, timeout: float = 120,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m analyzer ARGS` in this process, as a subprocess would see it: `env` is the whole
    environment of the call, `input` its stdin. `timeout` is accepted for the subprocess's signature
    (an in-process call cannot be cut short; pytest's own timeout still applies)."""
    from analyzer.cli.commands import main

    out, err = io.StringIO(), io.StringIO()
    with _environment(env), _fresh_process_state(env), _streams(input, out, err), _last_resort_logging(err):
        try:
            code = main(list(args))
        except SystemExit as stop:  # argparse's refusals and --help
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
            if not isinstance(stop.code, int | None):
                print(stop.code, file=sys.stderr)
    return subprocess.CompletedProcess([sys.executable, "-m", "analyzer", *args], int(code or 0),
                                       out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _streams(input: str | None, out: io.StringIO, err: io.StringIO) -> Iterator[None]:
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(input or ""), out, err
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


@contextlib.contextmanager
def _last_resort_logging(err: io.StringIO) -> Iterator[None]:
    """A fresh interpreter configures no logging, so its warnings reach stderr through
    logging.lastResort (WARNING and up, the message alone); pytest's own handlers would take them
    from the call's stderr here."""
    handler = logging.StreamHandler(err)
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


# What a fresh interpreter starts without: per-process registries, emptied for the call and put back after.
_REGISTRIES = (("analyzer.net.shared_state", "_SWITCHES"), ("analyzer.net.shared_state", "_VALUES"),
               ("analyzer.net.shared_state", "_SQLITE"), ("analyzer.net.fx", "_SESSIONS"),
               ("analyzer.net.fx", "_FAILED_AT"))


@contextlib.contextmanager
def _fresh_process_state(env: dict[str, str]) -> Iterator[None]:
    import importlib

    from analyzer import launch

    modules = [(importlib.import_module(name), attr) for name, attr in _REGISTRIES]
    saved = [getattr(module, attr) for module, attr in modules]
    port = launch.SANDBOX_PORT
    for module, attr in modules:
        setattr(module, attr, {})
    launch.SANDBOX_PORT = int(env.get("ANALYZER_SANDBOX_PORT") or 8765)  # read at import in a subprocess
    try:
        yield
    finally:
        launch.SANDBOX_PORT = port
        created = [getattr(module, attr) for module, attr in modules]
        for (module, attr), value in zip(modules, saved, strict=True):
            setattr(module, attr, value)
        _close(created)


def _close(created: list[dict]) -> None:  # type: ignore[type-arg]
    """Close the connections the call opened, as its exit would have."""
    switches, _values, sqlite, sessions, _failed = created
    for backend, _patterns in sqlite.values():
        with contextlib.suppress(Exception):
            backend.close()
    for session in sessions.values():
        with contextlib.suppress(Exception):
            session.close()
    for switch in switches.values():
        client = getattr(getattr(switch, "_redis", None), "client", None)
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
