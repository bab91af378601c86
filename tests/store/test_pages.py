"""The Watchlist and Portfolio screens in Streamlit's AppTest, on the sandbox, driven by widget keys.

The screens run inside the app's frame, as a server runs them (tests/app's `start`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import close, start


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], AppTest]]:
    """The app on a sandbox of its own, switched to ui/screens/<name>.py."""

    def opened_at(name: str) -> AppTest:
        at = start(monkeypatch)
        return at.switch_page(f"ui/screens/{name}.py")

    yield opened_at
    close()


def test_watchlist_add_refresh_alert_remove(page: Callable[[str], AppTest]) -> None:
    at = page("watchlist")
    at.run()
    assert not at.exception
    assert any("No pairs watched yet" in i.value for i in at.info)
    at.text_input(key="watch_query").set_value("DD1391-100")
    at.text_input(key="watch_size").set_value("10")
    at.number_input(key="watch_sell_now_above").set_value(50.0)
    at.button(key="watch_add").click().run()
    assert not at.exception and not at.warning
    table = at.dataframe[0].value
    assert list(table["Pair"]) == ["DD1391-100 US 10"] and table["Checked (UTC)"][0] == "never"

    at.button(key="watch_refresh").click().run()
    assert not at.exception
    assert at.status[0].state == "complete"
    assert len(at.success) == 1 and "sell now pays" in at.success[0].value
    table = at.dataframe[0].value
    assert table["Now vs target"][0].startswith("✓ sell now $") and table["Checked (UTC)"][0] != "never"
    assert table["Now vs target"][0].endswith("> $50.00")  # the value now and the target, with their currency
    assert table["Age"][0] in ("0 min", "1 min")  # each pair's age, and the worker's promise under the day
    assert any(c.value.startswith("Prices here are at most ") and " min old" in c.value for c in at.caption)
    alerts = at.dataframe[1].value
    assert len(alerts) == 1 and "no webhook" in alerts["Delivery"][0]

    at.button(key="watch_refresh").click().run()  # still met: no second alert
    assert not at.exception and len(at.success) == 0 and len(at.dataframe[1].value) == 1

    at.button(key="watch_remove").click().run()
    assert any("Stop watching this pair?" in w.value for w in at.warning)  # it asks first
    at.button(key="watch_remove_yes").click().run()
    assert not at.exception and any("No pairs watched yet" in i.value for i in at.info)
    assert len(at.dataframe) == 1  # the alert log stays


def test_watchlist_bad_input_is_a_warning(page: Callable[[str], AppTest]) -> None:
    at = page("watchlist")
    at.run()
    at.text_input(key="watch_query").set_value("DD1391-100")
    at.button(key="watch_add").click().run()
    assert not at.exception and any("at least one target" in w.value for w in at.warning)
    at.text_input(key="watch_size").set_value("99")
    at.number_input(key="watch_ask_below").set_value(100.0)
    at.button(key="watch_add").click().run()
    assert not at.exception and len(at.warning) == 1 and not at.dataframe


PAIRS = "style_id,size,cost,quantity\nDD1391-100,10,60,2\nCP9654,9.5,150,1\nNOPE-000,10,40,1\n"


def test_portfolio_import_value_sell(page: Callable[[str], AppTest]) -> None:
    at = page("portfolio")
    at.run()
    assert not at.exception and any("No pairs yet" in i.value for i in at.info)
    at.text_area(key="portfolio_paste").set_value("style_id,size,cost\nDD1391-100,99,60\nCP9654,10,abc\n")
    at.button(key="portfolio_import").click().run()
    assert not at.exception and "Nothing imported" in at.error[0].value
    assert "Line 2" in at.error[0].value and "Line 3" in at.error[0].value

    at.text_area(key="portfolio_paste").set_value(PAIRS)
    at.button(key="portfolio_import").click().run()
    assert not at.exception and at.success and at.status[0].state == "complete"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cost"] == "$310.00" and metrics["Value if sold now"].startswith("$")
    assert metrics["Realised this month"] == "$0.00"  # with its currency, like every figure
    table = at.dataframe[0].value
    assert len(table) == 2 and set(table["Advice"]) <= {"Sell now", "List", "Hold"}
    assert all(str(v).startswith("$") for column in ("Cost", "Unrealised") for v in table[column])
    assert "None" not in table.astype(str).to_numpy().ravel()
    assert any("NOPE" in w.value for w in at.warning)  # could not be valued: said, cost kept

    at.selectbox(key="sale_id").set_value(int(table["#"][0]))
    at.number_input(key="sale_price").set_value(300.0)
    at.button(key="sale_record").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Realised this month"] not in ("$0.00", "—") and metrics["Realised this month"].startswith("$")
    assert any(len(d.value) == 1 and "Profit" in d.value.columns for d in at.dataframe)


def test_portfolio_sales_in_two_currencies_add_up_converted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pair bought in euros and one in dollars, each sold: the month's realised profit is the euro sale
    converted to dollars at today's stated rate plus the dollar sale, never the two figures added."""
    monkeypatch.setenv("ANALYZER_FX_RATES", "EUR=0.92")
    at = start(monkeypatch).switch_page("ui/screens/portfolio.py")
    try:
        at.run()
        at.text_area(key="portfolio_paste").set_value("style_id,size,cost,currency\nDD1391-100,10,100,EUR\nCP9654,9.5,150,USD\n")
        at.button(key="portfolio_import").click().run()
        assert not at.exception
        assert {m.label: m.value for m in at.metric}["Cost"] == "$258.70"  # 100 / 0.92 = 108.695... -> 108.70, + 150
        ids = {row["Pair"]: row["#"] for _, row in at.dataframe[0].value.iterrows()}
        for pair, price in (("DD1391-100 US 10", 280.0), ("CP9654 US 9.5", 300.0)):
            at.selectbox(key="sale_id").set_value(int(ids[pair]))
            at.selectbox(key="sale_market").set_value("alias" if price == 280.0 else "stockx")
            at.number_input(key="sale_price").set_value(price)
            at.button(key="sale_record").click().run()
            assert not at.exception and not at.warning
        # EUR: (280 x 0.905 - 4.60) x 0.971 = 241.58 - 100 cost; in dollars 262.59 - 108.70 = 153.89; USD: 264 - 150 = 114
        assert {m.label: m.value for m in at.metric}["Realised this month"] == "$267.89"
        assert any("at today's rate: 1 USD = 0.92 EUR" in c.value for c in at.caption)
    finally:
        close()


