"""Positions in and out as CSV: parse (every bad line named), import within the size and row limits,
export with every cell neutralised for spreadsheets. Parsing is pure."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from analyzer.config import CURRENCIES, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS
from analyzer.domain.csv_safe import safe_row
from analyzer.domain.matching import looks_like_style_id
from analyzer.domain.money import rounded
from analyzer.domain.validation import InvalidInput, clean_query, parse_size
from analyzer.services.csv_import import FileRefused, decode, read_limited
from analyzer.store import Store, positions_repo
from analyzer.store.history import label_of
from analyzer.store.positions_repo import NewPosition, Position

COLUMNS = ("style_id", "query", "size", "cost", "quantity", "bought_at", "currency", "note")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


ON_MATCH = ("ask", "add", "replace")


@dataclass
class ImportResult:
    ids: list[int] = field(default_factory=list)
    problems: list[BadRow] = field(default_factory=list)
    matches: list[int] = field(default_factory=list)  # open positions the file's rows repeat (nothing imported with "ask")
    replaced: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"imported": len(self.ids), "ids": self.ids,
                "problems": [{"line": p.line, "reason": p.reason} for p in self.problems],
                "matches": self.matches, "replaced": self.replaced}


def _same(row: NewPosition, held: Position) -> bool:
    """A row repeats a held position when it names the same pair, cost, currency and purchase day."""
    return (" ".join(row.query.upper().split()) == " ".join(held.query.upper().split()) and row.size == held.size
            and row.scale == held.scale and row.currency == held.currency and row.cost == held.cost
            and (row.bought_at or "")[:10] == (held.bought_at or "")[:10])


def matching(rows: Sequence[NewPosition], held: Sequence[Position]) -> list[int]:
    """The ids of held positions that rows of a file repeat (importing the same file twice)."""
    return [h.id for h in held if any(_same(r, h) for r in rows)]


def _date(text: str) -> str:
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, form).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"bought_at {text!r} is not a date (write 2026-11-29)")


def parse_row(row: Mapping[str, str], default_currency: str) -> NewPosition:
    """One CSV row as a position; ValueError (or InvalidInput) says what is wrong with it."""
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    query = clean_query(cell("style_id") or cell("query"))
    size = parse_size(cell("size"))
    try:
        cost = Decimal(cell("cost").replace(",", "").lstrip("$£€").strip())
    except InvalidOperation:
        raise ValueError(f"cost {cell('cost')!r} is not an amount") from None
    if not cost.is_finite() or not 0 <= cost < 1_000_000:
        raise ValueError(f"cost {cell('cost')!r} must be from 0 to 1,000,000")
    raw_qty = cell("quantity") or "1"
    if not raw_qty.isdigit() or not 1 <= int(raw_qty) <= 10_000:
        raise ValueError(f"quantity {raw_qty!r} must be a whole number from 1")
    currency = (cell("currency") or default_currency).upper()
    if not CURRENCY_RE.match(currency):
        raise ValueError(f"currency {cell('currency')!r} is not a currency code such as USD")
    if currency not in CURRENCIES:
        raise ValueError(f"currency {currency} is not one the analyzer converts (known: {', '.join(CURRENCIES)})")
    bought = _date(cell("bought_at")) if cell("bought_at") else None
    return NewPosition(query=query, size=float(size.value), scale=size.scale,
                       cost=rounded(cost, currency), quantity=int(raw_qty), currency=currency, bought_at=bought, note=cell("note") or None)


def parse_csv(text: str, default_currency: str = "USD",
              max_rows: int = IMPORT_MAX_ROWS) -> tuple[list[NewPosition], list[BadRow]]:
    """Every row, or every bad row with its line number and reason (line 1 is the header).

    More than `max_rows` positions, or a cell over the csv module's field limit, stops the reading
    with that one problem: nothing past it is parsed.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        return _parse_records(reader, default_currency, max_rows)
    except csv.Error as exc:
        reason = str(exc)
        if "field limit" in reason:
            reason = f"a cell is longer than {csv.field_size_limit():,} characters (an unclosed quote?)"
        return [], [BadRow(reader.line_num + 1, f"not a readable CSV: {reason}")]  # the line it was reading


