"""Lookup: one shoe and size, both markets, what each pays, where to sell, list or buy."""

from __future__ import annotations

from typing import Any

import streamlit as st

from analyzer.engine import Analyzer
from analyzer.models import ProgressEvent, Quote
from analyzer.report import dollars, label
from analyzer.validation import US_SIZES, InvalidInput, clean_query, format_size, parse_size
from pages import common, views

st.title("Price a pair")
common.sandbox_badge()

# A shared link (?q=...&size=...) fills the form and runs the lookup once.
params = st.query_params
if "query" not in st.session_state and params.get("q"):
    st.session_state["query"] = params["q"]
    try:
        st.session_state["size"] = parse_size(params.get("size", "10"))
    except InvalidInput:
        st.session_state["size"] = 10.0
    st.session_state["auto_run"] = True

with st.form("lookup_form", border=False):
    left, middle, right = st.columns([5, 2, 1.4], vertical_alignment="bottom")
    left.text_input("Shoe", key="query", placeholder="Name or style ID, e.g. DD1391-100 or Jordan 1 Lost and Found")
    middle.selectbox("US size", US_SIZES, index=US_SIZES.index(10.0), key="size", format_func=lambda s: f"US {format_size(s)}")
    submitted = right.form_submit_button("Analyze", type="primary", width="stretch", key="analyze")


@st.cache_data(ttl=common.settings().market_ttl_s, show_spinner=False)
def cached_views(result: dict[str, Any]) -> tuple[Any, Any]:
    return views.payouts_frame(result), views.size_run_frame(result)


def market_card(container: Any, quote: Quote | dict[str, Any]) -> None:
    q = quote if isinstance(quote, dict) else quote.to_dict()
    with container.container(border=True):
        st.markdown(f"**{label(q['market'])}**")
        if not q["ok"]:
            st.error(common.plain(q["error"]), icon=":material/error:")
            return
        a, b, c = st.columns(3)
        a.metric("Lowest ask", dollars(q["lowest_ask"]))
        b.metric("Highest bid", dollars(q["highest_bid"]))
        c.metric("Last sale", dollars(q["last_sale"]),
                 help="StockX's API publishes no last sale." if q["market"] == "stockx" else None)
        source = "cache" if q["calls"] == 0 else f"{q['calls']} calls"
        st.caption(f"{q['elapsed_s']:.2f} s · {source}" + (f" · {q['rate_limited']} rate-limited" if q["rate_limited"] else ""))


def run_lookup(query: str, size: float) -> dict[str, Any]:
    engine: Analyzer = common.analyzer()
    mode, fees = common.mode(), common.fees()  # read here: the worker thread must not touch session state

    def show_ready(event: ProgressEvent) -> None:
        # Called inside the status box: each market's card shows there the moment it is ready.
        if event.quote is not None:
            market_card(st, event.quote)

    result = common.run_live(
        f"Looking up {common.plain(query)}, US {format_size(size)}…",
        lambda progress: engine.lookup(query, size, mode=mode, fees=fees, on_progress=progress),
        on_event=show_ready,
        summary=lambda r: (f"Both markets quoted in {r.elapsed_s:.2f} s" if r.success else
                           f"Done in {r.elapsed_s:.2f} s, with errors", "complete" if r.success else "error"),
    )
    return result.to_dict()


def show(result: dict[str, Any]) -> None:
    product = result["product"] or {}
    if product.get("image_url") and result["source"] == "live":  # the sandbox's picture addresses lead nowhere
        st.image(product["image_url"], width=180)
    st.subheader(common.plain(product.get("title") or result["query"]))
    facts = [f"US {format_size(result['size'])}"]
    facts += [common.plain(x) for x in (product.get("brand"), product.get("style_id")) if x]
    if product.get("retail_price"):
        facts.append(f"retail {dollars(product['retail_price'])}")
    if product.get("release_date"):
        facts.append(f"released {product['release_date']}")
    facts.append(f"{result['mode']} · {result['elapsed_s']:.2f} s")
    st.caption(" · ".join(facts))

    for column, quote in zip(st.columns(len(result["quotes"])), result["quotes"].values(), strict=True):
        market_card(column, quote)

    st.markdown("#### What to do")
    for column, (title, headline, detail) in zip(st.columns(4), views.decision_cards(result["pricing"]), strict=True):
        with column.container(border=True):
            st.caption(title)
            st.markdown(f"**{headline}**")
            st.caption(detail)

    payouts, size_run = cached_views(result)
    st.markdown("#### Payouts after fees")
    money = st.column_config.NumberColumn(format="$%.2f")
    st.dataframe(payouts, hide_index=True, width="stretch", column_config={
        "Lowest ask": money, "Highest bid": money, "Last sale": money, "Sell now pays": money, "List pays": money,
        "Page": st.column_config.LinkColumn("Page", display_text="open ↗"),
    })
    if not size_run.empty:
        st.markdown("#### The size run")
        st.plotly_chart(views.size_run_chart(size_run, result["size"]), width="stretch")


if submitted or st.session_state.pop("auto_run", False):
    try:
        query, size = clean_query(st.session_state.get("query")), parse_size(st.session_state.get("size"))
    except InvalidInput as problem:
        st.warning(str(problem), icon=":material/edit:")
    else:
        st.query_params.update({"q": query, "size": format_size(size)})
        st.session_state["lookup_result"] = run_lookup(query, size)

if "lookup_result" in st.session_state:
    show(st.session_state["lookup_result"])
elif not submitted:
    st.info("Type a shoe name or style ID and pick a size. Both markets are asked at once; repeats answer from the cache.",
            icon=":material/info:")
