"""The sandbox's catalog and its synthetic, deterministic market: the same shoe, size, market, region
and consignment always give the same book, with size premiums, spreads, some missing prices and, on
the shoe and sizes where a real answer had them, crossed books.

Sizes are always in the shoe's OWN scale (a women's 8 is W 8, a GS 7 is 7Y), as both markets write
them; `men_equivalent` turns one into the physical men's size with the brand's own W/M offset.
"""

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
CROSSED_SHOE = "DD1391-100"
# Real global Alias book of DD1391-100 (new, good box): crossed at these sizes.
CROSSED_SIZES = (7.0, 8.5, 9.0, 10.0, 10.5)
# Exact real figures (ask, bid, last) at US 9: global, and region 1 (US).
REAL_BOOKS = {
    (CROSSED_SHOE, 9.0, None): (64.0, 65.0, 71.0),
    (CROSSED_SHOE, 9.0, 1): (79.0, 25.0, 31.0),
}
# Real placeholder row of the same answer: size 0, new in a good box (ask $96, bid $105).
PLACEHOLDER_BOOK = (CROSSED_SHOE, 0.0, 96.0, 105.0)
PLACEHOLDER_SIZES = (0.0, 40.0)
REGIONS = {1: "US", 2: "EU", 3: "UK"}

# A women's size minus the men's of the same physical shoe, by brand (Nike W 9.5 = M 8, UGG W 9 = M 8,
# adidas W 8.5 = M 7.5); and US men's minus UK.
W_M_OFFSET = {"Nike": 1.5, "Jordan": 1.5, "New Balance": 1.5, "adidas": 1.0, "UGG": 1.0}
UK_OFFSET = {"adidas": 0.5, "New Balance": 0.5}
# Nike's chart, US men's to EU (the real answer's men's 10.5 is EU 44.5, CM 28.5, KR 285).
EU_BY_US_M = {
    2.5: 34.5, 3: 35, 3.5: 35.5, 4: 36, 4.5: 36.5, 5: 37.5, 5.5: 38, 6: 38.5, 6.5: 39, 7: 40, 7.5: 40.5, 8: 41,
    8.5: 42, 9: 42.5, 9.5: 43, 10: 44, 10.5: 44.5, 11: 45, 11.5: 45.5, 12: 46, 12.5: 47, 13: 47.5, 13.5: 48,
    14: 48.5, 14.5: 49, 15: 49.5, 15.5: 50, 16: 50.5, 16.5: 51, 17: 51.5, 17.5: 52, 18: 52.5,
}

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
    gender: str | None = "men"  # StockX's words: men, women, kids (None: not a shoe)
    size_step: float = 0.5
    product_type: str = "sneakers"
    markets: tuple[str, ...] = ("stockx", "alias")
    one_size: bool = False
    kids_run: str | None = None  # "td": toddler C sizes; "ps": pre-school, 10.5C..13.5C then 1Y..3Y
    alias_size_max: float | None = None  # Alias lists the run further than StockX (women's to 22.5)
    alias_gender: str | None = None  # Alias's own word when it differs from StockX's

    @property
    def stockx_id(self) -> str:
        # A basketball may carry a shoe's style ID: it is another product with its own ID.
        kind = "" if self.product_type == "sneakers" else f":{self.product_type}"
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"stockx:{self.style_ids[0]}{kind}"))

    @property
    def url_key(self) -> str:
        return slug(self.stockx_title)

    @property
    def core_styles(self) -> tuple[str, ...]:
        """The style IDs without the extra text some carry ('(White) FV5029-003', 'AQ0818-148 S')."""
        return tuple(core_style(s) for s in self.style_ids)

    @property
    def alias_sku(self) -> str:
        return "/".join(s.replace("-", " ") for s in self.core_styles)

    @property
    def catalog_id(self) -> str:
        return slug(f"{self.alias_name} {self.core_styles[0]}")

    @property
    def alias_gender_word(self) -> str:
        return self.alias_gender or {"kids": "youth"}.get(self.gender or "", self.gender or "unisex")

    @property
    def scale(self) -> str:
        """M, W, Y or C: the scale most of the shoe's sizes are written in."""
        if self.kids_run:
            return "C"
        return {"women": "W", "kids": "Y"}.get(self.gender or "", "M")

    def size_scale(self, size: float) -> str:
        """A size's own scale: a pre-school run is C from 10.5 up and Y below."""
        if self.kids_run == "ps":
            return "C" if size >= 10.5 else "Y"
        return self.scale

    @property
    def sizes(self) -> list[float]:
        if self.one_size:
            return [0.0]
        if self.kids_run == "ps":
            return [10.5 + i * 0.5 for i in range(7)] + [1.0 + i * 0.5 for i in range(5)]
        steps = round((self.size_max - self.size_min) / self.size_step)
        return [self.size_min + i * self.size_step for i in range(steps + 1)]

    @property
    def alias_sizes(self) -> list[float]:
        """The sizes Alias allows, in the order its item lists them (toddler before youth for a pre-school run)."""
        if self.alias_size_max is None:
            return self.sizes
        steps = round((self.alias_size_max - self.size_min) / self.size_step)
        return [self.size_min + i * self.size_step for i in range(steps + 1)]

    def on(self, market: str) -> bool:
        return market in self.markets


