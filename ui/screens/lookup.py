"""Lookup: one shoe and size on every market. The answer first: what you get and where."""

from __future__ import annotations

from typing import Any

import streamlit as st

from analyzer.config import ALIAS_CONDITIONS
from analyzer.domain.answer import Recommendation
from analyzer.domain.books import chosen_books, condition_words
from analyzer.domain.errors import MarketError
from analyzer.domain.models import LookupResult, Size
from analyzer.domain.report import label
from analyzer.domain.validation import InvalidInput, clean_gtin, clean_query, parse_size, size_label, size_text
from analyzer.lookup.engine import Analyzer
from analyzer.markets.registry import off_notes, spec
from ui import charts, controls, display_money, listing_actions, live, views

state = st.session_state

st.title("Price a pair")
controls.sandbox_badge()

# A shared link (?q=...&size=...) fills the form and runs the lookup once; a bad size is said, not guessed.
params = st.query_params
if "query" not in state and params.get("q"):
    state["query"] = params["q"]
    try:
        linked = parse_size(params.get("size", "10"))
    except InvalidInput as problem:
        state["link_problem"] = f"The link's size “{params.get('size')}” is not valid. {problem}"
    else:
        state["size_scale"], state["size"] = linked.scale or "", size_label(linked.value, linked.scale)
        state["auto_run"] = True


def shoe_sizes(result: LookupResult | None) -> tuple[str | None, list[float]]:
    """The shoe's own scale and the sizes the markets list it in, after a lookup of that shoe."""
    if result is None or result.query != state.get("query"):
        return None, []
    scale = next((q.scale for q in result.quotes.values() if q.scale), None)
    values = sorted({s.size for q in result.quotes.values() for s in q.sizes})
    return scale, values


def size_options(result: LookupResult | None) -> list[str]:
    own, listed = shoe_sizes(result)
    return controls.size_choices("size", state["size_scale"], listed, own)


def size_changed() -> None:
    """Another size of the shoe on screen: its answer at once (every size's book came in the same
    answers, so the cache serves it; only Alias's recent sales of that size are one call)."""
    shown = state.get("lookup_result")
    if shown is not None and shown.query == state.get("query"):
        state["auto_run"] = True


def ask() -> None:
    """Analyze: the lookup runs first thing in the next run, before the form is drawn."""
    state["auto_run"] = True


def ask_barcode() -> None:
    state["barcode_run"] = True


def form(result: LookupResult | None) -> None:
    """The form, drawn after this run's lookup (if any): the size list offers that shoe's sizes at once."""
    sizes = size_options(result)
    st.text_input("Shoe", key="query", placeholder="Name or style ID, e.g. DD1391-100 or Jordan 1 Lost and Found")
    # A row that wraps instead of stacking: on a phone the scale and the size stay side by side.
    with st.container(horizontal=True, vertical_alignment="bottom", key="size_row"):
        st.selectbox("Size scale", controls.SCALES, key="size_scale", format_func=controls.SCALE_NAMES.get, width=150)
        st.selectbox("Size", sizes, key="size", width=150,
                     help="After a lookup: the sizes this shoe is listed in; picking one shows its answer at once.",
                     on_change=size_changed)
        st.button("Analyze", type="primary", width="stretch", key="analyze", on_click=ask)
    for off in off_notes(controls.settings()):
        st.caption(off)
    # Folded: the answer, not the rarer choices, comes first on a phone.
    with st.expander("Condition or barcode", icon=":material/tune:",
                     expanded=state.get("alias_condition", "new_good_box") != "new_good_box"):
        st.selectbox("Alias condition", ALIAS_CONDITIONS, key="alias_condition", format_func=condition_words, width=260,
                     help="The condition pair Alias prices: new in a good box, used, no box, damaged box... Another is another book.")
        with st.container(horizontal=True, vertical_alignment="bottom", key="gtin_row"):
            st.text_input("Or a barcode", key="gtin", placeholder="UPC / EAN on the box, e.g. 00195244532806", width=260)
            st.button("Look up barcode", key="gtin_go", icon=":material/barcode_scanner:", on_click=ask_barcode)


