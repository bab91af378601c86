"""Alerts effectively once (issue 17, points 4 and 5), against a webhook on 127.0.0.1 that is slow, answers
500 for one alert, or refuses connections; two workers at once on SQLite and on PostgreSQL; a worker
killed mid-POST; a watch name that would ping a whole channel."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from analyzer.domain.owners import LOCAL
from analyzer.services.alerts import backoff_delay, deliver_pending, post_json
from analyzer.store import Store, watch_repo
from tests.clirun import ROOT


class Hook:
    """A webhook receiver: records every POST (body and Idempotency-Key); `delay_s` answers late,
    `fail` answers 500 for an alert whose query contains it."""

    def __init__(self, delay_s: float = 0.0, fail: str | None = None) -> None:
        self.delay_s, self.fail = delay_s, fail
        self.posts: list[dict[str, Any]] = []
        self.keys: list[str | None] = []
        self.lock = threading.Lock()
        self.started = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with hook.lock:
                    hook.posts.append(body)
                    hook.keys.append(self.headers.get("Idempotency-Key"))
                hook.started.set()
                time.sleep(hook.delay_s)
                failing = hook.fail is not None and hook.fail in body["query"]
                try:
                    self.send_response(500 if failing else 204)
                    self.end_headers()
                except OSError:
                    pass  # the client gave up (timeout, killed)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook/secret-token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def per_alert(self) -> Counter[int]:
        return Counter(b["alert_id"] for b in self.posts)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hooks() -> Iterator[Any]:
    made: list[Hook] = []

    def make(**kwargs: Any) -> Hook:
        made.append(Hook(**kwargs))
        return made[-1]

    yield make
    for hook in made:
        hook.stop()


def to(url: str) -> Any:
    """Every owner's alerts to one webhook (the owner is the local one here)."""
    return lambda _owner: url


def fire(store: Store, n: int, query: str = "DD1391-100") -> list[int]:
    with store.write() as conn:
        watch_id = watch_repo.add_watch(conn, query, 10.0, None, owner=LOCAL, sell_now_above=100.0)
        return [watch_repo.insert_alert(conn, owner=LOCAL, watch_id=watch_id, query=query if i == 0 else f"DD1391-{i:03d}",
                                        size=10.0, size_label="US 10", market="stockx", target="sell_now_above",
                                        threshold=100.0, value=120.0 + i, currency="USD").id for i in range(n)]


def pending(store: Store) -> list[watch_repo.Alert]:
    with store.read() as conn:
        return watch_repo.pending_alerts(conn)


