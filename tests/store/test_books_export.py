"""Books for the accountant: `portfolio export --sold --year 2026` lists every sale of the year with
its fees line by line, shipping, payout, cost and profit, in its own currency and the display
currency; `--summary` totals them per month and market. Opened as a spreadsheet would open them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from analyzer.domain.owners import LOCAL
from analyzer.domain.pricing import Fees
from analyzer.services.portfolio import record_sale
from analyzer.store import Store, positions_repo
from analyzer.store.positions_repo import NewPosition


@pytest.fixture
def sold_store(db_url: str) -> str:
    store = Store(db_url)
    with store.write() as conn:
        ids = positions_repo.add_positions(conn, [
            NewPosition("DD1391-100", 10.0, None, Decimal("100"), 1, "USD"),
            NewPosition("=HYPERLINK(\"http://x\")", 8.0, "W", Decimal("120"), 1, "EUR"),
            NewPosition("CP9654", 9.5, None, Decimal("90"), 1, "USD"),
            NewPosition("FQ1759-100", 7.0, "Y", Decimal("80"), 1, "USD"),
        ], owner=LOCAL)
    record_sale(store, ids[0], "stockx", 200, Fees(), "2026-03-05", owner=LOCAL, shipping=Decimal("12.50"))
    record_sale(store, ids[1], "alias", 280, Fees(), "2026-03-20", {"EUR": 0.92}, owner=LOCAL)
    record_sale(store, ids[2], "stockx", 150, Fees(), "2026-04-02", owner=LOCAL)
    record_sale(store, ids[3], "stockx", 150, Fees(), "2025-12-30", owner=LOCAL)  # another year
    return db_url


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_sales_of_the_year_line_by_line(sold_store: str, run_main, tmp_path) -> None:
    env = {"ANALYZER_DATABASE_URL": sold_store, "ANALYZER_DATA_DIR": str(tmp_path / "d"), "ANALYZER_CURRENCY": "EUR",
           "ANALYZER_FX_RATES": "EUR=0.92"}
    code, out, err = run_main("portfolio", "export", "--sold", "--year", "2026", env=env)
    assert code == 0, err
    sales = rows(out)
    assert [s["date"] for s in sales] == ["2026-03-05", "2026-03-20", "2026-04-02"]  # ISO dates, the other year left out
    first = sales[0]
    assert first["market"] == "stockx" and first["currency"] == "USD" and first["size"] == "US 10" and sales[1]["size"] == "US W 8"
    assert first["fee_1"].startswith("transaction fee") and first["fee_2"].startswith("payment processing")
    price, payout, shipping, cost = (Decimal(first[k]) for k in ("price", "payout", "shipping", "cost"))
    assert price + Decimal(first["fees_total"]) == payout and Decimal(first["fee_1_amount"]) < 0
    assert Decimal(first["profit"]) == payout - shipping - cost and shipping == Decimal("12.50")
    assert first["display_currency"] == "EUR" and Decimal(first["rate"]) == Decimal("0.92")
    assert Decimal(first["payout_shown"]) == (payout * Decimal("0.92")).quantize(Decimal("0.01"))
    euro = sales[1]
    assert euro["pair"].startswith("'=")  # a formula-like name is text, not a formula
    assert euro["fee_1"].startswith("commission") and euro["fee_2"] == "seller fee" and float(euro["fee_2_amount"]) < 0
    assert euro["rate"] == "" and euro["payout_shown"] == euro["payout"] and euro["shipping"] == "0.00"
    for sale in sales:  # numbers as numbers: every amount parses, none carries a currency sign
        for key in ("price", "fees_total", "payout", "cost", "profit", "payout_shown", "profit_shown"):
            float(sale[key])
    assert "3 sales in 2026" in err


def test_summary_per_month_and_market(sold_store: str, run_main, tmp_path) -> None:
    env = {"ANALYZER_DATABASE_URL": sold_store, "ANALYZER_DATA_DIR": str(tmp_path / "d"), "ANALYZER_CURRENCY": "USD",
           "ANALYZER_FX_RATES": "EUR=0.92"}
    code, out, err = run_main("portfolio", "export", "--sold", "--year", "2026", "--summary", env=env)
    assert code == 0, err
    summary = rows(out)
    keys = [(r["month"], r["market"], r["pairs"]) for r in summary]
    assert keys == [("2026-03", "alias", "1"), ("2026-03", "stockx", "1"), ("2026-04", "stockx", "1"),
                    ("all", "alias", "1"), ("all", "stockx", "2"), ("all", "all", "3")]
    total = summary[-1]
    months = [r for r in summary if r["month"] != "all"]
    assert Decimal(total["profit"]) == sum(Decimal(r["profit"]) for r in months)
    assert Decimal(total["shipping"]) == Decimal("12.50") and total["currency"] == "USD"


def test_year_and_summary_need_sold(run_main, tmp_path) -> None:
    env = {"ANALYZER_DATA_DIR": str(tmp_path / "d")}
    code, out, err = run_main("portfolio", "export", "--year", "2026", env=env)
    assert code == 2 and out == "" and err.startswith("error: ") and "--sold" in err
    code, _, err = run_main("portfolio", "export", "--sold", "--year", "26x", env=env)
    assert code == 2 and "year" in err
