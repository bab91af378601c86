"""Books (issue 16): the CP9654 sequence of the issue (global, then Europe consigned only, then global
again) keeps one book per series in history, its change, its sales, the watch's stored quotes and the
portfolio's valuation; two books' snapshots of one moment both store; `history --region --consigned`
says which book it shows. Each runs on SQLite, and on PostgreSQL when ANALYZER_TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from analyzer.domain.books import Book, default_book
from analyzer.domain.models import LookupResult, Product, Quote, SizePrice
from analyzer.domain.owners import LOCAL
from analyzer.lookup.engine import Analyzer
from analyzer.lookup.metrics import MetricsStore
from analyzer.services.portfolio import value_portfolio
from analyzer.services.portfolio_csv import import_csv
from analyzer.services.watch import resolved_of, stored_quotes
from analyzer.store import Store, history_for_result
from analyzer.store.market_data import write_result
from analyzer.store.schema import sales, snapshots
from tests.clirun import cli_env, run_cli

GLOBAL = default_book("alias")
EU_CONSIGNED = Book("alias", "eu", "true", "new_good_box")


def cp9654_sequence(sandbox: Any, recording_analyzer: Any) -> tuple[Analyzer, Analyzer, list[LookupResult]]:
    """The issue's steps: CP9654 size 10 on Alias's global book, on Europe consigned only, on global again."""
    world = recording_analyzer(sandbox, market_ttl_s=1.0, ebay_client_id=None)  # eBay off: the picks are Alias's books
    europe = Analyzer(world.settings.with_(alias_region="eu", alias_consigned="true"), metrics=world.metrics)
    first = world.lookup("CP9654", "10")
    second = europe.lookup("CP9654", "10")
    time.sleep(2.1)  # the global market data expire (the cache keeps whole seconds): a second global point
    third = world.lookup("CP9654", "10")
    assert all(r.quotes["alias"].ok and r.quotes["alias"].fresh for r in (first, second, third)), [
        (r.quotes["alias"].ok, r.quotes["alias"].fresh, r.quotes["alias"].error, r.quotes["alias"].calls) for r in (first, second, third)]
    return world, europe, [first, second, third]


def test_the_cp9654_sequence_keeps_one_book_per_series(fast_sandbox, recording_analyzer) -> None:
    world, europe, (first, second, third) = cp9654_sequence(fast_sandbox, recording_analyzer)
    assert first.quotes["alias"].book == third.quotes["alias"].book == GLOBAL
    assert second.quotes["alias"].book == EU_CONSIGNED and second.to_dict()["quotes"]["alias"]["book"]["region"] == "eu"
    global_ask, europe_ask = first.quotes["alias"].lowest_ask, second.quotes["alias"].lowest_ask
    assert global_ask != europe_ask  # the two books differ, or this test would prove nothing

    on_global = history_for_result(world.settings, third, 30, world.books)
    alias_points = [p for p in on_global.points if p.market == "alias"]
    assert [p.book for p in alias_points] == [GLOBAL.key, GLOBAL.key]
    assert {p.lowest_ask for p in alias_points} == {global_ask}
    assert on_global.sales and {s.book for s in on_global.sales} == {GLOBAL.key}
    week = on_global.change(7)["alias"]["lowest_ask"]
    assert week is not None and week["from"] == week["to"] == global_ask  # never 529 -> 612

    on_europe = history_for_result(world.settings, second, 30, europe.books)
    assert [p.lowest_ask for p in on_europe.points if p.market == "alias"] == [europe_ask]
    assert on_europe.sales and {s.book for s in on_europe.sales} == {EU_CONSIGNED.key}
    assert all(s.consigned for s in on_europe.sales)
    assert on_europe.change(7)["alias"]["lowest_ask"] is None  # one point of that book: no change yet
    # StockX has one book: the same points whichever Alias book is shown.
    assert [p.at for p in on_europe.points if p.market == "stockx"] == [p.at for p in on_global.points if p.market == "stockx"]

    data = on_europe.to_dict()
    assert data["book"]["alias"] == {"market": "alias", "region": "eu", "consigned": "true", "condition": "new_good_box",
                                     "key": EU_CONSIGNED.key, "label": "Alias Europe, consigned only, new in a good box"}
    assert data["book"]["stockx"]["key"] == "stockx:global:any:new"
    assert {p["book"] for p in data["points"] if p["market"] == "alias"} == {EU_CONSIGNED.key}
    # A history asked in another book than its result's quote reads the book asked for.
    assert {p.book for p in history_for_result(world.settings, second, 30, world.books).points
            if p.market == "alias"} == {GLOBAL.key}


def test_watch_and_portfolio_read_the_book_they_value_with(fast_sandbox, recording_analyzer) -> None:
    world, europe, (first, second, _) = cp9654_sequence(fast_sandbox, recording_analyzer)
    store = Store.open(world.settings)
    resolved = resolved_of(first.quotes)
    assert stored_quotes(store, resolved, 600, world.books)["alias"].lowest_ask == first.quotes["alias"].lowest_ask
    assert stored_quotes(store, resolved, 600, europe.books)["alias"].lowest_ask == second.quotes["alias"].lowest_ask

    import_csv(store, "style_id,size,cost,quantity\nCP9654,10,300,1\n", owner=LOCAL)
    global_list = first.pricing.best_list.payout
    europe_list = second.pricing.best_list.payout
    assert global_list != europe_list
    valuer = Analyzer(world.settings.with_(market_ttl_s=600))  # the snapshots above are fresh for it
    asked = sum(fast_sandbox.counters.requests.values())
    for _ in range(2):  # by style key (nothing matched yet), then by what the first valuation remembered
        valued = value_portfolio(valuer, store, owner=LOCAL)
        assert valued.from_store == 1 and valued.valued[0].listing == {"market": "alias", "payout": global_list, "currency": "USD"}
    assert sum(fast_sandbox.counters.requests.values()) == asked  # from the stored global book, no market call
    in_europe = value_portfolio(Analyzer(europe.settings.with_(market_ttl_s=600)), store, owner=LOCAL)
    assert in_europe.from_store == 1 and in_europe.valued[0].listing == {"market": "alias", "payout": europe_list, "currency": "USD"}


def fake_result(book: Book, ask: float, at: str) -> LookupResult:
    product = Product("alias", "cat-1", "Shoe", style_ids=("AB1234-100",))
    quote = Quote("alias", True, size=10.0, lowest_ask=ask, sizes=[SizePrice(10.0, lowest_ask=ask)], product=product,
                  fresh=True, quoted_at=at, calls=1, book=book, style_id="AB1234-100", scale="M",
                  recent_sales=[])
    return LookupResult("AB1234-100", 10.0, "US 10", "USD", "parallel", "sandbox", 0.1, None, {"alias": quote}, {})


def test_two_books_snapshots_of_one_moment_both_store(db_url: str) -> None:
    store = Store(db_url)
    at = "2026-11-29T12:00:00+00:00"
    with store.write() as conn:
        write_result(conn, fake_result(GLOBAL, 529.0, at))
        write_result(conn, fake_result(EU_CONSIGNED, 612.0, at))
        write_result(conn, fake_result(EU_CONSIGNED, 612.0, at))  # a repeat of one book is stored once
        write_result(conn, fake_result(replace(EU_CONSIGNED, consigned="false"), 640.0, at))
    with store.read() as conn:
        stored = conn.execute(select(snapshots.c.book, snapshots.c.lowest_ask).order_by(snapshots.c.lowest_ask)).all()
    assert [tuple(r) for r in stored] == [(GLOBAL.key, 529.0), (EU_CONSIGNED.key, 612.0), ("alias:eu:false:new_good_box", 640.0)]


def test_history_command_says_which_book_it_shows(fast_sandbox, db_url: str, tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", fast_sandbox.url, db_url, ANALYZER_MARKET_TTL_S="1")
    args = ("history", "CP9654", "--size", "10", "--json")
    first = run_cli(env, *args)
    europe = run_cli(env, *args, "--region", "EU", "--consigned", "true")
    time.sleep(1.1)
    again = run_cli(env, *args)
    assert first.returncode == europe.returncode == again.returncode == 0, (first.stderr, europe.stderr, again.stderr)
    on_global, on_europe = json.loads(again.stdout), json.loads(europe.stdout)
    assert on_global["book"]["alias"]["key"] == GLOBAL.key and on_europe["book"]["alias"]["key"] == EU_CONSIGNED.key
    global_asks = {p["lowest_ask"] for p in on_global["points"] if p["market"] == "alias"}
    europe_asks = {p["lowest_ask"] for p in on_europe["points"] if p["market"] == "alias"}
    assert len([p for p in on_global["points"] if p["market"] == "alias"]) == 2 and len(global_asks) == 1
    assert global_asks.isdisjoint(europe_asks)
    assert {p["book"] for p in on_global["points"] if p["market"] == "alias"} == {GLOBAL.key}
    assert on_europe["sales"] and all(s["consigned"] for s in on_europe["sales"])
    assert {"query", "size", "size_label", "points", "sales"} <= set(on_global)  # nothing renamed or removed

    text = run_cli(env, "history", "CP9654", "--size", "10", "--region", "eu", "--consigned", "true")
    assert text.returncode == 0 and "books: StockX standard book (new); Alias Europe, consigned only" in text.stdout
    bad = run_cli(env, "history", "CP9654", "--size", "10", "--region", "mars")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    with Store(db_url).read() as conn:
        assert {r.book for r in conn.execute(select(sales.c.book))} == {GLOBAL.key, EU_CONSIGNED.key}


def test_a_recorder_without_books_stores_the_default_book(db_url: str) -> None:
    """A quote without a book (made by hand, or by an older market) is of its market's default book."""
    store = MetricsStore(db_url)
    result = fake_result(GLOBAL, 500.0, "2026-11-29T12:00:00+00:00")
    result.quotes["alias"].book = None
    store.record(result)
    with store.store.read() as conn:
        assert conn.execute(select(snapshots.c.book)).scalar_one() == GLOBAL.key