# Defaults go into the session state before the widgets exist, so no widget has both (Streamlit warns).
state.setdefault("size_scale", "")
state.setdefault("alias_condition", "new_good_box")
result_now: LookupResult | None = state.get("lookup_result")
form_area = st.container()  # first on the screen; filled once this run's lookup (if any) is done


@st.cache_resource
def _deep(_base: Analyzer, key: tuple[object, ...]) -> Analyzer:
    """The page's analyzer: the sidebar's, asking Alias also for the bid depth (time to sell) of the
    condition chosen here; it records into the same metrics."""
    return Analyzer(_base.settings.with_(alias_condition=key[-1], offer_depth=True), metrics=_base.metrics)


def page_analyzer() -> Analyzer:
    base = controls.analyzer()
    condition = str(state.get("alias_condition", base.settings.alias_condition))
    return _deep(base, (id(base), condition))


def page_books() -> dict[str, Any]:
    region, consigned = controls.alias_options()
    return chosen_books(controls.opened().analyzer.labels, region, consigned, str(state.get("alias_condition", "new_good_box")))


def use_suggestion(query: str) -> None:
    state["query"] = query
    state["auto_run"] = True


def run_lookup(query: str, size: Size | None, gtin: str | None = None) -> LookupResult:
    engine = page_analyzer()
    mode, fees, owner = controls.mode(), controls.fees(), controls.owner()  # read here: the worker thread must not touch session state

    def summary(r: LookupResult) -> tuple[str, str]:
        if r.success:
            return "Every market quoted", "complete"
        if views.nothing_found(r.to_dict()):
            return "No shoe found", "error"
        quoted = [label(m) for m, q in r.quotes.items() if q.ok]
        return (f"Quoted on {' and '.join(quoted)} only" if quoted else "No market quoted"), "error"

    if gtin is not None:
        result = live.run_live(
            f"Looking up barcode {gtin}…",
            lambda progress: engine.lookup_gtin(gtin, mode=mode, fees=fees, on_progress=progress, owner=owner),
            summary=summary, log=lambda e: True,
        )
    else:
        assert size is not None
        result = live.run_live(
            f"Looking up {controls.plain(query)}, {size_label(size.value, size.scale)}…",
            lambda progress: engine.lookup(query, size, mode=mode, fees=fees, on_progress=progress, owner=owner),
            summary=summary, log=lambda e: True,
        )
    state["lookup_status"] = summary(result)  # shown again, folded, on the runs that follow
    return result


def decision_block(data: dict[str, Any], priced: Recommendation) -> None:
    """The answer: sell now (biggest), list, then buy and arbitrage, and what the advice rests on."""
    lines = views.decision(priced, data["quotes"])
    with st.container(border=True, key="decision"):
        st.markdown(f"## {controls.plain(lines[0].text)}")
        st.caption(controls.plain(lines[0].detail))
        st.markdown(f"#### {controls.plain(lines[1].text)}")
        st.caption(controls.plain(lines[1].detail))
        for line in lines[2:]:
            st.markdown(f"**{controls.plain(line.text)}** · {controls.plain(line.detail)}")
        listing_actions.list_from_lookup(data, priced)
    market_messages(data, priced)
    time_to_sell_block(data)


def time_to_sell_block(data: dict[str, Any]) -> None:
    """At what price it goes and how fast: the list advice, then payout against days to sell."""
    advice = (data.get("pricing") or {}).get("list_advice") or {}
    frame = views.time_to_sell_frame(data)
    if frame.empty:
        return
    st.markdown("##### Time to sell")
    for market, text in advice.items():
        st.markdown(f"**{label(market)}** · {controls.plain(text)}")
    if frame["days"].dropna().nunique() > 1:  # a curve: one point, or every ask selling now, says it in words above
        st.plotly_chart(charts.time_to_sell_chart(frame), width="stretch", config=charts.CHART_CONFIG, key="time_to_sell")
    notes = [f"{label(m)}: {(q.get('time_to_sell') or {}).get('note')}" for m, q in data["quotes"].items()
             if (q.get("time_to_sell") or {}).get("note")]
    st.caption(controls.plain(" · ".join(notes) + " · Expected days from the recent sales at or above each ask, with an "
                            "80 % band; above the lowest ask it is optimistic (cheaper asks sell first)."))


