"""Which product and which size a lookup means: pure decisions over parsed search results.

The engine asks `plan_products` once the searches are back and carries out what it says:
a chosen product per market, or a second search by style ID where a name query found the
shoe elsewhere only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from analyzer.domain.models import Product

_ONE_ID = r"[A-Z0-9]{5,10}(?:[\s-][A-Z0-9]{3})?"
_STYLE_ID_RE = re.compile(rf"^{_ONE_ID}(?:\s*/\s*{_ONE_ID})?$")


_ANNOTATION_RE = re.compile(r"\([^)]*\)")
_SAMPLE_RE = re.compile(r"\s+[A-Z]{1,2}$", re.IGNORECASE)
SNEAKER_TYPES = {"sneakers", "sneaker", "shoes", "footwear"}


def normalise_style_id(style_id: str) -> str:
    return re.sub(r"[\s-]", "", style_id).upper()


def core_style_id(style_id: str) -> str:
    """A style ID without the extra text real answers carry: '(White) FV5029-003' -> FV5029-003,
    'AQ0818-148 S' (a sample) -> AQ0818-148; normalised."""
    text = _ANNOTATION_RE.sub(" ", style_id).strip()
    return normalise_style_id(_SAMPLE_RE.sub("", text))


def split_style_ids(raw: str | None) -> tuple[str, ...]:
    """'315122-111/CW2288-111' carries two IDs; either one names the shoe."""
    if not raw:
        return ()
    return tuple(part.strip() for part in raw.split("/") if part.strip())


def looks_like_style_id(query: str) -> bool:
    """A style ID is letters and digits with at least one digit, no words: DD1391-100, CP9654."""
    text = query.strip().upper()
    return bool(_STYLE_ID_RE.match(text)) and sum(ch.isdigit() for ch in text) >= 3


def needs_anchor(query: str) -> bool:
    """Whether a market's choice depends on what the markets listed before it found: yes for a
    name (the same shoe must be quoted everywhere), no for a style ID (each market matches it)."""
    return not looks_like_style_id(query)


def style_keys(style_ids: Iterable[str]) -> set[str]:
    return {normalise_style_id(s) for s in style_ids}


# Titles of listings that share a shoe's style ID but are not the pair: laces, accessories alone.
_PART_ONLY_RE = re.compile(r"\((?:extra lace set only|all accessories and dustbag|[^)]*\bonly)\)", re.IGNORECASE)


def _is_sneaker(product: Product) -> bool:
    """A pair of shoes: a sneaker type (or no type) and not a part of one ('(Extra Lace Set Only)')."""
    kind = product.product_type is None or product.product_type.lower() in SNEAKER_TYPES
    return kind and not _PART_ONLY_RE.search(product.title or "")


def find_by_style_id(products: Sequence[Product], style_id: str) -> Product | None:
    """The product whose style ID matches, wherever it stands: an exact match (after normalising)
    beats an annotated one ('(White) FV5029-003', the sample 'AQ0818-148 S'), and a shoe beats
    another kind of product with the same style ID (a basketball)."""
    wanted = style_keys(split_style_ids(style_id))
    cores = {core_style_id(s) for s in split_style_ids(style_id)}
    exact = [p for p in products if style_keys(p.style_ids) & wanted]
    annotated = [p for p in products if {core_style_id(s) for s in p.style_ids} & cores]
    for group in (exact, annotated):
        shoes = [p for p in group if _is_sneaker(p)]
        if shoes or group:
            return (shoes or group)[0]
    return None


def suggestions(products: Sequence[Product], limit: int = 5) -> list[dict[str, str | None]]:
    """'Did you mean': the shoes a search found, by title and style ID."""
    return [{"title": p.title, "style_id": p.style_id} for p in products if _is_sneaker(p)][:limit]


@dataclass(frozen=True)
class Chosen:
    product: Product


@dataclass(frozen=True)
class SearchAgain:
    """Search this market again by the style ID of the shoe another market found."""

    style_id: str


@dataclass(frozen=True)
class NotFound:
    message: str
    suggestions: tuple[Product, ...] = ()


Plan = Chosen | SearchAgain | NotFound


def plan_products(query: str, results: Mapping[str, Sequence[Product] | None], labels: Mapping[str, str]) -> dict[str, Plan]:
    """Decide per market which product the lookup is about.

    `results` maps market -> its search results, or None when that search failed (its own error
    stands). A style-ID query picks the exact match on each market. A name query anchors on the
    first market (in listed order) that found anything, and the others must carry its style ID.
    """
    plans: dict[str, Plan] = {}
    if looks_like_style_id(query):
        for market, products in results.items():
            if products is None:
                continue
            hit = find_by_style_id(products, query)
            plans[market] = Chosen(hit) if hit else NotFound(f"{labels[market]} has no shoe with style ID {query}.", tuple(products))
        return plans

    anchor = next((next((p for p in ps if _is_sneaker(p)), ps[0]) for ps in results.values() if ps), None)
    for market, products in results.items():
        if products is None:
            continue
        if anchor is None:
            plans[market] = NotFound(f"{labels[market]} found no shoe for '{query}'.")
        elif anchor.market == market:
            plans[market] = Chosen(anchor)
        elif not anchor.style_id:
            plans[market] = NotFound(f"{labels[market]}: the shoe has no style ID to match it by.")
        else:
            hit = find_by_style_id(products, anchor.style_id)
            plans[market] = Chosen(hit) if hit else SearchAgain(split_style_ids(anchor.style_id)[0])
    return plans


def plan_after_search_again(style_id: str, products: Sequence[Product], label: str) -> Plan:
    hit = find_by_style_id(products, style_id)
    return Chosen(hit) if hit else NotFound(f"{label} does not list {style_id}.", tuple(products))
