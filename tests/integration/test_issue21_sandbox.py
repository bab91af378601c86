"""Issue 21 over real HTTP: every real shape the sandbox now produces, each fed through a lookup."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from analyzer.markets import alias as alias_client
from analyzer.sandbox import prices
from analyzer.sandbox.app import (
    SANDBOX_ALIAS_TOKEN,
    SANDBOX_STOCKX_KEY,
    SANDBOX_STOCKX_TOKEN,
    alias_item,
    alias_sizes,
    region_pairs,
    stockx_prices_usd,
    stockx_variant,
)

STOCKX = {"x-api-key": SANDBOX_STOCKX_KEY, "Authorization": f"Bearer {SANDBOX_STOCKX_TOKEN}"}
ALIAS = {"Authorization": f"Bearer {SANDBOX_ALIAS_TOKEN}"}


def shoe(style: str, kind: str = "sneakers") -> prices.Shoe:
    return next(s for s in prices.load_catalog() if s.style_ids[0] == style and s.product_type == kind)


def first_size(predicate: Any) -> tuple[prices.Shoe, float]:
    """The first men's sneaker size of the catalog whose StockX figures pass `predicate`."""
    for s in prices.load_catalog():
        if s.product_type != "sneakers" or s.one_size or s.gender not in (None, "men") or not s.on("alias"):
            continue
        for size in s.sizes:
            if 4 <= size <= 13 and predicate(s, size):
                return s, size
    raise AssertionError("no such size in the sandbox")


# --- kids' scales ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("asked", "label"), [("11", "US 11C"), ("11C", "US 11C"), ("2", "US 2Y"), ("2Y", "US 2Y"),
                                              ("13.5C", "US 13.5C"), ("1Y", "US 1Y")])
def test_pre_school_shoe_is_c_then_y_on_both_markets(fast_sandbox, analyzer_for, asked: str, label: str) -> None:
    result = analyzer_for(fast_sandbox).lookup("FD1412-612", asked)
    assert result.success, {m: q.error for m, q in result.quotes.items()}
    assert {q.size_label for q in result.quotes.values()} == {label}
    for quote in result.quotes.values():
        scales = {s.size: s.scale for s in quote.sizes}
        assert scales[10.5] == scales[13.5] == "C" and scales[1.0] == scales[3.0] == "Y", quote.market


def test_toddler_shoe_is_c_everywhere(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox).lookup("FD1413-612", "4")
    assert result.success and {q.size_label for q in result.quotes.values()} == {"US 4C"}
    assert all(s.scale == "C" for q in result.quotes.values() for s in q.sizes)
    raw = stockx_variant(shoe("FD1413-612"), 4.0)
    assert raw["variantValue"] == "4C" and any("(US 4C)" in c["size"] for c in raw["sizeChart"]["availableConversions"])


def test_alias_lists_the_pre_school_run_toddler_first() -> None:
    listed = [r["value"] for r in alias_item(shoe("FD1412-612"))["allowed_sizes"]]
    assert listed[:7] == [10.5, 11, 11.5, 12, 12.5, 13, 13.5] and listed[7:] == [1, 1.5, 2, 2.5, 3]


# --- women's to 22.5, unsorted sizes, empty release date, extra fields ---------------------------

def test_womens_item_alias_lists_to_22_5_and_a_lookup_finds_it(fast_sandbox, analyzer_for) -> None:
    item = alias_item(shoe("DD8959-100"))
    assert item["allowed_sizes"][-1]["value"] == 22.5 and item["release_date"] == ""
    assert {"resellable", "requested_pictures", "requires_listing_pictures", "product_category_v2"} <= item.keys()
    result = analyzer_for(fast_sandbox).lookup("DD8959-100", "22.5W")
    alias, stockx = result.quotes["alias"], result.quotes["stockx"]
    assert alias.ok and alias.size_label == "US W 22.5" and result.product["release_date"] is None
    assert not stockx.ok and stockx.error_kind == "size_not_offered"  # StockX's run stops at 12W


