"""Issue 9 over real HTTP against the sandbox, which answers in the real shapes: size scales,
currencies, StockX's suggested prices, Alias regions, consigned books and recent sales."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from analyzer.sandbox.app import SandboxConfig
from tests import clirun


@pytest.mark.parametrize("size", ["8", "W 8", "8W", "US W 8"])
def test_womens_shoe_by_its_own_size_is_w8_on_both(fast_sandbox, analyzer_for, size: str) -> None:
    result = analyzer_for(fast_sandbox).lookup("DD1503-103", size)
    assert result.success, {m: q.error for m, q in result.quotes.items()}
    assert result.size_label == "US W 8"
    assert {q.size_label for q in result.quotes.values()} == {"US W 8"}
    assert {q.size for q in result.quotes.values()} == {8.0}


def test_womens_shoe_by_mens_size_is_the_same_physical_size_on_both(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox).lookup("DD1503-103", "US M 8")
    assert result.success
    assert result.size == 8.0 and result.size_label == "US W 9.5" and result.size_asked == "US M 8"
    assert {q.size_label for q in result.quotes.values()} == {"US W 9.5"}
    stockx_book = next(s for s in result.quotes["stockx"].sizes if s.size == 9.5)
    assert stockx_book.conversions["M"] == 8.0  # the brand's own chart, read from the answer


@pytest.mark.parametrize("size", ["7", "7Y", "US 7Y", "GS 7"])
def test_gs_shoe_quotes_youth_sizes(fast_sandbox, analyzer_for, size: str) -> None:
    result = analyzer_for(fast_sandbox).lookup("IB4171-100", size)
    assert result.success
    assert {q.size_label for q in result.quotes.values()} == {"US 7Y"}
    assert result.quotes["stockx"].lowest_ask is not None or result.quotes["stockx"].highest_bid is not None


def test_gs_shoe_by_mens_size_names_the_scale_and_the_sizes(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox).lookup("IB4171-100", "US M 7")
    for quote in result.quotes.values():
        assert not quote.ok and quote.error_kind == "size_not_offered"
        assert "youth (GS) sizes" in quote.error and "Y" in quote.error


def test_stockx_suggested_prices_and_alias_sales(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox).lookup("DD1391-100", "10")
    stockx, alias = result.quotes["stockx"], result.quotes["alias"]
    assert stockx.sell_faster is not None and stockx.earn_more is not None
    assert alias.sell_faster is None and alias.earn_more is None and alias.flex_lowest_ask is None
    assert alias.recent_sales and [s.at for s in alias.recent_sales] == sorted((s.at for s in alias.recent_sales), reverse=True)
    assert alias.sales_per_week is not None and alias.sales_per_week > 0
    body = result.to_dict()
    assert len(body["quotes"]["alias"]["recent_sales"]) <= 10
    assert body["quotes"]["stockx"]["recent_sales"] == [] and body["quotes"]["stockx"]["sales_per_week"] is None


def test_placeholder_row_never_stands_in_for_the_real_us9(fast_sandbox, analyzer_for) -> None:
    alias = analyzer_for(fast_sandbox).lookup("DD1391-100", "9").quotes["alias"]
    assert (alias.lowest_ask, alias.highest_bid, alias.last_sale) == (64.0, 65.0, 71.0)  # not the size-0 row's 96/105
    assert all(0 < s.size < 30 for s in alias.sizes)


def test_gbp_answer_is_gbp_and_converted_with_configured_rates(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox, currency="GBP", fx_rates={"GBP": 0.8}).lookup("DD1391-100", "10")
    stockx, alias = result.quotes["stockx"], result.quotes["alias"]
    assert stockx.currency == "GBP" and alias.currency == "USD"
    pricing = result.pricing.to_dict()
    assert pricing["currency"] == "GBP" and pricing["fx"] == {"GBP": 0.8}
    assert pricing["payouts"]["alias"]["currency"] == "GBP"
    if alias.highest_bid is not None:
        assert pricing["payouts"]["alias"]["sell_now"] == pytest.approx(round((alias.highest_bid * 0.905 - 5) * 0.971 * 0.8, 2),
                                                                        abs=0.011)


def test_gbp_with_the_sandbox_reference_rates(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox, currency="GBP").lookup("DD1391-100", "10")
    assert result.quotes["stockx"].currency == "GBP"
    assert "GBP" in result.pricing.fx and 0.5 < result.pricing.fx["GBP"] < 1.2
    assert {p.currency for p in result.pricing.payouts.values()} == {"GBP"}


def test_gbp_without_any_rate_is_left_out_with_a_note(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox, currency="GBP", fx_url=None).lookup("DD1391-100", "10")
    pricing = result.pricing.to_dict()
    assert pricing["fx"] == {}
    assert pricing["payouts"]["alias"]["currency"] == "USD"
    assert any("No USD->GBP rate" in note for note in pricing["notes"])
    for pick in ("best_sell_now", "best_list", "best_buy"):
        assert pricing[pick] is None or pricing[pick]["market"] == "stockx"


@pytest.mark.parametrize(("setting", "value"), [("alias_region", "us"), ("alias_consigned", "true")])
def test_alias_region_and_consigned_change_the_quote_and_the_cache_key(fast_sandbox, analyzer_for, setting: str,
                                                                       value: str) -> None:
    plain = analyzer_for(fast_sandbox)
    first = plain.lookup("DD1391-100", "9").quotes["alias"]
    switched = analyzer_for(fast_sandbox, **{setting: value}).lookup("DD1391-100", "9").quotes["alias"]
    assert switched.calls >= 2  # the global book in the cache does not answer for another book
    assert (switched.lowest_ask, switched.highest_bid, switched.last_sale) != (first.lowest_ask, first.highest_bid,
                                                                               first.last_sale)
    again = analyzer_for(fast_sandbox, **{setting: value}).lookup("DD1391-100", "9").quotes["alias"]
    assert again.calls == 0 and again.lowest_ask == switched.lowest_ask


def test_region_us_book_of_the_panda_at_9(fast_sandbox, analyzer_for) -> None:
    alias = analyzer_for(fast_sandbox, alias_region="us").lookup("DD1391-100", "9").quotes["alias"]
    assert (alias.lowest_ask, alias.highest_bid, alias.last_sale) == (79.0, 25.0, 31.0)


def test_cold_lookup_is_still_two_round_trips_deep(sandbox_factory, analyzer_for) -> None:
    """Every call of a round trip leaves at once: against the same lookup one call after another (six
    calls, run side by side on the same sandbox), two round trips take a third of the time; a third
    round trip would take half. The machine's load slows both alike."""
    sandbox = sandbox_factory(latency_ms=(200.0, 200.0))
    result = analyzer_for(sandbox, use_cache=False, record=False).lookup("DD1503-103", "8")
    bound = analyzer_for(sandbox, use_cache=False, record=False).lookup("DD1503-103", "8", mode="sequential")
    assert result.success and result.quotes["alias"].recent_sales and bound.success
    assert result.elapsed_s >= 0.4  # two latencies: no answer comes sooner
    assert result.elapsed_s / bound.elapsed_s < 0.45, (result.elapsed_s, bound.elapsed_s)


