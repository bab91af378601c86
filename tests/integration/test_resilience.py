"""Pacing, retries, the breaker and the cache, against the sandbox over real HTTP."""

from __future__ import annotations

import time
from pathlib import Path

from analyzer.config import Limits
from analyzer.sandbox.app import SANDBOX_ALIAS_TOKEN, SANDBOX_STOCKX_KEY, SANDBOX_STOCKX_TOKEN

SHOES = ["CP9654", "DZ5485-612", "555088-101", "DD1390-100", "CT8012-104"]


def test_batch_at_the_published_limits_gets_every_quote_without_a_429(sandbox_factory, analyzer_for) -> None:
    """The sandbox's defaults are the real limits: 1 call/s, bursts of 10 (StockX) and 8 (Alias)."""
    sandbox = sandbox_factory(stockx_rate_per_sec=1.0, stockx_burst=10, alias_rate_per_sec=1.0, alias_burst=8)
    results = analyzer_for(sandbox).compare(SHOES, "10")
    assert all(r.success for r in results), [r.to_dict()["quotes"] for r in results]
    assert sandbox.counters.rate_limited == {"stockx": 0, "alias": 0}
    assert sum(q.rate_limited for r in results for q in r.quotes.values()) == 0
    assert sandbox.counters.requests == {"stockx": 15, "alias": 15, "ebay": 10}  # 3 + 3 + 2 a cold lookup


def test_client_faster_than_the_server_still_gets_every_quote(sandbox_factory, analyzer_for) -> None:
    sandbox = sandbox_factory(stockx_rate_per_sec=4.0, stockx_burst=2, alias_rate_per_sec=4.0, alias_burst=2)
    analyzer = analyzer_for(sandbox, stockx_limits=Limits(100, 100), alias_limits=Limits(100, 100))
    results = analyzer.compare(SHOES, "10")
    assert all(r.success for r in results), [q.error for r in results for q in r.quotes.values()]
    counted = sum(q.rate_limited for r in results for q in r.quotes.values())
    assert counted > 0 and counted == sum(sandbox.counters.rate_limited.values())
    assert sum(q.retries for r in results for q in r.quotes.values()) >= counted


def test_repeat_and_other_size_make_no_http_call(sandbox_factory, analyzer_for) -> None:
    sandbox = sandbox_factory()
    analyzer = analyzer_for(sandbox)
    analyzer.lookup("DD1391-100", "10")
    sent = dict(sandbox.counters.requests)
    again = analyzer.lookup("DD1391-100", "10")
    assert again.success and all(q.calls == 0 and q.cache_hits >= 1 for q in again.quotes.values())
    assert sandbox.counters.requests == sent
    # Another size: every book came in one call; only Alias's recent sales and eBay's offers are asked per size.
    other = analyzer.lookup("DD1391-100", "11.5")
    assert other.success and {m: q.calls for m, q in other.quotes.items()} == {"stockx": 0, "alias": 1, "ebay": 1}


def test_expired_market_data_reuse_the_cached_catalog(sandbox_factory, analyzer_for) -> None:
    sandbox = sandbox_factory()
    analyzer = analyzer_for(sandbox, market_ttl_s=0.3)
    analyzer.lookup("CP9654", "10")
    time.sleep(0.5)
    again = analyzer.lookup("CP9654", "10")
    assert again.success
    # The market data again (Alias: availabilities and recent sales; eBay: the size's offers); the catalog from the cache.
    assert {m: q.calls for m, q in again.quotes.items()} == {"stockx": 1, "alias": 2, "ebay": 1}


def test_no_cache_sends_every_call_and_writes_no_cache(sandbox_factory, analyzer_for, tmp_path: Path) -> None:
    sandbox = sandbox_factory()
    analyzer = analyzer_for(sandbox, use_cache=False, data_dir=tmp_path / "nocache")
    for _ in range(2):
        assert {m: q.calls for m, q in analyzer.lookup("CP9654", "10").quotes.items()} == {"stockx": 3, "alias": 3, "ebay": 2}
    assert not (tmp_path / "nocache" / "http-cache.sqlite").exists()