def test_unsorted_allowed_sizes_still_quote_a_sorted_run(fast_sandbox, analyzer_for) -> None:
    unsorted = next(s for s in prices.load_catalog() if s.on("alias") and not s.one_size
                    and (v := [r["value"] for r in alias_item(s)["allowed_sizes"]]) != sorted(v))
    result = analyzer_for(fast_sandbox).lookup(unsorted.style_ids[0], "10")
    sizes = [s.size for s in result.quotes["alias"].sizes]
    assert result.quotes["alias"].ok and sizes == sorted(sizes)


# --- Alias regions: strays and fewer condition rows; global indicator -----------------------------

def test_region_book_with_strays_and_fewer_rows_quotes_only_allowed_sizes(fast_sandbox, analyzer_for) -> None:
    panda = shoe("DD1391-100")
    rows = requests.get(f"{fast_sandbox.url}/alias/api/v1/pricing_insights/availabilities/{panda.catalog_id}",
                        params={"region_id": "2"}, headers=ALIAS, timeout=10).json()["variants"]
    sizes = {r["size"] for r in rows}
    assert {0.5, 3.5, 15.5, 19.5} & sizes - set(panda.sizes)
    per_size: dict[float, int] = {}
    for r in rows:
        per_size[r["size"]] = per_size.get(r["size"], 0) + 1
    assert any(n < 12 for n in per_size.values()) and any(n == 12 for n in per_size.values())
    assert any(len(region_pairs(panda, s, 2)) < 12 for s in alias_sizes(panda, 2))
    alias = analyzer_for(fast_sandbox, alias_region="eu").lookup("DD1391-100", "10").quotes["alias"]
    assert alias.ok and all(s.size in panda.sizes for s in alias.sizes)
    indicated = [s.global_indicator for s in analyzer_for(fast_sandbox).lookup("DD1391-100", "10").quotes["alias"].sizes]
    assert any(v is not None for v in indicated) and any(v is None for v in indicated)


# --- StockX market data shapes --------------------------------------------------------------------

def test_variant_without_barcodes(fast_sandbox, analyzer_for) -> None:
    s, size = first_size(lambda s, z: not prices.gtins(s, z))
    quote = analyzer_for(fast_sandbox).lookup(s.style_ids[0], f"{size:g}").quotes["stockx"]
    assert quote.ok and quote.gtins == [] and quote.variant_id


def test_barcode_types_seen_include_gtin8_and_itf14() -> None:
    kinds = {g["type"] for s in prices.load_catalog() if not s.one_size for z in s.sizes for g in prices.gtins(s, z)}
    assert kinds == {"UPC", "EAN-13", "GTIN-8", "ITF-14"}


def test_null_suggestions(fast_sandbox, analyzer_for) -> None:
    s, size = first_size(lambda s, z: (f := stockx_prices_usd(s, z))["ask"] is None and f["bid"] is None
                         and f["faster"] is None and f["more"] is None)
    result = analyzer_for(fast_sandbox).lookup(s.style_ids[0], f"{size:g}")
    stockx = result.quotes["stockx"]
    assert stockx.ok and (stockx.lowest_ask, stockx.highest_bid, stockx.sell_faster, stockx.earn_more) == (None,) * 4
    assert stockx.time_to_sell is not None and stockx.time_to_sell["points"] == []
    assert result.pricing.payouts["stockx"].sell_now is None


def test_suggestions_null_with_an_ask(fast_sandbox, analyzer_for) -> None:
    s, size = first_size(lambda s, z: (f := stockx_prices_usd(s, z))["ask"] is not None and f["faster"] is None)
    stockx = analyzer_for(fast_sandbox).lookup(s.style_ids[0], f"{size:g}").quotes["stockx"]
    assert stockx.ok and stockx.lowest_ask is not None and stockx.sell_faster is None and stockx.earn_more is None


