"""Single flight: concurrent identical requests in one process share one call and one answer.

On a drop day everyone asks for the same shoe at the same moment; without this, eight users cost
eight times the calls of one, out of a budget of one call a second per API key. The leader's
answer (or error) is handed to every waiter through a `concurrent.futures.Future`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_FLIGHTS: dict[str, Future[Any]] = {}
_LOCK = threading.Lock()


def flight_key(*parts: Any) -> str:
    """A stable name for one request; hashed, so no parameter or key ends up in a lock name."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def share(key: str, work: Callable[[], T]) -> tuple[T, bool]:
    """`work()`'s result, and whether this caller led (True) or waited for another's (False).

    A waiter gets the leader's exception too: the same request failing again at once would only
    spend the budget to learn the same thing.
    """
    with _LOCK:
        running = _FLIGHTS.get(key)
        if running is None:
            running = _FLIGHTS[key] = Future()
            leader = True
        else:
            leader = False
    if not leader:
        return running.result(), False
    try:
        value = work()
    except BaseException as exc:
        running.set_exception(exc)
        raise
    else:
        running.set_result(value)
        return value, True
    finally:
        with _LOCK:
            _FLIGHTS.pop(key, None)


def in_flight() -> int:
    with _LOCK:
        return len(_FLIGHTS)
