"""Portfolio: what the inventory is worth after fees, what to sell now, list or hold, and what sales made."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analyzer.domain.validation import InvalidInput
from analyzer.markets.registry import LABELS
from analyzer.net import fx
from analyzer.services import ledger, portfolio, portfolio_csv
from analyzer.services.portfolio import Valuation
from analyzer.store import positions_repo
from analyzer.store.history import label_of
from ui import controls, listing_actions, live, views
from ui.views import money

MARKETS = LABELS
ADVICE = {"sell now": "Sell now", "list": "List", "hold": "Hold"}
state = st.session_state

st.title("Portfolio")
controls.sandbox_badge()
settings = controls.settings()
store = controls.store()
owner = controls.owner()
totals_box = st.container(key="totals")


def where(pick: dict[str, Any] | None, currency: str) -> str:
    return "—" if not pick else f"{money(pick['payout'], currency)} on {MARKETS.get(pick['market'], pick['market'])}"


def advice_lines(positions: list[dict[str, Any]], currency: str) -> list[str]:
    """The answer in words, first on a phone: which pairs to sell now, list or hold, and what each pays."""
    lines = []
    for advice, key in (("sell now", "sell_now"), ("list", "list")):
        picked = [p for p in positions if p["advice"] == advice]
        if picked:
            lines.append(f"**{ADVICE[advice]}:** " + "; ".join(
                controls.plain(f"#{p['id']} {p['query']} {p['size_label']}, {where(p[key], currency)}") for p in picked))
    held_on = [p for p in positions if p["advice"] not in ("sell now", "list")]
    if held_on:
        lines.append("**Hold:** " + "; ".join(controls.plain(f"#{p['id']} {p['query']} {p['size_label']}") for p in held_on))
    return lines


def rates_for(currencies: set[str], shown: str) -> dict[str, float]:
    """Today's rates, fetched only when an amount is in another currency than the one shown."""
    return fx.rates(settings) if currencies - {shown} else {}


def rate_caption(rates: dict[str, float], shown: str) -> str:
    return f"Amounts in other currencies are converted to {shown} {portfolio.RATE_NOTE}: " + ", ".join(
        f"1 USD = {rate:g} {code}" for code, rate in rates.items()) + "."


with store.read() as conn:
    empty = not positions_repo.open_positions(conn, owner=owner) and not positions_repo.sold_positions(conn, owner=owner)
with st.expander("Add pairs from a CSV", expanded=empty, icon=":material/upload_file:"):
    st.caption("Columns: `style_id` (or `query`), `size` (10, 8W, 7Y), `cost`, and optional `quantity`, `bought_at`, "
               "`currency`, `note`. A file with a bad row imports nothing and lists every bad line.")
    # The browser refuses a file over the limit before sending it; import_file refuses what gets past.
    upload = st.file_uploader("CSV file", type=["csv"], key="portfolio_file",
                              max_upload_size=max(1, math.ceil(settings.import_max_bytes / 1_048_576)))
    st.text_area("…or paste the rows", key="portfolio_paste", height=120,
                 placeholder="style_id,size,cost,quantity\nDD1391-100,10,110,2")
    on_match = None
    if st.button("Import", key="portfolio_import", icon=":material/playlist_add:"):
        on_match = "ask"
    if state.get("import_matches"):  # the file repeats positions held: asked, as the CLI asks for --add or --replace
        st.warning(f"These rows repeat {len(state['import_matches'])} positions you hold "
                   f"({', '.join(f'#{i}' for i in state['import_matches'])}). Nothing is imported yet.", icon=":material/help:")
        add_col, replace_col, cancel_col = st.columns(3)
        if add_col.button("Add as more pairs", key="import_add"):
            on_match = "add"
        if replace_col.button("Replace those positions", key="import_replace"):
            on_match = "replace"
        if cancel_col.button("Cancel", key="import_cancel"):
            state.pop("import_matches")
            st.rerun()
    if on_match is not None:
        if upload is not None:
            upload.seek(0)
        source = upload if upload is not None else io.BytesIO((state.get("portfolio_paste", "") or "").encode("utf-8"))
        # The same rules and messages as `portfolio import FILE`: at most max_bytes + 1 read, encoding named.
        done = portfolio_csv.import_file(store, source, controls.currency(), owner=owner, on_match=on_match,
                                     max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows)
        state["import_matches"] = done.matches if done.matches and not done.ids else []
        if state["import_matches"]:
            st.rerun()
        if done.problems:
            shown = done.problems[:20]
            more = f" …and {len(done.problems) - len(shown)} more bad lines." if len(done.problems) > len(shown) else ""
            st.error("Nothing imported. " + " ".join(controls.plain(views.sentence(f"Line {p.line}: {p.reason}" if p.line else
                                                                                   f"{p.reason[0].upper()}{p.reason[1:]}"))
                                                      for p in shown)
                     + more, icon=":material/error:")
        else:
            st.success(f"Imported {len(done.ids)} positions.", icon=":material/check_circle:")
            state.pop("valuation", None)

