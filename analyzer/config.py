"""Settings from the environment (and, in the app, st.secrets passed in as a mapping)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from analyzer.domain.pricing import Fees

STOCKX_DEFAULT_URL = "https://api.stockx.com/v2"
STOCKX_DEFAULT_TOKEN_URL = "https://accounts.stockx.com/oauth/token"
ALIAS_DEFAULT_URL = "https://api.alias.org/api/v1"
ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
CURRENCIES = ("AUD", "CAD", "CHF", "EUR", "GBP", "HKD", "JPY", "KRW", "MXN", "NZD", "SGD", "USD")
IMPORT_MAX_BYTES = 2_000_000  # a portfolio CSV: 5,000 rows with long notes fit well under it
IMPORT_MAX_ROWS = 5_000
ALIAS_REGIONS = ("global", "us", "eu", "uk")
ALIAS_CONSIGNED = ("any", "true", "false")
ALIAS_CONDITIONS = tuple(f"{p}_{k}" for p in ("new", "used", "defects")
                         for k in ("good_box", "missing_lid", "damaged_box", "no_box"))


def parse_fx_rates(raw: str) -> dict[str, float]:
    """'GBP=0.79,EUR=0.92' (units of each currency per US dollar) -> {'GBP': 0.79, 'EUR': 0.92}."""
    rates: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        code, _, value = part.partition("=")
        code = code.strip().upper()
        try:
            rate = float(value)
        except ValueError:
            rate = 0.0
        if code not in CURRENCIES or not rate > 0:
            raise ValueError(f"ANALYZER_FX_RATES must read like GBP=0.79,EUR=0.92, not {part!r}")
        rates[code] = rate
    return rates


def default_data_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sneaker-analyzer"


@dataclass(frozen=True)
class Limits:
    rate_per_sec: float = 1.0
    burst: int = 1


@dataclass(frozen=True)
class Settings:
    stockx_base_url: str = STOCKX_DEFAULT_URL
    stockx_token_url: str = STOCKX_DEFAULT_TOKEN_URL
    stockx_api_key: str | None = field(default=None, repr=False)
    stockx_access_token: str | None = field(default=None, repr=False)
    stockx_client_id: str | None = field(default=None, repr=False)
    stockx_client_secret: str | None = field(default=None, repr=False)
    stockx_refresh_token: str | None = field(default=None, repr=False)
    alias_base_url: str = ALIAS_DEFAULT_URL
    alias_api_token: str | None = field(default=None, repr=False)
    data_dir: Path = field(default_factory=default_data_dir)
    force_sandbox: bool = False
    sandbox_url: str | None = None
    source: str = "live"
    max_workers: int = 3
    use_cache: bool = True
    market_ttl_s: float = 1800.0
    catalog_ttl_s: float = 86400.0
    http_timeout_s: float = 10.0
    max_retries: int = 3
    breaker_fail_max: int = 5
    breaker_reset_s: float = 60.0
    stockx_limits: Limits = field(default_factory=Limits)
    alias_limits: Limits = field(default_factory=Limits)
    daily_budgets: dict[str, int | None] = field(default_factory=dict)
    """Calls a key may make in 24 h, per market (STOCKX_DAILY_BUDGET...); a market not named takes its spec's."""
    interactive_share: float = 0.30
    """Share of each day kept for interactive lookups (ANALYZER_INTERACTIVE_SHARE); background work spends the rest."""
    fees: Fees = field(default_factory=Fees)
    currency: str = "USD"
    fx_rates: dict[str, float] = field(default_factory=dict)
    fx_url: str | None = ECB_DAILY_URL
    alias_region: str = "global"
    alias_consigned: str = "any"
    alias_condition: str = "new_good_box"
    offer_depth: bool = False
    """Ask Alias for the bid depth (offer histogram) of the asked size: one more call in the same round trip."""
    database_url: str | None = None
    redis_url: str | None = field(default=None, repr=False)
    alert_webhook: str | None = field(default=None, repr=False)
    public_url: str | None = None  # where people open the app (ANALYZER_PUBLIC_URL): alerts link to its Lookup there
    webhook_allow_loopback: bool = False  # tests and a local receiver: a person's webhook may be http on loopback
    min_margin: float = 0.10
    selling: bool = False  # ANALYZER_SELLING=on: listings may be created, repriced and delisted
    sellers: tuple[str, ...] = ()  # ANALYZER_SELLERS: in an accounts deployment, the owners who may write
    import_max_bytes: int = IMPORT_MAX_BYTES
    import_max_rows: int = IMPORT_MAX_ROWS
    market_values: Mapping[str, object] = field(default_factory=dict, repr=False)
    """The settings markets declare in their specs (`MarketSpec.env`, limits without a field of their
    own), by key: read them with `value(key)`; `with_(key=...)` sets them like any field."""

    @property
    def store_url(self) -> str:
        """ANALYZER_DATABASE_URL, else a SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{Path(self.data_dir) / 'analyzer.sqlite'}"

    @property
    def has_credentials(self) -> bool:
        stockx = bool(self.stockx_api_key and (self.stockx_access_token or self.stockx_refresh_token))
        return stockx or bool(self.alias_api_token)  # eBay alone does not make a live app: it has no bids

    @property
    def wants_sandbox(self) -> bool:
        return self.force_sandbox or not self.has_credentials

    def secrets(self) -> list[str]:
        """Every secret value, so tests and the redaction can look for them."""
        from analyzer.markets.registry import MARKETS

        values = [self.stockx_api_key, self.stockx_access_token, self.stockx_client_secret,
                  self.stockx_refresh_token, self.alias_api_token]
        values += [self.value(e.key) for m in MARKETS for e in m.env if e.secret]
        return [str(v) for v in values if v]

    def value(self, key: str) -> object:
        """A setting by name: a field, else a market's declared setting (its default when not set)."""
        if key in _FIELDS:
            return getattr(self, key)
        if key in self.market_values:
            return self.market_values[key]
        return _market_defaults().get(key)

    def text(self, key: str) -> str | None:
        value = self.value(key)
        return str(value) if value else None

    def limits(self, market: str) -> Limits:
        limits = self.value(_spec(market).limits_setting)
        assert isinstance(limits, Limits)
        return limits

    def daily_budget(self, market: str) -> int | None:
        """The market's daily budget: the setting when given ('off': none), else the one its spec publishes."""
        from analyzer.markets.registry import spec

        if market in self.daily_budgets:
            return self.daily_budgets[market]
        published: int | None = getattr(spec(market), "daily_budget", None)  # a spec without the field publishes none
        return published

    def with_(self, **changes: object) -> Settings:
        """A copy with `changes`: fields, or settings markets declare (kept in `market_values`)."""
        declared = {k: v for k, v in changes.items() if k not in _FIELDS}
        unknown = set(declared) - set(_market_defaults())
        if unknown:
            raise TypeError(f"no such setting: {', '.join(sorted(unknown))}")
        fields_ = {k: v for k, v in changes.items() if k in _FIELDS}
        if declared:
            fields_["market_values"] = {**self.market_values, **declared}
        return replace(self, **fields_)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, secrets: Mapping[str, object] | None = None) -> Settings:
        """Read settings; `secrets` (st.secrets in the app) wins over the environment. The groups are
        read in this order, so that of two wrong settings the same one is named first."""
        source: dict[str, str] = dict(os.environ if env is None else env)
        for key, value in (secrets or {}).items():
            if isinstance(value, (str, int, float)):
                source[key] = str(value)
        r = _Env(source)
        return cls(**_budgets(r), **_money(r), **_alias_book(r), **_services(r), **_selling(r), **_credentials(r),
                   **_runtime(r), market_values=_market_values(r.text, r.number))


