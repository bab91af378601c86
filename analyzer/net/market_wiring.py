"""Each market's MarketHttp built from the settings: its rate budget (the market and a hash of its
key), its breaker, and its wiring on the shared state (rebuilt whole when that state switches);
and each key's day as these settings see it. `analyzer.net.http` makes the calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pybreaker

from analyzer.config import Settings
from analyzer.domain.errors import MarketError
from analyzer.markets import registry
from analyzer.net.budget import day_budget, day_rate
from analyzer.net.http import Auth, MarketHttp, Wiring
from analyzer.net.session import Pacing, build_session, token_rate
from analyzer.net.shared_state import SharedState, key_id, switch_for


def make_breaker(settings: Settings, name: str, storage: pybreaker.CircuitBreakerStorage | None = None) -> pybreaker.CircuitBreaker:
    return pybreaker.CircuitBreaker(
        fail_max=settings.breaker_fail_max,
        reset_timeout=settings.breaker_reset_s,
        exclude=[lambda e: not (isinstance(e, MarketError) and e.market_fault)],
        name=name,
        state_storage=storage,
    )


def budget_name(settings: Settings, name: str) -> str:
    """A market's rate budget: the market and a hash of its API key (never the key)."""
    key = settings.text(registry.spec(name).key_setting) if name in registry.NAMES else None
    return f"{name}:{key_id(key)}"


def market_http(settings: Settings, *, name: str, label: str, base_url: str, auth: Auth, volatile_urls: Sequence[str]) -> MarketHttp:
    budget = budget_name(settings, name)
    limits = settings.limits(name)
    daily = settings.daily_budget(name)

    def wire(generation: int, state: SharedState) -> Wiring:
        session = build_session(settings, limits, volatile_urls, state, budget, daily)
        limiter = session.limiter  # type: ignore[attr-defined]
        return Wiring(generation, state, session, Pacing(limiter, limits),
                      make_breaker(settings, name, state.breaker_storage(budget)), state.hold_off(budget),
                      day_budget(state, budget, label, daily, settings.interactive_share, limiter.bucket_factory.bucket))

    return MarketHttp(name=name, label=label, base_url=base_url, auth=auth, timeout_s=settings.http_timeout_s,
                      max_retries=settings.max_retries, budget=budget,
                      switch=switch_for(settings.redis_url), wire=wire)


def days(settings: Settings) -> dict[str, dict[str, Any]]:
    """Each market's day on its key (the markets with a daily budget): spent, left, by purpose, when it is
    whole again. With REDIS_URL it is every replica's day; without, this process's own."""
    _, state = switch_for(settings.redis_url).current()
    out: dict[str, dict[str, Any]] = {}
    for market in registry.MARKETS:
        daily = settings.daily_budget(market.name)
        if not daily:
            continue
        budget = budget_name(settings, market.name)
        bucket = state.bucket(budget, [token_rate(settings.limits(market.name)), day_rate(daily)])
        day = day_budget(state, budget, market.label, daily, settings.interactive_share, bucket)
        if day is not None:
            out[market.name] = {**day.summary(), "shared": state.kind == "redis"}
    return out