def _parse_records(reader: csv.DictReader[str], default_currency: str,
                   max_rows: int) -> tuple[list[NewPosition], list[BadRow]]:
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in ("size", "cost") if c not in header]
    if not header or missing or not ({"style_id", "query"} & set(header)):
        needs = ", ".join(missing + ([] if {"style_id", "query"} & set(header) else ["style_id or query"]))
        return [], [BadRow(1, f"the header must name {needs} (columns: {', '.join(COLUMNS)})")]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        return [], [BadRow(1, f"unknown column {', '.join(unknown)} (columns: {', '.join(COLUMNS)})")]
    rows: list[NewPosition] = []
    problems: list[BadRow] = []
    line = reader.line_num
    for record in reader:
        if None in record:
            problems.append(BadRow(reader.line_num, "more cells than the header has columns"))
        elif not any((v or "").strip() for v in record.values()):
            pass  # a blank line
        elif len(rows) + len(problems) >= max_rows:
            return [], [BadRow(reader.line_num, f"more than {max_rows:,} positions (ANALYZER_IMPORT_MAX_ROWS): "
                                                "split the file")]
        else:
            try:
                rows.append(parse_row(record, default_currency))
            except (ValueError, InvalidInput) as exc:
                problems.append(BadRow(reader.line_num, str(exc)))
        line = reader.line_num
    if not rows and not problems:
        problems.append(BadRow(max(line, 1), "no positions in the file"))
    return rows, problems


def import_csv(store: Store, text: str, default_currency: str = "USD", max_rows: int = IMPORT_MAX_ROWS, *,
               owner: str, on_match: str = "add") -> ImportResult:
    """All rows in one transaction, or none when any row is bad. Rows that repeat open positions:
    with `on_match` "ask" nothing is imported and the matches are returned (the caller asks); "add"
    adds them as more pairs; "replace" removes the positions they repeat first."""
    if on_match not in ON_MATCH:
        raise ValueError(f"on_match must be one of {ON_MATCH}")
    rows, problems = parse_csv(text, default_currency, max_rows)
    if problems:
        return ImportResult([], problems)
    with store.write() as conn:
        matches = matching(rows, positions_repo.open_positions(conn, owner=owner))
        if matches and on_match == "ask":
            return ImportResult([], [], matches)
        if on_match == "replace":
            for position_id in matches:
                positions_repo.remove_position(conn, position_id, owner=owner)
        return ImportResult(positions_repo.add_positions(conn, rows, owner=owner), [], matches,
                            matches if on_match == "replace" else [])


def import_file(store: Store, stream: BinaryIO, default_currency: str = "USD", *, owner: str,
                max_bytes: int = IMPORT_MAX_BYTES, max_rows: int = IMPORT_MAX_ROWS, on_match: str = "add") -> ImportResult:
    """A file from the CLI or an upload from the page: at most `max_bytes` + 1 bytes are read; a file too
    large or in an unknown encoding is refused whole, as a problem on line 0 (the file itself)."""
    try:
        text = decode(read_limited(stream, max_bytes))
    except FileRefused as exc:
        return ImportResult([], [BadRow(0, str(exc))])
    return import_csv(store, text, default_currency, max_rows, owner=owner, on_match=on_match)


def export_csv(held: Sequence[Position]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for p in held:
        style = p.query if looks_like_style_id(p.query) else ""
        writer.writerow(safe_row([style, "" if style else p.query, label_of(p.size, p.scale), f"{rounded(p.cost, p.currency)}",
                                  p.quantity, p.bought_at or "", p.currency, p.note or ""]))
    return out.getvalue()