def core_style(style: str) -> str:
    return re.sub(r"\s+S$", "", re.sub(r"^\([^)]*\)\s*", "", style.strip())).strip()


def men_equivalent(shoe: Shoe, size: float) -> float:
    """The physical men's size of a size in the shoe's own scale (GS 7Y is a men's 7)."""
    return size - W_M_OFFSET.get(shoe.brand, 1.5) if shoe.gender == "women" else size


def eu_size(men: float) -> float:
    return EU_BY_US_M.get(men, round((men + 33.5) * 2) / 2)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def variant_id(product_id: str, size: float) -> str:
    """Deterministic StockX variant IDs (the size in the shoe's own scale)."""
    return str(uuid.uuid5(uuid.UUID(product_id), f"{size:g}"))


@lru_cache(maxsize=1)
def load_catalog() -> tuple[Shoe, ...]:
    data = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    shoes = []
    for s in data["shoes"]:
        sizes = s.get("sizes")
        shoes.append(Shoe(
            stockx_title=s["stockx_title"], alias_name=s.get("alias_name") or s["stockx_title"], brand=s["brand"],
            style_ids=tuple(part.strip() for part in s["style_id"].split("/")),
            retail=s.get("retail"), alias_retail=s.get("alias_retail", s.get("retail")),
            release_date=s.get("release_date"), colorway=s.get("colorway"), nickname=s.get("nickname"),
            size_min=float(sizes[0]) if sizes else 0.0, size_max=float(sizes[1]) if sizes else 0.0,
            gender=s.get("gender", "men"), size_step=float(s.get("size_step", 0.5)),
            product_type=s.get("product_type", "sneakers"), markets=tuple(s.get("markets", ("stockx", "alias"))),
            one_size=sizes is None, kids_run=s.get("kids_run"), alias_size_max=s.get("alias_size_max"),
            alias_gender=s.get("alias_gender"),
        ))
    return tuple(shoes)


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


SIZE_CENTRE = {"women": 8.5, "kids": 5.5}


def value(shoe: Shoe, size: float) -> float:
    """What the pair trades around: retail times the shoe's hype, more at the ends of the size run."""
    hype = 0.75 + 2.0 * _rng(shoe.style_ids[0], "hype").random() ** 2
    premium = 1 + 0.01 * abs(size - SIZE_CENTRE.get(shoe.gender or "", 10.0)) ** 1.6
    noise = 1 + _rng(shoe.style_ids[0], size, "noise").uniform(-0.04, 0.04)
    return (shoe.retail or FALLBACK_VALUE) * hype * premium * noise


@dataclass(frozen=True)
class Book:
    lowest_ask: float | None
    highest_bid: float | None
    last_sale: float | None