def test_flex_one_below_the_lowest_ask_with_its_own_suggestions(fast_sandbox, analyzer_for) -> None:
    s, size = first_size(lambda s, z: (f := stockx_prices_usd(s, z))["flex"] is not None and f["ask"] is not None
                         and f["flex"] == f["ask"] - 1)
    stockx = analyzer_for(fast_sandbox).lookup(s.style_ids[0], f"{size:g}").quotes["stockx"]
    assert stockx.flex_lowest_ask == stockx.lowest_ask - 1
    assert stockx.flex_sell_faster is not None and stockx.flex_earn_more is not None
    assert stockx.flex_eligible is True


def test_beat_us_direct_and_eligibility_reach_the_json(fast_sandbox, analyzer_for) -> None:
    s, size = first_size(lambda s, z: stockx_prices_usd(s, z)["direct"] is not None and stockx_prices_usd(s, z)["beat_us"])
    body = analyzer_for(fast_sandbox).lookup(s.style_ids[0], f"{size:g}").to_dict()["quotes"]["stockx"]
    assert body["direct_lowest_ask"] is not None and body["beat_us"] is not None and body["direct_eligible"] is True
    assert isinstance(body["variant_id"], str) and all(set(g) == {"identifier", "type"} for g in body["gtins"])
    row = next(r for r in body["sizes"] if r["size"] == size)
    assert row["variant_id"] == body["variant_id"] and row["beat_us"] == body["beat_us"]


def test_bracketed_conversions_and_adidas_thirds(fast_sandbox, analyzer_for) -> None:
    women = stockx_variant(shoe("DD1503-103"), 8.0)["sizeChart"]["availableConversions"]
    assert any(c["size"].startswith("UK ") and "(EU " in c["size"] for c in women)
    assert any(c["size"].startswith("CM ") and "(US M " in c["size"] for c in women)
    samba = stockx_variant(shoe("IG9030"), 8.0)["sizeChart"]["availableConversions"]
    assert any(c["type"] == "eu" and c["size"].endswith(("1/3", "2/3")) for c in samba)
    assert analyzer_for(fast_sandbox).lookup("DD1503-103", "US M 6.5").quotes["stockx"].size_label == "US W 8"
    assert analyzer_for(fast_sandbox).lookup("IG9030", "8W").success


def test_stockx_own_504_page_is_a_plain_error(sandbox_factory, analyzer_for) -> None:
    sandbox = sandbox_factory(fault_rate=1.0, fault_kinds=("504_html",), seed=3)
    pages = {requests.get(f"{sandbox.url}/stockx/v2/catalog/search", params={"query": "x"}, headers=STOCKX,
                          timeout=10).text[:200] for _ in range(8)}
    assert any("StockX | 504" in p for p in pages)
    result = analyzer_for(sandbox, use_cache=False, max_retries=0).lookup("DD1391-100", "10")
    stockx = result.quotes["stockx"]
    assert not stockx.ok and stockx.error_kind == "unavailable" and "<" not in (stockx.error or "")


# --- products: unisex, streetwear, parts only, compound style IDs ---------------------------------

def test_unisex_product_is_in_mens_sizes(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox).lookup("BB550WT1", "10")
    assert result.success and {q.size_label for q in result.quotes.values()} == {"US M 10"}


def test_streetwear_is_never_taken_for_the_shoe_and_says_so_alone(fast_sandbox, analyzer_for) -> None:
    shoe_result = analyzer_for(fast_sandbox).lookup("Travis Scott Reverse Mocha", "10")
    assert shoe_result.quotes["stockx"].ok and shoe_result.quotes["stockx"].product.product_type == "sneakers"
    hoodie = analyzer_for(fast_sandbox).lookup("Cactus Jack Hoodie", "10")
    assert all(q.error_kind != "internal" for q in hoodie.quotes.values())


@pytest.mark.parametrize("style", ["DD1391-103", "AA3834-101"])
def test_laces_or_accessories_only_never_stand_for_the_pair(fast_sandbox, analyzer_for, style: str) -> None:
    stockx = analyzer_for(fast_sandbox).lookup(style, "10").quotes["stockx"]
    assert stockx.ok and "Only" not in stockx.title and "Dustbag" not in stockx.title


