"""The store's commands: history, watch add/list/remove/run, and portfolio (its own module,
analyzer/cli/portfolio_commands.py). Registered in cli.py by `add_commands(subparsers)`;
`run_command(args, settings)` runs them (None: not one of these)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from analyzer.config import ALIAS_CONDITIONS, ALIAS_CONSIGNED, ALIAS_REGIONS
from analyzer.domain.money import dec, format_money, rounded
from analyzer.domain.owners import LOCAL
from analyzer.domain.validation import InvalidInput, clean_query, parse_size
from analyzer.markets.registry import NAMES

if TYPE_CHECKING:
    from analyzer.config import Settings
    from analyzer.launch import Opened
    from analyzer.store.watch_repo import Watch

EXIT_OK, EXIT_NO_QUOTE, EXIT_INVALID = 0, 1, 2
COMMANDS = ("history", "watch", "portfolio")
WATCH_MARKETS = (*NAMES, "any")  # analyzer.store.watch_repo.MARKETS, without importing the store


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive amount")
    return value


def add_commands(sub: Any) -> None:
    history = sub.add_parser("history", help="stored price history of one pair")
    history.add_argument("query")
    history.add_argument("--size", required=True)
    history.add_argument("--days", type=int, default=30)
    history.add_argument("--region", type=str.lower, choices=list(ALIAS_REGIONS),
                         help="Alias's book of this region (default ALIAS_REGION, else global)")
    history.add_argument("--consigned", type=str.lower, choices=list(ALIAS_CONSIGNED),
                         help="Alias's book of consigned listings only (true), of the others (false) or of any "
                              "(default ALIAS_CONSIGNED, else any)")
    history.add_argument("--condition", type=str.lower, choices=list(ALIAS_CONDITIONS),
                         help="Alias's book of this condition pair (default ALIAS_CONDITION, else new_good_box)")
    history.add_argument("--json", action="store_true")

    watch = sub.add_parser("watch", help="the watchlist and its alerts")
    actions = watch.add_subparsers(dest="watch_action", required=True)
    add = actions.add_parser("add", help="watch a pair with one or more targets")
    add.add_argument("query")
    add.add_argument("--size", required=True)
    add.add_argument("--sell-now-above", type=positive, help="alert when selling now pays more than this (net)")
    add.add_argument("--list-above", type=positive, help="alert when listing at the lowest ask pays more than this (net)")
    add.add_argument("--ask-below", type=positive, help="alert when the lowest ask drops below this")
    add.add_argument("--market", choices=list(WATCH_MARKETS), default="any")
    add.add_argument("--json", action="store_true")
    listing = actions.add_parser("list", help="the watched pairs")
    listing.add_argument("--json", action="store_true")
    remove = actions.add_parser("remove", help="stop watching a pair")
    remove.add_argument("id", type=int)
    run = actions.add_parser("run", help="refresh every watched pair and fire alerts")
    run.add_argument("--once", action="store_true", help="one pass (the default without --every)")
    run.add_argument("--every", type=positive, metavar="SECONDS", help="run again every SECONDS until stopped")
    run.add_argument("--force", action="store_true", help="ask the markets even when a stored snapshot is fresh")
    run.add_argument("--json", action="store_true")
    from analyzer.cli.portfolio_commands import add_portfolio

    add_portfolio(sub)


def run_command(args: argparse.Namespace, settings: Settings, owner: str = LOCAL) -> int | None:
    """Run a store command as `owner` (analyzer.domain.owners): their watches, positions and saved settings."""
    from analyzer.store.db import UNREACHABLE

    if args.command not in COMMANDS:
        return None
    try:
        if args.command == "history":
            return _history(args, settings, owner)
        if args.command == "watch":
            return _watch(args, settings, owner)
        from analyzer.cli.portfolio_commands import run_portfolio

        return run_portfolio(args, settings, owner)
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except UNREACHABLE as exc:
        print(f"error: the store is unreachable ({type(exc).__name__}); prices still work: python -m analyzer lookup",
              file=sys.stderr)
        return EXIT_NO_QUOTE


def open_recording(settings: Settings) -> Opened:
    """An opened analyzer (sandbox without keys) whose recorder writes to this settings' store."""
    from analyzer.launch import open_analyzer

    return open_analyzer(settings)


def size_parts(raw: object) -> tuple[float, str | None]:
    size = parse_size(raw)
    return float(size.value), size.scale


def owner_settings(settings: Settings, owner: str) -> Settings:
    """`settings` with the owner's saved fees, currency and Alias book (what their pages show)."""
    from analyzer.domain.owners import defaults_from
    from analyzer.store import Store, owners_repo

    with Store.open(settings).read() as conn:
        return owners_repo.load_settings(conn, owner, defaults_from(settings)).apply_to(settings)


