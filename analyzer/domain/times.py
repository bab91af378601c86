"""ISO 8601 times as the markets, the store and the files write them: one reader."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_time(text: object) -> datetime:
    """An ISO 8601 time ('Z', an offset, or none: UTC) as an aware datetime; ValueError when it is not one."""
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_time(text: object) -> datetime | None:
    """`parse_time`, or None for a missing or unreadable time."""
    if not text:
        return None
    try:
        return parse_time(text)
    except ValueError:
        return None
