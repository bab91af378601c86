"""Portfolio: all-or-nothing import, export round trip, valuation at a known payout, the fresh-snapshot
shortcut, sales and realised totals per month, and the issue's done-when through the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from analyzer.domain.owners import LOCAL
from analyzer.domain.pricing import Fees, payout
from analyzer.domain.validation import InvalidInput
from analyzer.services.portfolio import advise, realised, record_sale, value_portfolio
from analyzer.services.portfolio_csv import export_csv, import_csv, parse_csv
from analyzer.store import Store, positions_repo
from tests.clirun import cli_env, run_cli

GOOD = """style_id,size,cost,quantity,bought_at,currency,note
DD1391-100,10,80,2,2026-10-01,USD,panda
CP9654,9.5,150,1,2026-09-15,,
DZ5485-612,10,"1,20.00",1,,,
"""
BAD = """query,size,cost,quantity,bought_at,currency,note
DD1391-100,10,80,2,2026-10-01,USD,ok row
,10,80,1,,,no shoe
CP9654,99,150,1,,,
CP9654,10,abc,1,,,
CP9654,10,100,0,,,
CP9654,10,100,1,yesterday,,
CP9654,10,100,1,,dollars,
CP9654,10,100,1,,,,extra
"""


def test_good_file_imports_every_row_in_one_go_and_exports_back(db_url: str) -> None:
    store = Store(db_url)
    done = import_csv(store, GOOD, owner=LOCAL)
    assert done.problems == [] and len(done.ids) == 3
    with store.read() as conn:
        held = positions_repo.open_positions(conn, owner=LOCAL)
    assert [(p.query, p.size, p.cost, p.quantity, p.bought_at, p.note) for p in held] == [
        ("DD1391-100", 10.0, 80.0, 2, "2026-10-01", "panda"), ("CP9654", 9.5, 150.0, 1, "2026-09-15", None),
        ("DZ5485-612", 10.0, 120.0, 1, None, None)]
    exported = export_csv(held)
    assert next(iter(csv.DictReader(io.StringIO(exported))))["style_id"] == "DD1391-100"
    again, problems = parse_csv(exported)
    assert problems == [] and [(p.query, p.size, p.cost, p.quantity) for p in again] == [
        (p.query, p.size, p.cost, p.quantity) for p in held]


def test_bad_file_imports_nothing_and_names_every_bad_line(db_url: str) -> None:
    store = Store(db_url)
    done = import_csv(store, BAD, owner=LOCAL)
    assert done.ids == []
    lines = {p.line: p.reason for p in done.problems}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9]
    assert "Type a shoe" in lines[3] and "99" in lines[4] and "cost" in lines[5] and "quantity" in lines[6]
    assert "date" in lines[7] and "currency" in lines[8] and "more cells" in lines[9]
    with store.read() as conn:
        assert positions_repo.open_positions(conn, owner=LOCAL) == []
    assert parse_csv("shoe,size\nX,10\n")[1][0].line == 1
    assert parse_csv("style_id,size,cost\n")[1][0].reason == "no positions in the file"


def test_advice_from_payouts_cost_and_margin() -> None:
    assert advise(100, 115, 120, 0.1) == "sell now"
    assert advise(100, 115, 130, 0.1) == "list"  # listing earns another margin's worth
    assert advise(100, 105, 112, 0.1) == "list"
    assert advise(100, 105, 108, 0.1) == "hold"
    assert advise(100, None, None, 0.1) == "hold"


def test_valuation_at_a_known_payout_then_from_fresh_snapshots(fast_sandbox, recording_analyzer) -> None:
    analyzer = recording_analyzer(fast_sandbox, market_ttl_s=600)
    store = Store.open(analyzer.settings)
    import_csv(store, GOOD + "NOPE-000,10,50,1,,,\n", owner=LOCAL)
    quotes = analyzer.lookup("CP9654", "9.5").quotes
    fees = analyzer.settings.fees
    known = max(payout(m, q.highest_bid, fees) for m, q in quotes.items() if q.ok and q.highest_bid is not None)

    before = sum(fast_sandbox.counters.requests.values())
    first = value_portfolio(analyzer, store, owner=LOCAL)
    data = first.to_dict()
    assert first.from_store == 1  # CP9654 was just looked up: its snapshot is fresh
    cp = next(p for p in data["positions"] if p["query"] == "CP9654")
    assert cp["sell_now"]["payout"] == known and cp["unrealised"] == round(known - 150, 2)
    assert cp["roi"] == round((known - 150) / 150, 4) and cp["advice"] in ("sell now", "list", "hold")
    assert [e["query"] for e in data["errors"]] == ["NOPE-000"]
    totals = data["totals"]
    assert totals["cost"] == 80 * 2 + 150 + 120 + 50  # the pair that could not be valued keeps its cost
    assert totals["unrealised"] == round(sum(p["unrealised"] for p in data["positions"]), 2)
    assert totals["sell_now_value"] == round(sum(p["sell_now"]["payout"] * p["quantity"] for p in data["positions"]), 2)
    gains = [max(x["payout"] for x in (p["sell_now"], p["list"]) if x) - p["cost"] for p in data["positions"]]
    assert [g * p["quantity"] for g, p in zip(gains, data["positions"], strict=True)] == sorted(
        [g * p["quantity"] for g, p in zip(gains, data["positions"], strict=True)], reverse=True)
    assert sum(fast_sandbox.counters.requests.values()) > before

    asked = sum(fast_sandbox.counters.requests.values())
    second = value_portfolio(analyzer, store, owner=LOCAL)
    assert second.from_store == 3 and sum(fast_sandbox.counters.requests.values()) == asked  # no market call
    assert second.to_dict()["totals"] == totals


def test_sales_and_realised_totals_per_month(db_url: str) -> None:
    store = Store(db_url)
    ids = import_csv(store, GOOD, owner=LOCAL).ids
    fees = Fees()
    sale = record_sale(store, ids[0], "stockx", 200.0, fees, "2026-10-20", owner=LOCAL)
    assert sale["payout"] == payout("stockx", 200.0, fees) == 176.0 and sale["profit"] == 96.0 and sale["roi"] == 1.2
    record_sale(store, ids[0], "alias", 150.0, fees, "2026-11-02", owner=LOCAL)
    record_sale(store, ids[1], "stockx", 300.0, fees, "2026-11-29", owner=LOCAL)
    with pytest.raises(LookupError):
        record_sale(store, ids[1], "stockx", 300.0, fees, owner=LOCAL)
    with pytest.raises(InvalidInput):
        record_sale(store, ids[2], "stockx", 300.0, fees, "last week", owner=LOCAL)
    with store.read() as conn:
        assert [p.query for p in positions_repo.open_positions(conn, owner=LOCAL)] == ["DZ5485-612"]
        done = realised(positions_repo.sold_positions(conn, owner=LOCAL))
    alias_paid = payout("alias", 150.0, fees)
    assert [m["month"] for m in done["months"]] == ["2026-10", "2026-11"]
    assert done["months"][1]["pairs"] == 2 and done["months"][1]["payout"] == round(alias_paid + 264.0, 2)
    assert done["totals"]["profit"] == round(96.0 + alias_paid - 80 + 264.0 - 150, 2)
    with store.write() as conn:
        assert positions_repo.remove_position(conn, ids[2], owner=LOCAL) and not positions_repo.remove_position(conn, ids[2], owner=LOCAL)


def test_done_when_five_pairs_through_the_cli(fast_sandbox, db_url: str, tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", fast_sandbox.url, db_url)
    good = tmp_path / "five.csv"
    good.write_text(GOOD + "FZ5897-100,11,60,1,2026-11-01,,gift\nDD1391-100,8W,70,1,,,\n")
    imported = run_cli(env, "portfolio", "import", str(good))
    assert imported.returncode == 0 and "imported 5 positions" in imported.stdout, imported.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    refused = run_cli(env, "portfolio", "import", str(bad))
    assert refused.returncode == 2 and "line 3:" in refused.stderr and "line 9:" in refused.stderr

    valued = run_cli(env, "portfolio", "--json")
    assert valued.returncode == 0, valued.stderr
    data = json.loads(valued.stdout)
    assert set(data) >= {"positions", "totals", "currency", "errors"}  # fields may be added, never removed
    assert len(data["positions"]) + len(data["errors"]) == 5
    for p in data["positions"]:
        assert set(p) >= {"id", "query", "size", "size_label", "quantity", "cost", "sell_now", "list", "unrealised", "roi",
                          "advice", "quoted_at"}
        assert p["advice"] in ("sell now", "list", "hold")
    totals = data["totals"]
    assert totals["cost"] == 80 * 2 + 150 + 120 + 60 + 70
    assert totals["unrealised"] == round(sum(p["unrealised"] or 0 for p in data["positions"]), 2)

    exported = run_cli(env, "portfolio", "export")
    assert exported.stdout.startswith("style_id,query,size,cost,quantity,bought_at,currency,note")
    first = data["positions"][0]["id"]
    sold = run_cli(env, "portfolio", "sold", str(first), "--market", "stockx", "--price", "250", "--json")
    assert sold.returncode == 0 and json.loads(sold.stdout)["payout"] == 220.0
    sales = json.loads(run_cli(env, "portfolio", "sales", "--json").stdout)
    assert sales["totals"]["pairs"] == 1
    assert run_cli(env, "portfolio", "remove", "999").returncode == 2


def test_a_converted_size_is_valued_from_fresh_snapshots_next_time(fast_sandbox, recording_analyzer) -> None:
    analyzer = recording_analyzer(fast_sandbox, market_ttl_s=600)
    store = Store.open(analyzer.settings)
    import_csv(store, "style_id,size,cost\nDD1391-100,8W,70\n", owner=LOCAL)
    first = value_portfolio(analyzer, store, owner=LOCAL)
    assert first.looked_up == 1 and first.valued[0].error is None
    asked = sum(fast_sandbox.counters.requests.values())
    second = value_portfolio(analyzer, store, owner=LOCAL)
    assert second.from_store == 1 and sum(fast_sandbox.counters.requests.values()) == asked
    assert second.to_dict()["positions"][0]["sell_now"] == first.to_dict()["positions"][0]["sell_now"]


def test_bench_reports_calls_time_and_the_rate_bound(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", "", "")
    env.pop("ANALYZER_SANDBOX_URL")
    env.pop("ANALYZER_DATABASE_URL")
    done = run_cli(env, "portfolio", "bench", "--positions", "3", "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["valued"] == 3 and figures["calls"] == {"stockx": 9, "alias": 9, "ebay": 6}  # three calls a pair (eBay two)
    assert figures["warm_calls"] == 0 and figures["warm_from_store"] == 3
    assert figures["cold_s"] >= figures["rate_bound_s"] == 1.0  # alias: (9 - burst 8) / 1 per s
    assert run_cli(env, "portfolio", "bench", "--positions", "0").returncode == 2
