"""The rules for what a user may type: one place, used by the CLI and the pages."""

from __future__ import annotations

import re

from analyzer.domain.models import Size

MAX_QUERY_LEN = 100
MAX_COMPARE = 10
MIN_SIZE, MAX_SIZE = 1.0, 22.0
MAX_WOMENS = 22.5  # real women's runs (Alias) reach 22.5
US_SIZES: tuple[float, ...] = tuple(x / 2 for x in range(int(MIN_SIZE * 2), int(MAX_SIZE * 2) + 1))
SCALE_RANGES: dict[str | None, tuple[float, float]] = {
    None: (MIN_SIZE, MAX_SIZE), "M": (MIN_SIZE, MAX_SIZE), "W": (MIN_SIZE, MAX_WOMENS), "Y": (1.0, 7.0), "C": (1.0, 13.5),
}
_PREFIXES = {"M": "M", "MEN": "M", "MENS": "M", "W": "W", "WMNS": "W", "WOMEN": "W", "WOMENS": "W", "GS": "Y", "Y": "Y",
             "YOUTH": "Y", "C": "C", "TD": "C", "K": "C"}
_SUFFIXES = {"M": "M", "W": "W", "Y": "Y", "C": "C"}
_SIZE_RE = re.compile(r"^(?:US\s*)?(?:([A-Z']+)\s*)?(\d{1,2}(?:\.\d+)?)\s*([MWYC])?$", re.IGNORECASE)
SIZE_HINT = "write it as 10, 10.5, US M 10, 8W, 7Y or 4C"


class InvalidInput(ValueError):
    """Input the tool refuses before any network call; str() is the one-line message."""


def clean_query(raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidInput("Type a shoe name or a style ID.")
    query = raw.strip()
    if not query:
        raise InvalidInput("Type a shoe name or a style ID.")
    if len(query) > MAX_QUERY_LEN:
        raise InvalidInput(f"The query is {len(query)} characters long; at most {MAX_QUERY_LEN} are allowed.")
    if not query.isprintable():
        raise InvalidInput("The query holds control characters; type plain text.")
    return query


def clean_queries(raws: list[str]) -> list[str]:
    """Up to MAX_COMPARE queries; an empty or bad one is named by its place."""
    if not raws:
        raise InvalidInput("Type at least one shoe.")
    if len(raws) > MAX_COMPARE:
        raise InvalidInput(f"{len(raws)} shoes given; at most {MAX_COMPARE} can be compared at once.")
    cleaned = []
    for number, raw in enumerate(raws, start=1):
        try:
            cleaned.append(clean_query(raw))
        except InvalidInput as exc:
            raise InvalidInput(f"Shoe {number}: {exc}") from None
    return cleaned


def _scale_of(prefix: str | None, suffix: str | None, raw: str) -> str | None:
    scales = set()
    if prefix:
        key = prefix.upper().replace("'", "")
        if key not in _PREFIXES:
            raise InvalidInput(f"'{raw[:20]}' is not a size; {SIZE_HINT}.")
        scales.add(_PREFIXES[key])
    if suffix:
        scales.add(_SUFFIXES[suffix.upper()])
    if len(scales) > 1:
        raise InvalidInput(f"'{raw[:20]}' names two size scales; {SIZE_HINT}.")
    return scales.pop() if scales else None


def parse_size(raw: object) -> Size:
    """A size and its scale: 10, 'US M 10', '8W', 'W 8', 'US W 8', '7Y', 'GS 7', '4C'. A bare number
    means the shoe's own scale. Steps of 0.5; men's 1 to 22, women's 1 to 22.5, youth 1 to 7, toddler 1 to 13.5."""
    if isinstance(raw, Size):
        value, scale = raw.value, raw.scale
    elif isinstance(raw, bool):
        raise InvalidInput(f"{raw!r} is not a size.")
    elif isinstance(raw, (int, float)):
        value, scale = float(raw), None
    elif isinstance(raw, str):
        text = raw.strip()
        match = _SIZE_RE.match(text)
        if not match:
            raise InvalidInput(f"'{text[:20]}' is not a size; {SIZE_HINT}.")
        value, scale = float(match.group(2)), _scale_of(match.group(1), match.group(3), text)
    else:
        raise InvalidInput(f"Give a size such as 10, 8W or 7Y; {SIZE_HINT}.")
    low, high = SCALE_RANGES[scale]
    if value != value or not low <= value <= high or value * 2 != int(value * 2):
        raise InvalidInput(f"{size_label(value, scale)} is not a size; {scale_name(scale)} sizes run from "
                           f"{format_size(low)} to {format_size(high)} in steps of 0.5.")
    return Size(value, scale)


def format_size(size: float) -> str:
    return f"{size:g}"


SCALE_NAMES = {None: "US", "M": "men's", "W": "women's", "Y": "youth (GS)", "C": "toddler"}


def scale_name(scale: str | None) -> str:
    return SCALE_NAMES.get(scale, "US")


def size_label(value: float, scale: str | None) -> str:
    """'US M 10', 'US W 8', 'US 7Y', 'US 4C'; a bare number 'US 10'."""
    number = format_size(value)
    if scale in ("M", "W"):
        return f"US {scale} {number}"
    if scale in ("Y", "C"):
        return f"US {number}{scale}"
    return f"US {number}"


def size_text(size: Size) -> str:
    """The asked size back as text the parser reads again ('10', '8W', '7Y', 'US M 10')."""
    number = format_size(size.value)
    if size.scale == "M":
        return f"US M {number}"
    return f"{number}{size.scale or ''}"


def clean_gtin(raw: object) -> str:
    """A barcode as printed on a box: 8, 12, 13 or 14 digits (GTIN-8, UPC, EAN-13, ITF-14), spaces allowed."""
    text = re.sub(r"[\s-]", "", raw) if isinstance(raw, str) else ""
    if not text.isdigit() or len(text) not in (8, 12, 13, 14):
        raise InvalidInput("A barcode is 8, 12, 13 or 14 digits (GTIN-8, UPC, EAN-13 or ITF-14).")
    return text