def test_clear_cache_sends_calls_again(sandbox_factory, analyzer_for) -> None:
    sandbox = sandbox_factory()
    analyzer = analyzer_for(sandbox)
    analyzer.lookup("CP9654", "10")
    analyzer.clear_cache()
    assert sum(q.calls for q in analyzer.lookup("CP9654", "10").quotes.values()) == 8


def test_html_with_status_200_is_a_bad_answer_never_cached(sandbox_factory, analyzer_for) -> None:
    sandbox = sandbox_factory(fault_rate=1.0, fault_kinds=("html",))
    analyzer = analyzer_for(sandbox, max_retries=2)
    first = analyzer.lookup("CP9654", "10")
    assert {q.error for q in first.quotes.values()} == {"bad answer from StockX", "bad answer from Alias", "bad answer from eBay"}
    assert all(q.retries == 2 and q.calls == 3 for q in first.quotes.values())
    sandbox.config.fault_rate = 0.0
    assert analyzer.lookup("CP9654", "10").success  # nothing bad was kept


def test_dead_market_opens_the_breaker_and_the_other_survives(sandbox_factory, analyzer_for) -> None:
    sandbox = sandbox_factory(down={"stockx"})
    analyzer = analyzer_for(sandbox, breaker_fail_max=5, breaker_reset_s=60, max_retries=3)
    results = [analyzer.lookup(q, "10") for q in SHOES]
    assert all(r.quotes["alias"].ok for r in results)
    errors = [r.quotes["stockx"].error for r in results]
    assert errors[-1].startswith("StockX is unavailable, retrying in ") and errors[-1].endswith(" s")
    assert sandbox.counters.requests["stockx"] == 5  # once open, no call reaches the dead market
    assert results[-1].quotes["stockx"].calls == 0  # refused at once by the open breaker, no wait on the market


def test_refused_key_is_never_retried(fast_sandbox, analyzer_for) -> None:
    quote = analyzer_for(fast_sandbox, alias_api_token="wrong-token").lookup("CP9654", "10").quotes["alias"]
    assert quote.error == "Alias refused the API key" and quote.calls == 1 and quote.retries == 0


def test_no_secret_reaches_any_file(sandbox_factory, analyzer_for, tmp_path: Path) -> None:
    sandbox = sandbox_factory()
    analyzer = analyzer_for(sandbox, data_dir=tmp_path / "secrets", stockx_access_token=None, stockx_client_id="client-id-x",
                            stockx_client_secret="client-secret-value-9731", stockx_refresh_token="refresh-token-value-2468")
    for query in ("DD1391-100", "panda", "qqqqzzzz"):
        analyzer.lookup(query, "10")
    secrets = [SANDBOX_STOCKX_KEY, SANDBOX_STOCKX_TOKEN, SANDBOX_ALIAS_TOKEN, "client-secret-value-9731", "refresh-token-value-2468"]
    files = [p for p in (tmp_path / "secrets").rglob("*") if p.is_file()]
    # The cache and the metrics store (wherever the store keeps it) are both scanned.
    assert any(p.name == "http-cache.sqlite" for p in files) and len(files) >= 2
    for path in files:
        blob = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in blob, f"{secret} found in {path.name}"


def _calls(stdout: str) -> dict[str, tuple[int, int]]:
    import json

    return {m: (q["calls"], q["cache_hits"]) for m, q in json.loads(stdout)["quotes"].items()}


