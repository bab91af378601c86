"""A EUR and a USD position, one sale in each: every total is the converted sum in the display currency,
at a stated rate, and Alias's $5 fee is converted to euros before it is subtracted from a euro price."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from analyzer.domain.money import rounded
from analyzer.domain.owners import LOCAL
from analyzer.domain.pricing import Fees
from analyzer.domain.validation import InvalidInput
from analyzer.services.portfolio import realised, record_sale
from analyzer.services.portfolio_csv import import_csv
from analyzer.store import Store, positions_repo
from tests.clirun import cli_env, run_cli

PAIRS = """style_id,size,cost,quantity,bought_at,currency,note
DD1391-100,10,100,2,2026-10-01,EUR,bought in Paris
CP9654,9.5,150,2,2026-10-02,USD,
"""
EUR = Decimal("0.92")  # units per US dollar, as ANALYZER_FX_RATES says


def to_eur(usd: str) -> Decimal:
    return rounded(Decimal(usd) * EUR, "EUR")


def test_sales_in_two_currencies_are_converted_before_they_are_added(db_url: str) -> None:
    store = Store(db_url)
    eur_id, usd_id = import_csv(store, PAIRS, owner=LOCAL).ids
    with pytest.raises(InvalidInput, match="rate"):  # no rate: no payout rather than $5 taken from euros
        record_sale(store, eur_id, "alias", 280.0, Fees(), "2026-11-10", owner=LOCAL)
    sale = record_sale(store, eur_id, "alias", 280.0, Fees(), "2026-11-10", {"EUR": 0.92}, owner=LOCAL)
    # (280 x 0.905 - 5 x 0.92) x 0.971 = 241.5848: EUR 241.58, not the 241.20 of subtracting $5 from euros
    assert (sale["price"], sale["payout"], sale["profit"], sale["currency"]) == (280.0, 241.58, 141.58, "EUR")
    record_sale(store, usd_id, "stockx", 300.0, Fees(), "2026-11-12", owner=LOCAL)
    with store.read() as conn:
        sold = positions_repo.sold_positions(conn, owner=LOCAL)
    done = realised(sold, "EUR", {"EUR": 0.92})
    eur_sale, usd_sale = done["sales"]
    assert eur_sale["converted"]["payout"] == eur_sale["payout"] == 241.58 and eur_sale["converted"]["rate"] is None
    assert usd_sale["payout"] == 264.0 and usd_sale["currency"] == "USD"
    assert usd_sale["converted"]["payout"] == float(to_eur("264.00")) == 242.88
    month = done["months"][0]
    assert month["currency"] == "EUR" and month["pairs"] == 2
    assert Decimal(str(month["payout"])) == Decimal("241.58") + to_eur("264.00")  # 484.46, never "505.20"
    assert Decimal(str(month["cost"])) == Decimal("100.00") + to_eur("150.00")
    assert Decimal(str(month["profit"])) == Decimal("141.58") + to_eur("264.00") - to_eur("150.00")
    assert done["totals"] == {"pairs": 2, "payout": 484.46, "cost": 238.0, "profit": 246.46, "currency": "EUR"}
    assert done["fx"] == {"EUR": 0.92} and done["rate_basis"] == "today"
    assert any("today's rate" in note for note in done["notes"])
    in_dollars = realised(sold, "USD", {"EUR": 0.92})["totals"]  # the same sales, shown in dollars
    assert in_dollars["currency"] == "USD" and in_dollars["payout"] == 526.59  # 264.00 + 241.58 / 0.92 (262.5869... -> 262.59)
    assert realised(sold, "EUR", {})["unconverted"] == [usd_sale["id"]]  # no rate: left out, and said


def test_portfolio_and_sales_json_in_the_display_currency(fast_sandbox, db_url: str, tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", fast_sandbox.url, db_url, ANALYZER_FX_RATES="EUR=0.92", ANALYZER_CURRENCY="EUR")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(PAIRS)
    assert run_cli(env, "portfolio", "import", str(pairs)).returncode == 0
    valued = run_cli(env, "portfolio", "--json")
    assert valued.returncode == 0, valued.stderr
    data = json.loads(valued.stdout)  # stdout is the JSON alone; progress went to stderr, a line per pair in a pipe
    assert valued.stderr.count("portfolio: ") >= 2 and "100%" in valued.stderr
    assert data["currency"] == data["totals"]["currency"] == "EUR"
    assert data["fx"] == {"EUR": 0.92} and data["rate_basis"] == "today"
    assert data["totals"]["cost"] == 2 * 100.0 + 2 * float(to_eur("150"))  # 476.00: converted, then added
    for p in data["positions"]:
        assert p["currency"] == "EUR" and isinstance(p["cost"], float)
        assert (p["cost_paid"], p["cost_currency"]) in ((100.0, "EUR"), (150.0, "USD"))
        for pick in (p["sell_now"], p["list"]):
            assert pick is None or pick["currency"] == "EUR"
    by_cost = {p["cost_currency"]: p["id"] for p in data["positions"]}
    eur_sold = run_cli(env, "portfolio", "sold", str(by_cost["EUR"]), "--market", "alias", "--price", "280", "--at", "2026-11-10",
                       "--json")
    assert eur_sold.returncode == 0, eur_sold.stderr
    assert json.loads(eur_sold.stdout)["payout"] == 241.58
    usd_sold = run_cli(env, "portfolio", "sold", str(by_cost["USD"]), "--market", "stockx", "--price", "300", "--at", "2026-11-12")
    assert usd_sold.returncode == 0 and "$264.00" in usd_sold.stdout, usd_sold.stdout
    sales = json.loads(run_cli(env, "portfolio", "sales", "--json").stdout)
    assert sales["currency"] == "EUR" and sales["fx"] == {"EUR": 0.92}
    assert sales["totals"] == {"pairs": 2, "payout": 484.46, "cost": 238.0, "profit": 246.46, "currency": "EUR"}
    text = run_cli(env, "portfolio", "sales").stdout
    assert "payout €484.46" in text and "+€246.46" in text and "at today's rate: 1 USD = 0.92 EUR" in text, text
    after = json.loads(run_cli(env, "portfolio", "--json").stdout)
    assert after["totals"]["cost"] == 100.0 + float(to_eur("150"))
