"""Many processes on one API key through Redis: one budget, one cache, one breaker, one hold-off.

The replicas are real processes (`python -m analyzer.bench.replicas`), each with its own data folder,
against one sandbox whose counters say what really reached the market.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from analyzer.bench.replicas import calls_needed, finish, replica_env, start_replica
from analyzer.config import Limits, Settings
from analyzer.net.market_wiring import budget_name
from analyzer.net.shared_state import RedisHoldOff, redis_client
from analyzer.sandbox.app import SANDBOX_ALIAS_TOKEN, SANDBOX_STOCKX_KEY, SANDBOX_STOCKX_TOKEN

# requests-cache's Redis backend calls setex, which redis-py 8 marks deprecated: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")

PUBLISHED = {"stockx_rate_per_sec": 1.0, "stockx_burst": 10, "alias_rate_per_sec": 1.0, "alias_burst": 8}
SHOES = ["CP9654", "DZ5485-612", "555088-101", "DD1390-100", "CT8012-104", "DD1391-100"]


def _replicas(sandbox_url: str, groups: list[list[str]], redis_url: str, prefix: str, tmp_path: Path, *extra: str,
              gate_s: float = 2.5) -> list[dict[str, Any]]:
    start_at = time.time() + gate_s  # all import and connect first, then begin together
    running = [start_replica(sandbox_url, shoes, replica_env(redis_url, prefix, tmp_path / f"replica-{i}"),
                             "--start-at", f"{start_at:.3f}", *extra) for i, shoes in enumerate(groups)]
    return [finish(process, timeout_s=300) for process in running]


def _by_market(report: dict[str, Any], field: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for quote in report["quotes"]:
        totals[quote["market"]] = totals.get(quote["market"], 0) + quote[field]
    return totals


def test_three_processes_on_one_key_draw_no_429_and_get_every_quote(sandbox_factory, redis_url, prefix, tmp_path) -> None:
    """Each process is told the key's limits; alone each would spend them in full and 429s follow."""
    sandbox = sandbox_factory(**PUBLISHED)
    reports = _replicas(sandbox.url, [SHOES[0:2], SHOES[2:4], SHOES[4:6]], redis_url, prefix, tmp_path)
    assert {r["state"] for r in reports} == {"redis"}
    quotes = [q for r in reports for q in r["quotes"]]
    assert len(quotes) == 18 and all(q["ok"] for q in quotes), [q["error"] for q in quotes]  # six shoes, three markets
    assert sandbox.counters.rate_limited == {"stockx": 0, "alias": 0}
    assert sandbox.counters.requests == calls_needed(SHOES, 5)  # the calls of six shoes, no more


def test_a_shoe_quoted_by_one_process_is_a_cache_hit_in_another(sandbox_factory, redis_url, prefix, tmp_path) -> None:
    sandbox = sandbox_factory()
    first = _replicas(sandbox.url, [["DD1391-100"]], redis_url, prefix, tmp_path / "a")[0]
    sent = dict(sandbox.counters.requests)
    assert all(q["ok"] and q["calls"] > 0 for q in first["quotes"])
    second = _replicas(sandbox.url, [["DD1391-100"]], redis_url, prefix, tmp_path / "b")[0]  # another data folder
    assert all(q["ok"] and q["calls"] == 0 and q["cache_hits"] > 0 for q in second["quotes"]), second["quotes"]
    assert sandbox.counters.requests == sent


