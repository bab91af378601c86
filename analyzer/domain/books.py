"""Which order book a price comes from: a market's region, its listing choice and the condition asked.

Two books of one pair are two markets as far as history is concerned: Alias's European consigned
asks are not a move of its global asks. Every stored snapshot and sale names its book (its `key`),
and every reader is handed the books it must read, never a mix. Pure: no settings are read here;
`chosen_books` turns the user's choices into books at the edge that holds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from analyzer.markets.registry import MARKETS, NAMES, label

if TYPE_CHECKING:
    from analyzer.config import Settings

REGIONS = ("global", "us", "eu", "uk")
CONSIGNED = ("any", "true", "false")
# The condition each market prices by default (its spec's): Alias is asked for new shoes in a good
# box; StockX lists new shoes only (its standard book).
DEFAULT_CONDITIONS = {m.name: m.default_condition for m in MARKETS}
SEPARATOR = ":"
CHOOSABLE = tuple(m.name for m in MARKETS if m.choosable_book)  # the markets whose region and listing choice the user sets


@dataclass(frozen=True)
class Book:
    """(market, region, consigned, condition); `key` is its stable text form in the store."""

    market: str
    region: str = "global"
    consigned: str = "any"  # "any", "true" (consigned listings only) or "false"
    condition: str = "new"

    def __post_init__(self) -> None:
        if self.region not in REGIONS:
            raise ValueError(f"region must be one of {', '.join(REGIONS)}, not {self.region!r}")
        if self.consigned not in CONSIGNED:
            raise ValueError(f"consigned must be one of {', '.join(CONSIGNED)}, not {self.consigned!r}")
        if not self.market or SEPARATOR in self.market + self.condition:
            raise ValueError(f"a book's market and condition are words without {SEPARATOR!r}")

    @property
    def key(self) -> str:
        """'alias:eu:true:new_good_box': what the store keeps and filters by."""
        return SEPARATOR.join((self.market, self.region, self.consigned, self.condition))

    @property
    def is_default(self) -> bool:
        return self == default_book(self.market)

    def to_dict(self) -> dict[str, str]:
        return {"market": self.market, "region": self.region, "consigned": self.consigned,
                "condition": self.condition, "key": self.key}

    def __str__(self) -> str:
        return self.key


def default_book(market: str) -> Book:
    """The book a market is quoted from without any choice: global, any listing, its usual condition."""
    return Book(market, condition=DEFAULT_CONDITIONS.get(market, "new"))


def parse_book(key: str) -> Book:
    """The book of a stored key (the inverse of `Book.key`)."""
    parts = str(key).split(SEPARATOR)
    if len(parts) != 4:
        raise ValueError(f"not a book key: {key!r}")
    return Book(*parts)


def chosen_books(markets: Iterable[str], alias_region: str = "global", alias_consigned: str = "any",
                 alias_condition: str = "new_good_box") -> dict[str, Book]:
    """Per market, the book the user's choices select: the region, listing choice and condition pair go
    to the markets whose spec says they are chosen (today only Alias)."""
    return {m: replace(default_book(m), region=alias_region, consigned=alias_consigned, condition=alias_condition)
            if m in CHOOSABLE else default_book(m) for m in markets}


def books_of_settings(settings: Settings, markets: Iterable[str] = NAMES) -> dict[str, Book]:
    """The books a Settings object chooses (its `alias_region`, `alias_consigned` and `alias_condition`)."""
    return chosen_books(markets, settings.alias_region or "global", settings.alias_consigned or "any",
                        settings.alias_condition or "new_good_box")


def book_of(market: str, books: Mapping[str, Book] | None) -> Book:
    """The book to read for `market`: the one given, else the market's default."""
    return (books or {}).get(market) or default_book(market)


def condition_words(condition: str) -> str:
    """'used_no_box' -> 'used, no original box'; 'defects_damaged_box' -> 'new with defects, badly damaged box'."""
    product, _, packaging = condition.partition("_")
    product_words = {"new": "new", "used": "used", "defects": "new with defects"}.get(product, product)
    packaging_words = {"good_box": "in a good box", "missing_lid": "box missing its lid", "damaged_box": "badly damaged box",
                       "no_box": "no original box"}.get(packaging, packaging.replace("_", " "))
    return f"{product_words}, {packaging_words}" if packaging else product_words


def describe(book: Book) -> str:
    """'Alias Europe, consigned only, new in a good box' for people."""
    region = {"global": "global", "us": "United States", "eu": "Europe", "uk": "United Kingdom"}[book.region]
    listing = {"any": "any listing", "true": "consigned only", "false": "not consigned"}[book.consigned]
    condition = {"new_good_box": "new in a good box", "new": "new"}.get(book.condition, condition_words(book.condition))
    name = label(book.market)
    if book.market not in CHOOSABLE and book.is_default:
        return f"{name} standard book ({condition})"
    return f"{name} {region}, {listing}, {condition}"