with store.read() as conn:
    held = positions_repo.open_positions(conn, owner=owner)
    sold = positions_repo.sold_positions(conn, owner=owner)

refresh = st.button("Value now", key="portfolio_value", type="primary", icon=":material/refresh:", disabled=not held,
                    help="Fresh stored quotes are used first; the rest are asked of the markets, paced by their limits")
known = {p.id for p in held}
last: Valuation | None = state.get("valuation")
fees_now, shown = controls.fees(), controls.currency()  # the owner's fees and display currency, as every page uses them
if held and (refresh or last is None or {v.position.id for v in last.valued} != known):
    analyzer = controls.analyzer()
    with totals_box:  # the status where the eye is: at the top, over the totals it refreshes
        last = live.run_live("Valuing the portfolio…", lambda progress: portfolio.value_portfolio(
            analyzer, store, fees_now, on_progress=progress, owner=owner, currency=shown),
            summary=lambda v: (f"Valued {len(v.valued)} positions: {v.from_store} from fresh quotes, {v.looked_up} asked", "complete"))
    state["valuation"], state["valuation_basis"] = last, (fees_now, shown)
elif held and last is not None and state.get("valuation_basis") != (fees_now, shown):
    # Fees or currency changed in the sidebar: the same quotes re-priced at once, no market call.
    last = portfolio.revalue(last, controls.analyzer(), fees_now, shown)
    state["valuation"], state["valuation_basis"] = last, (fees_now, shown)

month = datetime.now(UTC).strftime("%Y-%m")
data = last.to_dict() if last and held else {"positions": [], "totals": {}, "errors": [], "currency": shown, "fx": {}}
done_sales = portfolio.realised(sold, shown, rates_for({p.currency for p in sold}, shown))
this_month = next((m for m in done_sales["months"] if m["month"] == month), None)
with totals_box:
    if not held and not sold:
        st.info("No pairs yet. Add them from a CSV below, or: `python -m analyzer portfolio import pairs.csv`.",
                icon=":material/info:")
    t = data["totals"]
    with st.container(horizontal=True):  # two figures a row on a phone, so the advice below is on screen too
        st.metric("Value if sold now", money(t.get("sell_now_value"), shown), width=170,
                  help=f"Listing at the lowest asks: {money(t.get('list_value'), shown)}")
        st.metric("Cost", money(t.get("cost"), shown), width=170)
        st.metric("Unrealised", money(t.get("unrealised"), shown), width=170)
        st.metric("Realised this month", money(this_month["profit"] if this_month else 0.0, shown), width=170,
                  help=rate_caption(done_sales["fx"], shown) if done_sales["fx"] else None)
    if data.get("fx") or done_sales["fx"]:
        st.caption(rate_caption({**done_sales["fx"], **data.get("fx", {})}, shown))
    for line in advice_lines(data["positions"], shown):
        st.markdown(line)

if data["positions"]:
    st.subheader("Positions")
    st.dataframe(pd.DataFrame([{  # what decides first: a phone shows the first columns only
        "Pair": f"{p['query']} {p['size_label']}", "Advice": ADVICE.get(p["advice"], p["advice"] or "—"),
        "Sell now pays": where(p["sell_now"], shown), "List pays": where(p["list"], shown),
        "Unrealised": money(p["unrealised"], shown), "ROI": "—" if p["roi"] is None else f"{p['roi']:.0%}",
        "Cost": money(p["cost"], shown), "Qty": p["quantity"], "Quoted (UTC)": (p["quoted_at"] or "—")[:16].replace("T", " "),
        "#": p["id"],
    } for p in data["positions"]]), hide_index=True, key="positions_table")
    st.caption(f"Net of fees at the sidebar's settings ({controls.fees_words(fees_now)}), in {shown}; advice clears a "
               f"{settings.min_margin:.0%} margin over cost (ANALYZER_MIN_MARGIN). Sorted by what acting on the advice would gain.")
    listing_actions.list_from_portfolio(data["positions"])
    # Pairs down the side, bars across: the pairs' names stay level and whole on a phone.
    pairs = [f"#{p['id']} {p['query']} {p['size_label']}" for p in data["positions"]]

    def total(p: dict[str, Any], key: str) -> float | None:
        return None if not p[key] else p[key]["payout"] * p["quantity"]

    figure = go.Figure([
        go.Bar(name="Cost", y=pairs, x=[p["cost"] * p["quantity"] for p in data["positions"]], marker_color="#adb5bd",
               orientation="h"),
        go.Bar(name="Sell now", y=pairs, x=[total(p, "sell_now") for p in data["positions"]], marker_color="#0a7d3b",
               orientation="h"),
        go.Bar(name="List", y=pairs, x=[total(p, "list") for p in data["positions"]], marker_color="#3b5bdb", orientation="h"),
    ])
    figure.update_layout(barmode="group", height=110 + 60 * len(pairs), margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}, xaxis_title=data["currency"],
                         yaxis={"autorange": "reversed", "automargin": True})
    st.plotly_chart(figure, config={"displayModeBar": False}, key="value_chart")
