"""Size scales and conversions from each product's own size chart: pure decisions.

A market lists a shoe in its own scale (StockX `9.5W`, Alias women's `9.5`). A bare asked number
means the shoe's own scale; an explicit scale that differs is converted with the product's own
chart (StockX's conversions of the same variant), never with a fixed offset: brands differ.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from analyzer.domain.models import Size, SizePrice, SizeRun
from analyzer.domain.validation import format_size, scale_name, size_label

SCALES = ("M", "W", "Y", "C")
_GENDER_SCALES = {"men": "M", "man": "M", "male": "M", "unisex": "M", "women": "W", "woman": "W", "female": "W",
                  "youth": "Y", "kids": "Y", "child": "Y", "children": "Y", "big kids": "Y", "grade school": "Y",
                  "gs": "Y", "preschool": "C", "toddler": "C", "infant": "C", "baby": "C", "little kids": "C"}
_VALUE_RE = re.compile(r"^(?:US\s*)?(?:([MW])\s+)?(\d{1,2}(?:\.\d+)?)\s*([MWYC])?$", re.IGNORECASE)


_NOTE_RE = re.compile(r"\s*\([^)]*\)\s*$")
_TITLE_SCALES = {"(TD)": "C", "(I)": "C", "(INFANT)": "C", "(TODDLER)": "C", "(CB)": "C", "(PS)": "C",
                 "(GS)": "Y", "(BG)": "Y"}


def scale_of_gender(gender: object) -> str | None:
    return _GENDER_SCALES.get(gender.strip().lower()) if isinstance(gender, str) else None


def scale_of_title(title: object) -> str | None:
    """A kids' title's own word for its scale: '(TD)', '(I)' toddler/infant C; '(PS)' pre-school,
    which starts in C (10.5C) and runs into Y (3Y); '(GS)' youth Y. None: the title does not say."""
    if not isinstance(title, str):
        return None
    upper = title.upper()
    return next((scale for note, scale in _TITLE_SCALES.items() if note in upper), None)


def product_scale(gender: object, title: object) -> str | None:
    """A product's usual scale: a kids' title's own note first ('kids' alone says nothing of C or Y)."""
    by_gender = scale_of_gender(gender)
    if by_gender in ("Y", "C", None):
        return scale_of_title(title) or by_gender
    return by_gender


def kids_scales(values: Sequence[tuple[float, str | None]], scale: str | None) -> dict[float, str]:
    """Per size, the scale of a kids' item that lists plain numbers (Alias): a size's own letter
    ('10.5C', '3Y') first; else, when a youth or toddler run wraps from 10.5-13.5 into 1-3 (toddler
    then youth in one list, in any order), the sizes from 10.5 up are toddler C and the rest youth Y."""
    out: dict[float, str] = {}
    numbers = {v for v, _ in values}
    wraps = scale in ("Y", "C") and any(v >= 10.5 for v in numbers) and any(v <= 3 for v in numbers)
    for value, display in values:
        letter = display.strip()[-1:].upper() if isinstance(display, str) and display.strip() else ""
        if letter in ("C", "Y"):
            out[value] = letter
        elif wraps:
            out[value] = "C" if value >= 10.5 else "Y"
        elif scale:
            out[value] = scale
    return out


