"""StockX as the analyzer knows it: seller fees by level plus processing, buyer costs, limits, colours."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from analyzer.domain.money import ZERO, dec
from analyzer.markets.spec import MarketSpec, PublishedLimits, Rates, amount

if TYPE_CHECKING:
    from analyzer.domain.pricing import Fees

TRANSACTION_FEES: dict[int, float] = {1: 0.09, 2: 0.085, 3: 0.08, 4: 0.075, 5: 0.07}
"""StockX's transaction fee by seller level (since 2023-07-01)."""


def payout_exact(price: float | Decimal, fees: Fees) -> Decimal:
    rate = dec(TRANSACTION_FEES[fees.stockx_level]) + dec(fees.stockx_processing)
    return max(ZERO, dec(price) * (1 - rate))


def fee_lines(price: float, fees: Fees, currency: str = "USD", fx: Rates = None) -> list[tuple[str, float]]:
    level, value = TRANSACTION_FEES[fees.stockx_level], dec(price)
    return [("price", price), (f"transaction fee {level:.1%} (level {fees.stockx_level})", -amount(value * dec(level), currency)),
            (f"payment processing {fees.stockx_processing:.1%}", -amount(value * dec(fees.stockx_processing), currency)),
            ("payout", amount(payout_exact(price, fees), currency))]


SPEC = MarketSpec(
    name="stockx", label="StockX", colours=("#0a7d3b", "#7fd1a0"),
    payout=lambda price, fees, _currency, _fx: payout_exact(price, fees), fee_lines=fee_lines,
    buyer_pct="stockx_buyer_pct", buyer_flat="stockx_buyer_flat",
    key_setting="stockx_api_key", limits_setting="stockx_limits", published=PublishedLimits(1.0, 10),
    daily_budget=25_000,
    has_bids=True, default_condition="new", choosable_book=False, base_url_setting="stockx_base_url", has_sales_history=False,
    sandbox="analyzer.sandbox.stockx",
    client="analyzer.markets.stockx:StockX",
    last_sale_note="StockX's API publishes no last sale",
)
