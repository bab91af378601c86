"""Every table of the store, declared once. Migrations create them; repositories read and write them.

Times are ISO 8601 UTC strings ("2026-11-29T09:00:00+00:00"): they sort as text on every backend and
are what the JSON shows. Lookups keep a float `ts` too, the metrics' own clock.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from analyzer.domain.money import dec, rounded

metadata = MetaData()

MONEY_SCALE = 2


class MoneyType(TypeDecorator[Any]):
    """Money: exact NUMERIC(14, 2), never Float. Market data, watches and alerts read back as floats
    exact to the cent (their repositories and pages take floats, and SQLite would hand back 89 for
    89.00); positions read back as Decimal. Amounts are rounded half-up to the cent as they are stored,
    so SQLite and PostgreSQL keep the same figure."""

    impl = Numeric(14, MONEY_SCALE)
    cache_ok = True

    def __init__(self, as_decimal: bool = False) -> None:
        super().__init__()
        self.as_decimal = as_decimal

    def process_bind_param(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else rounded(dec(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | float | None:
        if value is None:
            return None
        amount = rounded(dec(value))
        return amount if self.as_decimal else float(amount)


def money_type(as_decimal: bool = False) -> MoneyType:
    return MoneyType(as_decimal)


MONEY_COLUMNS = {
    "snapshots": ("lowest_ask", "highest_bid", "last_sale", "sell_faster", "earn_more", "flex_lowest_ask"),
    "sales": ("price",),
    "watches": ("sell_now_above", "list_above", "ask_below"),
    "watch_states": ("value",),
    "alerts": ("threshold", "value"),
    "positions": ("cost", "sold_price", "sold_payout", "sold_shipping"),
}

lookups = Table(
    "lookups", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(255), nullable=False, server_default="local", index=True),  # analyzer.domain.owners
    Column("ts", Float, nullable=False),
    Column("query", Text, nullable=False),
    Column("size", Float, nullable=False),
    Column("size_label", String(32)),  # as the answer labelled it ('US W 8'); None for lookups recorded before
    Column("mode", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("success", Integer, nullable=False),
    Column("elapsed_s", Float, nullable=False),
    Column("legacy_id", Integer, nullable=True, unique=True),  # its id in an imported metrics.sqlite
)

market_calls = Table(
    "market_calls", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lookup_id", Integer, ForeignKey("lookups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("market", String(32), nullable=False),
    Column("ok", Integer, nullable=False),
    Column("elapsed_s", Float, nullable=False),
    Column("calls", Integer, nullable=False),
    Column("cache_hits", Integer, nullable=False),
    Column("rate_limited", Integer, nullable=False),
    Column("retries", Integer, nullable=False),
    Column("error", Text),
    Column("error_kind", String(32)),
)

snapshots = Table(
    "snapshots", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("market", String(32), nullable=False),
    Column("book", String(96), nullable=False),  # analyzer.domain.books.Book.key: "alias:eu:true:new_good_box"
    Column("product_id", String(128), nullable=False),
    Column("style_id", String(128)),
    Column("style_key", String(128)),  # upper-case letters and digits only: one key across markets
    Column("size", Float, nullable=False),
    Column("scale", String(4)),
    Column("lowest_ask", money_type()),
    Column("highest_bid", money_type()),
    Column("last_sale", money_type()),
    Column("sell_faster", money_type()),
    Column("earn_more", money_type()),
    Column("flex_lowest_ask", money_type()),
    Column("currency", String(8), nullable=False),
    Column("source", String(16), nullable=False),
    UniqueConstraint("market", "book", "product_id", "size", "at", name="snapshots_once"),
    Index("snapshots_pair", "style_key", "size", "at"),
    Index("snapshots_product", "market", "book", "product_id", "size", "at"),
)

sales = Table(
    "sales", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("market", String(32), nullable=False),
    Column("book", String(96), nullable=False),  # the book the sales were asked of (region, listing choice)
    Column("product_id", String(128), nullable=False),
    Column("style_key", String(128)),
    Column("size", Float, nullable=False),
    Column("scale", String(4)),
    Column("price", money_type(), nullable=False),
    Column("consigned", Boolean),
    Column("currency", String(8), nullable=False),
    Column("source", String(16), nullable=False),
    UniqueConstraint("market", "book", "product_id", "size", "at", "price", name="sales_once"),
    Index("sales_pair", "style_key", "size", "at"),
)

watches = Table(
    "watches", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(255), nullable=False, server_default="local", index=True),  # analyzer.domain.owners
    Column("query", Text, nullable=False),
    Column("size", Float, nullable=False),
    Column("scale", String(4)),
    Column("market", String(32), nullable=False),  # stockx, alias or any
    Column("sell_now_above", money_type()),
    Column("list_above", money_type()),
    Column("ask_below", money_type()),
    Column("created_at", String(40), nullable=False),
    Column("checked_at", String(40)),
    Column("resolved", Text),  # JSON: per market the product and size the last lookup matched
    Column("last_error", Text),  # what went wrong at the last check, None when every market answered
)

watch_states = Table(
    "watch_states", metadata,
    Column("watch_id", Integer, ForeignKey("watches.id", ondelete="CASCADE"), primary_key=True),
    Column("target", String(16), primary_key=True),
    Column("met", Boolean, nullable=False),
    Column("value", money_type()),
    Column("at", String(40), nullable=False),
)

alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(255), nullable=False, server_default="local", index=True),  # analyzer.domain.owners
    Column("watch_id", Integer, nullable=False, index=True),  # kept when the watch is removed
    Column("query", Text, nullable=False),
    Column("size", Float, nullable=False),
    Column("size_label", String(32)),
    Column("market", String(32), nullable=False),
    Column("target", String(16), nullable=False),
    Column("threshold", money_type(), nullable=False),
    Column("value", money_type(), nullable=False),
    Column("currency", String(8), nullable=False),
    Column("at", String(40), nullable=False),
    Column("delivered_at", String(40)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("lease_until", String(40)),  # a worker is sending it until then (another one skips it)
    Column("next_attempt_at", String(40)),  # after a failed delivery: not tried again before then
    Column("failures", Integer, nullable=False, default=0, server_default="0"),  # failed deliveries (the back-off's exponent)
    Index("alerts_due", "delivered_at", "next_attempt_at"),
)

positions = Table(
    "positions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(255), nullable=False, server_default="local", index=True),  # analyzer.domain.owners
    Column("query", Text, nullable=False),
    Column("size", Float, nullable=False),
    Column("scale", String(4)),
    Column("quantity", Integer, nullable=False),
    Column("cost", money_type(as_decimal=True), nullable=False),  # per pair
    Column("currency", String(8), nullable=False),
    Column("bought_at", String(40)),
    Column("note", Text),
    Column("created_at", String(40), nullable=False),
    Column("sold_at", String(40)),
    Column("sold_market", String(32)),
    Column("sold_price", money_type(as_decimal=True)),
    Column("sold_payout", money_type(as_decimal=True)),
    Column("sold_shipping", money_type(as_decimal=True)),  # what the seller paid to ship it, when given
    Column("sold_fees", Text),  # JSON [[what, amount], ...]: the fee lines of the payout, as worked out that day
    Column("style_key", String(128)),  # the style its last valuation matched (fresh snapshots value it next time)
    Column("resolved", Text),  # JSON: per market the product and own-scale size the last valuation matched
)

owner_settings = Table(
    "owner_settings", metadata,
    Column("owner", String(255), primary_key=True),
    Column("settings", Text, nullable=False),  # JSON of analyzer.domain.owners.OwnerSettings
    Column("updated_at", String(40), nullable=False),
)

# --- listings on the markets (analyzer.store.listings_repo) ---------------------------------------------

listings = Table(
    "listings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(255), nullable=False, index=True),  # analyzer.domain.owners
    Column("market", String(32), nullable=False),
    Column("market_listing_id", String(128)),  # the market's id, once it answered (None: never confirmed)
    Column("query", Text, nullable=False),  # the style ID as listed (DD1391-100)
    Column("title", Text),
    Column("product_id", String(128), nullable=False),  # StockX productId, Alias catalog_id
    Column("variant_id", String(128)),  # StockX only
    Column("size", Float, nullable=False),  # in the product's own scale
    Column("size_label", String(32)),
    Column("book", String(96), nullable=False),
    Column("amount", money_type(as_decimal=True), nullable=False),  # whole units of `currency`
    Column("currency", String(8), nullable=False),
    Column("minimum", money_type(as_decimal=True)),  # the market's minimum listing price (Alias's), when known
    Column("status", String(16), nullable=False),  # pending, active, inactive, deleted, failed, gone
    Column("position_id", Integer),  # the portfolio position it sells, when known
    Column("rule", Text),  # JSON of analyzer.domain.repricing.Rule; None: the default rule
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("synced_at", String(40)),
    UniqueConstraint("market", "market_listing_id", name="listings_market_id"),
)

listing_ops = Table(
    "listing_ops", metadata,  # a write, recorded BEFORE its request: what a crashed run left unfinished
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(255), nullable=False, index=True),
    Column("listing_id", Integer, ForeignKey("listings.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # create, update, delete
    Column("amount", money_type(as_decimal=True)),
    Column("currency", String(8)),
    Column("status", String(16), nullable=False),  # pending, done, failed
    Column("market_operation_id", String(128)),
    Column("rule", Text),  # why (the repricing rule, or 'manual')
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("answer", Text),  # the market's last answer or error
    Index("listing_ops_open", "status", "owner"),
)

listing_log = Table(
    "listing_log", metadata,  # the audit log: every change sent to a market, and its answer
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(255), nullable=False, index=True),
    Column("at", String(40), nullable=False),
    Column("who", String(255), nullable=False),  # the owner, or 'worker' for the repricing worker
    Column("market", String(32), nullable=False),
    Column("listing_id", Integer, nullable=False, index=True),  # kept when the listing row goes
    Column("market_listing_id", String(128)),
    Column("action", String(16), nullable=False),  # create, update, delete
    Column("old_amount", money_type(as_decimal=True)),
    Column("new_amount", money_type(as_decimal=True)),
    Column("currency", String(8), nullable=False),
    Column("rule", Text),
    Column("outcome", String(16), nullable=False),  # done, failed, unknown
    Column("answer", Text),
)