def _history(args: argparse.Namespace, settings: Settings, owner: str) -> int:
    from analyzer.domain.books import describe
    from analyzer.store import history_for_result

    query, _ = clean_query(args.query), size_parts(args.size)
    if not 1 <= args.days <= 3650:
        raise InvalidInput("--days runs from 1 to 3650.")
    settings = owner_settings(settings, owner).with_(**{name: value for name, value in (("alias_region", args.region),
                                                                  ("alias_consigned", args.consigned),
                                                                  ("alias_condition", args.condition)) if value})
    opened = open_recording(settings)
    try:
        result = opened.analyzer.lookup(query, args.size, owner=owner)
        books = opened.analyzer.books  # the books this lookup quoted: the history shows those, no other
    finally:
        opened.close()
    found = history_for_result(settings, result, args.days, books)
    if args.json:
        print(json.dumps(found.to_dict(), indent=2))
    else:
        print(f"{query} {found.size_label}: {len(found.points)} points, {len(found.sales)} sales in {args.days} days")
        print("books: " + "; ".join(describe(book) for book in found.books.values()))
        for p in found.points:
            print(f"{p.at}  {p.market:<7} ask {format_money(p.lowest_ask, p.currency):>10}  "
                  f"bid {format_money(p.highest_bid, p.currency):>10}  last {format_money(p.last_sale, p.currency):>10}")
        for s in found.sales:
            print(f"{s.at}  {s.market:<7} sale {format_money(s.price, s.currency):>10}" + (" consigned" if s.consigned else ""))
        for days in (7, 30):
            for market, figures in found.change(days).items():
                ask = figures.get("lowest_ask")
                if ask:
                    print(f"{days}-day change {market}: lowest ask {ask['change']:+,.2f}")
    return EXIT_OK if result.any_quoted else EXIT_NO_QUOTE


def _watch(args: argparse.Namespace, settings: Settings, owner: str) -> int:
    from analyzer.store import Store, watch_repo

    if args.watch_action == "run":
        from analyzer.services.watch_worker import run_worker

        return run_worker(args, settings, owner)  # opens the store itself: the worker outlives an outage
    store = Store.open(settings)
    if args.watch_action == "add":
        query, (size, scale) = clean_query(args.query), size_parts(args.size)
        if args.sell_now_above is None and args.list_above is None and args.ask_below is None:
            raise InvalidInput("Give at least one target: --sell-now-above, --list-above or --ask-below.")
        shown = settings.currency
        targets = {name: None if value is None else float(rounded(dec(value), shown))  # stored as the cents it is compared at
                   for name, value in (("sell_now_above", args.sell_now_above), ("list_above", args.list_above),
                                       ("ask_below", args.ask_below))}
        with store.write() as conn:  # an identical watch is not added twice (each alert would fire twice)
            watch = watch_repo.same_watch(conn, query, size, scale, args.market, owner=owner, **targets)
            existed = watch is not None
            if watch is None:
                watch = watch_repo.get_watch(conn, watch_repo.add_watch(conn, query, size, scale, args.market, owner=owner,
                                                                        **targets), owner=owner)
        assert watch is not None
        said = f"already watching #{watch.id}" if existed else f"watching #{watch.id}"
        print(json.dumps({**_watch_dict(watch, shown), "existed": existed}, indent=2) if args.json
              else f"{said}: {_describe(watch, shown)}")
        return EXIT_OK
    if args.watch_action == "list":
        with store.read() as conn:
            watched = watch_repo.list_watches(conn, owner=owner)
        shown = settings.currency
        if args.json:
            print(json.dumps([_watch_dict(w, shown) for w in watched], indent=2))
        else:
            for w in watched:
                print(f"#{w.id}  {_describe(w, shown)}  (checked {w.checked_at or 'never'})")
            if not watched:
                print("no watched pairs: python -m analyzer watch add QUERY --size S --sell-now-above X")
        return EXIT_OK
    if args.watch_action == "remove":
        with store.write() as conn:
            removed = watch_repo.remove_watch(conn, args.id, owner=owner)
        if not removed:
            print(f"error: no watch #{args.id}", file=sys.stderr)
            return EXIT_INVALID
        print(f"removed watch #{args.id}")
        return EXIT_OK
    raise AssertionError(f"unknown watch action {args.watch_action}")


def _watch_dict(w: Watch, currency: str) -> dict[str, Any]:
    """A watch as JSON: its thresholds are compared in the display currency, named next to them."""
    return {**w.to_dict(), "currency": currency}


def _describe(w: Watch, currency: str = "USD") -> str:
    from analyzer.store.history import label_of

    parts = [f"{name.replace('_', ' ')} {format_money(value, currency)}" for name, value in w.targets()]
    return f"{w.query} {label_of(w.size, w.scale)} on {w.market}: " + ", ".join(parts)
