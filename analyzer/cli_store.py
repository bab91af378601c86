"""The store's commands: history, watch add/list/remove/run, portfolio. Registered in cli.py by
`add_commands(subparsers)`; `run_command(args, settings)` runs them (None: not one of these)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from analyzer.store import Store, history_for_result, watch_repo
from analyzer.store.history import label_of
from analyzer.validation import InvalidInput, clean_query, parse_size

EXIT_OK, EXIT_NO_QUOTE, EXIT_INVALID = 0, 1, 2
COMMANDS = ("history", "watch", "portfolio")


def _positive(text: str) -> float:
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
    history.add_argument("--json", action="store_true")

    watch = sub.add_parser("watch", help="the watchlist and its alerts")
    actions = watch.add_subparsers(dest="watch_action", required=True)
    add = actions.add_parser("add", help="watch a pair with one or more targets")
    add.add_argument("query")
    add.add_argument("--size", required=True)
    add.add_argument("--sell-now-above", type=_positive, help="alert when selling now pays more than this (net)")
    add.add_argument("--list-above", type=_positive, help="alert when listing at the lowest ask pays more than this (net)")
    add.add_argument("--ask-below", type=_positive, help="alert when the lowest ask drops below this")
    add.add_argument("--market", choices=list(watch_repo.MARKETS), default="any")
    add.add_argument("--json", action="store_true")
    listing = actions.add_parser("list", help="the watched pairs")
    listing.add_argument("--json", action="store_true")
    remove = actions.add_parser("remove", help="stop watching a pair")
    remove.add_argument("id", type=int)
    run = actions.add_parser("run", help="refresh every watched pair and fire alerts")
    run.add_argument("--once", action="store_true", help="one pass (the default without --every)")
    run.add_argument("--every", type=_positive, metavar="SECONDS", help="run again every SECONDS until stopped")
    run.add_argument("--force", action="store_true", help="ask the markets even when a stored snapshot is fresh")
    run.add_argument("--json", action="store_true")
    sub.add_parser("portfolio", help="inventory valued at both markets' payouts (coming)")


def run_command(args: argparse.Namespace, settings: Any) -> int | None:
    if args.command not in COMMANDS:
        return None
    try:
        if args.command == "history":
            return _history(args, settings)
        if args.command == "watch":
            return _watch(args, settings)
        print("error: the portfolio is not built yet", file=sys.stderr)
        return EXIT_INVALID
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID


def open_recording(settings: Any) -> Any:
    """An opened analyzer (sandbox without keys) whose recorder writes to this settings' store."""
    from analyzer.launch import open_analyzer
    from analyzer.metrics import MetricsStore

    opened = open_analyzer(settings)
    store = Store.open(settings)
    current = opened.analyzer.metrics
    if not isinstance(current, MetricsStore) or current.store.url != store.url:
        opened.analyzer.metrics = MetricsStore(settings)
    return opened


def size_parts(raw: object) -> tuple[float, str | None]:
    size = parse_size(raw)
    return float(getattr(size, "value", size)), getattr(size, "scale", None)


