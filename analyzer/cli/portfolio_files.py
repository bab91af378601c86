"""The portfolio's files: `portfolio import FILE [--add | --replace]`, and `portfolio export --sold
[--year Y] [--summary] [FILE]`, the books for the accountant as CSV (analyzer/services/ledger.py), in
each sale's currency and the display currency."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from analyzer.config import Settings
from analyzer.domain.validation import InvalidInput
from analyzer.store import Store, positions_repo

EXIT_OK, EXIT_INVALID = 0, 2  # as analyzer.cli.commands says them
Rates = Callable[[Settings, set[str], str], dict[str, float]]


def year_of(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.strip().isdigit() or not 2000 <= int(raw) <= 2100:
        raise InvalidInput(f"--year {raw!r}: give a year such as 2026")
    return int(raw)


def export_books(args: argparse.Namespace, settings: Settings, store: Store, owner: str, rates_for: Rates) -> int:
    from analyzer.services import ledger

    year = year_of(args.year)
    with store.read() as conn:
        sold = ledger.sales_of(positions_repo.sold_positions(conn, owner=owner), year)
    shown = settings.currency
    fx = rates_for(settings, {p.currency for p in sold}, shown)
    if args.summary:
        text = ledger.to_csv(ledger.SUMMARY_COLUMNS, ledger.summary_rows(sold, shown, fx))
    else:
        text = ledger.to_csv(ledger.SALE_COLUMNS, ledger.sale_rows(sold, shown, fx))
    if args.file:
        Path(args.file).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    period = f"in {year}" if year else "in all"
    print(f"{len(sold)} sales {period}; amounts also in {shown}" + (" at today's rate" if fx else ""), file=sys.stderr)
    left = ledger.unconverted(sold, shown, fx)
    if left:
        print(f"no rate for {len(left)} sales ({', '.join(f'#{i}' for i in left)}): blank in {shown}, left out of the summary",
              file=sys.stderr)
    return EXIT_OK


def import_positions(args: argparse.Namespace, settings: Settings, store: Store, owner: str) -> int:
    """All rows or none; rows repeating held positions need --add or --replace (one line, exit 2 without)."""
    from analyzer.services import portfolio_csv

    try:
        with Path(args.file).open("rb") as stream:
            done = portfolio_csv.import_file(store, stream, settings.currency, owner=owner, on_match=args.on_match or "ask",
                                         max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {type(exc).__name__}", file=sys.stderr)
        return EXIT_INVALID
    if done.matches and not done.ids:
        print(f"error: nothing imported: rows repeat {len(done.matches)} positions you hold "
              f"({', '.join(f'#{i}' for i in done.matches)}); --add adds them as more pairs, --replace replaces them",
              file=sys.stderr)
        return EXIT_INVALID
    if args.json:
        print(json.dumps(done.to_dict(), indent=2))
    elif done.problems and done.problems[0].line:
        print(f"nothing imported: {len(done.problems)} bad rows", file=sys.stderr)
    else:
        print(f"imported {len(done.ids)} positions" + (f", replacing {len(done.replaced)}" if done.replaced else ""))
    for problem in done.problems:
        print(f"line {problem.line}: {problem.reason}" if problem.line else f"error: {problem.reason}", file=sys.stderr)
    return EXIT_INVALID if done.problems else EXIT_OK