def market_messages(data: dict[str, Any], priced: Recommendation) -> None:
    """What the advice rests on, and each market's own message, whole and full width."""
    for note in priced.notes:
        st.warning(controls.plain(note), icon=":material/info:")
    for market, quote in data["quotes"].items():
        if not quote["ok"]:
            shown = st.info if quote.get("error_kind") in ("not_found", "size_not_offered") else st.error
            shown(controls.plain(quote.get("error") or f"{label(market)} gave no quote."), icon=":material/error:")


def arithmetic_block(data: dict[str, Any], priced: Recommendation) -> None:
    fees = controls.fees()
    sums = [views.arithmetic(m, q, priced, fees) for m, q in data["quotes"].items()]
    sums = [s for s in sums if s]
    if not sums:
        return
    st.markdown("##### How it adds up")
    st.caption("Price minus each fee, at the fee settings in the sidebar.")
    for line in sums:
        st.markdown(controls.plain(line))


def book_card(market: str, quote: dict[str, Any]) -> None:
    with st.container(border=True):
        facts = views.quote_facts(quote)
        st.markdown(f"**{label(market)}**" + (f" · {controls.plain(facts)}" if facts else ""))
        if not quote["ok"]:
            st.caption("No quote: the reason is above.")
            return
        with st.container(horizontal=True):  # three figures a row, on a phone too
            for name, value, why in views.book_figures(quote):
                st.metric(name, value, help=why, width=96)
        facts = views.market_facts(quote)
        if facts:
            st.caption(controls.plain(" · ".join(facts)))


def size_run_block(data: dict[str, Any]) -> None:
    size_run = views.size_run_frame(data)
    if not size_run.empty:
        st.markdown("##### The size run")
        own = next((q for q in data["quotes"].values() if q.get("ok")), None)
        currencies = {q.get("currency") for q in data["quotes"].values() if q.get("sizes")}
        st.plotly_chart(charts.size_run_chart(size_run, own["size"] if own else None, data.get("size_label") or "",
                                             currencies.pop() if len(currencies) == 1 else ""),
                        width="stretch", config=charts.CHART_CONFIG)


def history_block(result: LookupResult, shown: str, rates: dict[str, float]) -> None:
    """The pair's stored asks, bids and sales over 30 days, and how they moved in 7 and 30: of the
    books the sidebar chooses (Alias's region and listing choice), never of another."""
    from analyzer.store import history_for_result

    st.markdown("##### Price history")
    books = page_books()
    # Read once per answer and book: a fee or currency change re-draws it from what was read (issue 24).
    read_key = tuple(sorted((m, repr(b)) for m, b in books.items()))
    kept = state.get("history_read")
    if kept is not None and kept[0] is result and kept[1] == read_key:
        history = kept[2]
    else:
        try:
            history = history_for_result(controls.settings(), result, days=30, books=books)
        except Exception as exc:  # the store is extra: the quote stands without it
            st.caption(f"History is unavailable right now ({type(exc).__name__}).")
            return
        state["history_read"] = (result, read_key, history)
    stored = history.to_dict()
    shown = views.books_line(stored.get("book") or {})
    if shown:
        st.caption(controls.plain(shown))
    points = views.history_frame(stored)
    stored_currencies = {str(m): str(c) for m, c in zip(points["market"], points["currency"], strict=True)}
    frame, sales = display_money.history_in(points, stored["sales"], shown, rates)
    if not views.has_history(frame):
        st.info("History builds as you use the tool: every lookup whose market data come fresh (at most every "
                f"{controls.settings().market_ttl_s / 60:.0f} min) stores a point, and watched pairs are refreshed by "
                "`python -m analyzer watch run --every 1800`. Come back later to see this pair move.",
                icon=":material/history:")
        return
    currencies = set(frame["currency"])
    st.plotly_chart(charts.history_chart(frame, sales, currencies.pop() if len(currencies) == 1 else "",
                                        st.context.timezone), width="stretch", config=charts.CHART_CONFIG)
    for days in (7, 30):
        moved, in_currency = display_money.changes_in(history.change(days), stored_currencies, shown, rates)
        lines = views.change_lines(moved, days, in_currency)
        st.caption(controls.plain(" · ".join(lines)) if lines else f"No change to show over {days} days yet.")