def test_compound_sample_style_id_is_answered_and_the_retail_shoe_wins(fast_sandbox, analyzer_for) -> None:
    found = requests.get(f"{fast_sandbox.url}/stockx/v2/catalog/search", params={"query": "AA3834-101", "pageSize": 50},
                         headers=STOCKX, timeout=10).json()["products"]
    assert "MNJDLS 761 740207/AA3834-101 S" in {p["styleId"] for p in found}
    stockx = analyzer_for(fast_sandbox).lookup("AA3834-101", "9").quotes["stockx"]
    assert stockx.ok and stockx.style_id == "AA3834-101"


# --- Alias catalog pages --------------------------------------------------------------------------

def test_shoe_on_page_two_is_found(fast_sandbox, analyzer_for, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alias_client, "PAGE_LIMIT", 2)  # the Panda comes after its relatives: page 2 of 2-item pages
    first = requests.get(f"{fast_sandbox.url}/alias/api/v1/catalog", params={"query": "DD1391-100", "limit": 2},
                         headers=ALIAS, timeout=10).json()
    assert first["has_more"] is True and first["next_pagination_token"]
    assert "DD1391 100" not in {i["sku"] for i in first["catalog_items"]}
    alias = analyzer_for(fast_sandbox, use_cache=False).lookup("DD1391-100", "10").quotes["alias"]
    assert alias.ok and alias.style_id == "DD1391 100"


def test_empty_catalog_page(fast_sandbox, analyzer_for) -> None:
    body = requests.get(f"{fast_sandbox.url}/alias/api/v1/catalog", params={"query": "qqqqzzzz"}, headers=ALIAS,
                        timeout=10).json()
    assert body == {"catalog_items": []}
    result = analyzer_for(fast_sandbox).lookup("qqqqzzzz", "10")
    assert result.quotes["alias"].error_kind == "not_found"


# --- depth, condition, time to sell, barcodes -----------------------------------------------------

def test_time_to_sell_on_the_sandbox_histogram_and_sales(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox, offer_depth=True).lookup("DD1503-103", "8")
    alias = result.quotes["alias"]
    assert alias.offer_histogram and alias.calls == 4  # availabilities, sales and the histogram: one round trip
    curve = alias.time_to_sell
    assert curve is not None and curve["bid_depth"] == sum(b.count for b in alias.offer_histogram)
    timed = [p for p in curve["points"] if p["days"]]
    assert timed and all(p["days_low"] <= p["days"] <= p["days_high"] for p in timed)
    now = [p for p in curve["points"] if p["days"] == 0.0]
    assert now and now[0]["bids_at_or_above"] >= 1
    body = json.loads(result.to_json())
    assert body["quotes"]["alias"]["time_to_sell"]["points"] and "list_advice" in body["pricing"]


@pytest.mark.parametrize("condition", ["used_no_box", "new_damaged_box"])
def test_condition_choice_changes_the_book_asked_and_recorded(fast_sandbox, analyzer_for, condition: str) -> None:
    plain = analyzer_for(fast_sandbox).lookup("DD1391-101", "10").quotes["alias"]
    other = analyzer_for(fast_sandbox, alias_condition=condition).lookup("DD1391-101", "10").quotes["alias"]
    assert other.book is not None and other.book.condition == condition and other.book.key.endswith(condition)
    assert [(s.lowest_ask, s.highest_bid) for s in other.sizes] != [(s.lowest_ask, s.highest_bid) for s in plain.sizes]


def test_barcode_lookup_of_the_issue(fast_sandbox, analyzer_for) -> None:
    result = analyzer_for(fast_sandbox).lookup_gtin("00195244532806")
    assert result.gtin == "00195244532806" and result.success and result.size_label == "US M 10"
    assert "195244532806" in {g["identifier"] for g in result.quotes["stockx"].gtins}
    assert result.to_dict()["gtin"] == "00195244532806"


