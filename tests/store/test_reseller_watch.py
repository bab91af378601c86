"""Issue 20 on the Watchlist screen: figures in the owner's currency at once (point 1), an identical
watch refused with a word, and the form emptied after Add (point 5)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from analyzer.domain.owners import LOCAL
from analyzer.store import watch_repo
from tests.apptest import close, market_requests, start


@pytest.fixture
def watchlist(monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("ANALYZER_FX_RATES", "EUR=0.92")
    at = start(monkeypatch).switch_page("ui/screens/watchlist.py")
    at.run()
    yield at
    close()


def add(at: AppTest, query: str = "DD1391-100", size: str = "10", sell_now_above: float = 50.0) -> None:
    at.text_input(key="watch_query").set_value(query)
    at.text_input(key="watch_size").set_value(size)
    at.number_input(key="watch_sell_now_above").set_value(sell_now_above)
    at.button(key="watch_add").click().run()


def watches() -> list[watch_repo.Watch]:
    from ui.controls import store

    with store().read() as conn:
        return watch_repo.list_watches(conn, owner=LOCAL)


def test_an_identical_watch_is_refused_and_the_form_empties(watchlist: AppTest) -> None:
    add(watchlist)
    assert not watchlist.exception and len(watches()) == 1
    assert watchlist.text_input(key="watch_query").value == "" and watchlist.number_input(key="watch_sell_now_above").value == 0
    add(watchlist, "dd1391-100 ", "10")  # the same pair and target, written another way
    assert len(watches()) == 1
    assert any("already watch" in w.value for w in watchlist.warning), [w.value for w in watchlist.warning]
    add(watchlist, sell_now_above=60.0)  # another target is another watch
    assert len(watches()) == 2


def test_the_table_follows_the_currency_at_once(watchlist: AppTest) -> None:
    add(watchlist)
    watchlist.button(key="watch_refresh").click().run()
    assert not watchlist.exception and "$" in watchlist.dataframe[0].value["Now vs target"][0]
    asked = market_requests()
    watchlist.sidebar.selectbox(key="currency").set_value("EUR").run()
    text = watchlist.dataframe[0].value["Now vs target"][0]
    assert not watchlist.exception and "€" in text and "$" not in text and market_requests() == asked


def test_the_cli_says_an_identical_watch_exists(run_main, tmp_path) -> None:
    env = {"ANALYZER_DATA_DIR": str(tmp_path / "d")}
    code, out, _ = run_main("watch", "add", "DD1391-100", "--size", "10", "--sell-now-above", "150", env=env)
    assert code == 0 and out.startswith("watching #1")
    code, out, _ = run_main("watch", "add", "dd1391-100", "--size", "10", "--sell-now-above", "150.00", "--json", env=env)
    data = json.loads(out)
    assert code == 0 and data["existed"] is True and data["id"] == 1
    code, out, _ = run_main("watch", "list", "--json", env=env)
    assert len(json.loads(out)) == 1


def test_the_table_follows_the_fees_at_once(watchlist: AppTest) -> None:
    add(watchlist)
    watchlist.button(key="watch_refresh").click().run()
    before, asked = watchlist.dataframe[0].value["Now vs target"][0], market_requests()
    watchlist.sidebar.number_input(key="alias_commission").set_value(20.0).run()
    watchlist.sidebar.number_input(key="stockx_processing").set_value(10.0).run()
    after = watchlist.dataframe[0].value["Now vs target"][0]
    assert not watchlist.exception and market_requests() == asked and after != before, (before, after)