class _Env:
    """The raw settings (environment and secrets), read as text, numbers, choices and on/off flags."""

    def __init__(self, source: Mapping[str, str]) -> None:
        self.source = source

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.source.get(name, "").strip()
        return value or default

    def number(self, name: str, default: float) -> float:
        raw = self.text(name)
        try:
            return float(raw) if raw is not None else default
        except ValueError as exc:
            raise ValueError(f"{name} must be a number, not {raw!r}") from exc

    def choice(self, name: str, allowed: tuple[str, ...], default: str, upper: bool = False) -> str:
        raw = self.text(name, default) or default
        value = raw.upper() if upper else raw.lower()
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
        return value

    def flag(self, name: str) -> bool:
        """Off unless set to something other than 0, false or no."""
        return self.text(name, "0") not in ("0", "false", "no", "")


def _budgets(r: _Env) -> dict[str, Any]:
    """Each market's daily budget (STOCKX_DAILY_BUDGET...) and the share kept for interactive lookups."""
    from analyzer.markets.registry import NAMES

    daily: dict[str, int | None] = {}
    for market in NAMES:
        raw = r.text(f"{market.upper()}_DAILY_BUDGET")
        if raw is not None:
            daily[market] = None if raw.lower() in ("off", "none", "0") else max(24, int(r.number(f"{market.upper()}_DAILY_BUDGET", 0)))
    raw = (r.text("ANALYZER_INTERACTIVE_SHARE") or "30%").rstrip("%")
    try:
        share = float(raw)
    except ValueError as exc:
        raise ValueError(f"ANALYZER_INTERACTIVE_SHARE must read like 30% or 0.3, not {raw!r}") from exc
    share = share / 100 if share > 1 else share
    if not 0 <= share < 1:
        raise ValueError(f"ANALYZER_INTERACTIVE_SHARE must be at least 0% and below 100%, not {raw!r}")
    return {"daily_budgets": daily, "interactive_share": share}


def _money(r: _Env) -> dict[str, Any]:
    """The display currency and where its exchange rates come from."""
    return {"currency": r.choice("ANALYZER_CURRENCY", CURRENCIES, "USD", upper=True),
            "fx_rates": parse_fx_rates(r.text("ANALYZER_FX_RATES") or ""),
            "fx_url": r.text("ANALYZER_FX_URL", ECB_DAILY_URL)}