def test_a_429_received_by_one_process_holds_back_the_others(sandbox_factory, analyzer_for, redis_url, prefix, tmp_path) -> None:
    """This process is told a far faster rate than StockX allows and draws a 429 (Retry-After 5 s).
    Another process, told the same, starts at once: without the shared hold-off its first call
    would meet the empty bucket too. The market stops limiting just before the hold-off ends."""
    sandbox = sandbox_factory(stockx_rate_per_sec=0.2, stockx_burst=1)
    fast = {"stockx_rate_per_sec": 1000.0, "stockx_burst": 1000, "alias_rate_per_sec": 1000.0, "alias_burst": 1000}
    analyzer = analyzer_for(sandbox, redis_url=redis_url, max_retries=0, stockx_limits=Limits(1000, 1000))
    first = analyzer.lookup("CP9654", "10").quotes["stockx"]
    assert first.rate_limited >= 1, first
    limited = sandbox.counters.rate_limited["stockx"]
    key = f"{prefix}:hold-off:{budget_name(analyzer.settings, 'stockx')}"
    until = RedisHoldOff(redis_client(redis_url), key).until()
    assert until > time.time() + 2  # every process can read when the key may be used again

    def market_recovers() -> None:
        sandbox.config.stockx_rate_per_sec, sandbox.config.stockx_burst = 1000.0, 1000

    timer = threading.Timer(until - 0.7 - time.time(), market_recovers)
    timer.start()
    try:
        other = _replicas(sandbox.url, [["DD1391-100"]], redis_url, prefix, tmp_path, "--limits",
                          json.dumps({k: fast[k] for k in ("stockx_rate_per_sec", "stockx_burst", "alias_rate_per_sec", "alias_burst")}),
                          "--max-retries", "0", gate_s=0)[0]
    finally:
        timer.cancel()
    assert other["started"] < until - 0.7, "the other process started too late to prove anything"
    assert all(q["ok"] and q["rate_limited"] == 0 for q in other["quotes"]), other["quotes"]
    assert sandbox.counters.rate_limited["stockx"] == limited
    assert other["finished"] >= until  # it waited out the hold-off it never received itself


def test_a_breaker_opened_by_one_process_is_open_in_the_others(sandbox_factory, redis_url, prefix, tmp_path) -> None:
    sandbox = sandbox_factory(down={"stockx"})
    strict = ("--max-retries", "0", "--breaker-fail-max", "2", "--one-by-one")
    first = _replicas(sandbox.url, [["CP9654", "DZ5485-612"]], redis_url, prefix, tmp_path / "a", *strict)[0]
    assert [q["ok"] for q in first["quotes"] if q["market"] == "stockx"] == [False, False]
    assert sandbox.counters.requests["stockx"] == 2  # two failures: the breaker opens
    other = _replicas(sandbox.url, [["DD1391-100"]], redis_url, prefix, tmp_path / "b", *strict)[0]
    stockx = next(q for q in other["quotes"] if q["market"] == "stockx")
    assert stockx["error"].startswith("StockX is unavailable, retrying in "), stockx
    assert sandbox.counters.requests["stockx"] == 2  # the other process never called the dead market
    assert all(q["ok"] for q in other["quotes"] if q["market"] == "alias")


def test_three_processes_asking_one_cold_shoe_make_one_lookups_calls(sandbox_factory, redis_url, prefix, tmp_path) -> None:
    """Single flight across processes: one fetches, the others wait for its answer in Redis."""
    sandbox = sandbox_factory(latency_ms=(200.0, 200.0))
    reports = _replicas(sandbox.url, [["DD1391-100"] * 3] * 3, redis_url, prefix, tmp_path)
    assert all(q["ok"] for r in reports for q in r["quotes"])
    assert sandbox.counters.requests == calls_needed(["DD1391-100"], 5)
    assert sum(sum(_by_market(r, "calls").values()) for r in reports) == sum(sandbox.counters.requests.values())


