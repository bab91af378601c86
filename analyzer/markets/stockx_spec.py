"""StockX as the analyzer knows it: seller fees by level plus processing, buyer costs, limits, colours."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from analyzer.domain.money import ZERO, dec, format_money
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


def facts(quote: Mapping[str, Any]) -> list[str]:
    """Its Flex and Direct books, the beat-US ask, the variant ID and barcodes."""
    own = quote.get("currency")

    def money(key: str) -> str:
        return format_money(quote.get(key), own)

    out = []
    flex = [f"lowest {money('flex_lowest_ask')}" if quote.get("flex_lowest_ask") is not None else None,
            f"sell faster {money('flex_sell_faster')}" if quote.get("flex_sell_faster") is not None else None,
            f"earn more {money('flex_earn_more')}" if quote.get("flex_earn_more") is not None else None]
    eligible = {True: "eligible", False: "not eligible"}
    if quote.get("flex_eligible") is not None or any(flex):
        out.append("Flex: " + ", ".join([x for x in [eligible.get(quote.get("flex_eligible")), *flex] if x]))
    if quote.get("direct_eligible") is not None or quote.get("direct_lowest_ask") is not None:
        ask = f"lowest {money('direct_lowest_ask')}" if quote.get("direct_lowest_ask") is not None else None
        out.append("Direct: " + ", ".join(x for x in (eligible.get(quote.get("direct_eligible")), ask) if x))
    if quote.get("beat_us") is not None:
        out.append(f"Beat US sellers at {money('beat_us')}")
    if quote.get("variant_id"):
        out.append(f"Variant {quote['variant_id']}")
    codes = [f"{g['identifier']} ({g['type']})" if g.get("type") else g["identifier"] for g in quote.get("gtins") or []]
    out.append("Barcodes: " + ", ".join(codes) if codes else "No barcode listed")
    return out


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
    facts=facts, suggests_asks=True,
)
