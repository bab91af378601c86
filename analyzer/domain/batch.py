"""A batch of shoes as a script or a person writes it: one a line, `#` comments, an optional size
column (`DD1391-100,10`). Pure: the CLI reads the lines, this decides what they ask."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analyzer.domain.models import Size
from analyzer.domain.validation import InvalidInput, clean_query, parse_size


@dataclass(frozen=True)
class BatchItem:
    """One shoe of a batch: the query, its size, and where it was written (for messages)."""

    query: str
    size: Size
    where: str


def _item(text: str, where: str, default_size: Size | None) -> BatchItem:
    query, sep, size_text = text.rpartition(",") if "," in text else (text, "", "")
    try:
        shoe = clean_query(query)
        if sep and size_text.strip():
            size = parse_size(size_text.strip())
        elif default_size is not None:
            size = default_size
        else:
            raise InvalidInput(f"no size for {shoe}: add one after a comma ({shoe},10) or give --size")
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    return BatchItem(shoe, size, where)


def parse_batch(lines: Iterable[str], default_size: Size | None, source: str = "line", *,
                comments: bool = True) -> list[BatchItem]:
    """Every shoe asked, in order. In a file (`comments`), blank lines and `#` comments (whole lines,
    or after ` #`) are skipped; an argument is taken as written, so a blank one is an error. The
    first bad line raises InvalidInput naming it, before anything is asked."""
    items = []
    for number, raw in enumerate(lines, start=1):
        text = raw.split(" #", 1)[0].strip() if comments else raw.strip()
        if comments and (not text or text.startswith("#")):
            continue
        items.append(_item(text, f"{source} {number}", default_size))
    if not items:
        raise InvalidInput(f"no shoes in {source if source != 'line' else 'the batch'}: give at least one")
    return items