def test_a_slow_webhook_gets_each_alert_once_even_from_two_workers(db_url: str, hooks: Any) -> None:
    """The receiver answers after the client's timeout: the alert may have been received, so it is not
    sent again in the run nor by another worker; it waits its back-off, its key unchanged."""
    store = Store(db_url)
    ids = fire(store, 3)
    hook = hooks(delay_s=1.0)
    post = partial(post_json, timeout=0.3)
    results: list[tuple[int, int]] = []
    workers = [threading.Thread(target=lambda: results.append(deliver_pending(store, to(hook.url), post=post, backoff_s=0.01)))
               for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    results.append(deliver_pending(store, to(hook.url), post=post, backoff_s=0.01))  # a third run at once
    sent = hook.per_alert()
    print(f"slow webhook, two workers then a third run: POSTs per alert {dict(sent)}")
    assert sent == {i: 1 for i in ids}
    waiting = pending(store)
    assert [a.id for a in waiting] == ids and all(a.attempts == 1 and a.failures == 1 for a in waiting)
    assert all(a.last_error == "ReadTimeout (may have been received)" and a.next_attempt_at for a in waiting)
    assert set(hook.keys) == {f"alert-{i}" for i in ids}


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_delivering_at_once_never_send_an_alert_twice(db_url: str, hooks: Any, workers: int) -> None:
    store = Store(db_url)
    ids = fire(store, 24)
    hook = hooks(delay_s=0.02)
    counts: list[tuple[int, int]] = []
    go = threading.Barrier(workers)

    def work() -> None:
        go.wait()
        counts.append(deliver_pending(store, to(hook.url), backoff_s=0.01))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = hook.per_alert()
    print(f"{workers} workers, {len(ids)} alerts: POSTs per alert max {max(sent.values())}, "
          f"delivered per worker {[c[0] for c in counts]}")
    assert sent == {i: 1 for i in ids} and sum(c[0] for c in counts) == len(ids)
    assert pending(store) == []  # (a worker done early may count alerts another was still sending)


def test_a_failing_alert_backs_off_alone_and_blocks_no_other(db_url: str, hooks: Any) -> None:
    store = Store(db_url)
    bad = fire(store, 1, query="BROKEN-1")[0]
    good = fire(store, 4)
    hook = hooks(fail="BROKEN")
    for _ in range(3):
        deliver_pending(store, to(hook.url), backoff_s=0.01)
    sent = hook.per_alert()
    assert all(sent[i] == 1 for i in good)  # every other alert went out in the first run
    assert sent[bad] == 3  # a 500 is retried at once (3 tries), then the alert waits its own back-off
    [left] = pending(store)
    assert left.id == bad and left.failures == 1 and left.last_error == "HTTP 500" and left.next_attempt_at
    assert [backoff_delay(n, 30, 3600) for n in (1, 2, 3, 8)] == [30, 60, 120, 3600]


def test_a_refused_connection_is_retried_then_waits(db_url: str) -> None:
    store = Store(db_url)
    ids = fire(store, 2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    assert deliver_pending(store, to(f"http://127.0.0.1:{port}/hook"), backoff_s=0.01) == (0, 2)
    assert [(a.id, a.attempts, a.last_error) for a in pending(store)] == [(i, 3, "ConnectionError") for i in ids]


def test_alert_text_pings_no_channel_on_slack_or_discord(db_url: str, hooks: Any) -> None:
    store = Store(db_url)
    fire(store, 1, query="Nike Dunk Panda @everyone <!channel> & <@U123>")
    hook = hooks()
    assert deliver_pending(store, to(hook.url)) == (1, 0)
    [body] = hook.posts
    assert "<" not in body["text"] and ">" not in body["text"]
    assert "Nike Dunk Panda @everyone &lt;!channel&gt; &amp; &lt;@U123&gt; US 10" in body["text"]
    assert body["allowed_mentions"] == {"parse": []}  # Discord: @everyone and <@id> shown, pinging no one
    assert body["idempotency_key"] == hook.keys[0] == f"alert-{body['alert_id']}"


KILLED_WORKER = """
import sys
from analyzer.services.alerts import deliver_pending
from analyzer.store import Store
deliver_pending(Store(sys.argv[1]), lambda _owner: sys.argv[2], lease_s=float(sys.argv[3]))
"""


def test_a_worker_killed_mid_post_leaves_the_alert_leased_then_sent_with_the_same_key(db_url: str, hooks: Any) -> None:
    store = Store(db_url)
    [alert_id] = fire(store, 1)
    hook = hooks(delay_s=3.0)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, "-c", KILLED_WORKER, db_url, hook.url, "2"], cwd=ROOT, env=env)
    try:
        assert hook.started.wait(30)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait(30)
    hook.delay_s = 0.0
    assert deliver_pending(store, to(hook.url)) == (0, 1)  # still leased by the dead worker: not sent twice at once
    time.sleep(2.5)
    assert deliver_pending(store, to(hook.url)) == (1, 0)  # the lease ran out: sent again, the same key
    assert hook.keys == [f"alert-{alert_id}"] * 2 and pending(store) == []


SAME_MOMENT_WORKER = """
import pathlib, sys, time
from analyzer.services.alerts import deliver_pending
from analyzer.store import Store
store = Store(sys.argv[1])  # migrated and connected before the start signal
pathlib.Path(sys.argv[3] + ".ready").touch()
while not pathlib.Path(sys.argv[3]).exists():
    time.sleep(0.005)
print(deliver_pending(store, lambda _owner: sys.argv[2])[0])
"""


def test_two_worker_processes_at_once_send_each_alert_once(db_url: str, hooks: Any, tmp_path: Any) -> None:
    """Two `watch run` workers (processes, or replicas on one database) delivering the same backlog."""
    store = Store(db_url)
    ids = fire(store, 30)
    hook = hooks(delay_s=0.05)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen([sys.executable, "-c", SAME_MOMENT_WORKER, db_url, hook.url, str(tmp_path / f"go{i}")],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for i in range(2)]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"go{i}.ready").exists() for i in range(2)) and time.monotonic() < deadline:
        time.sleep(0.01)
    for i in range(2):
        (tmp_path / f"go{i}").touch()
    delivered = [int(w.communicate(timeout=120)[0].strip()) for w in workers]
    print(f"two processes, {len(ids)} alerts: POSTs per alert {sorted(set(hook.per_alert().values()))}, "
          f"delivered per process {delivered}")
    assert hook.per_alert() == {i: 1 for i in ids} and pending(store) == [] and sum(delivered) == len(ids)
    assert min(delivered) > 0  # they did run at the same time


def test_migration_0010_keeps_every_alert_and_steps_back(db_url: str) -> None:
    from sqlalchemy import text

    from analyzer.store import db

    store = Store(db_url)
    fire(store, 2)
    db.migrate(store.engine, "down:0009_money_numeric")  # back before 0010_alert_lease: the alerts stay, without its columns
    with store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM alerts")).scalar() == 2
    db.migrate(store.engine)
    with store.read() as conn:
        assert [(a.failures, a.lease_until, a.next_attempt_at) for a in watch_repo.pending_alerts(conn)] == [(0, None, None)] * 2
