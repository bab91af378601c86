"""Every page through Streamlit's AppTest, on the sandbox, driven by widget keys."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import close, headline, look_up, markdowns, market_requests, set_sidebar, start, texts, unescaped


def test_lookup_leads_with_the_decision(app: AppTest) -> None:
    look_up(app, "DD1391-100")
    assert not app.error
    assert app.status[0].state == "complete"
    answer = headline(app)
    assert answer.startswith("## Sell now on ") and "you get $" in answer
    # The answer comes before the books and the details.
    values = markdowns(app)
    assert values.index(answer) < values.index("##### The books")
    assert "How it adds up" in texts(app) and " = $" in texts(app)
    labels = [m.label for m in app.metric]
    assert labels.count("Lowest ask") == 3 and labels.count("Highest bid") == 3  # StockX, Alias, eBay (no bids: —)
    assert all(m.value.startswith("$") or m.value == "—" for m in app.metric)
    assert app.query_params["q"] == "DD1391-100" and app.query_params["size"] == "10"
    assert "Sandbox data" in texts(app) or any("Sandbox" in str(b) for b in app.get("badge"))
    assert "calls" not in texts(app) and "cache" not in " ".join(c.value for c in app.caption).lower()


def test_fee_change_reprices_without_a_market_call(app: AppTest) -> None:
    from analyzer.domain.pricing import Fees, fee_lines

    look_up(app, "DZ5485-612")
    before, calls = headline(app), market_requests()
    set_sidebar(app, seller_level=5, alias_cashout=False, alias_seller_fee=0.0)
    assert market_requests() == calls, "a fee change must re-price the stored quotes, not ask the markets"
    assert headline(app) != before
    fees = Fees(stockx_level=5, alias_cashout_enabled=False, alias_seller_fee=0.0)
    sums = [m for m in markdowns(app) if m.startswith(("StockX: ", "Alias: "))]
    assert sums and all("level 5" in s for s in sums if s.startswith("StockX"))
    assert not any("cash" in s for s in sums)
    bid = float(sums[0].split(" ")[1].replace("$", "").replace(",", ""))
    assert f"= ${fee_lines(sums[0].split(':')[0].lower(), bid, fees)[-1][1]:,.2f}" in sums[0]


def test_currency_change_reprices_without_a_market_call(app: AppTest) -> None:
    look_up(app, "CP9654")
    calls = market_requests()
    set_sidebar(app, currency="EUR")
    assert market_requests() == calls
    assert "€" in headline(app)


def test_not_found_is_said_once_with_no_cards(app: AppTest) -> None:
    look_up(app, "zzzz qqq")
    assert [w.value for w in app.warning if "No shoe found" in w.value] and len(app.warning) == 1
    assert not app.metric and not app.dataframe and not app.get("plotly_chart")
    assert "Sell now" not in texts(app) and "None" not in texts(app)


def test_not_found_offers_did_you_mean(app: AppTest) -> None:
    look_up(app, "DD1391-999")
    hints = [b for b in app.button if b.key and b.key.startswith("hint_")]
    assert hints and any("DD1391" in b.label for b in hints)
    hints[0].click().run()
    assert not app.exception
    assert headline(app).startswith("## ")  # the suggestion was looked up
    assert not any("No shoe found" in w.value for w in app.warning)


def test_invalid_input_clears_the_old_result(app: AppTest) -> None:
    look_up(app, "CP9654")
    assert app.metric
    calls = market_requests()
    app.text_input(key="query").set_value("   ")
    app.button(key="analyze").click().run()
    assert any("Type a shoe" in w.value for w in app.warning)
    assert not app.metric and not app.dataframe and "Sell now" not in texts(app)
    assert market_requests() == calls


@pytest.mark.parametrize(("query", "message"), [("", "Type a shoe"), ("x" * 101, "at most 100")])
def test_bad_input_is_an_inline_message_and_no_call(app: AppTest, query: str, message: str) -> None:
    before = market_requests()
    app.text_input(key="query").set_value(query)
    app.button(key="analyze").click().run()
    assert not app.exception
    assert any(message in w.value for w in app.warning)
    assert market_requests() == before


def test_size_scale_out_of_range_is_refused(app: AppTest) -> None:
    app.text_input(key="query").set_value("CP9654")
    app.selectbox(key="size_scale").set_value("Y").run()
    assert "US 10Y" in app.selectbox(key="size").options  # the number kept, in the new scale
    app.selectbox(key="size").set_value("US 10Y")
    app.button(key="analyze").click().run()
    assert any("10Y" in w.value and "not a size" in w.value for w in app.warning)


def test_size_picker_offers_the_shoes_sizes_after_a_lookup(app: AppTest) -> None:
    from ui.controls import opened

    look_up(app, "DD1391-100")
    app.run()
    offered = app.selectbox(key="size").options
    result = opened().analyzer.lookup("DD1391-100", "10")
    listed = sorted({s.size for q in result.quotes.values() for s in q.sizes})
    assert [float(o.split()[-1]) for o in offered] == listed and "US M 10" in offered
    assert app.selectbox(key="size").value == "US M 10"  # the size on screen, in the shoe's own words
    assert app.selectbox(key="size_scale").options[:3] == ["Shoe's own", "Men's", "Women's"]


def test_shared_link_runs_the_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.elements.lib import policies

    warned: list[str] = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda message, *args, **_: warned.append(message % args))
    at = start(monkeypatch, q="CP9654", size="9.5")
    try:
        assert at.text_input(key="query").value == "CP9654" and at.selectbox(key="size").value.endswith(" 9.5")
        assert any("Zebra" in m for m in markdowns(at))
        assert not [w for w in warned if "default value" in w], warned
    finally:
        close()


def test_shared_link_with_a_bad_size_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(monkeypatch, q="DD1391-100", size="30")
    try:
        assert any("30" in e.value and "not valid" in e.value for e in at.error)
        assert not at.status and not at.metric and market_requests() == 0
        assert at.query_params["size"] == "30"  # the link is left as it was
    finally:
        close()


def test_failing_market_shows_its_error_whole_and_the_advice_says_so(app: AppTest) -> None:
    from ui.controls import opened

    opened().sandbox.config.down = {"alias"}  # type: ignore[union-attr]
    look_up(app, "CP9654")
    errors = [e.value for e in app.error if "Alias" in e.value]
    assert errors and not errors[0].endswith("…")
    assert any("StockX, eBay only" in w.value for w in app.warning)
    assert any(m.label == "Lowest ask" and m.value.startswith("$") for m in app.metric)
    assert app.status[0].state == "error"


def test_compare_leads_with_the_decision(app: AppTest) -> None:
    app.switch_page("ui/screens/compare.py").run()
    app.text_area(key="queries").set_value("DD1391-100\nCP9654\nqqqqzzzz")
    app.selectbox(key="compare_size").set_value("US 10")
    app.button(key="compare").click().run()
    assert not app.exception
    frame = app.dataframe[0].value
    assert list(frame.columns[:6]) == ["Shoe", "Size", "Best payout now", "Sell now on", "Best list pays", "List on"]
    assert "Currency" in frame.columns and set(frame["Currency"]) == {"USD"}
    assert len(frame) == 3 and list(frame["StockX ask"] != "—") == [True, True, False]
    assert list(frame["Status"]) == ["quoted", "quoted", "no shoe found"]
    assert all(v.startswith("$") for v in frame["Best payout now"].iloc[:2]) and frame["Best payout now"].iloc[2] == "—"
    assert "None" not in frame.astype(str).to_numpy().ravel()
    assert app.status[0].state == "error"  # one of three was not quoted
    assert "2 of 3" in app.status[0].label
    app.run()  # any later run (a fee change, a download) keeps the verdict on screen
    assert any("2 of 3" in w.value for w in app.warning)
    assert any("qqqqzzzz" in m for m in markdowns(app))  # the whole message under the table


def test_compare_csv_says_size_currency_time_and_source() -> None:
    import io

    import pandas as pd

    from ui import compare_views

    frame = pd.DataFrame([{"Shoe": "Dunk", "Size": "US M 10", "Best payout now": 77.75, "Sell now on": "Alias",
                           "Currency": "USD", "Status": "quoted"}])
    back = pd.read_csv(io.BytesIO(compare_views.compare_csv(frame, "2026-11-29T09:00:00+00:00", "sandbox", "StockX level 5")))
    assert list(back.columns) == [*frame.columns, "Quoted at (UTC)", "Source", "Fees"]
    assert back.loc[0, "Fees"] == "StockX level 5"  # the fees the payouts are net of
    assert back.loc[0, "Size"] == "US M 10" and back.loc[0, "Source"] == "sandbox"


def test_compare_refuses_more_than_the_cli_and_clears_the_old_table(app: AppTest) -> None:
    from analyzer.domain.validation import MAX_COMPARE

    app.switch_page("ui/screens/compare.py").run()
    app.text_area(key="queries").set_value("CP9654")
    app.button(key="compare").click().run()
    assert app.dataframe
    before = market_requests()
    app.text_area(key="queries").set_value("\n".join(f"shoe {i}" for i in range(MAX_COMPARE + 1)))
    app.button(key="compare").click().run()
    assert any(f"at most {MAX_COMPARE}" in w.value for w in app.warning) and market_requests() == before
    assert not app.dataframe and not app.get("download_button")


def test_compare_reprices_on_a_fee_change(app: AppTest) -> None:
    app.switch_page("ui/screens/compare.py").run()
    app.text_area(key="queries").set_value("DD1391-100\nCP9654")
    app.button(key="compare").click().run()
    first = list(app.dataframe[0].value["Best payout now"])
    calls = market_requests()
    set_sidebar(app, seller_level=5, alias_cashout=False)
    assert market_requests() == calls
    assert list(app.dataframe[0].value["Best payout now"]) != first
    assert any("2 of 2" in s.value for s in app.success)  # the verdict stays after a rerun


def test_performance_page_after_lookups(app: AppTest) -> None:
    look_up(app, "CP9654")
    app.button(key="analyze").click().run()  # the repeat comes from the cache
    look_up(app, "zzzz qqq")  # not found: an answer about the shoe, not a market failure
    app.switch_page("ui/screens/performance.py").run()
    assert not app.exception
    kpis = {m.label: m.value for m in app.metric}
    assert kpis["Lookups"] == "3" and kpis["Market failures"] == "0%"
    assert not [c for f in app.dataframe for c in f.value.columns if "_" in str(c)], "column names are for people"
    assert "None" not in " ".join(str(v) for f in app.dataframe for v in f.value.astype(str).to_numpy().ravel())
    assert any("(UTC)" in str(c) or "time" in str(c).lower() for f in app.dataframe for c in f.value.columns)
    day = next(f.value for f in app.dataframe if "Spent (24 h)" in f.value.columns)  # the key's day, by purpose
    stockx = day[day["Market"] == "StockX"].iloc[0]
    assert stockx["Lookup"] >= 1 and stockx["Watch"] == 0 and stockx["Budget"] == 25_000
    assert stockx["Spent (24 h)"] + stockx["Left"] == 25_000
    app.button(key="clear_metrics").click().run()
    assert kpis["Lookups"] == "3" and any("nobody else's go" in w.value for w in app.warning)  # it asks first
    app.button(key="clear_metrics_yes").click().run()
    assert any("No lookups recorded yet" in i.value for i in app.info)


def test_benchmark_button_runs_and_charts(app: AppTest) -> None:
    app.switch_page("ui/screens/performance.py").run()
    app.number_input(key="bench_shoes").set_value(1)
    app.number_input(key="bench_latency").set_value(10)
    app.button(key="run_bench").click().run()
    assert not app.exception
    labels = [m.label for m in app.metric]
    assert "A batch vs the fastest possible" in labels and "A repeat, from the cache" in labels
    # issue 20 point 8: a reseller's words, each benchmark term explained where it appears
    said = " ".join([*labels, *(m.value for m in app.metric), *(c.value for c in app.caption), *markdowns(app),
                     *(str(v) for f in app.dataframe for v in f.value.astype(str).to_numpy().ravel())])
    assert not [w for w in ("design", "lower bound", "in turn") if w in said], said
    assert all(m.help for m in app.metric if m.label in labels[-4:])
    assert any(s.state == "complete" for s in app.status)
    assert any("Last run" in c.value and "1 shoe" in c.value and "10 ms" in c.value for c in app.caption)
    steps = [m for m in markdowns(app) if m.startswith(("✓", "…"))]
    assert steps and all(m.startswith("✓") for m in steps), "a step is ticked only once it is done"


def test_alias_region_asks_alias_again(app: AppTest) -> None:
    look_up(app, "DD1391-100")
    calls = market_requests()
    set_sidebar(app, alias_region="eu")
    assert market_requests() > calls, "another region is another book: Alias is asked again"
    assert app.status and app.status[0].state in ("complete", "error")
    assert "Alias book: Europe" in texts(app)


def test_no_quote_anywhere_gives_no_advice_but_says_why(app: AppTest) -> None:
    app.text_input(key="query").set_value("CW1590-100")  # a GS shoe, asked in men's sizes
    app.selectbox(key="size_scale").set_value("M").run()
    look_up(app, "CW1590-100", "US M 10")
    assert not [m for m in markdowns(app) if m.startswith("## ")], "no advice without a quote"
    said = [i.value for i in app.info] + [e.value for e in app.error]
    assert len(said) == 3 and all("youth" in unescaped(s) for s in said)
    assert not app.metric


def test_a_womens_shoe_asked_in_mens_sizes_says_both(app: AppTest) -> None:
    app.selectbox(key="size_scale").set_value("M").run()
    look_up(app, "DD1503-103", "US M 8")
    assert any("US W 9.5 (asked as US M 8)" in m for m in markdowns(app))
    app.run()
    assert app.selectbox(key="size").options[0].startswith("US M ")  # men's asked: the men's range is offered


def test_another_size_of_the_shoe_on_screen_answers_at_once_from_the_cache(app: AppTest) -> None:
    look_up(app, "DD1391-100")
    calls = market_requests()
    app.run()  # the size list now holds the shoe's own sizes
    app.selectbox(key="size").set_value("US M 9.5").run()
    assert not app.exception
    assert any("US M 9.5" in m for m in markdowns(app)) and headline(app).startswith("## ")
    # Every size's book came with the first answers; only Alias's recent sales and bid depth, and eBay's offers, are per size.
    assert market_requests() <= calls + 3
    assert app.query_params["size"] == "9.5"


def test_lookup_shows_time_to_sell_the_fields_and_the_advice(app: AppTest) -> None:
    look_up(app, "DD1503-103")
    said = texts(app)
    assert "##### Time to sell" in markdowns(app)
    assert "typically sells within" in said or "now (a bid is waiting)" in said
    assert any(c.proto.spec and "days to sell" in c.proto.spec for c in app.get("plotly_chart"))
    assert "Variant " in said and ("Barcodes: " in said or "No barcode listed" in said)
    assert "Flex: " in said and "Listings from $25.00" in said and "bids in the book" in said


def test_barcode_lookup_on_the_page(app: AppTest) -> None:
    app.text_input(key="gtin").set_value("00195244532806")
    app.button(key="gtin_go").click().run()
    assert not app.exception
    assert any("DD1391-100" in m and "US M 10" in m for m in markdowns(app))
    assert headline(app).startswith("## ")
    app.text_input(key="gtin").set_value("12ab")
    app.button(key="gtin_go").click().run()
    assert any("barcode is 8, 12, 13 or 14 digits" in w.value for w in app.warning)


def test_alias_condition_asks_alias_for_another_book(app: AppTest) -> None:
    look_up(app, "DD1391-100")
    calls = market_requests()
    app.selectbox(key="alias_condition").set_value("used_no_box").run()
    assert not app.exception
    assert market_requests() > calls, "another condition is another book: Alias is asked again"
    assert "used, no original box" in texts(app)
