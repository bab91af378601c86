"""What the rest of the analyzer knows about a market, in one frozen record: its name and label, its
colours, how it pays a seller (and the arithmetic shown for it), which fee settings are its buyer
costs, which settings hold its API key and limits, its published limits and whether it has bids.

A spec module imports nothing but `analyzer.domain.money`: pricing, config and http read the registry
without importing any market client."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from analyzer.domain.money import convert, rounded

if TYPE_CHECKING:
    from analyzer.config import Settings
    from analyzer.domain.models import Quote
    from analyzer.domain.pricing import Fees

Rates = Mapping[str, float] | None
PayoutRule = Callable[[float | Decimal, "Fees", str, Rates], Decimal | None]
"""(price, fees, the price's currency, rates) -> the seller's payout, exact; None without a needed rate."""
FeeLines = Callable[[float, "Fees", str, Rates], list[tuple[str, float]]]
"""(price, fees, currency, rates) -> (what, amount) from the price down to the payout, each rounded."""
BuyCost = Callable[["Quote", "Fees", Rates], Decimal | None]
"""(quote, fees, rates) -> what a buyer pays in all at the quote's lowest ask, in its currency, exact."""


@dataclass(frozen=True)
class FeeSetting:
    """One fee setting a market declares: a `Fees` field (named `<market>_...`), its default and its
    sidebar control ('pct': a share shown as a percentage, 'usd': dollars, 'bool': a switch)."""

    name: str
    label: str
    default: float | bool
    kind: str = "pct"
    help: str | None = None


@dataclass(frozen=True)
class EnvSetting:
    """One setting a market reads from the environment (or st.secrets) into `Settings`: the key
    code reads it by (`settings.value(key)`), the variable, its default, and whether it is a secret."""

    key: str
    env: str
    default: str | None = None
    secret: bool = False


class PublishedLimits(NamedTuple):
    """A market's published rate limit: `burst` calls at once, then `rate_per_sec` a second."""

    rate_per_sec: float
    burst: int


@dataclass(frozen=True)
class MarketSpec:
    name: str
    label: str
    colours: tuple[str, str]
    """Ask and bid colours in charts."""
    payout: PayoutRule
    fee_lines: FeeLines
    buyer_pct: str
    """The `Fees` field of the buyer's percentage on top of an ask."""
    buyer_flat: str
    """The `Fees` field of the buyer's flat amount (US dollars)."""
    key_setting: str
    """The `Settings` field of the API key: a market's rate budget is its key's."""
    limits_setting: str
    """The `Settings` field of the limits the client keeps to."""
    published: PublishedLimits
    has_bids: bool
    client: str
    """'module:Class' of the client, imported only when markets are built."""
    default_condition: str
    """The condition the market prices by default."""
    choosable_book: bool
    """Whether the user picks the market's region and listing choice (analyzer.domain.books)."""
    last_sale_note: str = "no sale reported"
    """What a missing last sale means on this market."""
    daily_budget: int | None = None
    """Calls a key may make in 24 hours, as published (None: none published)."""
    sandbox: str = ""
    """The module of the market's sandbox (analyzer/sandbox/<market>.py), imported only by the sandbox."""
    base_url_setting: str = ""
    """The setting of the API's base URL (the sandbox's cache keys leave its port out)."""
    has_sales_history: bool = True
    """Whether the market reports sales (a time-to-sell estimate needs them)."""
    fee_settings: tuple[FeeSetting, ...] = ()
    """Fee settings the market adds to `Fees` (and to the sidebar, the saved settings)."""
    env: tuple[EnvSetting, ...] = ()
    """Settings the market adds to `Settings`, read from the environment."""
    limits_env: str = ""
    """The prefix of its limit variables (`<prefix>_RATE_PER_SEC`, `<prefix>_BURST`) when `limits_setting`
    is not a `Settings` field; their default is `default_limits`."""
    default_limits: tuple[float, int] = (1.0, 1)
    buy_cost: BuyCost | None = None
    """What a buyer pays in all, when it is more than ask x (1 + buyer_pct) + buyer_flat (eBay adds shipping)."""
    enabled: Callable[[Settings], bool] | None = None
    """Whether the settings switch the market on (None: always); off, it is left out with `off_note`."""
    off_note: str = ""
    fee_words: Callable[[Any], str] | None = None
    """A declared market's seller fees in a few words from `Fees`, for captions ("eBay 13.6% + $0.40, 8% from $150")."""
    facts: Callable[[Any], list[str]] | None = None
    """The facts of one of its quotes (as `Quote.to_dict()` has it) a reseller acts on beyond the book, in words."""
    suggests_asks: bool = False
    """Whether its quotes carry the market's own suggested asks (sell faster, earn more...)."""


def amount(value: Decimal, currency: str) -> float:
    """`value` rounded once, half-up, to the currency's minor unit, as a number for JSON."""
    return float(rounded(value, currency))


def usd_flat(value: float, currency: str, fx: Rates) -> Decimal | None:
    """A fixed US-dollar fee in the price's currency (exact), before it is subtracted; None without a rate."""
    return convert(value, "USD", currency, fx)