def test_portfolio_page_refuses_hostile_files_as_the_cli_does(page: Callable[[str], AppTest],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17 point 6: the page's rules and messages are the CLI's (one import_file for both)."""
    monkeypatch.setenv("ANALYZER_IMPORT_MAX_BYTES", "300")
    at = page("portfolio")
    at.run()
    at.text_area(key="portfolio_paste").set_value("style_id,size,cost,currency\nDD1391-100,10,110,XYZ\n")
    at.button(key="portfolio_import").click().run()
    shown = at.error[0].value.replace("\\", "")  # markdown escapes off
    assert not at.exception and "Line 2: currency XYZ is not one the analyzer converts" in shown
    assert "AUD, CAD, CHF, EUR, GBP, HKD, JPY, KRW, MXN, NZD, SGD, USD" in shown
    at.text_area(key="portfolio_paste").set_value("style_id,size,cost\n" + "DD1391-100,10,110\n" * 20)
    at.button(key="portfolio_import").click().run()
    assert not at.exception
    assert "The file is larger than 300 bytes (ANALYZER_IMPORT_MAX_BYTES): split it." in at.error[0].value.replace("\\", "")
    assert any("No pairs yet" in i.value for i in at.info)  # nothing stored


def test_a_typed_webhook_is_checked_saved_for_its_owner_and_shown_as_its_host(page: Callable[[str], AppTest],
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.domain.owners import LOCAL, OwnerSettings
    from analyzer.store import Store, owners_repo

    monkeypatch.setenv("ANALYZER_WEBHOOK_ALLOW_LOOPBACK", "1")  # a receiver on this machine, as in tests
    at = page("watchlist")
    at.run()
    at.text_input(key="webhook_url").set_value("http://10.0.0.7/hook/secret-token")  # a private network: refused
    at.button(key="webhook_save").click().run()
    assert not at.exception and any("https" in w.value or "public address" in w.value for w in at.warning)
    at.text_input(key="webhook_url").set_value("http://127.0.0.1:9/hook/secret-token")
    at.button(key="webhook_save").click().run()
    assert not at.exception and at.text_input(key="webhook_url").value == ""  # not left in the box
    shown = " ".join(m.value for m in at.markdown).replace("\\", "")  # markdown escapes off
    assert "your webhook at http://127.0.0.1/…" in shown and "secret-token" not in shown
    from analyzer.config import Settings

    with Store.open(Settings.from_env()).read() as conn:
        assert owners_repo.load_settings(conn, LOCAL, OwnerSettings()).webhook == "http://127.0.0.1:9/hook/secret-token"
