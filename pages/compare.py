"""Compare: up to ten shoes side by side at one size, in parallel, with a CSV to take away."""

from __future__ import annotations

from typing import Any

import streamlit as st

from analyzer.validation import US_SIZES, InvalidInput, clean_query, format_size, parse_size
from pages import common, views

MAX_SHOES = 10

st.title("Compare pairs")
common.sandbox_badge()

with st.form("compare_form", border=False):
    st.text_area("Shoes, one a line (name or style ID)", key="queries", height=150,
                 placeholder="DD1391-100\nJordan 1 Lost and Found\nCP9654")
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    left.selectbox("US size", US_SIZES, index=US_SIZES.index(10.0), key="compare_size", format_func=lambda s: f"US {format_size(s)}")
    submitted = right.form_submit_button("Compare", type="primary", width="stretch", key="compare")


def read_queries(text: str) -> list[str]:
    """Every non-blank line, checked; the first bad line stops the lot before any call."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise InvalidInput("Type at least one shoe, one a line.")
    if len(lines) > MAX_SHOES:
        raise InvalidInput(f"{len(lines)} shoes: compare at most {MAX_SHOES} at once.")
    checked = []
    for number, line in enumerate(lines, start=1):
        try:
            checked.append(clean_query(line))
        except InvalidInput as problem:
            raise InvalidInput(f"Line {number}: {problem}") from None
    return checked


@st.cache_data(ttl=common.settings().market_ttl_s, show_spinner=False)
def cached_frame(results: list[dict[str, Any]]) -> Any:
    return views.compare_frame(results)


if submitted:
    try:
        queries, size = read_queries(st.session_state.get("queries", "")), parse_size(st.session_state.get("compare_size"))
    except InvalidInput as problem:
        st.warning(str(problem), icon=":material/edit:")
    else:
        engine, fees, workers = common.analyzer(), common.fees(), common.workers()
        results = common.run_live(
            f"Comparing {len(queries)} shoes at US {format_size(size)}…",
            lambda progress: engine.compare(queries, size, fees=fees, on_progress=progress, max_workers=workers),
            summary=lambda rs: (f"{sum(r.success for r in rs)} of {len(rs)} shoes quoted on every market",
                                "complete" if all(r.success for r in rs) else "error"),
            log=lambda event: event.step == "shoe",
        )
        st.session_state["compare_results"] = [r.to_dict() for r in results]

if st.session_state.get("compare_results"):
    results = st.session_state["compare_results"]
    frame = cached_frame(results)
    money = st.column_config.NumberColumn(format="$%.2f")
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        **{c: money for c in frame.columns if any(w in c for w in ("ask", "bid", "pays", "payout", "profit"))},
        "StockX page": st.column_config.LinkColumn(display_text="StockX ↗"),
        "Alias page": st.column_config.LinkColumn(display_text="Alias ↗"),
        "Time (s)": st.column_config.NumberColumn(format="%.2f"),
    })
    st.plotly_chart(views.compare_chart(frame), width="stretch")
    source = "sandbox" if common.is_sandbox() else "live"
    st.download_button("Download CSV", frame.to_csv(index=False).encode(), file_name=f"sneaker-compare-{source}.csv",
                       mime="text/csv", key="download_csv", icon=":material/download:")
elif not submitted:
    st.info(f"Paste up to {MAX_SHOES} shoes, one a line. They are looked up {common.workers()} at a time.", icon=":material/info:")