def show(result: LookupResult) -> None:
    data = result.to_dict()
    query = controls.plain(result.query)
    if views.nothing_found(data):
        st.warning(f"No shoe found for “{query}” on StockX or Alias. Check the spelling, or try the style ID "
                   "(on the box label, e.g. DD1391-100).", icon=":material/search_off:")
        hints = views.suggestions(data)
        if hints:
            st.markdown("**Did you mean**")
            for i, hint in enumerate(hints):
                text = " · ".join(str(x) for x in (hint.get("title"), hint.get("style_id")) if x)
                st.button(controls.plain(text), key=f"hint_{i}", on_click=use_suggestion, args=(hint.get("style_id") or hint.get("title"),),
                          icon=":material/arrow_forward:")
        return

    priced = controls.reprice(result)
    # Every amount below in the display currency, at the rates the answer is priced with (no market call).
    data = display_money.result_in(data, priced.currency, {**result.rates, **priced.fx})
    product = data["product"] or {}
    title = controls.plain(product.get("title") or result.query)
    size = data.get("size_label") or ""
    asked = data.get("size_asked") or ""
    if asked != size and any(letter in asked for letter in "MWYC"):  # a bare number is the shoe's own scale
        size += f" (asked as {asked})"  # the same physical size, in the shoe's own scale
    facts = [f"**{title}**", controls.plain(size)]
    facts += [controls.plain(product["style_id"])] if product.get("style_id") else []
    st.markdown(" · ".join(f for f in facts if f))
    if not any(q["ok"] for q in data["quotes"].values()):
        market_messages(data, priced)  # no quote, no advice: what each market said, and the sizes it has
        size_run_block(data)
        return
    decision_block(data, priced)
    arithmetic_block(data, priced)

    suggested_block(data, priced)
    books_block(data)
    size_run_block(data)
    history_block(result, priced.currency, {**result.rates, **priced.fx})
    details_block(result, data, priced)


def suggested_block(data: dict[str, Any], priced: Recommendation) -> None:
    """A market's own suggested asks (StockX: sell faster, earn more...) and what each pays."""
    for market, quote in data["quotes"].items():
        if not (spec(market).suggests_asks and quote["ok"]):
            continue
        suggested = views.suggested_frame(quote, priced, controls.fees())
        if suggested.empty:
            continue
        st.markdown(f"##### {label(market)}'s suggested asks")
        st.dataframe(suggested.drop(columns="Why"), hide_index=True, width="stretch", column_config={
            "Price": st.column_config.TextColumn(help="; ".join(f"{p}: {w}" for p, w in zip(suggested["Price"], suggested["Why"],
                                                                                             strict=True))),
            "You get": st.column_config.TextColumn(help="What that sale pays you after fees"),
        })


def books_block(data: dict[str, Any]) -> None:
    """Each market's book side by side, with its recent sales of the size."""
    st.markdown("##### The books")
    books = st.container(key="books")
    for column, (market, quote) in zip(books.columns(len(data["quotes"])), data["quotes"].items(), strict=True):
        with column:
            book_card(market, quote)
            sales = views.sales_frame(quote)
            if len(sales) >= 2:
                consigned = " (green: consigned)" if sales["consigned"].eq(True).any() else ""
                st.caption(f"Recent {label(market)} sales of this size{consigned}")
                st.plotly_chart(charts.sales_chart(sales, quote.get("currency") or "USD", st.context.timezone),
                                width="stretch", config=charts.CHART_CONFIG)