def run_cli(*args: str, sandbox_url: str, data_dir: Any, process: bool = False) -> Any:
    """`python -m analyzer ARGS` in this process (tests/clirun.py), or in a process of its own with `process`."""
    import os

    from tests import clirun

    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKX_", "ALIAS_"))}
    env.update(ANALYZER_DATA_DIR=str(data_dir), ANALYZER_SANDBOX_URL=sandbox_url)
    return (clirun.run_cli_process if process else clirun.run_cli)(env, *args)


def test_cli_lookup_by_gtin(fast_sandbox, tmp_path) -> None:
    done = run_cli("lookup", "--gtin", "00195244532806", "--json", "--depth", sandbox_url=fast_sandbox.url, data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["gtin"] == "00195244532806" and body["product"]["style_id"] == "DD1391-100" and body["size_label"] == "US M 10"
    assert body["quotes"]["alias"]["offer_histogram"] is not None and body["quotes"]["alias"]["time_to_sell"]
    text = run_cli("lookup", "--gtin", "00195244532806", sandbox_url=fast_sandbox.url, data_dir=tmp_path)
    assert text.returncode == 0 and "barcode 00195244532806" in text.stdout


@pytest.mark.parametrize(("args", "code", "said"), [
    (("--gtin", "12ab"), 2, "8, 12, 13 or 14 digits"),
    (("DD1391-100", "--gtin", "00195244532806"), 2, "no query"),
    (("DD1391-100",), 2, "--size"),
    (("--gtin", "00000000000000"), 1, "barcode 00000000000000"),
])
def test_cli_barcode_bad_input_is_one_line(fast_sandbox, tmp_path, args: tuple[str, ...], code: int, said: str) -> None:
    done = run_cli("lookup", *args, sandbox_url=fast_sandbox.url, data_dir=tmp_path)
    assert done.returncode == code and said in done.stderr and done.stderr.count("\n") == 1, done.stderr


def test_real_400_of_recent_sales_leaves_the_alias_quote_standing(fast_sandbox, analyzer_for,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault 1 over HTTP: the sales call loses its size, Alias answers the captured 400, the book stands."""
    original = alias_client.Alias._sales_call

    def without_size(self: Any, product: Any, size: float, stats: Any) -> Any:
        params = {k: v for k, v in self._pair_params(product, size).items() if k != "size"}
        return self.http.get_json("/pricing_insights/recent_sales", params, stats, alias_client.is_recent_sales)

    monkeypatch.setattr(alias_client.Alias, "_sales_call", without_size)
    alias = analyzer_for(fast_sandbox, use_cache=False).lookup("DD1391-100", "9").quotes["alias"]
    assert alias.ok and (alias.lowest_ask, alias.highest_bid) == (64.0, 65.0)
    assert alias.recent_sales == [] and alias.sales_error is not None
    assert "Missing parameter: input.Size" in alias.sales_error and "400" in alias.sales_error
    monkeypatch.setattr(alias_client.Alias, "_sales_call", original)


def test_condition_is_part_of_the_book_a_snapshot_records(fast_sandbox, analyzer_for) -> None:
    import sqlalchemy as sa

    from analyzer.store.schema import snapshots

    analyzer = analyzer_for(fast_sandbox, alias_condition="used_no_box")
    analyzer.lookup("DD1391-101", "10")
    with sa.create_engine(analyzer.settings.store_url).connect() as conn:
        books = {row[0] for row in conn.execute(sa.select(snapshots.c.book).where(snapshots.c.market == "alias"))}
    assert books == {"alias:global:any:used_no_box"}


def test_history_of_a_condition_book_on_the_cli(fast_sandbox, tmp_path) -> None:
    first = run_cli("lookup", "DD1391-101", "--size", "10", "--condition", "used_no_box", sandbox_url=fast_sandbox.url,
                    data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    done = run_cli("history", "DD1391-101", "--size", "10", "--condition", "used_no_box", "--json",
                   sandbox_url=fast_sandbox.url, data_dir=tmp_path, process=True)  # the history command's real process
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["book"]["alias"]["condition"] == "used_no_box"
    assert any(p["market"] == "alias" for p in body["points"])
