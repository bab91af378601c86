from __future__ import annotations

import email.utils

import pytest

from analyzer.domain.errors import RateLimited, Unavailable
from analyzer.net.http import backoff_s, parse_retry_after


@pytest.mark.parametrize(("value", "expected"), [("3", 3.0), ("0", 0.0), (" 2 ", 2.0), ("1.5", 1.5), ("9999", 60.0)])
def test_retry_after_in_seconds(value: str, expected: float) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_as_http_date() -> None:
    now = 1_800_000_000.0
    assert parse_retry_after(email.utils.formatdate(now + 7, usegmt=True), now=now) == pytest.approx(7.0)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-"])
def test_unreadable_retry_after_is_none(value: str | None) -> None:
    assert parse_retry_after(value) is None


def test_backoff_honours_retry_after_else_grows_with_jitter() -> None:
    assert 2.0 <= backoff_s(1, RateLimited("x", retry_after=2.0)) <= 2.05
    waits = [backoff_s(attempt, Unavailable("x")) for attempt in (1, 2, 3) for _ in range(200)]
    assert all(0 <= w <= 4.0 for w in waits)
    assert max(waits[400:]) > max(waits[:200])  # the cap grows with the attempt


def test_single_flight_shares_one_call_and_one_answer() -> None:
    import threading
    import time

    from analyzer.net.flight import flight_key, in_flight, share

    calls: list[int] = []
    started = threading.Barrier(8)
    outcomes: list[tuple[object, bool]] = []

    def work() -> dict[str, int]:
        calls.append(1)
        time.sleep(0.2)  # long enough for every thread to join the flight
        return {"answer": 42}

    def ask() -> None:
        started.wait()
        outcomes.append(share(flight_key("stockx", "budget", "/catalog/search", {"query": "x"}), work))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert [value for value, _ in outcomes] == [{"answer": 42}] * 8
    assert sorted(led for _, led in outcomes) == [False] * 7 + [True]
    assert in_flight() == 0


def test_single_flight_hands_the_error_to_every_waiter_and_forgets_it() -> None:
    from analyzer.net.flight import share

    with pytest.raises(Unavailable):
        share("k", lambda: (_ for _ in ()).throw(Unavailable("down")))
    assert share("k", lambda: 1) == (1, True)  # a failed flight is not remembered


def test_flight_key_depends_on_every_part_and_hides_them() -> None:
    from analyzer.net.flight import flight_key

    a = flight_key("stockx", "b", "/x", {"q": "1"})
    assert a == flight_key("stockx", "b", "/x", {"q": "1"})
    assert a != flight_key("stockx", "b", "/x", {"q": "2"}) and a != flight_key("alias", "b", "/x", {"q": "1"})
    assert "stockx" not in a and "/x" not in a


def test_budget_is_named_by_a_hash_of_the_key_never_the_key() -> None:
    from analyzer.config import Settings
    from analyzer.net.market_wiring import budget_name

    secret = "sk-live-abcdef-123456"
    name = budget_name(Settings(stockx_api_key=secret), "stockx")
    assert name.startswith("stockx:") and secret not in name and "abcdef" not in name
    assert name != budget_name(Settings(stockx_api_key=secret + "x"), "stockx")
    assert name == budget_name(Settings(stockx_api_key=secret, data_dir=Settings().data_dir / "other"), "stockx")


def test_redis_url_with_a_password_is_shown_without_it() -> None:
    from analyzer.net.shared_state import redis_where

    assert redis_where("redis://:hunter2@cache.internal:6380/2") == "cache.internal:6380/2"
    assert redis_where("rediss://user:pw@h/0") == "h:6379/0"


def test_unreachable_redis_at_start_means_local_state() -> None:
    from analyzer.net.shared_state import StateSwitch

    switch = StateSwitch("redis://127.0.0.1:1/0", "test-unreachable")
    assert switch.status == "redis-down"
    assert switch.current()[1].kind == "local"
    assert StateSwitch(None, "p").status == "local"
