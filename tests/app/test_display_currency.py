"""Issue 20 point 1 on Lookup: with EUR chosen, every amount of the answer is in euros (the books,
StockX's suggested asks, the details, the sales), converted at once from the stored quotes with no
market call; none is left in dollars beside a euro figure."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.apptest import look_up, market_requests, set_sidebar
from ui.display_money import quote_in


def test_a_quote_in_the_display_currency_converts_every_amount() -> None:
    quote = {"currency": "USD", "lowest_ask": 100.0, "highest_bid": None, "sell_faster": 98.0,
             "sizes": [{"size": 10.0, "lowest_ask": 110.0, "highest_bid": 95.5}], "recent_sales": [{"price": 99.99, "at": "x"}]}
    shown = quote_in(quote, "JPY", {"JPY": 155.3})
    assert shown["currency"] == "JPY" and shown["converted_from"] == "USD"
    assert shown["lowest_ask"] == 15530 and shown["highest_bid"] is None and shown["sell_faster"] == 15219
    assert shown["sizes"][0]["highest_bid"] == 14831 and shown["recent_sales"][0]["price"] == 15528  # 15,528.447 -> half-up to yen
    assert quote["lowest_ask"] == 100.0  # the stored quote is left as it was
    assert quote_in(quote, "EUR", {})["currency"] == "USD"  # no rate: its own currency, named


def test_every_amount_of_the_answer_follows_the_currency(app: AppTest) -> None:
    look_up(app, "DD1391-100")
    asked = market_requests()
    set_sidebar(app, currency="EUR")
    assert market_requests() == asked
    books = [m.value for m in app.metric if m.value != "—"]
    assert books and all(v.startswith("€") for v in books), books
    for frame in app.dataframe:  # suggested asks and details: no dollar beside a euro
        cells = " ".join(str(v) for v in frame.value.to_numpy().ravel())
        assert "$" not in cells, cells
    assert any("€" in str(v) for frame in app.dataframe for v in frame.value.to_numpy().ravel())


def test_compare_rows_are_in_one_currency_and_say_why_a_gs_shoe_has_no_10(app: AppTest) -> None:
    app.switch_page("ui/screens/compare.py").run()
    app.text_area(key="queries").set_value("DD1391-100\nIB4171-100")
    app.selectbox(key="compare_size").set_value("US 10")
    app.button(key="compare").click().run()
    asked = market_requests()
    set_sidebar(app, currency="EUR")
    assert market_requests() == asked
    frame = app.dataframe[0].value
    first = " ".join(str(v) for v in frame.iloc[0].to_numpy())
    assert "€" in first and "$" not in first, first  # the books and the payouts alike
    lines = " ".join(m.value for m in app.markdown)
    assert "no bid or ask to act on" not in lines and "7Y" in lines, lines  # the market's reason: its sizes stop at 7Y


def test_history_changes_follow_the_display_currency() -> None:
    from ui.display_money import changes_in
    from ui.views import change_lines

    changes = {"stockx": {"lowest_ask": {"from": 100.0, "to": 110.0, "change": 10.0, "pct": 0.1}, "highest_bid": None}}
    moved, currencies = changes_in(changes, {"stockx": "USD"}, "EUR", {"EUR": 0.92})
    assert currencies == {"stockx": "EUR"} and moved["stockx"]["lowest_ask"]["from"] == 92.0
    assert change_lines(moved, 7, currencies) == ["In 7 days: StockX ask €92.00 → €101.20 (+€9.20, +10.0%)"]
    kept, said = changes_in(changes, {"stockx": "USD"}, "EUR", {})  # no rate: its own currency, named
    assert said == {"stockx": "USD"} and kept["stockx"]["lowest_ask"]["from"] == 100.0
