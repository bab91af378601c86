"""Redis lost (issue 17): each process falls back to its share of the key's rate, the key's rate
divided by the processes it saw alive through Redis, so an outage costs a slower pace, not 429s."""

from __future__ import annotations

import logging
import time

import pytest
from pyrate_limiter import Rate

from analyzer.net.shared_state import HEARTBEAT_S, LocalState, StateSwitch


def test_an_outage_leaves_each_process_its_share_of_the_rate(own_redis, prefix: str,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    replicas = [StateSwitch(own_redis.url, prefix) for _ in range(3)]  # three processes on one key
    first = replicas[0]
    assert wait_for(lambda: all(r.replicas == 3 for r in replicas)) and first.status == "redis"  # the heartbeats count them
    with caplog.at_level(logging.WARNING):
        own_redis.stop()
        assert wait_for(lambda: all(r.status == "redis-down" for r in replicas))  # each next heartbeat finds Redis gone
    _, state = first.current()
    assert isinstance(state, LocalState) and state.share == 3
    rate = state.bucket("stockx:key", [Rate(1, 1000, burst=9)]).rates[0]
    assert (rate.limit, rate.interval, rate.burst) == (1, 3000, 1)  # a third of 1/s, no burst while uncoordinated
    assert sum("1/3 of the key's rate" in r.getMessage() for r in caplog.records) == len(replicas)  # once each


def wait_for(condition, seconds: float = 3 * HEARTBEAT_S) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return condition()


def test_a_lone_process_keeps_the_whole_rate() -> None:
    rate = LocalState().bucket("stockx:key", [Rate(1, 1000, burst=9)]).rates[0]
    assert (rate.limit, rate.interval, rate.burst) == (1, 1000, 9)
