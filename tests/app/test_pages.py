"""Every page through Streamlit's AppTest, on the sandbox, driven by widget keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

TIMEOUT = 90
APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("ANALYZER_SANDBOX", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    yield at
    from pages.common import opened

    opened().close()
    st.cache_resource.clear()


def sandbox_requests() -> int:
    from pages.common import opened

    return sum(opened().sandbox.counters.requests.values())  # type: ignore[union-attr]


def texts(at: AppTest) -> str:
    return " ".join(str(m.value) for m in at.markdown) + " ".join(str(c.value) for c in at.caption)


def test_lookup_shows_both_markets_and_the_advice(app: AppTest) -> None:
    app.text_input(key="query").set_value("DD1391-100")
    app.selectbox(key="size").set_value(10.0)
    app.button(key="analyze").click().run()
    assert not app.exception and not app.error
    labels = [m.label for m in app.metric]
    assert labels.count("Lowest ask") >= 2 and labels.count("Highest bid") >= 2 and labels.count("Last sale") >= 2
    assert any(m.value.startswith("$") for m in app.metric if m.label == "Lowest ask")
    assert app.status[0].state == "complete"
    assert len(app.dataframe) == 1 and list(app.dataframe[0].value["Market"]) == ["StockX", "Alias"]
    assert app.query_params["q"] == "DD1391-100" and app.query_params["size"] == "10"
    assert "Sell now" in texts(app) and "Sandbox data" in texts(app)


def test_shared_link_runs_the_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYZER_SANDBOX", "1")
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["q"] = "CP9654"
    at.query_params["size"] = "9.5"
    at.run()
    assert not at.exception
    assert at.text_input(key="query").value == "CP9654" and at.selectbox(key="size").value == 9.5
    assert any("Zebra" in str(h.value) for h in at.subheader)


@pytest.mark.parametrize(("query", "message"), [("", "Type a shoe"), ("x" * 101, "at most 100")])
def test_bad_input_is_an_inline_message_and_no_call(app: AppTest, query: str, message: str) -> None:
    before = sandbox_requests()
    app.text_input(key="query").set_value(query)
    app.button(key="analyze").click().run()
    assert not app.exception
    assert any(message in w.value for w in app.warning)
    assert sandbox_requests() == before


def test_failing_market_shows_its_error_beside_the_other(app: AppTest) -> None:
    from pages.common import opened

    opened().sandbox.config.down = {"alias"}  # type: ignore[union-attr]
    app.text_input(key="query").set_value("CP9654")
    app.button(key="analyze").click().run()
    assert not app.exception
    assert any("Alias" in e.value for e in app.error)
    assert any(m.label == "Lowest ask" and m.value.startswith("$") for m in app.metric)
    assert app.status[0].state == "error"


def test_compare_table_chart_and_csv(app: AppTest) -> None:
    app.switch_page("pages/compare.py").run()
    app.text_area(key="queries").set_value("DD1391-100\nCP9654\nqqqqzzzz")
    app.selectbox(key="compare_size").set_value(10.0)
    app.button(key="compare").click().run()
    assert not app.exception
    frame = app.dataframe[0].value
    assert len(frame) == 3 and frame["StockX ask"].notna().sum() == 2
    assert list(frame["Status"].iloc[:2]) == ["quoted", "quoted"] and "found no shoe" in frame["Status"].iloc[2]
    assert app.status[0].state == "error"  # one of three was not quoted


def test_compare_refuses_more_than_ten(app: AppTest) -> None:
    app.switch_page("pages/compare.py").run()
    before = sandbox_requests()
    app.text_area(key="queries").set_value("\n".join(f"shoe {i}" for i in range(11)))
    app.button(key="compare").click().run()
    assert any("at most 10" in w.value for w in app.warning) and sandbox_requests() == before


def test_performance_page_after_lookups(app: AppTest) -> None:
    app.text_input(key="query").set_value("CP9654")
    app.button(key="analyze").click().run()
    app.button(key="analyze").click().run()  # the repeat comes from the cache
    app.switch_page("pages/performance.py").run()
    assert not app.exception
    kpis = {m.label: m.value for m in app.metric}
    assert kpis["Lookups"] == "2" and kpis["Success rate"] == "100%" and kpis["Cache hit rate"] == "50%"
    assert len(app.dataframe) >= 2
    app.button(key="clear_metrics").click().run()
    assert any("No lookups recorded yet" in i.value for i in app.info)


def test_sidebar_fees_drive_the_payouts(app: AppTest) -> None:
    from analyzer.pricing import Fees, alias_payout, stockx_payout

    app.selectbox(key="seller_level").set_value(5)
    app.toggle(key="alias_cashout").set_value(False)
    app.text_input(key="query").set_value("DZ5485-612")
    app.button(key="analyze").click().run()
    rows = app.dataframe[0].value.set_index("Market")
    fees = Fees(stockx_level=5, alias_cashout_enabled=False)
    assert rows.loc["StockX", "List pays"] == stockx_payout(rows.loc["StockX", "Lowest ask"], fees)
    assert rows.loc["Alias", "List pays"] == alias_payout(rows.loc["Alias", "Lowest ask"], fees)


def test_benchmark_button_runs_and_charts(app: AppTest) -> None:
    app.switch_page("pages/performance.py").run()
    app.number_input(key="bench_shoes").set_value(1)
    app.number_input(key="bench_latency").set_value(10)
    app.button(key="run_bench").click().run()
    assert not app.exception
    labels = [m.label for m in app.metric]
    assert "Batch / lower bound" in labels and "Cached p95" in labels
    assert any(s.state == "complete" for s in app.status)