def details_block(result: LookupResult, data: dict[str, Any], priced: Recommendation) -> None:
    product = data["product"] or {}
    with st.expander("Details"):
        payouts = views.payouts_frame(data, priced)
        st.dataframe(payouts, hide_index=True, width="stretch", column_config={
            "Page": st.column_config.LinkColumn("Page", display_text="open ↗"),
            "Sell now pays": st.column_config.TextColumn(help="Payout at the highest bid after fees; — when there is no bid"),
            "List pays": st.column_config.TextColumn(help="Payout at the lowest ask after fees; — when there is no ask"),
            "Buyer pays in all": st.column_config.TextColumn(help="Lowest ask plus buyer fee and shipping; — without an ask"),
            "Last sale": st.column_config.TextColumn(help="— on StockX: its API publishes no last sale"),
        })
        retail = views.money(product.get("retail_price"), product.get("retail_currency") or "USD")  # "$115.00", not "115.0"
        facts = [f"{k}: {controls.plain(value)}" for k, value in (("Brand", product.get("brand")), ("Retail", retail),
                                                                 ("Released", product.get("release_date")))
                 if value and value != views.DASH]
        region, consigned = state.get("lookup_options", controls.alias_options())
        book = f"{controls.REGION_NAMES.get(region, region)}, {controls.CONSIGNED_NAMES.get(consigned, consigned).lower()}"
        facts.append(f"Alias book: {book}, {condition_words(str(state.get('lookup_condition', 'new_good_box')))}")
        if priced.fx:
            facts.append("Rates per US dollar: " + ", ".join(f"{c} {r:g}" for c, r in priced.fx.items()))
        st.caption(" · ".join(facts))
        if product.get("image_url") and result.source == "live":  # the sandbox's picture addresses lead nowhere
            st.image(product["image_url"], width=180)


def barcode_lookup() -> bool:
    """True when a lookup ran (its status is on the screen already)."""
    try:
        code = clean_gtin(state.get("gtin"))
    except InvalidInput as problem:
        st.warning(str(problem), icon=":material/edit:")
        return False
    try:
        state["lookup_result"] = run_lookup(code, None, gtin=code)
    except MarketError as problem:
        state.pop("lookup_result", None)
        st.warning(f"Barcode {code}: {controls.plain(problem.message)}", icon=":material/barcode_scanner:")
        return False
    state["lookup_options"], state["lookup_condition"] = controls.alias_options(), state.get("alias_condition")
    state["lookup_status"] = ("Barcode looked up", "complete")
    return True


def pair_lookup(rerun: tuple[str, str] | None) -> bool:
    try:
        if rerun:
            query, size = clean_query(rerun[0]), parse_size(rerun[1])
        else:
            query, size = clean_query(state.get("query")), controls.chosen_size("size", state["size_scale"])
    except InvalidInput as problem:
        for key in ("lookup_result", "lookup_status"):
            state.pop(key, None)  # what it replaced goes too: no stale answer under a warning
        st.warning(str(problem), icon=":material/edit:")
        return False
    state.pop("link_problem", None)
    if not rerun:
        st.query_params.update({"q": query, "size": size_text(size)})
    state["lookup_result"] = run_lookup(query, size)
    state["lookup_options"], state["lookup_condition"] = controls.alias_options(), state.get("alias_condition")
    return True


# The Alias book options ask the market again: re-run the shown lookup with the new options.
if result_now is not None and (state.get("lookup_options") not in (None, controls.alias_options())
                               or state.get("lookup_condition") not in (None, state.get("alias_condition"))):
    state["auto_run_with"] = (result_now.query, result_now.size_asked or result_now.size_label)

# Whatever asked for a lookup (Analyze, a barcode, a shared link, another size, a hint, new book options) did
# so before this run: it runs first, so the form drawn above it offers that shoe's sizes (no second run).
barcode, pair, rerun = state.pop("barcode_run", False), state.pop("auto_run", False), state.pop("auto_run_with", None)
ran = barcode_lookup() if barcode else pair_lookup(rerun) if pair or rerun else False
with form_area:
    form(state.get("lookup_result"))

if "link_problem" in state:
    st.error(controls.plain(state["link_problem"]), icon=":material/link_off:")
elif "lookup_result" in state:
    if not ran and "lookup_status" in state:
        done_label, done_state = state["lookup_status"]
        st.status(done_label, state=done_state, expanded=False)
    show(state["lookup_result"])
elif not (barcode or pair):
    st.info("Type a shoe name or style ID and pick a size. Every market is asked at once; repeats answer from the cache.",
            icon=":material/info:")