def test_a_repeat_in_another_process_hits_the_cache_whatever_holds_the_usual_port(tmp_path: Path) -> None:
    """Each CLI run may get a sandbox on another port (the app may hold the usual one): the cache
    keys do not depend on it, so the second run sends nothing."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "ANALYZER_SANDBOX_URL")}
    env.update(ANALYZER_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(root))
    runs = [subprocess.run([sys.executable, "-m", "analyzer", "lookup", "DD1391-100", "--size", "10", "--json"],
                           capture_output=True, text=True, env=env, cwd=root, timeout=120) for _ in range(2)]
    assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]
    assert _calls(runs[0].stdout) == {"stockx": (3, 0), "alias": (3, 0), "ebay": (2, 0)}
    assert _calls(runs[1].stdout) == {"stockx": (0, 3), "alias": (0, 3), "ebay": (0, 2)}


def test_processes_share_the_sandbox_on_the_usual_port_and_take_it_over(monkeypatch, tmp_path: Path) -> None:
    import socket

    import analyzer.launch as launch
    from analyzer.config import Settings

    with socket.socket() as probe:  # a free port stands in for the usual one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(launch, "SANDBOX_PORT", port)
    monkeypatch.setattr(launch, "WATCH_EVERY_S", 0.2)
    owner = launch.open_analyzer(Settings(data_dir=tmp_path / "a"), record=False)
    user = launch.open_analyzer(Settings(data_dir=tmp_path / "b"), record=False)
    try:
        assert isinstance(owner.sandbox, launch.SharedSandbox) and owner.sandbox.owned is not None
        assert isinstance(user.sandbox, launch.SharedSandbox) and user.sandbox.owned is None
        assert owner.analyzer.settings.stockx_base_url == user.analyzer.settings.stockx_base_url
        assert user.analyzer.lookup("DD1391-100", "10").success
        owner.close()  # its owner exits: the user takes the port over and carries on
        deadline = time.monotonic() + 10
        while user.sandbox.owned is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert user.sandbox.owned is not None
        assert user.analyzer.lookup("CP9654", "10").success
    finally:
        owner.close()
        user.close()


def test_something_else_on_the_usual_port_is_left_alone(monkeypatch, tmp_path: Path) -> None:
    import socket

    import analyzer.launch as launch
    from analyzer.config import Settings

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        monkeypatch.setattr(launch, "SANDBOX_PORT", squatter.getsockname()[1])
        opened = launch.open_analyzer(Settings(data_dir=tmp_path / "a"), record=False)
        try:
            assert not isinstance(opened.sandbox, launch.SharedSandbox)
            assert f":{launch.SANDBOX_PORT}/" not in opened.analyzer.settings.stockx_base_url
            assert opened.analyzer.lookup("CP9654", "10").success
        finally:
            opened.close()


def test_compare_of_one_cold_shoe_eight_times_costs_the_calls_of_one_lookup(sandbox_factory, analyzer_for, tmp_path: Path) -> None:
    """Single flight: the eight lookups share each call; the waiters count it as a cache hit."""
    one = sandbox_factory(latency_ms=(100.0, 100.0))
    analyzer_for(one, record=False, data_dir=tmp_path / "one").lookup("DD1391-100", "10")  # the calls of one lookup
    sandbox = sandbox_factory(latency_ms=(100.0, 100.0))
    results = analyzer_for(sandbox, max_workers=8).compare(["DD1391-100"] * 8, "10")
    assert all(r.success for r in results)
    assert sandbox.counters.requests == one.counters.requests and sandbox.counters.requests["stockx"] == 3
    quotes = [q for r in results for q in r.quotes.values()]
    assert sum(q.calls for q in quotes) == sum(sandbox.counters.requests.values())
    assert sum(q.cache_hits for q in quotes) >= 7 * 3  # every lookup but the leader's answered without a call


def test_eight_users_asking_one_cold_shoe_at_once_make_three_stockx_calls(sandbox_factory, analyzer_for) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sandbox = sandbox_factory(latency_ms=(100.0, 100.0))
    analyzer = analyzer_for(sandbox)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(analyzer.lookup, ["DD1391-100"] * 8, ["10"] * 8))
    assert all(r.success for r in results)
    assert sandbox.counters.requests["stockx"] == 3
    assert {r.quotes["stockx"].lowest_ask for r in results} == {results[0].quotes["stockx"].lowest_ask}
    assert sum(r.quotes["stockx"].fresh for r in results) == 1  # one quote came from the network; seven shared it