for error in data["errors"]:
    st.warning(controls.plain(f"#{error['id']} {error['query']} {error['size_label']}: {error['error']} (its cost stays in the totals)"),
               icon=":material/warning:")

if held:
    st.download_button("Export CSV", portfolio_csv.export_csv(held), file_name="portfolio.csv", mime="text/csv",
                       key="portfolio_export", icon=":material/download:")
    # A key of its own, its state kept: an expander without one was a new element whenever what is above it
    # changed (a toast, a table), and folded shut after the first input of a session.
    with st.expander("Record a sale or remove a pair", icon=":material/sell:", key="sale_form", on_change="rerun"):
        labels = {p.id: f"#{p.id} {p.query} {label_of(p.size, p.scale)} (x{p.quantity})" for p in held}
        pick_col, market_col, price_col, ship_col, day_col = st.columns([2, 1, 1, 1, 1])
        pick_col.selectbox("Pair", list(labels), key="sale_id", format_func=labels.get)
        market_col.selectbox("Market", list(MARKETS), key="sale_market", format_func=MARKETS.get)
        chosen = next((p for p in held if p.id == state.get("sale_id")), held[0])
        price_col.number_input(f"Price ({chosen.currency})", min_value=0.0, value=0.0, step=5.0, key="sale_price",
                               help="In the currency the pair was bought in; a dollar fee is converted into it first")
        ship_col.number_input(f"Shipping ({chosen.currency})", min_value=0.0, value=0.0, step=1.0, key="sale_shipping",
                              help="What shipping it cost you (optional): it comes off the profit, and the books list it")
        day_col.date_input("Date", key="sale_day")
        sell_col, remove_col = st.columns(2)
        if sell_col.button("Record sale", key="sale_record", icon=":material/sell:"):
            try:
                selling = next(p for p in held if p.id == int(state["sale_id"]))
                shipping = Decimal(str(state.get("sale_shipping") or 0)) or None
                sale = portfolio.record_sale(store, selling.id, state["sale_market"], Decimal(str(state["sale_price"])),
                                             fees_now, str(state["sale_day"]), rates_for({selling.currency}, "USD"), owner=owner,
                                             shipping=shipping)
            except (InvalidInput, LookupError) as problem:
                st.warning(controls.plain(problem), icon=":material/warning:")
            else:
                state.pop("valuation", None)
                sold_as = sale.get("currency") or shown
                st.toast(f"Sold: payout {money(sale['payout'], sold_as)}, profit {money(sale['profit'], sold_as)}")
                st.rerun()
        with remove_col:
            removing = controls.confirm("Remove pair", "position_remove", "Delete this position? Its cost and notes go for good.",
                                      icon=":material/delete:")
        if removing:
            with store.write() as conn:
                positions_repo.remove_position(conn, int(state["sale_id"]), owner=owner)
            state.pop("valuation", None)
            st.rerun()

if sold:
    st.subheader("Sold")
    st.dataframe(pd.DataFrame([{
        "Date (UTC)": s["at"][:10], "Pair": f"{s['query']} {s['size_label']}", "Market": MARKETS.get(s["market"], s["market"]),
        "Price": money(s["price"], s["currency"]), "Payout": money(s["payout"], s["currency"]),
        "Cost": money(s["cost"], s["currency"]), "Profit": money(s["profit"], s["currency"]),
        "ROI": "—" if s["roi"] is None else f"{s['roi']:.0%}",
        f"Profit in {shown}": money(s["converted"]["profit"], shown) if s["converted"] else "— (no rate)",
    } for s in reversed(done_sales["sales"])]), hide_index=True, key="sold_table")
    st.dataframe(pd.DataFrame([{"Month": m["month"], "Pairs": m["pairs"], "Payout": money(m["payout"], shown),
                                "Cost": money(m["cost"], shown), "Profit": money(m["profit"], shown)}
                               for m in reversed(done_sales["months"])]),
                 hide_index=True, key="months_table")
    books_sales = ledger.sales_of(sold, None)
    books_fx = rates_for({p.currency for p in sold}, shown)
    sales_col, summary_col = st.columns(2)
    sales_col.download_button("Books: every sale (CSV)", ledger.to_csv(ledger.SALE_COLUMNS, ledger.sale_rows(books_sales, shown, books_fx)),
                              file_name="sales.csv", mime="text/csv", key="books_sales", icon=":material/download:",
                              help=f"Date, pair, market, price, each fee, shipping, payout, cost, profit: in the sale's currency "
                                   f"and in {shown}. `python -m analyzer portfolio export --sold --year 2026` gives one year.")
    summary_col.download_button("Books: per month and market (CSV)",
                                ledger.to_csv(ledger.SUMMARY_COLUMNS, ledger.summary_rows(books_sales, shown, books_fx)),
                                file_name="sales-summary.csv", mime="text/csv", key="books_summary", icon=":material/download:")
