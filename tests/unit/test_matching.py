from __future__ import annotations

import pytest

from analyzer.domain.matching import Chosen, NotFound, SearchAgain, looks_like_style_id, normalise_style_id, plan_products
from analyzer.domain.models import Product

LABELS = {"stockx": "StockX", "alias": "Alias"}


def product(market: str, style: str, title: str = "shoe") -> Product:
    return Product(market=market, product_id=f"{market}-{style}", title=title, style_ids=tuple(style.split("/")))


@pytest.mark.parametrize("query", ["DD1391-100", "dd1391 100", "CP9654", "315122-111/CW2288-111", "555088-101"])
def test_style_ids_recognised(query: str) -> None:
    assert looks_like_style_id(query)


@pytest.mark.parametrize("query", ["panda", "Nike Dunk Low", "Jordan 1 Retro High", "350 v2", "aj1"])
def test_names_are_not_style_ids(query: str) -> None:
    assert not looks_like_style_id(query)


def test_normalise() -> None:
    assert normalise_style_id("dd1391 100") == normalise_style_id("DD1391-100") == "DD1391100"


def test_style_query_picks_exact_match_wherever_it_stands() -> None:
    results = {"stockx": [product("stockx", "DD1391-101"), product("stockx", "DD1391-100")],
               "alias": [product("alias", "DD1391 103"), product("alias", "DD1391 100")]}
    plans = plan_products("DD1391-100", results, LABELS)
    assert plans["stockx"] == Chosen(results["stockx"][1])
    assert plans["alias"] == Chosen(results["alias"][1])


def test_either_of_two_ids_matches() -> None:
    results = {"stockx": [product("stockx", "315122-111/CW2288-111")], "alias": [product("alias", "CW2288 111")]}
    plans = plan_products("CW2288-111", results, LABELS)
    assert isinstance(plans["stockx"], Chosen) and isinstance(plans["alias"], Chosen)


def test_name_query_matches_other_market_by_style_id() -> None:
    results = {"stockx": [product("stockx", "DD1391-100", "Panda")],
               "alias": [product("alias", "DD1390 100"), product("alias", "DD1391 100")]}
    plans = plan_products("panda dunk", results, LABELS)
    assert plans["alias"] == Chosen(results["alias"][1])


def test_name_query_found_on_one_market_searches_the_other_by_style_id() -> None:
    plans = plan_products("panda", {"stockx": [product("stockx", "DD1391-100")], "alias": []}, LABELS)
    assert plans["alias"] == SearchAgain("DD1391-100")


def test_nothing_found_anywhere() -> None:
    plans = plan_products("qqqq", {"stockx": [], "alias": []}, LABELS)
    assert all(isinstance(p, NotFound) for p in plans.values())


def test_failed_search_leaves_market_out_and_anchors_on_the_other() -> None:
    plans = plan_products("panda", {"stockx": None, "alias": [product("alias", "DD1391 100")]}, LABELS)
    assert "stockx" not in plans and isinstance(plans["alias"], Chosen)
