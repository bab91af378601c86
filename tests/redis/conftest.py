"""Redis for the shared-state tests: ANALYZER_TEST_REDIS_URL (CI: redis://127.0.0.1:6379/0).

Every test gets its own key prefix and deletes its keys at the end, so tests share one Redis with
each other and with anything else on it. Without the variable the tests skip, saying why; .ci/run
sets it and fails when they skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from analyzer.bench.replicas import drop_prefix
from analyzer.net.shared_state import PREFIX_ENV

ENV = "ANALYZER_TEST_REDIS_URL"


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get(ENV, "").strip()
    if not url:
        pytest.skip(f"{ENV} is not set (e.g. redis://127.0.0.1:6379/0): the Redis shared-state tests need a Redis")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.fail(f"{ENV} is set but Redis does not answer: {exc}")
    return url


@pytest.fixture
def prefix(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A key prefix of the test's own, for this process (env) and the processes it starts."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv(PREFIX_ENV, name)
    yield name
    drop_prefix(redis_url, name)


@dataclass
class OwnRedis:
    """A redis-server of the test's own, on a free port: stopped and started again at will."""

    binary: str
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    """A Redis of the test's own on a free port, to stop mid-run (never the machine's)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(f"redis-server is not installed (needed beside {ENV} to stop a Redis mid-run)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    own = OwnRedis(binary, port)
    own.start()
    yield own
    own.stop()
