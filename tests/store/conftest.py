"""Store fixtures: every store test runs on SQLite, and on PostgreSQL when ANALYZER_TEST_DATABASE_URL is set
(each test in a database of its own, dropped after)."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from analyzer.config import Settings
from analyzer.lookup.engine import Analyzer
from analyzer.lookup.metrics import MetricsStore
from analyzer.sandbox import RunningSandbox
from analyzer.store import db

ROOT = Path(__file__).resolve().parents[2]
PG_SKIP = "ANALYZER_TEST_DATABASE_URL is not set: PostgreSQL store tests skipped"


def pg_admin_url() -> str | None:
    raw = os.environ.get("ANALYZER_TEST_DATABASE_URL", "").strip()
    if not raw:
        return None
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = db.default_url(tmp_path / "data")
        yield url
        db.dispose(url)
        return
    admin = pg_admin_url()
    if admin is None:
        if os.environ.get("ANALYZER_REQUIRE_POSTGRES", "") not in ("", "0"):
            pytest.fail("ANALYZER_REQUIRE_POSTGRES is set but ANALYZER_TEST_DATABASE_URL is not: the PostgreSQL tests must run")
        pytest.skip(PG_SKIP)
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        db.dispose(url)
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def store_settings(tmp_path: Path, db_url: str) -> Callable[..., Settings]:
    """Settings pointed at a sandbox and at this test's database."""

    def make(sandbox: RunningSandbox, **changes: object) -> Settings:
        base = Settings.from_env({"ANALYZER_DATA_DIR": str(tmp_path / "data")})
        return sandbox.settings_for(base).with_(database_url=db_url, **changes)

    return make


@pytest.fixture
def recording_analyzer(store_settings: Callable[..., Settings]) -> Callable[..., Analyzer]:
    def make(sandbox: RunningSandbox, **changes: object) -> Analyzer:
        settings = store_settings(sandbox, **changes)
        return Analyzer(settings, metrics=MetricsStore(settings))

    return make


class Receiver:
    """A webhook on loopback: records each JSON body; `down` answers 503 instead."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.down = False
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.attempts += 1
                if receiver.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.bodies.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook/secret-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()
