"""eBay as the analyzer knows it: asks only (no bids, so never "sell now"), its final value fee by
price band plus the per-order fee, a buyer's shipping and costs, its settings and its daily budget.

Fee defaults are eBay's published US figures for sneakers (Athletic Shoes): 8% and no per-order fee
on a sale of $150 or more; 13.6% plus $0.40 per order below it. eBay changes them: they are settings.
The fee is taken on the price here (eBay takes it on the total the buyer pays, shipping included,
which the seller sets: add your shipping to the price you try)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from analyzer.domain.money import ZERO, dec
from analyzer.markets.spec import EnvSetting, FeeSetting, MarketSpec, PublishedLimits, Rates, amount, usd_flat

if TYPE_CHECKING:
    from analyzer.config import Settings
    from analyzer.domain.models import Quote
    from analyzer.domain.pricing import Fees

DEFAULT_URL = "https://api.ebay.com"
DAILY_CALLS = 5_000
"""The Browse API's default budget: about 5,000 calls a day per application."""
FEES = (
    FeeSetting("ebay_fvf_pct", "eBay final value fee below the band (%)", 0.136),
    FeeSetting("ebay_band_usd", "eBay fee band from ($)", 150.0, "usd", "Sneakers sold at or above it pay the lower fee."),
    FeeSetting("ebay_fvf_above_pct", "eBay final value fee from the band (%)", 0.08),
    FeeSetting("ebay_order_fee", "eBay per-order fee below the band ($)", 0.40, "usd"),
    FeeSetting("ebay_order_fee_above", "eBay per-order fee from the band ($)", 0.0, "usd"),
    FeeSetting("ebay_buyer_pct", "eBay buyer costs (%)", 0.0, help="Sales tax varies by state: set yours."),
    FeeSetting("ebay_buyer_flat", "eBay buyer extra ($)", 0.0, "usd", "On top of the seller's shipping, which each offer states."),
)


def fee_words(fees: Any) -> str:
    """eBay's seller fees in a few words: the final value fee and per-order fee on each side of the band."""
    return (f"eBay {fees.ebay_fvf_pct:.1%} + ${fees.ebay_order_fee:.2f}, {fees.ebay_fvf_above_pct:.1%} + "
            f"${fees.ebay_order_fee_above:.2f} from ${fees.ebay_band_usd:g}")


ENV = (
    EnvSetting("ebay_client_id", "EBAY_CLIENT_ID"),
    EnvSetting("ebay_client_secret", "EBAY_CLIENT_SECRET", secret=True),
    EnvSetting("ebay_base_url", "EBAY_BASE_URL", DEFAULT_URL),
    EnvSetting("ebay_marketplace", "EBAY_MARKETPLACE", "EBAY_US"),
    EnvSetting("ebay_authenticity", "EBAY_AUTHENTICITY_GUARANTEE", "1"),
)


def _band(price: Decimal, fees: Fees, currency: str, fx: Rates) -> tuple[Decimal, Decimal, bool] | None:
    """(fee rate, per-order fee in the price's currency, at or above the band); None without a rate."""
    band = usd_flat(fees.ebay_band_usd, currency, fx)  # type: ignore[attr-defined]
    if band is None:
        return None
    above = price >= band
    order = usd_flat(fees.ebay_order_fee_above if above else fees.ebay_order_fee, currency, fx)  # type: ignore[attr-defined]
    if order is None:
        return None
    return dec(fees.ebay_fvf_above_pct if above else fees.ebay_fvf_pct), order, above  # type: ignore[attr-defined]


def payout_exact(price: float | Decimal, fees: Fees, currency: str = "USD", fx: Rates = None) -> Decimal | None:
    """The price less the final value fee of its band and the per-order fee; exact, None without a rate."""
    value = dec(price)
    band = _band(value, fees, currency, fx)
    if band is None:
        return None
    rate, order, _ = band
    return max(ZERO, value * (1 - rate) - order)


def fee_lines(price: float, fees: Fees, currency: str = "USD", fx: Rates = None) -> list[tuple[str, float]]:
    value = dec(price)
    band = _band(value, fees, currency, fx)
    if band is None:
        return [("price", price)]
    rate, order, above = band
    where = "from" if above else "below"
    paid = payout_exact(price, fees, currency, fx)
    return [("price", price), (f"final value fee {float(rate):.1%} ({where} ${fees.ebay_band_usd:,.0f})",  # type: ignore[attr-defined]
                               -amount(value * rate, currency)),
            ("per-order fee", -amount(order, currency)), ("payout", amount(paid if paid is not None else ZERO, currency))]


def buy_cost(quote: Quote, fees: Fees, fx: Rates) -> Decimal | None:
    """The cheapest pair delivered (price + the seller's shipping), plus the buyer's costs; without a
    stated shipping (a snapshot keeps the price alone) the ask itself."""
    landed = quote.details.get("lowest_ask_with_shipping") or quote.lowest_ask
    if landed is None:
        return None
    flat = usd_flat(fees.ebay_buyer_flat, quote.currency or "USD", fx)  # type: ignore[attr-defined]
    return None if flat is None else dec(landed) * (1 + dec(fees.ebay_buyer_pct)) + flat  # type: ignore[attr-defined]


def configured(settings: Settings) -> bool:
    return bool(settings.text("ebay_client_id") and settings.text("ebay_client_secret"))


SPEC = MarketSpec(
    name="ebay", label="eBay", colours=("#e53238", "#f5af02"), payout=payout_exact, fee_lines=fee_lines,
    buyer_pct="ebay_buyer_pct", buyer_flat="ebay_buyer_flat", buy_cost=buy_cost,
    key_setting="ebay_client_id", limits_setting="ebay_limits", limits_env="EBAY",
    published=PublishedLimits(DAILY_CALLS / 86_400, 50), default_limits=(DAILY_CALLS / 86_400, 50),
    has_bids=False, has_sales_history=False, default_condition="new", choosable_book=False,
    base_url_setting="ebay_base_url", sandbox="analyzer.sandbox.ebay", client="analyzer.markets.ebay:Ebay",
    last_sale_note="eBay's Browse API publishes no sales", fee_settings=FEES, env=ENV, fee_words=fee_words,
    enabled=configured, off_note="eBay is off: set EBAY_CLIENT_ID and EBAY_CLIENT_SECRET (an eBay developer application's keys).",
)
