"""Redis lost (issue 17): each process falls back to its share of the key's rate, the key's rate
divided by the processes it saw alive through Redis, so an outage costs a slower pace, not 429s."""

from __future__ import annotations

import logging

import pytest
from pyrate_limiter import Rate

from analyzer.shared_state import LocalState, StateSwitch


def test_an_outage_leaves_each_process_its_share_of_the_rate(own_redis, prefix: str,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    replicas = [StateSwitch(own_redis.url, prefix) for _ in range(3)]  # three processes on one key
    first = replicas[0]
    first._beat_at = 0.0
    first.current()
    assert first.replicas == 3 and first.status == "redis"
    own_redis.stop()
    first._beat_at = 0.0
    with caplog.at_level(logging.WARNING):
        _, state = first.current()  # the heartbeat fails: local state from now on
        _, state = first.current()
    assert first.status == "redis-down" and isinstance(state, LocalState) and state.share == 3
    rate = state.bucket("stockx:key", Rate(1, 1000, burst=9)).rates[0]
    assert (rate.limit, rate.interval, rate.burst) == (1, 3000, 3)  # a third of 1/s, a third of the burst
    assert sum("1/3 of the key's rate" in r.getMessage() for r in caplog.records) == 1


def test_a_lone_process_keeps_the_whole_rate() -> None:
    rate = LocalState().bucket("stockx:key", Rate(1, 1000, burst=9)).rates[0]
    assert (rate.limit, rate.interval, rate.burst) == (1, 1000, 9)
