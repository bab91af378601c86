"""The rules for what a user may type: one place, used by the CLI and the pages."""

from __future__ import annotations

import re

MAX_QUERY_LEN = 100
MIN_SIZE, MAX_SIZE = 1.0, 22.0
US_SIZES: tuple[float, ...] = tuple(x / 2 for x in range(int(MIN_SIZE * 2), int(MAX_SIZE * 2) + 1))

_SIZE_RE = re.compile(r"^(?:US\s*(?:M(?:EN'?S)?\s*)?)?(\d{1,2}(?:\.\d+)?)$", re.IGNORECASE)


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


def parse_size(raw: object) -> float:
    """A US men's size: 10, 10.5, 'US 10' or 'US M 10', from 1 to 22 in steps of 0.5."""
    if isinstance(raw, bool):
        raise InvalidInput(f"{raw!r} is not a size.")
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str):
        match = _SIZE_RE.match(raw.strip())
        if not match:
            raise InvalidInput(f"'{raw.strip()[:20]}' is not a US size; write it as 10, 10.5 or US 10.")
        value = float(match.group(1))
    else:
        raise InvalidInput("Give a US size such as 10 or 10.5.")
    if not MIN_SIZE <= value <= MAX_SIZE or value * 2 != int(value * 2):
        raise InvalidInput(f"US {format_size(value)} is not a size; sizes run from 1 to 22 in steps of 0.5.")
    return value


def format_size(size: float) -> str:
    return f"{size:g}"
