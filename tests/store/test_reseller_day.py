"""Issue 20 on the Portfolio screen: the owner's fees and currency followed at once with no market
call (points 1 and 2), the progress at the top of what it refreshes (point 3), the sale form that
stays open (point 4) and the books to download (point 10)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import close, market_requests, start

PAIRS = "style_id,size,cost,quantity\nDD1391-100,10,100,2\nCP9654,9.5,150,1\n"


@pytest.fixture
def valued(monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("ANALYZER_FX_RATES", "EUR=0.92")
    at = start(monkeypatch).switch_page("ui/screens/portfolio.py")
    at.run()
    at.text_area(key="portfolio_paste").set_value(PAIRS)
    at.button(key="portfolio_import").click().run()
    assert not at.exception
    yield at
    close()


def figures(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_fees_and_currency_reprice_the_totals_at_once_without_a_market_call(valued: AppTest) -> None:
    before, asked = figures(valued), market_requests()
    valued.sidebar.selectbox(key="seller_level").set_value(5).run()
    after = figures(valued)
    assert not valued.exception and market_requests() == asked
    assert after["Cost"] == before["Cost"] and after["Value if sold now"] != before["Value if sold now"]
    assert any("StockX level 5" in c.value for c in valued.caption)  # the caption says the fees the figures are net of
    valued.sidebar.selectbox(key="currency").set_value("EUR").run()
    euros = figures(valued)
    assert not valued.exception and market_requests() == asked
    assert euros["Cost"] == "€322.00" and euros["Value if sold now"].startswith("€")  # (2 x 100 + 150) x 0.92
    assert all("€" in str(v) for v in valued.dataframe[0].value["Unrealised"]), valued.dataframe[0].value.to_dict()


def test_the_valuing_status_is_above_the_totals(valued: AppTest) -> None:
    """Not ~1000 px below, after the import form: first in the totals box it refreshes."""
    totals = next(block for block in valued.main.children.values() if str(getattr(block, "proto", "")).find("-totals") >= 0)
    first = totals.children[0]
    assert type(first).__name__ == "Status" and first.proto.label.startswith("Valued 2 positions")


def test_the_sale_form_stays_open_after_an_input(valued: AppTest) -> None:
    valued.session_state["sale_form"] = True
    valued.run()
    valued.number_input(key="sale_price").set_value(250.0).run()
    assert not valued.exception and sale_form(valued).proto.expanded  # the app says open on every run, not its default (shut)
    valued.number_input(key="sale_shipping").set_value(12.5).run()
    valued.button(key="sale_record").click().run()
    assert not valued.exception and not valued.warning and sale_form(valued).proto.expanded


def sale_form(at: AppTest):  # type: ignore[no-untyped-def]
    return next(e for e in at.main.children.values() if type(e).__name__ == "Expander" and e.proto.label.startswith("Record a sale"))


def test_books_download_lists_the_sale_with_its_shipping(valued: AppTest) -> None:
    valued.number_input(key="sale_price").set_value(250.0)
    valued.number_input(key="sale_shipping").set_value(12.5)
    valued.button(key="sale_record").click().run()
    assert not valued.exception
    buttons = [e for e in valued.get("download_button")]
    labels = [b.proto.label for b in buttons]
    assert "Books: every sale (CSV)" in labels and "Books: per month and market (CSV)" in labels


def test_importing_the_same_rows_again_asks_first(valued: AppTest) -> None:
    """The same file twice: nothing doubles until the person says add or replace."""
    table_before = len(valued.dataframe[0].value)
    valued.button(key="portfolio_import").click().run()
    assert not valued.exception and any("repeat 2 positions you hold" in w.value for w in valued.warning)
    assert len(valued.dataframe[0].value) == table_before  # nothing imported yet
    valued.button(key="import_replace").click().run()
    assert not valued.exception and len(valued.dataframe[0].value) == table_before
    assert figures(valued)["Cost"] == "$350.00"  # 2 x 100 + 150, not twice that
    valued.button(key="portfolio_import").click().run()
    valued.button(key="import_add").click().run()
    assert not valued.exception and figures(valued)["Cost"] == "$700.00"


def test_cli_import_of_repeated_rows_needs_add_or_replace(run_main, tmp_path) -> None:
    env = {"ANALYZER_DATA_DIR": str(tmp_path / "d")}
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(PAIRS)
    assert run_main("portfolio", "import", str(pairs), env=env)[0] == 0
    code, out, err = run_main("portfolio", "import", str(pairs), env=env)
    assert code == 2 and out == "" and err.count("\n") == 1 and "--add" in err and "--replace" in err
    code, out, _ = run_main("portfolio", "import", str(pairs), "--replace", env=env)
    assert code == 0 and "replacing 2" in out
    code, out, _ = run_main("portfolio", "import", str(pairs), "--add", "--json", env=env)
    assert code == 0 and '"imported": 2' in out
    code, out, _ = run_main("portfolio", "export", env=env)
    assert len(out.strip().splitlines()) == 1 + 4  # header, the file's two rows twice