def test_answers_continue_when_redis_stops_mid_run(own_redis, sandbox_factory, analyzer_for, caplog) -> None:
    sandbox = sandbox_factory()
    analyzer = analyzer_for(sandbox, redis_url=own_redis.url)
    assert analyzer.lookup("DD1391-100", "10").success
    assert analyzer.markets[0].http.shared_state == "redis"
    assert redis.Redis.from_url(own_redis.url).dbsize() > 0  # the state really was in Redis
    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="analyzer.net.shared_state"):
        for shoe in ("CP9654", "DZ5485-612", "DD1391-100"):
            result = analyzer.lookup(shoe, "10")
            assert result.success, [q.error for q in result.quotes.values()]
    assert analyzer.markets[0].http.shared_state == "redis-down"
    said = [r.getMessage() for r in caplog.records if "Redis" in r.getMessage()]
    assert len(said) == 1 and "stopped answering" in said[0] and "in-process state" in said[0]


def test_back_on_redis_when_it_answers_again(own_redis, sandbox_factory, analyzer_for, caplog, monkeypatch) -> None:
    import analyzer.net.shared_state as shared_state

    monkeypatch.setattr(shared_state, "RETRY_REDIS_S", 0.3)
    sandbox = sandbox_factory()
    analyzer = analyzer_for(sandbox, redis_url=own_redis.url)
    own_redis.stop()
    assert analyzer.lookup("DD1391-100", "10").success
    assert shared_state.shared_state_status(own_redis.url)[0] == "redis-down"
    own_redis.start()  # an empty Redis, as after a restart
    time.sleep(0.5)
    with caplog.at_level(logging.WARNING, logger="analyzer.net.shared_state"):
        assert analyzer.lookup("CP9654", "10").success
    status, sentence = shared_state.shared_state_status(own_redis.url)
    assert status == "redis" and sentence.startswith("state shared through Redis at 127.0.0.1:")
    assert [r.getMessage() for r in caplog.records if "answers again" in r.getMessage()]
    assert redis.Redis.from_url(own_redis.url).dbsize() > 0  # the new answers went to Redis


def test_redis_down_at_start_says_so_once_and_answers(sandbox_factory, analyzer_for, caplog, prefix) -> None:
    sandbox = sandbox_factory()
    with caplog.at_level(logging.WARNING, logger="analyzer.net.shared_state"):
        analyzer = analyzer_for(sandbox, redis_url="redis://:pw-never-shown@127.0.0.1:1/0")
        for shoe in ("DD1391-100", "CP9654"):
            assert analyzer.lookup(shoe, "10").success
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "does not answer" in said[0] and "pw-never-shown" not in said[0]


def test_no_secret_in_any_redis_key_or_value(sandbox_factory, analyzer_for, redis_url, prefix) -> None:
    sandbox = sandbox_factory()
    analyzer = analyzer_for(sandbox, redis_url=redis_url)
    for query in ("DD1391-100", "panda", "qqqqzzzz"):
        analyzer.lookup(query, "10")
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    assert any(b":http:" in k for k in keys) and any(b":bucket:" in k for k in keys) and any(b":breaker:" in k for k in keys)
    blob = b"\n".join(keys)
    for key in keys:
        kind = client.type(key)
        if kind == b"string":
            blob += client.get(key) or b""
        elif kind == b"hash":
            blob += b"".join(k + v for k, v in client.hgetall(key).items())
    for secret in (SANDBOX_STOCKX_KEY, SANDBOX_STOCKX_TOKEN, SANDBOX_ALIAS_TOKEN):
        assert secret.encode() not in blob
    assert budget_name(Settings(stockx_api_key=SANDBOX_STOCKX_KEY), "stockx").encode() in blob  # named by its hash


def test_clearing_the_cache_with_redis_gone_clears_what_this_process_uses(own_redis, sandbox_factory, analyzer_for) -> None:
    sandbox = sandbox_factory()
    analyzer = analyzer_for(sandbox, redis_url=own_redis.url)
    analyzer.lookup("DD1391-100", "10")
    own_redis.stop()
    analyzer.clear_cache()  # no error: Redis is out of reach, the local fallback is cleared
    assert analyzer.markets[0].http.shared_state == "redis-down"
    assert analyzer.lookup("DD1391-100", "10").success
