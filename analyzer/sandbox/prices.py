"""The sandbox's catalog and its synthetic, deterministic market: the same shoe, size and market
always give the same book, with size premiums, spreads, some missing prices and a crossed book."""

from __future__ import annotations

import hashlib
import json
import random
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CATALOG_FILE = Path(__file__).with_name("catalog.json")
FALLBACK_VALUE = 150.0
# The captured Alias answer with the bid above the ask, reproduced on the shoe it came from.
CROSSED_BOOK = ("DD1391-100", "alias", 9.0, 96.0, 105.0)


@dataclass(frozen=True)
class Shoe:
    stockx_title: str
    alias_name: str
    brand: str
    style_ids: tuple[str, ...]
    retail: float | None
    alias_retail: float | None
    release_date: str | None
    colorway: str | None
    nickname: str | None
    size_min: float
    size_max: float

    @property
    def stockx_id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"stockx:{self.style_ids[0]}"))

    @property
    def url_key(self) -> str:
        return slug(self.stockx_title)

    @property
    def alias_sku(self) -> str:
        return "/".join(s.replace("-", " ") for s in self.style_ids)

    @property
    def catalog_id(self) -> str:
        return slug(f"{self.alias_name} {self.style_ids[0]}")

    @property
    def sizes(self) -> list[float]:
        return [self.size_min + i / 2 for i in range(int((self.size_max - self.size_min) * 2) + 1)]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@lru_cache(maxsize=1)
def load_catalog() -> tuple[Shoe, ...]:
    data = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    return tuple(
        Shoe(
            stockx_title=s["stockx_title"], alias_name=s["alias_name"], brand=s["brand"],
            style_ids=tuple(part.strip() for part in s["style_id"].split("/")),
            retail=s.get("retail"), alias_retail=s.get("alias_retail", s.get("retail")),
            release_date=s.get("release_date"), colorway=s.get("colorway"), nickname=s.get("nickname"),
            size_min=float(s["sizes"][0]), size_max=float(s["sizes"][1]),
        )
        for s in data["shoes"]
    )


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _value(shoe: Shoe, size: float) -> float:
    """What the pair trades around: retail times the shoe's hype, more at the ends of the size run."""
    hype = 0.75 + 2.0 * _rng(shoe.style_ids[0], "hype").random() ** 2
    premium = 1 + 0.01 * abs(size - 10) ** 1.6
    noise = 1 + _rng(shoe.style_ids[0], size, "noise").uniform(-0.04, 0.04)
    return (shoe.retail or FALLBACK_VALUE) * hype * premium * noise


@dataclass(frozen=True)
class Book:
    lowest_ask: float | None
    highest_bid: float | None
    last_sale: float | None


def book(shoe: Shoe, market: str, size: float) -> Book:
    """Whole dollars; about one size in fifteen has no ask and one in fifteen no bid."""
    crossed_style, crossed_market, crossed_size, crossed_ask, crossed_bid = CROSSED_BOOK
    if (shoe.style_ids[0], market, size) == (crossed_style, crossed_market, crossed_size):
        return Book(crossed_ask, crossed_bid, crossed_ask)
    rng = _rng(shoe.style_ids[0], market, size)
    value = _value(shoe, size) * (1 + (0.0 if market == "stockx" else rng.uniform(-0.05, 0.05)))
    ask = round(value * rng.uniform(1.02, 1.08))
    bid = round(value * rng.uniform(0.84, 0.94))
    last = round(value * rng.uniform(0.95, 1.03))
    return Book(
        lowest_ask=None if rng.random() < 0.066 else float(ask),
        highest_bid=None if rng.random() < 0.066 else float(bid),
        last_sale=None if rng.random() < 0.05 else float(last),
    )


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9.]+", text.lower()) if t]


def _norm_style(text: str) -> str:
    return re.sub(r"[\s-]", "", text).upper()


def search(query: str, market: str) -> list[Shoe]:
    """Like the markets' own search: a style ID finds its shoe among relatives, words find names.

    StockX matches title, brand and colorway; Alias name, brand and SKU (so a nickname that only
    StockX writes, such as 'Panda', finds the shoe on StockX alone).
    """
    catalog = load_catalog()
    wanted = _norm_style(query)
    exact = [s for s in catalog if wanted in {_norm_style(x) for x in s.style_ids}]
    if exact:
        family = {x[:6] for x in exact[0].style_ids}
        relatives = [s for s in catalog if s not in exact and any(x[:6] in family for x in s.style_ids)]
        # Relatives first when there are any: the exact match need not lead the results.
        return sorted(relatives, key=lambda s: s.style_ids[0])[:3] + exact + sorted(relatives, key=lambda s: s.style_ids[0])[3:]
    words = _tokens(query)
    if not words:
        return []

    def haystack(shoe: Shoe) -> set[str]:
        name = shoe.stockx_title if market == "stockx" else shoe.alias_name
        extra = shoe.colorway if market == "stockx" else " ".join(shoe.style_ids)
        return set(_tokens(f"{name} {shoe.brand} {extra or ''}"))

    scored = [(sum(w in haystack(s) for w in words), i, s) for i, s in enumerate(catalog)]
    full = [s for score, _, s in scored if score == len(words)]
    if full:
        return full
    partial = sorted(((score, i, s) for score, i, s in scored if score * 2 >= len(words) and score > 0), key=lambda t: (-t[0], t[1]))
    return [s for _, _, s in partial]


def find_shoe(predicate_id: str, market: str) -> Shoe | None:
    for shoe in load_catalog():
        if (market == "stockx" and shoe.stockx_id == predicate_id) or (market == "alias" and shoe.catalog_id == predicate_id):
            return shoe
    return None
