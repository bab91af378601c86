"""eBay on the Lookup and Compare screens (AppTest, on the app's own sandbox)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.apptest import look_up, texts


def test_lookup_shows_ebays_asks_beside_the_others(app: AppTest) -> None:
    look_up(app, "DD1391-100")
    assert not app.error
    shown = texts(app)
    assert "eBay" in shown
    labels = [m.label for m in app.metric]
    assert labels.count("Lowest ask") == 3  # StockX, Alias and eBay
    assert any(w.key == "ebay_fvf_pct" for w in app.sidebar.number_input)  # its fee controls, from its spec


def test_compare_has_ebays_columns(app: AppTest) -> None:
    app.switch_page("ui/screens/compare.py").run()
    app.text_area(key="queries").set_value("DD1391-100\nCP9654")
    app.selectbox(key="compare_size").set_value("US 10")
    app.button(key="compare").click().run()
    assert not app.exception
    frame = app.dataframe[0].value
    assert {"eBay ask", "eBay page"} <= set(frame.columns)
    assert all(str(v).startswith("$") for v in frame["eBay ask"])
    assert all(v == "—" for v in frame["eBay sell now pays"])  # asks only: eBay never buys now