def read_size(text: object, kind: object = None) -> tuple[str, float] | None:
    """A StockX size string and its conversion type -> (scale, value): ('10.5', 'us m') -> M 10.5,
    ('9.5W', 'us w') -> W 9.5, ('US 7Y', 'us') -> Y 7, ('US W 12', 'us w') -> W 12. UK, EU, CM, KR
    and anything unreadable -> None."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = f"{text:g}"
    if not isinstance(text, str):
        return None
    text = _NOTE_RE.sub("", text)  # 'US 3.5Y (UK 3)': the note in brackets is another scale's
    kind = kind.strip().lower() if isinstance(kind, str) else ""
    if kind and kind not in ("us", "us m", "us w", "us y", "us c"):
        return None
    match = _VALUE_RE.match(text.strip())
    if not match:
        return None
    letters = {x.upper() for x in (match.group(1), match.group(3)) if x}
    if kind in ("us m", "us w", "us y", "us c"):
        letters.add(kind[-1].upper())
    if len(letters) > 1:
        return None
    scale = letters.pop() if letters else ("M" if kind in ("", "us") else None)
    value = float(match.group(2))
    if scale is None or not 0 < value < 30 or value * 2 != int(value * 2):
        return None
    return scale, value


def main_scale(sizes: Sequence[SizePrice], default: str = "M") -> str:
    """The scale most of a run's sizes are in."""
    counts: dict[str, int] = {}
    for s in sizes:
        if s.scale:
            counts[s.scale] = counts.get(s.scale, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else default


def describe_sizes(sizes: Sequence[SizePrice], scale: str | None) -> str:
    values = sorted({s.size for s in sizes})
    if not values:
        return "none"
    steps = all(b - a == 0.5 for a, b in pairwise(values))
    if steps and len(values) > 3:
        return f"{size_label(values[0], scale)} to {format_size(values[-1])}{scale if scale in ('Y', 'C') else ''}"
    return ", ".join(size_label(v, scale) for v in values)


@dataclass(frozen=True)
class Picked:
    book: SizePrice
    label: str


@dataclass(frozen=True)
class NoSize:
    message: str
    kind: str = "size_not_offered"


@dataclass(frozen=True)
class NeedsChart:
    """This run has no chart to convert the asked size with: ask another market's."""


Resolution = Picked | NoSize | NeedsChart


def shoe_scale(runs: Sequence[SizeRun]) -> str | None:
    """What a bare number means: the scale of the first run with a size chart, else of the first run."""
    charted = [r for r in runs if any(s.conversions for s in r.sizes)]
    first = (charted or list(runs) or [None])[0]
    return first.scale if first is not None else None


def own_value(asked: Size, run: SizeRun, charts: Sequence[SizeRun] = ()) -> float | NeedsChart | None:
    """The asked size in `run`'s own scale: directly when the scales agree, else through `run`'s own
    chart or, for a market without one, the chart of another market listing the shoe in the same scale."""
    if asked.scale in (None, run.scale):
        return asked.value
    own = next((s for s in run.sizes if s.scale == asked.scale and s.size == asked.value), None)
    if own is not None:  # a run that mixes scales (kids': 10.5C..13.5C then 1Y..3Y)
        return own.size
    if any(s.conversions for s in run.sizes):
        hit = next((s for s in run.sizes if s.conversions.get(asked.scale) == asked.value), None)
        return hit.size if hit else None
    same_scale = [c for c in charts if c.scale == run.scale and any(s.conversions for s in c.sizes)]
    if not same_scale:
        return NeedsChart()
    for chart in same_scale:
        hit = next((s for s in chart.sizes if s.conversions.get(asked.scale) == asked.value), None)
        if hit is not None:
            return hit.conversions.get(run.scale, hit.size)
    return None


def resolve(asked: Size, run: SizeRun, label: str, charts: Sequence[SizeRun] = ()) -> Picked | NoSize:
    """Which book of `run` the asked size means, or why none does."""
    if not run.sizes:
        return NoSize(f"{label} lists no sizes for this product.")
    mixed = len({s.scale for s in run.sizes if s.scale}) > 1
    scale = asked.scale or (run.scale if mixed else shoe_scale([*charts, run]) or run.scale)
    wanted = Size(asked.value, scale)
    value = own_value(wanted, run, charts)
    if isinstance(value, NeedsChart):
        return NoSize(f"{label} lists this shoe in {scale_name(run.scale)} sizes ({describe_sizes(run.sizes, run.scale)}) "
                      f"and has no size chart to convert {size_label(asked.value, scale)}; ask in {scale_name(run.scale)} sizes.")
    if value is None:
        has_scale = any(scale in s.conversions for s in run.sizes) or scale == run.scale
        if not has_scale:
            return NoSize(f"{label} lists this shoe in {scale_name(run.scale)} sizes ({describe_sizes(run.sizes, run.scale)}) "
                          f"with no {scale_name(scale)} conversion; ask for a size such as "
                          f"{size_label(run.sizes[len(run.sizes) // 2].size, run.scale) if run.sizes else 'the shoe lists'}.")
        return NoSize(f"{label} has no {size_label(asked.value, scale)} for this shoe; it has "
                      f"{describe_sizes(run.sizes, run.scale)}.")
    book = next((s for s in run.sizes if s.size == value), None)
    if book is None:
        return NoSize(f"{label} has no {size_label(value, run.scale)} for this shoe; it has {describe_sizes(run.sizes, run.scale)}.")
    return Picked(book, size_label(book.size, book.scale or run.scale))
