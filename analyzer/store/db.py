"""Engines, one per database URL per process, and the migrations run when one is first opened.

SQLite (the default) runs in WAL mode; writes take `BEGIN IMMEDIATE` so writers queue on the
busy timeout instead of failing on a lock upgrade. PostgreSQL runs the same Core statements.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from analyzer.config import Settings

MIGRATIONS = Path(__file__).with_name("migrations")
DB_FILE = "analyzer.sqlite"
HEAD = "0012_sale_shipping"  # the newest migration (a test checks it against Alembic's): no Alembic import when at head
# What "the database is unreachable" looks like: connection refused or lost, a timeout, a full pool.
UNREACHABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, OSError)
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def default_url(data_dir: Path | str) -> str:
    return f"sqlite:///{Path(data_dir) / DB_FILE}"


def url_for(settings: Settings) -> str:
    """The store's URL from Settings: ANALYZER_DATABASE_URL, else the SQLite file in data_dir."""
    return settings.store_url


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # A small pool: opening a connection per write costs ~15 ms (the last one to close checkpoints the
    # WAL); two kept open are enough for one process and hold few files.
    engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False}, pool_size=2, max_overflow=16)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


# A database server that is down or silent must never hold a lookup: connecting, each statement and
# an unanswered socket all give up within a few seconds (the recorder then spools; pages say so).
TIMEOUT_S = float(os.environ.get("ANALYZER_DATABASE_TIMEOUT_S", "3"))


def _server_engine(url: str) -> Engine:
    timeout_ms = int(TIMEOUT_S * 1000)
    connect_args: dict[str, Any] = {}
    if make_url(url).get_backend_name() == "postgresql":
        connect_args = {"connect_timeout": max(1, round(TIMEOUT_S)),
                        "options": f"-c statement_timeout={timeout_ms * 2} -c lock_timeout={timeout_ms * 2}",
                        "tcp_user_timeout": timeout_ms, "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
                        "keepalives_count": 2}
    return create_engine(url, pool_pre_ping=True, pool_timeout=TIMEOUT_S, pool_recycle=300, connect_args=connect_args)


def engine_for(url: str) -> Engine:
    """The process's engine for `url`, migrated to the newest schema on first use."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _sqlite_engine(url) if url.startswith("sqlite") else _server_engine(url)
            migrate(engine)
            _engines[url] = engine
        return engine


def dispose(url: str | None = None) -> None:
    """Close pooled connections (tests drop their databases after this)."""
    with _lock:
        for key in [url] if url else list(_engines):
            engine = _engines.pop(key, None)
            if engine is not None:
                engine.dispose()


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One short write transaction: committed when the block ends, rolled back on error."""
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        yield conn


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _stamped(conn: Connection) -> str | None:
    """The revision in alembic_version, read with plain SQL (None before the first migration)."""
    try:
        with conn.begin_nested():
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        return None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade (or downgrade, with a revision like "-1", "base" or "down:0008_books") in one transaction.

    Processes starting at once take turns: SQLite's write lock or a PostgreSQL advisory lock.
    """
    from alembic import command

    with writing(engine) as conn:
        if engine.dialect.name == "postgresql":
            # A migration may take longer than a lookup's statement; a silent server still ends it (TCP timeout).
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            conn.execute(text("SET LOCAL lock_timeout = 0"))
            conn.execute(text("SELECT pg_advisory_xact_lock(734110)"))
        config = _alembic_config(conn)
        if revision == "head":
            if _stamped(conn) == HEAD:
                return
            command.upgrade(config, "head")
        elif revision.startswith("-") or revision == "base":
            command.downgrade(config, revision)
        elif revision.startswith("down:"):
            command.downgrade(config, revision.removeprefix("down:"))
        else:
            command.upgrade(config, revision)