@lru_cache(maxsize=32768)
def book(shoe: Shoe, market: str, size: float, region: int | None = None, consigned: bool | None = None) -> Book:
    """Whole US dollars; about one size in fifteen has no ask and one in fifteen no bid.

    `region` (Alias: 1 US, 2 EU, 3 UK, None global) and `consigned` (None: any) give other books."""
    if consigned is not None:
        return _consigned(shoe, size, region, consigned)
    real = REAL_BOOKS.get((shoe.style_ids[0], size, region)) if market == "alias" else None
    if real:
        return Book(*real)
    if region is not None:
        return _regional(shoe, size, region)
    rng = _rng(shoe.style_ids[0], market, size)
    worth = value(shoe, size) * (1 + (0.0 if market == "stockx" else rng.uniform(-0.05, 0.05)))
    ask = round(worth * rng.uniform(1.02, 1.08))
    bid = round(worth * rng.uniform(0.84, 0.94))
    last = round(worth * rng.uniform(0.95, 1.03))
    no_ask, no_bid, no_last = rng.random() < 0.066, rng.random() < 0.066, rng.random() < 0.05
    if market == "alias" and shoe.style_ids[0] == CROSSED_SHOE and size in CROSSED_SIZES:
        return Book(float(ask), float(ask + rng.randint(1, 6)), float(last))  # crossed, as really answered
    return Book(lowest_ask=None if no_ask else float(ask), highest_bid=None if no_bid else float(bid),
                last_sale=None if no_last else float(last))


def _regional(shoe: Shoe, size: float, region: int) -> Book:
    """A region's own book: thinner and far from the global one (real US 9 Panda: $79/$25/$31)."""
    if region not in REGIONS:
        return Book(None, None, None)  # a region nobody sells in
    rng = _rng(shoe.style_ids[0], "alias", size, "region", region)
    worth = value(shoe, size) * {1: rng.uniform(1.05, 1.3), 2: rng.uniform(0.9, 1.25), 3: rng.uniform(0.95, 1.35)}[region]
    ask = round(worth * rng.uniform(1.03, 1.15))
    bid = round(worth * rng.uniform(0.3, 0.8))
    last = round(worth * rng.uniform(0.4, 1.05))
    return Book(None if rng.random() < 0.15 else float(ask), None if rng.random() < 0.15 else float(bid),
                None if rng.random() < 0.2 else float(last))


def _consigned(shoe: Shoe, size: float, region: int | None, consigned: bool) -> Book:
    """Consigned stock (already in the market's warehouse) asks more; the rest asks less."""
    base = book(shoe, "alias", size, region)
    rng = _rng(shoe.style_ids[0], "alias", size, region, "consigned", consigned)
    lo, hi = (1.04, 1.15) if consigned else (0.9, 0.98)

    def moved(amount: float | None, low: float, high: float) -> float | None:
        return None if amount is None or rng.random() < 0.08 else float(max(1, round(amount * rng.uniform(low, high))))

    return Book(moved(base.lowest_ask, lo, hi), moved(base.highest_bid, 0.85, 0.97), moved(base.last_sale, lo - 0.02, hi))


def placeholder_book(shoe: Shoe, size: float, region: int | None, consigned: bool | None) -> Book:
    """The rows at sizes 0 and 40 real answers carry: plausible prices that belong to no size."""
    if (shoe.style_ids[0], size, region, consigned) == (PLACEHOLDER_BOOK[0], PLACEHOLDER_BOOK[1], None, None):
        return Book(PLACEHOLDER_BOOK[2], PLACEHOLDER_BOOK[3], None)
    rng = _rng(shoe.style_ids[0], "placeholder", size, region, consigned)
    worth = value(shoe, 10.0) * rng.uniform(0.6, 1.2)
    return Book(float(round(worth)), float(round(worth * rng.uniform(0.8, 1.15))),
                None if rng.random() < 0.5 else float(round(worth * rng.uniform(0.9, 1.1))))


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9.]+", text.lower()) if t]


def _norm_style(text: str) -> str:
    return re.sub(r"[\s-]", "", text).upper()


def _in(market: str) -> tuple[Shoe, ...]:
    return tuple(s for s in load_catalog() if s.on(market))


