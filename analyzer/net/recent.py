"""Answers read from the HTTP cache, kept in memory until the cache itself would let them expire.

A page view of a cached pair reads every market's answers from the cache again: a query of the SQLite (or
Redis) cache, the response unpickled and its JSON parsed and checked, nine times a view. Within an answer's
own lifetime the cache can only give the same answer back, so the first reading is kept here, bounded, and
given again until the cached response's `expires`; never past it. Parsers only read answers, never change them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import requests

ENTRIES = 512


def expires_at(response: requests.Response) -> float | None:
    """The cached response's expiry as a Unix time; None when it has none (then it is not kept)."""
    expires = getattr(response, "expires", None)
    if not isinstance(expires, datetime):
        return None
    return (expires if expires.tzinfo else expires.replace(tzinfo=UTC)).timestamp()


class RecentAnswers:
    """A bounded, thread-safe map of a request's key to its answer and the time it stops being fresh."""

    def __init__(self, entries: int = ENTRIES, clock: Any = time.time) -> None:
        self._entries = entries
        self._clock = clock
        self._kept: OrderedDict[tuple[Any, ...], tuple[Any, float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(generation: int, url: str, params: dict[str, Any]) -> tuple[Any, ...]:
        return generation, url, tuple(sorted((str(k), str(v)) for k, v in params.items()))

    def get(self, key: tuple[Any, ...]) -> Any | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                return None
            if self._clock() >= kept[1]:
                del self._kept[key]
                return None
            self._kept.move_to_end(key)
            return kept[0]

    def put(self, key: tuple[Any, ...], answer: Any, until: float | None) -> None:
        if until is None or until <= self._clock():
            return
        with self._lock:
            self._kept[key] = (answer, until)
            self._kept.move_to_end(key)
            while len(self._kept) > self._entries:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
