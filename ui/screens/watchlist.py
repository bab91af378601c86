"""Watchlist: pairs watched against targets on net payouts, the alerts they fired, and a refresh."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from analyzer.domain.owners import check_webhook, masked
from analyzer.domain.validation import InvalidInput, clean_query, parse_size
from analyzer.markets.registry import LABELS
from analyzer.services.alerts import alert_log, deliver_pending, details_of, message, owner_webhooks
from analyzer.services.watch import RunReport, WatchRunner, overview, promised_age_s
from analyzer.store import watch_repo
from analyzer.store.history import label_of
from ui import controls, live
from ui.views import money

TARGET_TITLES = {"sell_now_above": "Sell now pays above", "list_above": "Listing pays above", "ask_below": "Lowest ask below"}
MARKET_NAMES = {"any": "Either market", **LABELS}

st.title("Watchlist")
controls.sandbox_badge()
fired_box = st.container(key="fired")  # filled at the end, with this run's alerts too: what fired comes first
settings = controls.settings()
store = controls.store()
owner = controls.owner()
webhooks = owner_webhooks(store, settings)
webhook = webhooks(owner)


with store.read() as conn:
    watched_before = bool(watch_repo.list_watches(conn, owner=owner))
if st.session_state.pop("watch_clear", False):  # after an Add: an empty form, before its widgets are drawn
    st.session_state.update({"watch_query": "", **{f"watch_{t}": 0.0 for t in TARGET_TITLES}})
if "watch_added" in st.session_state:
    st.toast(st.session_state.pop("watch_added"), icon=":material/visibility:")
with st.expander("Watch a pair", expanded=not watched_before, icon=":material/add_alert:", key="watch_form", on_change="rerun"):
    pair_col, size_col, market_col = st.columns([2, 1, 1])
    pair_col.text_input("Shoe (name or style ID)", key="watch_query", placeholder="DD1391-100")
    size_col.text_input("Size", key="watch_size", value="10", help="10, 8W, 7Y, US M 10.5")
    market_col.selectbox("Market", list(MARKET_NAMES), key="watch_market", format_func=MARKET_NAMES.get)
    cols = st.columns(3)
    for col, (target, title) in zip(cols, TARGET_TITLES.items(), strict=True):
        col.number_input(title, min_value=0.0, value=0.0, step=5.0, key=f"watch_{target}", help="0: no such target")
    if st.button("Add to watchlist", key="watch_add", type="primary", icon=":material/add:"):
        targets = {t: float(st.session_state[f"watch_{t}"]) or None for t in TARGET_TITLES}
        try:
            query, size = clean_query(st.session_state["watch_query"]), parse_size(st.session_state["watch_size"])
            if not any(targets.values()):
                raise InvalidInput("Set at least one target above 0.")
        except InvalidInput as problem:
            st.warning(str(problem), icon=":material/warning:")
        else:
            pair = (query, float(size.value), size.scale, st.session_state["watch_market"])
            with store.write() as conn:
                same = watch_repo.same_watch(conn, *pair, owner=owner, **targets)
                new_id = None if same else watch_repo.add_watch(conn, *pair, owner=owner, **targets)  # type: ignore[arg-type]
            if same is not None:
                st.warning(controls.plain(f"You already watch this: #{same.id} {same.query} {label_of(same.size, same.scale)} "
                                          "with the same targets."), icon=":material/info:")
            else:
                st.session_state["watch_added"] = f"Watching #{new_id}: {controls.plain(query)}"
                st.session_state["watch_clear"] = True
                st.rerun()

with store.read() as conn:
    watched = bool(watch_repo.list_watches(conn, owner=owner))
if watched and st.button("Refresh now", key="watch_refresh", type="primary", icon=":material/refresh:",
                         help="Asks the markets for pairs whose stored quotes are older than the market data TTL"):
    runner = WatchRunner(controls.analyzer(), store, owner=owner)  # judged at the saved settings, as the worker does

    def summary(report: RunReport) -> tuple[str, str]:
        state = "error" if report.errors and not report.alerts and report.from_store < report.checked else "complete"
        return f"Checked {report.checked} pairs: {len(report.alerts)} alerts, {len(report.errors)} problems", state

    report = live.run_live("Refreshing watched pairs…", lambda progress: runner.run_once(
        on_progress=progress, deliver=partial(deliver_pending, webhook_for=webhooks, app_url=settings.public_url)),
        summary=summary)
    for alert in report.alerts:
        st.success(controls.plain(message(alert, details_of(store, alert))), icon=":material/notifications_active:")
    for error in report.errors:
        st.warning(controls.plain(f"#{error['watch_id']} {error['query']}: {error['error']}"), icon=":material/warning:")

rows = overview(controls.analyzer(), store, owner)
if not rows:
    st.info("No pairs watched yet. Add one above, or from the CLI: "
            "`python -m analyzer watch add DD1391-100 --size 10 --sell-now-above 150`.", icon=":material/info:")


SHORT = {"sell_now_above": "sell now", "list_above": "list", "ask_below": "ask"}


def when(iso: str | None) -> str:
    return "never" if not iso else iso[:16].replace("T", " ")


def age(iso: str | None) -> str:
    """How old the pair's prices are: "12 min", "3 h 5 min"; "never checked"."""
    if not iso:
        return "never checked"
    minutes = max(0, int((datetime.now(UTC) - datetime.fromisoformat(iso)).total_seconds() // 60))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def targets_text(row: dict[str, Any]) -> str:
    """Each target as "✓ sell now 77.75 (Alias) > 50": the value now against the target, met marked."""
    parts = []
    for target, short in SHORT.items():
        figures = row.get(target)
        if figures is None:
            continue
        sign = "<" if target == "ask_below" else ">"
        shown = figures.get("currency") or settings.currency  # targets are set in the display currency
        where = f" ({MARKET_NAMES.get(figures['market'], figures['market'])})" if figures["market"] else ""
        parts.append(f"{'✓ ' if figures['met'] else ''}{short} {money(figures['value'], shown)}{where} {sign} "
                     f"{money(figures['threshold'], shown)}")
    return " · ".join(parts)


if rows:
    table = pd.DataFrame([{  # what decides first: a phone shows the first columns only
        "Pair": f"{r['query']} {r['size_label']}", "Now vs target": targets_text(r),
        "Problem": r["problem"] or "", "Market": MARKET_NAMES.get(r["market"], r["market"]),
        "Age": age(r["checked_at"]), "Checked (UTC)": when(r["checked_at"]), "#": r["id"],
    } for r in rows])
    st.dataframe(table, hide_index=True, key="watch_table")
    st.caption("Payouts are net of fees at the sidebar's settings, from the newest stored quotes; ✓ marks a target met now; "
               "— means no market gave that price at the last check.")
    promised = promised_age_s(controls.analyzer(), store)
    if promised is not None:  # the watch worker's promise under the markets' daily budgets
        st.caption(f"Prices here are at most {max(1, round(promised / 60))} min old: the watch worker refreshes them by product "
                   "within each market's daily budget, the pairs nearest their targets most often.")
    remove_col, remove_btn = st.columns([2, 1], vertical_alignment="bottom")
    remove_col.selectbox("Stop watching", [r["id"] for r in rows], key="watch_remove_id",
                         format_func=lambda i: next(f"#{r['id']} {r['query']} {r['size_label']}" for r in rows if r["id"] == i))
    with remove_btn:
        removing = controls.confirm("Remove", "watch_remove", "Stop watching this pair? Its targets go; its alerts stay in the log.",
                                  icon=":material/delete:")
    if removing:
        with store.write() as conn:
            watch_repo.remove_watch(conn, int(st.session_state["watch_remove_id"]), owner=owner)
        st.rerun()

st.subheader("Alerts")
log = alert_log(store, bool(webhook), owner=owner)
if not log:
    st.caption("No alert yet: a target fires once when it becomes met, and again only after it was unmet.")
else:
    st.dataframe(pd.DataFrame([{
        "Alert": a["message"], "Time (UTC)": when(a["at"]), "Delivery": a["delivery"],
    } for a in log]), hide_index=True, key="alert_table")
    with fired_box:  # the newest alerts whole, where a phone shows them without scrolling
        for a in log[:3]:
            st.markdown(f":material/notifications_active: **{controls.plain(when(a['at']))} UTC** · {controls.plain(a['message'])}")


with st.expander("Where alerts go", icon=":material/webhook:"):
    saved = controls.saved_settings()
    if saved.webhook:
        st.write(f"Alerts are posted to your webhook at {controls.plain(masked(saved.webhook))} (Slack or Discord).")
    elif webhook:
        st.write("Alerts go to the operator's webhook (ANALYZER_ALERT_WEBHOOK).")
    else:
        st.write("No webhook yet: alerts are kept in the log above.")
    if st.session_state.pop("webhook_clear", False):
        st.session_state["webhook_url"] = ""  # a saved address is not left in the box
    st.text_input("Your webhook (https://…)", key="webhook_url", type="password",
                  help="A Slack or Discord incoming-webhook address; kept for you alone, never shown again whole")
    save_col, clear_col = st.columns(2)
    if save_col.button("Save webhook", key="webhook_save", icon=":material/save:"):
        try:
            url = check_webhook(st.session_state["webhook_url"], allow_loopback_http=settings.webhook_allow_loopback)
        except InvalidInput as problem:
            st.warning(str(problem), icon=":material/warning:")
        else:
            controls.save_settings(saved.with_(webhook=url))
            st.session_state["webhook_clear"] = True
            st.rerun()
    if saved.webhook and clear_col.button("Remove webhook", key="webhook_remove", icon=":material/delete:"):
        controls.save_settings(saved.with_(webhook=None))
        st.rerun()
