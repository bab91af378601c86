"""Lookups over real HTTP against the sandbox marketplace."""

from __future__ import annotations

import statistics

import pytest

from analyzer.sandbox import prices
from analyzer.sandbox.app import SANDBOX_STOCKX_KEY


def shoe(style: str) -> prices.Shoe:
    return next(s for s in prices.load_catalog() if style in s.style_ids)


def test_lookup_quotes_both_markets_with_the_right_numbers(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox).lookup("DD1391-100", "10")
    assert result.source == "sandbox" and result.success
    panda = shoe("DD1391-100")
    for market in ("stockx", "alias"):
        book, quote = prices.book(panda, market, 10.0), result.quotes[market]
        assert (quote.lowest_ask, quote.highest_bid) == (book.lowest_ask, book.highest_bid)
        assert quote.style_id.replace(" ", "-") == "DD1391-100"
    # StockX: search, variants, market data; Alias: catalog, availabilities and recent sales
    assert result.quotes["stockx"].calls == 3 and result.quotes["alias"].calls == 3
    assert result.quotes["alias"].last_sale == prices.book(panda, "alias", 10.0).last_sale
    assert result.quotes["stockx"].last_sale is None  # StockX publishes no last sale
    assert result.product["title"] == "Nike Dunk Low Retro White Black Panda"
    assert result.product["retail_price"] == 115.0


def test_crossed_book_is_reported_as_data(fast_sandbox, analyzer_for) -> None:
    quote = analyzer_for(fast_sandbox).lookup("DD1391-100", "US 9").quotes["alias"]
    assert quote.ok and quote.highest_bid > quote.lowest_ask


def test_name_found_on_one_market_is_matched_on_the_other_by_style_id(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox).lookup("panda", "10")
    assert result.success
    assert result.quotes["alias"].style_id == "DD1391 100"
    assert result.quotes["alias"].calls == 4  # search, search by style ID, availabilities + recent sales


def test_spaced_style_id_and_second_id_of_two(fast_sandbox, analyzer_for) -> None:
    analyzer = analyzer_for(fast_sandbox)
    assert analyzer.lookup("dd1391 100", "10").success
    af1 = analyzer.lookup("CW2288-111", "10")
    assert af1.success and af1.quotes["stockx"].style_id == "315122-111/CW2288-111"


def test_size_not_offered_names_the_sizes(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox).lookup("CP9654", "20")
    for quote in result.quotes.values():
        assert not quote.ok and quote.error_kind == "size_not_offered"
        assert "US M 20" in quote.error and "US M 4 to 14" in quote.error


def test_unknown_shoe_is_each_markets_error(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox).lookup("qqqqzzzz", "10")
    assert not result.any_quoted
    assert {q.error_kind for q in result.quotes.values()} == {"not_found"}


def test_one_market_down_keeps_the_others_quote(sandbox_factory, analyzer_for) -> None:
    sandbox = sandbox_factory(down={"alias"})
    result = analyzer_for(sandbox, max_retries=1).lookup("DD1391-100", "10")
    assert result.quotes["stockx"].ok and result.quotes["stockx"].lowest_ask is not None
    alias = result.quotes["alias"]
    assert not alias.ok and alias.error_kind == "unavailable" and "Alias" in alias.error
    assert result.pricing.best_buy.market == "stockx"


def test_refused_key_is_a_plain_error_without_the_key(fast_sandbox, analyzer_for) -> None:
    wrong = "sk_live_should_never_show_1234"
    result = analyzer_for(fast_sandbox, stockx_api_key=wrong).lookup("DD1391-100", "10")
    stockx = result.quotes["stockx"]
    assert not stockx.ok and stockx.error == "StockX refused the API key"
    assert wrong not in result.to_json() and SANDBOX_STOCKX_KEY not in result.to_json()
    assert result.quotes["alias"].ok


def test_stockx_refresh_flow_gets_a_token(fast_sandbox, analyzer_for) -> None:
    analyzer = analyzer_for(fast_sandbox, stockx_access_token=None, stockx_client_id="cid",
                            stockx_client_secret="csecret", stockx_refresh_token="rtoken")
    assert analyzer.lookup("CP9654", "10").quotes["stockx"].ok


def test_progress_events_cover_every_call(fast_sandbox, analyzer_for) -> None:
    events = []
    analyzer_for(fast_sandbox, use_cache=False).lookup("CP9654", "10", on_progress=events.append)
    steps = [e for e in events if e.step != "quote"]
    assert sorted((e.market, e.step) for e in steps) == sorted(
        [("stockx", "search"), ("stockx", "variants"), ("stockx", "market_data"), ("alias", "search"), ("alias", "availability"),
         ("alias", "sales"), ("ebay", "search"), ("ebay", "listings")])
    assert [e.fraction for e in events] == sorted(e.fraction for e in events)
    assert events[-1].fraction == 1.0
    ready = {e.market: e.quote for e in events if e.step == "quote"}
    assert set(ready) == {"stockx", "alias", "ebay"} and all(q.ok for q in ready.values())


def test_compare_keeps_the_order_asked(fast_sandbox, analyzer_for) -> None:
    queries = ["CP9654", "DZ5485-612", "qqqqzzzz", "555088-101"]
    results = analyzer_for(fast_sandbox).compare(queries, "10")
    assert [r.query for r in results] == queries
    assert [r.any_quoted for r in results] == [True, True, False, True]


def test_parallel_is_faster_than_sequential_in_one_run(sandbox_factory, analyzer_for) -> None:
    """A ratio measured side by side, not a wall-clock threshold: two round trips against five."""
    sandbox = sandbox_factory(latency_ms=(60.0, 60.0))
    analyzer = analyzer_for(sandbox, use_cache=False, record=False)
    timings: dict[str, list[float]] = {"parallel": [], "sequential": []}
    for _ in range(5):  # medians of 5: one lookup stalled by a busy machine does not decide it
        for mode in timings:
            timings[mode].append(analyzer.lookup("CP9654", "10", mode=mode).elapsed_s)
    ratio = statistics.median(timings["parallel"]) / statistics.median(timings["sequential"])
    assert ratio < 0.8, timings


@pytest.mark.parametrize("query", ["<script>alert(1)</script>", "'; DROP TABLE lookups;--", "👟 dunk", "../../etc/passwd", "&?#=%"])
def test_odd_queries_are_sent_encoded_and_answered(fast_sandbox, analyzer_for, query: str) -> None:
    result = analyzer_for(fast_sandbox).lookup(query, "10")
    assert {q.error_kind for q in result.quotes.values()} <= {"not_found", None}


@pytest.mark.parametrize("query", ["DD1391-100", "panda"])
def test_a_slow_market_never_delays_the_other(sandbox_factory, analyzer_for, query: str) -> None:
    """Each market's chain runs on its own: StockX (listed first) never waits on Alias's searches."""
    sandbox = sandbox_factory(latency_ms=(20.0, 20.0), extra_latency_ms={"alias": 400.0})
    result = analyzer_for(sandbox, use_cache=False).lookup(query, "10")
    assert result.success
    assert result.quotes["stockx"].elapsed_s < 0.5 * result.quotes["alias"].elapsed_s  # side by side, whatever the load