def test_annotated_style_ids_still_match(fast_sandbox, analyzer_for) -> None:
    analyzer = analyzer_for(fast_sandbox)
    rare_air = analyzer.lookup("FV5029-003", "10")
    assert rare_air.quotes["stockx"].ok and "FV5029-003" in rare_air.quotes["stockx"].style_id
    retail = analyzer.lookup("AQ0818-148", "10")
    assert retail.quotes["stockx"].ok and not retail.quotes["stockx"].style_id.endswith(" S")
    black_cat = analyzer.lookup("FV5029-010", "10").quotes["stockx"]
    assert black_cat.ok and black_cat.product.product_type == "sneakers"


def test_partial_style_id_says_not_found_with_suggestions(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox).lookup("DD1391", "10")
    assert not result.any_quoted
    suggested = {s["style_id"] for q in result.quotes.values() for s in q.suggestions}
    assert any(s and s.replace(" ", "-").startswith("DD1391-1") for s in suggested)
    assert result.pricing.best_sell_now is None and result.pricing.notes == ["No market quoted this pair: no advice."]


def run_cli(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m analyzer ARGS` in this process (tests/clirun.py), on the usual sandbox."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKX_", "ALIAS_"))}
    environ.update(ANALYZER_DATA_DIR=str(data_dir), **env)
    return clirun.run_cli(environ, *args)


def test_done_when_of_issue_9_on_the_cli(tmp_path: Path) -> None:
    women = json.loads(run_cli("lookup", "DD1503-103", "--size", "8", "--json", data_dir=tmp_path).stdout)
    assert women["size"] == 8 and women["size_label"] == "US W 8"
    assert {q["size_label"] for q in women["quotes"].values()} == {"US W 8"}
    mens = json.loads(run_cli("lookup", "DD1503-103", "--size", "US M 8", "--json", data_dir=tmp_path).stdout)
    assert {q["size_label"] for q in mens["quotes"].values()} == {"US W 9.5"}
    gbp = json.loads(run_cli("lookup", "DD1391-100", "--size", "10", "--json", data_dir=tmp_path,
                             ANALYZER_CURRENCY="GBP").stdout)
    assert gbp["quotes"]["stockx"]["currency"] == "GBP" and gbp["pricing"]["currency"] == "GBP"


def test_bad_currency_setting_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = run_cli("lookup", "DD1391-100", "--size", "10", data_dir=tmp_path, ANALYZER_CURRENCY="XYZ")
    assert done.returncode == 2 and "ANALYZER_CURRENCY" in done.stderr and done.stderr.count("\n") == 1


def test_sandbox_config_is_the_default_one() -> None:
    assert SandboxConfig().fault_rate == 0.0


def test_cached_quote_says_when_it_was_quoted(fast_sandbox, analyzer_for) -> None:
    analyzer = analyzer_for(fast_sandbox)
    first = analyzer.lookup("CP9652", "10").quotes
    again = analyzer.lookup("CP9652", "10").quotes
    for market in ("stockx", "alias"):
        assert first[market].fresh and first[market].quoted_at
        assert not again[market].fresh and again[market].quoted_at
        # The same moment, to the second: the fresh quote's time is read just after the cache stored the
        # answer (its own clock read), so the two may straddle a second's edge.
        apart = datetime.fromisoformat(first[market].quoted_at) - datetime.fromisoformat(again[market].quoted_at)
        assert abs(apart.total_seconds()) <= 1


def test_reprice_in_another_currency_makes_no_market_call(fast_sandbox, analyzer_for) -> None:
    analyzer = analyzer_for(fast_sandbox, fx_rates={"GBP": 0.8})
    result = analyzer.lookup("CP9366", "10")
    before = dict(fast_sandbox.counters.requests)
    priced = analyzer.reprice(result, analyzer.settings.fees.__class__(stockx_level=5), "GBP").to_dict()
    assert fast_sandbox.counters.requests == before
    assert priced["currency"] == "GBP" and {p["currency"] for p in priced["payouts"].values()} == {"GBP"}
    stockx = result.quotes["stockx"]
    if stockx.highest_bid is not None:
        assert priced["payouts"]["stockx"]["sell_now"] == round(stockx.highest_bid * 0.9 * 0.8, 2)
