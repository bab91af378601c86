"""Small writing habits the markets' answers share: cents as strings, sizes as JSON numbers."""

from __future__ import annotations


def size_text(size: float) -> str:
    return f"{size:g}"


def cents(value: float | None) -> str:
    return "0" if value is None else str(round(value * 100))


def json_size(size: float) -> int | float:
    """Alias writes a whole size as a JSON integer (10) and any other as a number (10.5)."""
    return int(size) if float(size).is_integer() else size
