"""Listing from the advice, for the Lookup and Portfolio pages (one call each) and the Listings page:
"List at $X" asks first, showing the payout and the profit against the position's cost, then lists."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import streamlit as st

from analyzer.domain.answer import ListPick, Recommendation
from analyzer.domain.errors import MarketError
from analyzer.domain.validation import InvalidInput
from analyzer.markets.registry import LABELS
from analyzer.markets.selling import CLIENTS, SellingClient, selling_clients
from analyzer.services.listings import CreatePreview, ListingsService, write_refusal
from ui import controls
from ui.views import money


@st.cache_resource
def _clients(_settings: Any, url: str) -> dict[str, SellingClient]:
    """One set of selling clients per process (their sessions share the markets' rate budgets)."""
    return selling_clients(_settings)


def service() -> ListingsService:
    settings = controls.settings().with_(fees=controls.fees())
    return ListingsService(settings, controls.store(), _clients(controls.settings(), controls.settings().stockx_base_url))


def refusal() -> str | None:
    return write_refusal(controls.settings(), controls.owner())


def _preview_lines(p: CreatePreview) -> str:
    c = p.currency
    profit = f", profit {money(float(p.profit), c)} over the cost {money(float(p.cost), c)}" if p.profit is not None \
        and p.cost is not None else " (no position cost known)"
    pays = money(float(p.payout), c) if p.payout is not None else "—"
    return f"List on {LABELS.get(p.market, p.market)} at {money(float(p.amount), c)}: you get {pays}{profit}."


def confirm_and_list(key: str, query: str, size: object, market: str, price: Decimal, currency: str = "USD",
                     position_id: int | None = None) -> None:
    """A 'List at $X' button; asks with the payout and profit first, then creates the listing."""
    asking = f"{key}_asking"
    label = f"List at {money(float(price), currency)} on {LABELS.get(market, market)}"
    if st.button(controls.plain(label), key=key, icon=":material/sell:"):
        st.session_state[asking] = True
    if not st.session_state.get(asking):
        return
    if (why := refusal()) is not None:
        st.info(why, icon=":material/lock:")
        st.session_state[asking] = False
        return
    svc = service()
    try:
        preview = svc.preview_create(controls.analyzer(), controls.owner(), query, size, market, price, position_id)
    except (InvalidInput, MarketError) as problem:
        st.warning(controls.plain(str(problem)), icon=":material/warning:")
        st.session_state[asking] = False
        return
    st.warning(controls.plain(_preview_lines(preview)) + " List it?", icon=":material/help:")
    yes, no = st.columns(2)
    if no.button("Cancel", key=f"{key}_no"):
        st.session_state[asking] = False
        st.rerun()
    if yes.button("Yes, list it", key=f"{key}_yes", type="primary"):
        st.session_state[asking] = False
        outcome = svc.create(controls.owner(), preview)
        if outcome.status == "done":
            st.success(f"Listed (listing #{outcome.listing_id}): see it on the Listings page.", icon=":material/check:")
        else:
            st.warning(controls.plain(f"Listing #{outcome.listing_id}: {outcome.status} ({outcome.message or ''})"),
                       icon=":material/warning:")


def list_from_lookup(data: dict[str, Any], priced: Recommendation) -> None:
    """On Lookup: list at the advised listing price, in the market's own currency, whole units."""
    pick: ListPick | None = priced.best_list
    if pick is not None and pick.market in CLIENTS:
        market, basis = pick.market, str(pick.basis)
    else:  # the best listing is on a market we cannot list on (eBay): the best of those we can, at its ask
        listable = {m: p.list for m, p in priced.payouts.items() if m in CLIENTS and p.list is not None}
        market, basis = max(listable, key=listable.__getitem__, default=None), "lowest ask"
    quote = (data.get("quotes") or {}).get(market) if market else None
    if not quote or not quote.get("ok"):
        return
    figure = quote.get("lowest_ask") if "ask" in basis else quote.get("sell_faster") or quote.get("lowest_ask")
    if not figure:
        return
    price = Decimal(str(figure)).to_integral_value(rounding=ROUND_HALF_UP)
    confirm_and_list("lookup_list", data["query"], data.get("size_asked") or data["size"], market, price,
                     quote.get("currency") or "USD")


def list_from_portfolio(positions: list[dict[str, Any]]) -> None:
    """On Portfolio: pick a position, a market and a price; the same confirmation, then the listing."""
    if not positions:
        return
    with st.expander("List a pair", icon=":material/sell:"):
        names = {p["id"]: f"#{p['id']} {p['query']} {p['size_label']}" for p in positions}
        chosen = st.selectbox("Position", list(names), format_func=names.get, key="pf_list_position")
        held = next(p for p in positions if p["id"] == chosen)
        listable = [m for m in LABELS if m in CLIENTS]
        advised = (held.get("list") or {}).get("market")
        market = st.selectbox("Market", listable, index=listable.index(advised) if advised in listable else 0,
                              format_func=LABELS.get, key="pf_list_market")
        price = st.number_input("Ask (whole units)", min_value=1, value=100, step=1, key="pf_list_price")
        confirm_and_list("pf_list", held["query"], held.get("size_label") or held["size"], market, Decimal(int(price)),
                         "USD", held["id"])
