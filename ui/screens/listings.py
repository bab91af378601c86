"""Listings: each of my listings against the market now, reprice by rule (a preview, then apply with a
confirm), delist, and the audit log. Writes need ANALYZER_SELLING=on (docs/selling.md)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from analyzer.domain.repricing import TARGETS, Rule
from analyzer.domain.validation import InvalidInput
from analyzer.markets.registry import LABELS
from analyzer.services.repricing import plan_reprice, reprice
from ui import controls
from ui.listing_actions import refusal, service
from ui.views import money

TARGET_TITLES = {"match": "Match the lowest ask", "beat": "Beat the lowest ask by a step", "sell_faster": "StockX sell-faster",
                 "earn_more": "StockX earn-more", "fixed": "A fixed price"}

st.title("Listings")
controls.sandbox_badge()
owner = controls.owner()
svc = service()
blocked = refusal()
if blocked:
    st.info(blocked + " Reading your listings still works.", icon=":material/lock:")

if st.button("Sync from the markets", key="listings_sync", icon=":material/sync:",
             help="Finishes unfinished writes, then reads your active listings from every market"):
    report = svc.sync(owner)
    st.toast(f"{report.adopted} adopted, {report.updated} updated, {report.gone} gone", icon=":material/sync:")
    for market, error in report.errors.items():
        st.warning(controls.plain(f"{LABELS.get(market, market)}: {error}"), icon=":material/warning:")

views = svc.view(owner)
if not views:
    st.info("No listings yet. List a pair from Lookup or Portfolio (“List at …”), or: "
            "`python -m analyzer listings create DD1391-100 --size 10 --market stockx --price 86 --apply`.", icon=":material/info:")
else:
    st.dataframe(pd.DataFrame([{  # what decides first: a phone shows the first columns only
        "Pair": f"{v.listing.query} {v.listing.size_label or format(v.listing.size, 'g')}",
        "Ask": money(float(v.listing.amount), v.listing.currency),
        "Lowest ask": money(None if v.lowest_ask is None else float(v.lowest_ask), v.listing.currency),
        "Ours?": "yes" if v.ours_lowest else ("—" if v.ours_lowest is None else "no"),
        "Payout": money(None if v.payout is None else float(v.payout), v.listing.currency),
        "Profit": money(None if v.profit is None else float(v.profit), v.listing.currency),
        "Bid": money(None if v.highest_bid is None else float(v.highest_bid), v.listing.currency),
        "Cost": money(None if v.cost is None else float(v.cost), v.listing.currency),
        "Market": LABELS.get(v.listing.market, v.listing.market), "Status": v.error or v.listing.status, "#": v.listing.id,
    } for v in views]), hide_index=True, key="listings_table")
    st.caption("Payout after the market's fees at the sidebar's settings; profit against the position's cost (Portfolio).")

    with st.expander("Reprice", expanded=True, icon=":material/tune:"):
        cols = st.columns(3)
        target = cols[0].selectbox("Target", list(TARGETS), format_func=TARGET_TITLES.get, index=1, key="rp_target")
        step = cols[1].number_input("Step", min_value=0, value=1, key="rp_step")
        fixed = cols[2].number_input("Fixed price", min_value=1, value=100, key="rp_fixed", disabled=target != "fixed")
        cols = st.columns(4)
        min_payout = cols[0].number_input("Minimum payout (0: cost + margin)", min_value=0, value=0, key="rp_min")
        ceiling = cols[1].number_input("Ceiling (0: none)", min_value=0, value=0, key="rp_ceiling")
        changes = cols[2].number_input("Changes a day", min_value=0, value=4, key="rp_changes")
        max_step = cols[3].number_input("Max step (0: any)", min_value=0, value=0, key="rp_max_step")
        try:
            rule = Rule(target=target, step=Decimal(step), fixed=Decimal(fixed) if target == "fixed" else None,
                        min_payout=Decimal(min_payout) or None, ceiling=Decimal(ceiling) or None,
                        max_changes_per_day=int(changes), max_step=Decimal(max_step) or None)
        except InvalidInput as problem:
            st.warning(str(problem), icon=":material/warning:")
            rule = None
        if rule is not None:
            preview = plan_reprice(svc, owner, rule)
            st.dataframe(pd.DataFrame([{
                "Pair": f"{r['query']} {r['size_label'] or format(r['size'], 'g')}", "Now": money(r["old"], r["currency"]),
                "New": money(r["new"], r["currency"]) if r["changes"] else "=",
                "Payout": money(r["payout"], r["currency"]), "Floor": money(r["floor"], r["currency"]), "Why": r["why"],
            } for r in preview.rows()]), hide_index=True, key="reprice_preview")
            changing = sum(1 for p in preview.plans if p.changes)
            if changing and not blocked and controls.confirm(f"Apply {changing} price changes", "rp_apply",
                                                f"Change {changing} prices on the markets as previewed?", "Yes, apply",
                                                type="primary", icon=":material/check:"):
                done = reprice(svc, owner, apply=True, rule=rule)
                st.success(f"{sum(1 for o in done.outcomes if o.status == 'done')} changes made; see the log below.")

    if not blocked:
        with st.expander("Delist", icon=":material/delete:"):
            names = {v.listing.id: f"#{v.listing.id} {v.listing.query} {v.listing.size:g} on "
                                   f"{LABELS.get(v.listing.market)} at {money(float(v.listing.amount), v.listing.currency)}"
                     for v in views}
            chosen = st.selectbox("Listing", list(names), format_func=names.get, key="delist_choice")
            if controls.confirm("Delist", "delist", controls.plain(f"Delist {names[chosen]}?"), "Yes, delist", icon=":material/delete:"):
                outcome = svc.delete(owner, chosen)
                st.toast(f"Listing #{chosen}: {outcome.status}", icon=":material/delete:")

st.subheader("Audit log")
log = svc.log(owner)
if log:
    st.dataframe(pd.DataFrame([{
        "When (UTC)": c.at[:19].replace("T", " "), "Action": c.action,
        "Old": money(None if c.old_amount is None else float(c.old_amount), c.currency),
        "New": money(None if c.new_amount is None else float(c.new_amount), c.currency), "Outcome": c.outcome,
        "Rule": c.rule or "", "Market": LABELS.get(c.market, c.market), "#": c.listing_id, "Who": c.who, "Answer": c.answer or "",
    } for c in log]), hide_index=True, key="listings_log")
else:
    st.caption("No changes yet.")