def _alias_book(r: _Env) -> dict[str, Any]:
    """Which of Alias's books a lookup quotes, and whether it asks for the bid depth."""
    return {"alias_region": r.choice("ALIAS_REGION", ALIAS_REGIONS, "global"),
            "alias_consigned": r.choice("ALIAS_CONSIGNED", ALIAS_CONSIGNED, "any"),
            "alias_condition": r.choice("ALIAS_CONDITION", ALIAS_CONDITIONS, "new_good_box"),
            "offer_depth": r.flag("ANALYZER_OFFER_DEPTH")}


def _services(r: _Env) -> dict[str, Any]:
    """The store, Redis, the alert webhook and the app's public address."""
    return {"database_url": r.text("ANALYZER_DATABASE_URL"), "redis_url": r.text("REDIS_URL"),
            "alert_webhook": r.text("ANALYZER_ALERT_WEBHOOK"), "public_url": r.text("ANALYZER_PUBLIC_URL"),
            "webhook_allow_loopback": r.flag("ANALYZER_WEBHOOK_ALLOW_LOOPBACK")}


def _selling(r: _Env) -> dict[str, Any]:
    """The advice's margin, who may sell, and how big a portfolio import may be."""
    return {"min_margin": r.number("ANALYZER_MIN_MARGIN", 0.10),
            "selling": (r.text("ANALYZER_SELLING", "off") or "off").lower() in ("on", "1", "true", "yes"),
            "sellers": tuple(s.strip() for s in (r.text("ANALYZER_SELLERS") or "").split(",") if s.strip()),
            "import_max_bytes": max(1, int(r.number("ANALYZER_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES))),
            "import_max_rows": max(1, int(r.number("ANALYZER_IMPORT_MAX_ROWS", IMPORT_MAX_ROWS)))}


def _credentials(r: _Env) -> dict[str, Any]:
    """StockX's and Alias's addresses and keys."""
    return {"stockx_base_url": r.text("STOCKX_BASE_URL", STOCKX_DEFAULT_URL) or STOCKX_DEFAULT_URL,
            "stockx_token_url": r.text("STOCKX_TOKEN_URL", STOCKX_DEFAULT_TOKEN_URL) or STOCKX_DEFAULT_TOKEN_URL,
            "stockx_api_key": r.text("STOCKX_API_KEY"), "stockx_access_token": r.text("STOCKX_ACCESS_TOKEN"),
            "stockx_client_id": r.text("STOCKX_CLIENT_ID"), "stockx_client_secret": r.text("STOCKX_CLIENT_SECRET"),
            "stockx_refresh_token": r.text("STOCKX_REFRESH_TOKEN"),
            "alias_base_url": r.text("ALIAS_BASE_URL", ALIAS_DEFAULT_URL) or ALIAS_DEFAULT_URL,
            "alias_api_token": r.text("ALIAS_API_TOKEN")}


def _runtime(r: _Env) -> dict[str, Any]:
    """The data folder, the sandbox, the worker pool, cache and time-out, and the two markets' pace."""
    return {"data_dir": Path(r.text("ANALYZER_DATA_DIR") or default_data_dir()).expanduser(),
            "force_sandbox": r.flag("ANALYZER_SANDBOX"), "sandbox_url": r.text("ANALYZER_SANDBOX_URL"),
            "max_workers": max(1, int(r.number("ANALYZER_MAX_WORKERS", 3))),
            "market_ttl_s": r.number("ANALYZER_MARKET_TTL_S", 1800),
            "http_timeout_s": r.number("ANALYZER_HTTP_TIMEOUT_S", 10),
            "stockx_limits": Limits(r.number("STOCKX_RATE_PER_SEC", 1), int(r.number("STOCKX_BURST", 1))),
            "alias_limits": Limits(r.number("ALIAS_RATE_PER_SEC", 1), int(r.number("ALIAS_BURST", 1)))}


def _spec(market: str) -> Any:
    from analyzer.markets.registry import spec

    return spec(market)


def _market_defaults() -> dict[str, object]:
    """Every setting the markets declare, at its default (limits without a field of their own included)."""
    from analyzer.markets.registry import MARKETS

    defaults: dict[str, object] = {e.key: e.default for m in MARKETS for e in m.env}
    defaults.update({m.limits_setting: Limits(*m.default_limits) for m in MARKETS if m.limits_setting not in _FIELDS})
    return defaults


def _market_values(text: Callable[..., str | None], number: Callable[[str, float], float]) -> dict[str, object]:
    """The markets' declared settings from the environment."""
    from analyzer.markets.registry import MARKETS

    values: dict[str, object] = {e.key: text(e.env, e.default) for m in MARKETS for e in m.env}
    for m in MARKETS:
        if m.limits_setting not in _FIELDS and m.limits_env:
            rate, burst = m.default_limits
            values[m.limits_setting] = Limits(number(f"{m.limits_env}_RATE_PER_SEC", rate),
                                              int(number(f"{m.limits_env}_BURST", burst)))
    return values


_FIELDS = frozenset(Settings.__dataclass_fields__)
