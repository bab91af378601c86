"""The Lookup page's price history: how it builds, then a chart with the 7- and 30-day change."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import close, look_up, start, texts
from ui import charts, views


def test_history_says_how_it_builds_then_charts_two_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYZER_MARKET_TTL_S", "4")  # long enough for a slow first lookup on a busy machine, short enough to wait out
    at: AppTest = start(monkeypatch)
    try:
        look_up(at, "DD1391-100")
        assert "History builds as you use the tool" in " ".join(i.value for i in at.info)
        time.sleep(4.2)  # the market data expire: the next lookup asks the markets and stores a second point
        look_up(at, "DD1391-100")
        assert not at.exception
        assert not any("History builds" in i.value for i in at.info)
        words = texts(at)
        assert "in 7 days" in words and "in 30 days" in words and "StockX ask" in words
    finally:
        close()


def test_history_frame_and_change_lines() -> None:
    history = {"points": [
        {"at": "2026-11-20T10:00:00+00:00", "market": "stockx", "lowest_ask": 100.0, "highest_bid": None, "currency": "USD"},
        {"at": "2026-11-28T10:00:00+00:00", "market": "stockx", "lowest_ask": 110.0, "highest_bid": 90.0, "currency": "USD"},
    ]}
    frame = views.history_frame(history)
    assert list(frame["kind"]) == ["ask", "ask", "bid"] and str(frame["at"].dt.tz) == "UTC"
    figure = charts.history_chart(frame, [{"at": "2026-11-21T10:00:00Z", "price": 95.0}], "USD")
    assert {t.name for t in figure.data} == {"StockX ask", "StockX bid", "Alias sales"}
    lines = views.change_lines({"stockx": {"lowest_ask": {"from": 100.0, "to": 110.0, "change": 10.0, "pct": 0.1,
                                                          "since": "2026-11-20"}, "highest_bid": None},
                                "alias": {"lowest_ask": {"from": 90.0, "to": 90.0, "change": 0.0, "pct": 0.0, "since": "x"}}}, 30)
    assert lines == ["In 30 days: StockX ask $100.00 → $110.00 (+$10.00, +10.0%)", "Unchanged in 30 days: Alias ask"]
    # issue 20 point 6: in yen as every yen amount is written ("¥14,144"), never "14,143.52 JPY"
    yen = views.change_lines({"stockx": {"lowest_ask": {"from": 14143.52, "to": 13000.0, "change": -1143.52, "pct": -0.08}}}, 7,
                             {"stockx": "JPY"})
    assert yen == ["In 7 days: StockX ask ¥14,144 → ¥13,000 (−¥1,144, -8.0%)"]
    assert views.history_frame({"points": []}).empty and isinstance(views.history_frame({}), pd.DataFrame)


def test_history_shows_the_sidebar_book_never_a_mix(monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's steps on the page: CP9654 on Alias's global book, then Europe consigned only, then
    global again. Each history says its book and holds only that book's asks and sales."""
    from tests.apptest import set_sidebar

    monkeypatch.setenv("ANALYZER_MARKET_TTL_S", "1")
    at: AppTest = start(monkeypatch)
    try:
        look_up(at, "CP9654")
        global_ask = at.session_state["lookup_result"].quotes["alias"].lowest_ask
        set_sidebar(at, alias_region="eu", alias_consigned="true")  # the page asks Alias again, for that book
        europe = at.session_state["lookup_result"].quotes["alias"]
        assert europe.book is not None and (europe.book.region, europe.book.consigned) == ("eu", "true")
        assert europe.lowest_ask != global_ask
        assert "Books shown: StockX standard book (new); Alias Europe, consigned only" in texts(at)
        time.sleep(2.2)  # twice the TTL: on a busy machine the last answers are stored late, and must expire too
        set_sidebar(at, alias_region="global", alias_consigned="any")
        words = texts(at)
        assert "Alias global, any listing" in words and "Alias Europe" not in words
        assert "Alias ask" in words and f"{europe.lowest_ask:,.2f}" not in words  # no 529.00 → 612.00
    finally:
        close()
