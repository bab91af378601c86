"""Books: the stable text form, the defaults, the user's choice, and a change that never spans two books."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analyzer.config import Settings
from analyzer.domain.books import Book, books_of_settings, chosen_books, default_book, describe, parse_book
from analyzer.store.history import HistoryPoint, change


def test_a_book_has_one_stable_key_and_reads_back() -> None:
    europe = Book("alias", "eu", "true", "new_good_box")
    assert europe.key == "alias:eu:true:new_good_box" and str(europe) == europe.key
    assert parse_book(europe.key) == europe and parse_book(default_book("stockx").key) == default_book("stockx")
    assert default_book("alias").key == "alias:global:any:new_good_box" and default_book("alias").is_default
    assert default_book("stockx").key == "stockx:global:any:new" and not europe.is_default
    assert describe(europe) == "Alias Europe, consigned only, new in a good box"
    assert describe(default_book("stockx")) == "StockX standard book (new)"
    for bad in (lambda: Book("alias", "mars"), lambda: Book("alias", consigned="yes"), lambda: parse_book("alias:eu")):
        with pytest.raises(ValueError):
            bad()


def test_the_users_choice_selects_alias_book_only() -> None:
    books = chosen_books(["stockx", "alias"], "eu", "true")
    assert books == {"stockx": default_book("stockx"), "alias": Book("alias", "eu", "true", "new_good_box")}
    settings = Settings.from_env({"ALIAS_REGION": "UK", "ALIAS_CONSIGNED": "false"})
    assert books_of_settings(settings)["alias"].key == "alias:uk:false:new_good_box"
    assert books_of_settings(Settings.from_env({}))["alias"] == default_book("alias")


def test_a_change_never_compares_two_books() -> None:
    """Points of two Alias books (a mixed list built by hand): only the newest point's book counts."""
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    world, europe = default_book("alias").key, "alias:eu:true:new_good_box"
    points = [HistoryPoint("2026-11-29T11:40:00+00:00", "alias", 529.0, 437.0, None, "USD", world),
              HistoryPoint("2026-11-29T11:45:00+00:00", "alias", 612.0, 215.0, None, "USD", europe),
              HistoryPoint("2026-11-29T11:52:00+00:00", "alias", 529.0, 437.0, None, "USD", world)]
    week = change(points, 7, now)["alias"]
    assert week["lowest_ask"]["from"] == week["lowest_ask"]["to"] == 529.0
    assert week["highest_bid"]["change"] == 0.0
    assert change(points[:2], 7, now)["alias"] == {"lowest_ask": None, "highest_bid": None}  # one point of the newest book
