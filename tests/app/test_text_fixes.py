"""Issue 20 point 6: raw or inconsistent text, each fixed where it is made."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from analyzer.services.alerts import delivery_state
from analyzer.store.watch_repo import Alert
from tests.apptest import look_up, texts
from ui import views


def test_retail_is_money_not_a_float(app: AppTest) -> None:
    look_up(app, "DD1391-100")
    words = texts(app)
    assert "Retail: $" in words and "Retail: 115.0" not in words and ".0 ·" not in words


def test_one_lookup_is_not_a_history_even_when_the_markets_answered_a_second_apart() -> None:
    one_lookup = views.history_frame({"points": [
        {"at": "2026-11-29T19:50:00+00:00", "market": "stockx", "lowest_ask": 100.0, "highest_bid": 90.0, "currency": "USD"},
        {"at": "2026-11-29T19:50:01+00:00", "market": "alias", "lowest_ask": 101.0, "highest_bid": 91.0, "currency": "USD"}]})
    assert one_lookup["at"].nunique() == 2 and not views.has_history(one_lookup)  # the old test saw two times: a chart
    two = pd.concat([one_lookup, one_lookup.assign(at=one_lookup["at"] + pd.Timedelta(minutes=40))])
    assert views.has_history(two) and not views.has_history(views.history_frame({}))


def test_a_reason_with_its_own_full_stop_gets_no_second() -> None:
    assert views.sentence("Line 2: The file is larger than 300 bytes: split it.") == "Line 2: The file is larger than 300 bytes: split it."
    assert views.sentence("Line 3: cost abc is not a number") == "Line 3: cost abc is not a number."


def test_delivery_time_is_written_as_the_page_writes_times() -> None:
    alert = Alert(1, 1, "Q", 10.0, "US 10", "stockx", "sell_now_above", 1.0, 2.0, "USD", "2026-11-29T19:49:00+00:00",
                  delivered_at="2026-11-29T19:50:00.123+00:00")
    assert delivery_state(alert, True) == "delivered 2026-11-29 19:50 UTC"


def test_performance_says_the_size_as_asked(app: AppTest) -> None:
    app.text_input(key="query").set_value("DD1503-103")
    app.selectbox(key="size_scale").set_value("W").run()
    app.selectbox(key="size").set_value("US W 8")
    app.button(key="analyze").click().run()
    assert not app.exception
    app.switch_page("ui/screens/performance.py").run()
    assert not app.exception
    sizes = [v for frame in app.dataframe if "Size" in frame.value.columns for v in frame.value["Size"]]
    assert "US W 8" in sizes, sizes
