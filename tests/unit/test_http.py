from __future__ import annotations

import email.utils

import pytest

from analyzer.errors import RateLimited, Unavailable
from analyzer.http import backoff_s, parse_retry_after


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