def _history(args: argparse.Namespace, settings: Any) -> int:
    query, _ = clean_query(args.query), size_parts(args.size)
    if not 1 <= args.days <= 3650:
        raise InvalidInput("--days runs from 1 to 3650.")
    opened = open_recording(settings)
    try:
        result = opened.analyzer.lookup(query, args.size)
    finally:
        opened.close()
    found = history_for_result(settings, result, args.days)
    if args.json:
        print(json.dumps(found.to_dict(), indent=2))
    else:
        print(f"{query} {found.size_label}: {len(found.points)} points, {len(found.sales)} sales in {args.days} days")
        for p in found.points:
            print(f"{p.at}  {p.market:<7} ask {_money(p.lowest_ask):>9}  bid {_money(p.highest_bid):>9}  "
                  f"last {_money(p.last_sale):>9} {p.currency}")
        for s in found.sales:
            print(f"{s.at}  {s.market:<7} sale {_money(s.price):>9}" + (" consigned" if s.consigned else ""))
        for days in (7, 30):
            for market, figures in found.change(days).items():
                ask = figures.get("lowest_ask")
                if ask:
                    print(f"{days}-day change {market}: lowest ask {ask['change']:+,.2f}")
    return EXIT_OK if result.any_quoted else EXIT_NO_QUOTE


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _watch(args: argparse.Namespace, settings: Any) -> int:
    store = Store.open(settings)
    if args.watch_action == "add":
        query, (size, scale) = clean_query(args.query), size_parts(args.size)
        if args.sell_now_above is None and args.list_above is None and args.ask_below is None:
            raise InvalidInput("Give at least one target: --sell-now-above, --list-above or --ask-below.")
        with store.write() as conn:
            new_id = watch_repo.add_watch(conn, query, size, scale, args.market, sell_now_above=args.sell_now_above,
                                          list_above=args.list_above, ask_below=args.ask_below)
            watch = watch_repo.get_watch(conn, new_id)
        assert watch is not None
        print(json.dumps(watch.to_dict(), indent=2) if args.json else f"watching #{new_id}: {_describe(watch)}")
        return EXIT_OK
    if args.watch_action == "list":
        with store.read() as conn:
            watched = watch_repo.list_watches(conn)
        if args.json:
            print(json.dumps([w.to_dict() for w in watched], indent=2))
        else:
            for w in watched:
                print(f"#{w.id}  {_describe(w)}  (checked {w.checked_at or 'never'})")
            if not watched:
                print("no watched pairs: python -m analyzer watch add QUERY --size S --sell-now-above X")
        return EXIT_OK
    if args.watch_action == "remove":
        with store.write() as conn:
            removed = watch_repo.remove_watch(conn, args.id)
        if not removed:
            print(f"error: no watch #{args.id}", file=sys.stderr)
            return EXIT_INVALID
        print(f"removed watch #{args.id}")
        return EXIT_OK
    return _watch_run(args, settings, store)


def _describe(w: watch_repo.Watch) -> str:
    parts = [f"{name.replace('_', ' ')} {value:,.2f}" for name, value in w.targets()]
    return f"{w.query} {label_of(w.size, w.scale)} on {w.market}: " + ", ".join(parts)


def _watch_run(args: argparse.Namespace, settings: Any, store: Store) -> int:
    from functools import partial

    from analyzer.alerts import deliver_pending, message
    from analyzer.watch import WatchRunner

    opened = open_recording(settings)
    runner = WatchRunner(opened.analyzer, store)
    deliver = partial(_deliver, deliver_pending, getattr(settings, "alert_webhook", None))
    try:
        while True:
            report = runner.run_once(force=args.force, deliver=deliver)
            if args.json:
                print(json.dumps(report.to_dict(), indent=None if args.every else 2), flush=True)
            else:
                for alert in report.alerts:
                    print(f"ALERT #{alert.id}: {message(alert)}", flush=True)
                for error in report.errors:
                    print(f"watch #{error['watch_id']} {error['query']}: {error['error']}", flush=True)
                print(f"checked {report.checked} pairs ({report.from_store} from fresh snapshots), "
                      f"{len(report.alerts)} alerts, {len(report.errors)} errors"
                      + (f", {report.undelivered} alerts wait for the webhook"
                         if report.undelivered and getattr(settings, "alert_webhook", None) else ""), flush=True)
            if not args.every or args.once:
                return EXIT_OK
            time.sleep(args.every)
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        opened.close()


def _deliver(deliver_pending: Any, url: str | None, store: Store) -> tuple[int, int]:
    return deliver_pending(store, url)  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m analyzer.cli_store ...` until cli.py's hook is wired."""
    from analyzer.config import Settings

    parser = argparse.ArgumentParser(prog="python -m analyzer")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    code = run_command(args, settings)
    return EXIT_INVALID if code is None else code


if __name__ == "__main__":
    sys.exit(main())
