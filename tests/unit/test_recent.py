"""Answers kept in memory until the cache would let them expire, never past it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from analyzer.net.recent import RecentAnswers, expires_at


class Clock:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t


def test_an_answer_is_given_again_until_it_expires_and_never_after() -> None:
    clock = Clock()
    recent = RecentAnswers(clock=clock)
    key = RecentAnswers.key(1, "https://api/x", {"b": 2, "a": "1"})
    assert key == RecentAnswers.key(1, "https://api/x", {"a": 1, "b": "2"})  # the order of the params does not matter
    recent.put(key, "answer", until=1_010.0)
    assert recent.get(key) == "answer"
    clock.t = 1_009.9
    assert recent.get(key) == "answer"
    clock.t = 1_010.0
    assert recent.get(key) is None  # expired: the cache decides again
    recent.put(key, "late", until=1_005.0)  # already expired: not kept
    assert recent.get(key) is None
    recent.put(key, "never", until=None)  # no expiry known: not kept
    assert recent.get(key) is None


def test_another_generation_of_the_shared_state_is_another_key() -> None:
    recent = RecentAnswers(clock=Clock())
    recent.put(RecentAnswers.key(1, "u", {}), "old state", until=2_000.0)
    assert recent.get(RecentAnswers.key(2, "u", {})) is None


def test_bounded_oldest_use_first_out_and_cleared_with_the_cache() -> None:
    recent = RecentAnswers(entries=2, clock=Clock())
    keys = [RecentAnswers.key(1, f"u{i}", {}) for i in range(3)]
    recent.put(keys[0], 0, until=2_000.0)
    recent.put(keys[1], 1, until=2_000.0)
    assert recent.get(keys[0]) == 0  # used: now the newest
    recent.put(keys[2], 2, until=2_000.0)
    assert recent.get(keys[1]) is None and recent.get(keys[0]) == 0 and recent.get(keys[2]) == 2
    recent.clear()
    assert recent.get(keys[0]) is None and recent.get(keys[2]) is None


def test_expiry_of_a_cached_response_naive_or_aware() -> None:
    aware = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert expires_at(SimpleNamespace(expires=aware)) == aware.timestamp()  # type: ignore[arg-type]
    assert expires_at(SimpleNamespace(expires=aware.replace(tzinfo=None))) == aware.timestamp()  # type: ignore[arg-type]
    assert expires_at(SimpleNamespace(expires=None)) is None  # type: ignore[arg-type]
    assert expires_at(SimpleNamespace()) is None  # type: ignore[arg-type]
    assert expires_at(SimpleNamespace(expires=aware + timedelta(seconds=30))) == aware.timestamp() + 30  # type: ignore[arg-type]
