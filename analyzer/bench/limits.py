"""Rate limits for the benchmarks: each market's published limits (from its spec) and none to speak
of, as the sandbox's configuration names them, and the one rate bound they imply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from analyzer.markets.registry import MARKETS

PUBLISHED: dict[str, float] = {k: v for m in MARKETS
                               for k, v in ((f"{m.name}_rate_per_sec", m.published.rate_per_sec), (f"{m.name}_burst", m.published.burst))}
UNLIMITED: dict[str, float] = {k: v for m in MARKETS for k, v in ((f"{m.name}_rate_per_sec", 1000.0), (f"{m.name}_burst", 1000))}


class Limit(Protocol):
    @property
    def rate_per_sec(self) -> float: ...

    @property
    def burst(self) -> int: ...


class _Named:
    def __init__(self, config: Mapping[str, float], market: str) -> None:
        self.rate_per_sec = float(config[f"{market}_rate_per_sec"])
        self.burst = int(config[f"{market}_burst"])


def per_market(config: Mapping[str, float], markets: list[str]) -> dict[str, Limit]:
    """A sandbox configuration's limits ({'stockx_rate_per_sec': 1.0, ...}) per market."""
    return {m: _Named(config, m) for m in markets}


def rate_bound_s(calls: Mapping[str, int], limits: Mapping[str, Limit], latency_s: float = 0.0) -> float:
    """The fastest one API key allows, however many clients use it: each market's calls beyond its
    burst at its rate, plus one latency for the last answer."""
    return max((max(0, n - limits[m].burst) / limits[m].rate_per_sec + latency_s for m, n in calls.items()), default=latency_s)
