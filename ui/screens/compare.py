"""Compare: up to ten shoes at one size; the decision first, then the detail, with a CSV to take away."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from analyzer.domain.models import LookupResult
from analyzer.domain.validation import MAX_COMPARE, InvalidInput, clean_queries, size_label
from ui import charts, compare_views, controls, display_money, live

SCALE_NAMES = {**controls.SCALE_NAMES, "": "Each shoe's own"}
state = st.session_state

st.title("Compare pairs")
controls.sandbox_badge()

state.setdefault("compare_scale", "")
options = controls.size_choices("compare_size", state["compare_scale"])

st.text_area(f"Shoes, one a line (name or style ID, up to {MAX_COMPARE})", key="queries", height=150,
             placeholder="DD1391-100\nJordan 1 Lost and Found\nCP9654")
with st.container(horizontal=True, vertical_alignment="bottom", key="compare_row"):
    st.selectbox("Size scale", controls.SCALES, key="compare_scale", format_func=SCALE_NAMES.get, width=150)
    st.selectbox("Size", options, key="compare_size", width=150)
    submitted = st.button("Compare", type="primary", width="stretch", key="compare")


def read_queries(text: str) -> list[str]:
    """Every non-blank line, checked by the same rules as the CLI; the first bad one stops the lot."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    try:
        return clean_queries(lines)
    except InvalidInput as problem:
        raise InvalidInput(str(problem).replace("Shoe ", "Line ", 1)) from None


def verdict(results: list[LookupResult]) -> tuple[str, bool]:
    quoted = sum(r.success for r in results)
    partly = sum(r.any_quoted and not r.success for r in results)
    text = f"{quoted} of {len(results)} shoes quoted on every market" + (f", {partly} on some only" if partly else "")
    return text, quoted == len(results)


if submitted:
    try:
        queries = read_queries(state.get("queries", ""))
        size = controls.chosen_size("compare_size", state["compare_scale"])
    except InvalidInput as problem:
        for key in ("compare_results", "compare_meta"):
            state.pop(key, None)  # what it replaced goes too, CSV button included
        st.warning(str(problem), icon=":material/edit:")
    else:
        engine, fees, workers, owner = controls.analyzer(), controls.fees(), controls.workers(), controls.owner()
        results = live.run_live(
            f"Comparing {len(queries)} shoes at {size_label(size.value, size.scale)}…",
            lambda progress: engine.compare(queries, size, fees=fees, on_progress=progress, max_workers=workers, owner=owner),
            summary=lambda rs: (verdict(rs)[0], "complete" if verdict(rs)[1] else "error"),
            log=lambda event: event.step == "shoe",
        )
        state["compare_results"] = results
        state["compare_meta"] = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "source": controls.source(),
                                 "alias": controls.alias_options()}

if state.get("compare_results"):
    results: list[LookupResult] = state["compare_results"]
    meta = state["compare_meta"]
    text, all_quoted = verdict(results)
    if not submitted:  # the status box said it on this run; later runs (a fee change, a download) keep it here
        (st.success if all_quoted else st.warning)(text, icon=":material/check_circle:" if all_quoted else ":material/warning:")
    if meta.get("alias", controls.alias_options()) != controls.alias_options():
        region, consigned = meta["alias"]
        st.info(f"These Alias quotes are for {controls.REGION_NAMES[region]}, {controls.CONSIGNED_NAMES[consigned].lower()}: "
                "press Compare to ask Alias for the book now chosen in the sidebar.", icon=":material/refresh:")
    priced = [controls.reprice(r) for r in results]
    # each shoe's books in the display currency too, so no row mixes the market's currency and the payouts'
    data = [display_money.result_in(r.to_dict(), p.currency, {**r.rates, **p.fx}) for r, p in zip(results, priced, strict=True)]
    with st.container(key="compare_decision"):
        for line in compare_views.compare_lines(data, priced):
            shoe, _, said = line.partition(": ")
            st.markdown(f"**{controls.plain(shoe)}**: {controls.plain(said)}")
    frame = compare_views.compare_frame(data, priced)
    amounts = [c for c in frame.columns if any(w in c for w in (" ask", " bid", "pays", "payout", "Arbitrage"))]
    st.dataframe(compare_views.shown_frame(frame, amounts), hide_index=True, width="stretch", column_config={
        "Shoe": st.column_config.TextColumn(width="medium"),
        "Best payout now": st.column_config.TextColumn(help="The best payout after fees at the highest bid, in the Currency "
                                                   "column; — when no market has a bid"),
        "Arbitrage": st.column_config.TextColumn(help="Profit buying on one market (with buyer costs) and selling now on the "
                                             "other; — when none pays"),
        "Status": st.column_config.TextColumn(help="The whole messages are listed under the table"),
        **{c: st.column_config.TextColumn(help="— when the market has none at this size, or gave no quote (see the messages)")
           for c in amounts if c not in ("Best payout now", "Arbitrage")},
        **{c: st.column_config.LinkColumn(display_text=c.replace(" page", " ↗")) for c in frame.columns if c.endswith(" page")},
    })
    with st.container(horizontal=True, vertical_alignment="center"):
        csv = compare_views.compare_csv(frame, meta["at"], meta["source"], controls.fees_words(controls.fees()))
        st.download_button("Download CSV", csv,
                           file_name=f"sneaker-compare-{meta['source']}-{meta['at'][:10]}.csv", mime="text/csv",
                           key="download_csv", icon=":material/download:", on_click="ignore")
        st.caption(f"Quoted {meta['at'].replace('T', ' ').replace('+00:00', ' UTC')} from {meta['source']} data; "
                   "amounts in the Currency column.")
    errors = compare_views.compare_errors(data)
    if errors:
        with st.container(border=True):
            st.markdown("**What the markets said**")
            for line in errors:
                st.markdown(f"- {controls.plain(line)}")
    if frame["Best payout now"].notna().any():
        st.markdown("##### Best payout now, per shoe")
        st.plotly_chart(charts.compare_chart(frame), width="stretch", config=charts.CHART_CONFIG)
elif not submitted:
    st.info(f"Paste up to {MAX_COMPARE} shoes, one a line. They are looked up {controls.workers()} at a time.",
            icon=":material/info:")
