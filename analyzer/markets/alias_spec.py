"""Alias (GOAT's seller platform) as the analyzer knows it: commission, seller fee and cash-out for a
US seller, buyer costs, limits, colours."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from analyzer.domain.money import ZERO, dec, format_money
from analyzer.markets.spec import MarketSpec, PublishedLimits, Rates, amount, usd_flat

if TYPE_CHECKING:
    from analyzer.domain.pricing import Fees


def payout_exact(price: float | Decimal, fees: Fees, currency: str = "USD", fx: Rates = None) -> Decimal | None:
    """Alias pays the price less commission, less its $5 seller fee (converted first when the price is
    not in dollars), less the cash-out fee; exact, None without a rate for the seller fee."""
    seller_fee = usd_flat(fees.alias_seller_fee, currency, fx)
    if seller_fee is None:
        return None
    after_sale = dec(price) * (1 - dec(fees.alias_commission)) - seller_fee
    cashout = dec(fees.alias_cashout) if fees.alias_cashout_enabled else ZERO
    return max(ZERO, after_sale * (1 - cashout))


def fee_lines(price: float, fees: Fees, currency: str = "USD", fx: Rates = None) -> list[tuple[str, float]]:
    seller_fee = usd_flat(fees.alias_seller_fee, currency, fx)
    if seller_fee is None:
        return [("price", price)]
    value = dec(price)
    after_sale = value * (1 - dec(fees.alias_commission)) - seller_fee
    lines = [("price", price), (f"commission {fees.alias_commission:.1%}", -amount(value * dec(fees.alias_commission), currency)),
             ("seller fee", -amount(seller_fee, currency))]
    if fees.alias_cashout_enabled:
        lines.append((f"cash-out fee {fees.alias_cashout:.1%}", -amount(max(ZERO, after_sale) * dec(fees.alias_cashout), currency)))
    paid = payout_exact(price, fees, currency, fx)
    return [*lines, ("payout", amount(paid if paid is not None else ZERO, currency))]


def facts(quote: Mapping[str, Any]) -> list[str]:
    """Its global indicator, its listing limits and the bid depth."""
    own, out = quote.get("currency"), []
    if quote.get("global_indicator") is not None:
        out.append(f"Global indicator {format_money(quote['global_indicator'], own)}")
    low, high = quote.get("min_listing_price"), quote.get("max_listing_price")
    if low is not None or high is not None:
        out.append(f"Listings from {format_money(low, own)} to {format_money(high, own)}")
    bins = quote.get("offer_histogram")
    if bins is not None:
        out.append(f"{sum(b['count'] for b in bins)} bids in the book" if bins else "No bids in the book")
    return out


SPEC = MarketSpec(
    name="alias", label="Alias", colours=("#3b5bdb", "#a5b4fc"), payout=payout_exact, fee_lines=fee_lines,
    buyer_pct="alias_buyer_pct", buyer_flat="alias_buyer_flat",
    key_setting="alias_api_token", limits_setting="alias_limits", published=PublishedLimits(1.0, 8),
    has_bids=True, default_condition="new_good_box", choosable_book=True, base_url_setting="alias_base_url",
    sandbox="analyzer.sandbox.alias",
    client="analyzer.markets.alias:Alias",
    facts=facts,
)
