"""The sandbox's one gate: each market's fault stream is seeded from the config, so a seeded storm
is the same storm on every run, whatever the other markets drew."""

from __future__ import annotations

import requests

from analyzer.sandbox import SandboxConfig, start_sandbox
from analyzer.sandbox.app import SANDBOX_ALIAS_TOKEN, SANDBOX_STOCKX_KEY, SANDBOX_STOCKX_TOKEN

STOCKX = {"x-api-key": SANDBOX_STOCKX_KEY, "Authorization": f"Bearer {SANDBOX_STOCKX_TOKEN}"}
ALIAS = {"Authorization": f"Bearer {SANDBOX_ALIAS_TOKEN}"}
KINDS = ("500", "503", "html", "wrong_shape", "429")


def storm(seed: int, alias_first: int) -> list[tuple[int, str]]:
    """StockX's answers to 12 searches, after `alias_first` Alias calls drew from Alias's stream."""
    config = SandboxConfig(latency_ms=(0.0, 1.0), fault_rate=0.5, fault_kinds=KINDS, seed=seed,
                           stockx_rate_per_sec=1000, stockx_burst=1000, alias_rate_per_sec=1000, alias_burst=1000)
    sandbox = start_sandbox(config)
    try:
        for _ in range(alias_first):
            requests.get(f"{sandbox.url}/alias/api/v1/catalog", params={"query": "DD1391-100"}, headers=ALIAS, timeout=10)
        answers = [requests.get(f"{sandbox.url}/stockx/v2/catalog/search", params={"query": "DD1391-100"}, headers=STOCKX,
                                timeout=10) for _ in range(12)]
        return [(r.status_code, r.headers.get("content-type", "").split(";")[0]) for r in answers]
    finally:
        sandbox.stop()


def test_a_seeded_storm_repeats_per_market() -> None:
    first = storm(7, alias_first=0)
    assert first == storm(7, alias_first=5)  # Alias's draws leave StockX's stream alone
    assert any(status != 200 for status, _ in first) and any(status == 200 for status, _ in first)
    assert first != storm(8, alias_first=0)  # another seed, another storm


def test_counters_name_every_market_before_the_first_request() -> None:
    sandbox = start_sandbox(SandboxConfig(latency_ms=(0.0, 1.0)))
    try:
        assert set(sandbox.counters.requests) >= {"stockx", "alias"}
        assert all(count == 0 for count in sandbox.counters.requests.values())
    finally:
        sandbox.stop()