def search(query: str, market: str) -> list[Shoe]:
    """Like the markets' own search: a style ID finds its shoe among relatives, words find names.

    An exact style ID comes before the same ID with extra text ('AQ0818-148' before its sample
    'AQ0818-148 S'); other shoes of the same family answer too, some before the exact match.
    StockX matches title, brand and colorway; Alias name, brand and SKU (so a nickname that only
    StockX writes, such as 'Panda', finds the shoe on StockX alone). StockX also finds a GTIN.
    """
    catalog = _in(market)
    wanted = _norm_style(query)
    exact = [s for s in catalog if wanted in {_norm_style(x) for x in s.style_ids}]
    core = _norm_style(core_style(query))
    annotated = [s for s in catalog if s not in exact and core in {_norm_style(x) for x in s.core_styles}]
    if exact or annotated:
        family = {_norm_style(x)[:6] for s in exact + annotated for x in s.core_styles}
        relatives = sorted((s for s in catalog if s not in exact and s not in annotated
                            and any(_norm_style(x)[:6] in family for x in s.core_styles)), key=lambda s: s.core_styles[0])
        # Relatives first when there are any: the exact match need not lead the results.
        return relatives[:3] + exact + annotated + relatives[3:]
    if market == "stockx" and query.strip().isdigit():
        return [s for s in catalog if any(query.strip() in (g["identifier"] for g in gtins(s, z)) for z in s.sizes)]
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


def _check_digit(digits: str) -> str:
    """GS1 check digit (EAN-13 and UPC-A alike)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


# The barcode of the example, given to one sandbox pair so that `lookup --gtin 00195244532806`
# has an answer here (a sandbox assignment: which real pair carries it is not claimed).
DEMO_GTIN = ("DD1391-100", 10.0, "195244532806")


@lru_cache(maxsize=8192)
def gtins(shoe: Shoe, size: float) -> tuple[dict[str, str], ...]:
    """Fake but well-formed barcodes, the same for the same shoe and size, in the mixes real variants
    have: none at all, a UPC and its EAN-13, sometimes a GTIN-8 or an ITF-14 too."""
    if (shoe.style_ids[0], size) == DEMO_GTIN[:2]:
        upc = DEMO_GTIN[2]
        return ({"identifier": "0" + upc, "type": "EAN-13"}, {"identifier": upc, "type": "UPC"},
                {"identifier": "00" + upc, "type": "ITF-14"})
    rng = _rng(shoe.style_ids[0], size, "gtins")
    if rng.random() < 0.1:
        return ()
    body = "19" + str(int(hashlib.sha256(f"{shoe.style_ids[0]}|{size:g}".encode()).hexdigest(), 16))[:9]
    upc = body + _check_digit(body)
    ean = "0" + upc  # a UPC-A is the EAN-13 with a leading zero; same check digit
    codes = [{"identifier": ean, "type": "EAN-13"}, {"identifier": upc, "type": "UPC"}]
    if rng.random() < 0.15:
        short = upc[-8:-1]
        codes.append({"identifier": short + _check_digit(short), "type": "GTIN-8"})
    if rng.random() < 0.1:
        codes.append({"identifier": "1" + upc[:-1] + _check_digit("1" + upc[:-1]), "type": "ITF-14"})
    return tuple(codes)


@lru_cache(maxsize=1)
def gtin_index() -> dict[str, tuple[Shoe, float]]:
    """Every sandbox barcode, padded to 14 digits (as GTINs compare), to its shoe and size on StockX."""
    index: dict[str, tuple[Shoe, float]] = {}
    for shoe in _in("stockx"):
        if shoe.one_size:
            continue
        for size in shoe.sizes:
            for code in gtins(shoe, size):
                index.setdefault(code["identifier"].zfill(14), (shoe, size))
    return index


def find_shoe(predicate_id: str, market: str) -> Shoe | None:
    for shoe in _in(market):
        if (market == "stockx" and shoe.stockx_id == predicate_id) or (market == "alias" and shoe.catalog_id == predicate_id):
            return shoe
    return None


def rng_for(*parts: object) -> random.Random:
    """A deterministic generator for the app's own draws (flex asks, sales, histograms)."""
    return _rng(*parts)
