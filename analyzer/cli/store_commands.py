"""The store's commands: history, watch add/list/remove/run, portfolio. Registered in cli.py by
`add_commands(subparsers)`; `run_command(args, settings)` runs them (None: not one of these)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from analyzer.config import ALIAS_CONDITIONS, ALIAS_CONSIGNED, ALIAS_REGIONS
from analyzer.domain.money import dec, format_money, rounded
from analyzer.domain.owners import LOCAL
from analyzer.domain.validation import InvalidInput, clean_query, parse_size
from analyzer.markets.registry import NAMES

if TYPE_CHECKING:
    from analyzer.config import Settings
    from analyzer.launch import Opened
    from analyzer.store import Store
    from analyzer.store.watch_repo import Watch

EXIT_OK, EXIT_NO_QUOTE, EXIT_INVALID = 0, 1, 2
COMMANDS = ("history", "watch", "portfolio")
WATCH_MARKETS = (*NAMES, "any")  # analyzer.store.watch_repo.MARKETS, without importing the store


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive amount")
    return value


def _non_negative(text: str) -> Decimal:
    """An amount of 0 or more, kept exact (a Decimal from the text as typed)."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
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
    add.add_argument("--sell-now-above", type=_positive, help="alert when selling now pays more than this (net)")
    add.add_argument("--list-above", type=_positive, help="alert when listing at the lowest ask pays more than this (net)")
    add.add_argument("--ask-below", type=_positive, help="alert when the lowest ask drops below this")
    add.add_argument("--market", choices=list(WATCH_MARKETS), default="any")
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
    portfolio = sub.add_parser("portfolio", help="inventory valued at both markets' net payouts")
    portfolio.add_argument("--json", action="store_true")
    portfolio.add_argument("--force", action="store_true", help="ask the markets even when a stored snapshot is fresh")
    steps = portfolio.add_subparsers(dest="portfolio_action")
    imports = steps.add_parser("import", help="add positions from a CSV (all or nothing)")
    imports.add_argument("file")
    imports.add_argument("--json", action="store_true")
    again = imports.add_mutually_exclusive_group()
    again.add_argument("--add", dest="on_match", action="store_const", const="add",
                       help="rows that repeat positions you hold are added as more pairs")
    again.add_argument("--replace", dest="on_match", action="store_const", const="replace",
                       help="rows that repeat positions you hold replace those positions")
    exports = steps.add_parser("export", help="the open positions as CSV; with --sold, the books (every sale, fees line by line)")
    exports.add_argument("file", nargs="?", help="write here instead of printing")
    exports.add_argument("--sold", action="store_true", help="the sales instead: date, pair, market, price, each fee, shipping, "
                         "payout, cost, profit, in the sale's currency and the display currency")
    exports.add_argument("--year", help="with --sold: the sales of this year only, e.g. 2026")
    exports.add_argument("--summary", action="store_true", help="with --sold: totals per month and market instead of each sale")
    sold = steps.add_parser("sold", help="record the sale of one pair of a position")
    sold.add_argument("id", type=int)
    sold.add_argument("--market", required=True, choices=list(NAMES))
    sold.add_argument("--price", required=True, type=_positive)
    sold.add_argument("--at", help="the sale's date (default today)")
    sold.add_argument("--shipping", type=_non_negative, help="what shipping it cost you, in the pair's currency (optional)")
    sold.add_argument("--json", action="store_true")
    removes = steps.add_parser("remove", help="delete a position")
    removes.add_argument("id", type=int)
    sales = steps.add_parser("sales", help="sold pairs and realised profit per month")
    sales.add_argument("--json", action="store_true")
    bench = steps.add_parser("bench", help="value N positions on a sandbox at its published limits: calls, time, bound")
    bench.add_argument("--positions", type=int, default=50)
    bench.add_argument("--json", action="store_true")


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
        return _portfolio(args, settings, owner)
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
            print(f"{p.at}  {p.market:<7} ask {_money(p.lowest_ask, p.currency):>10}  bid {_money(p.highest_bid, p.currency):>10}  "
                  f"last {_money(p.last_sale, p.currency):>10}")
        for s in found.sales:
            print(f"{s.at}  {s.market:<7} sale {_money(s.price, s.currency):>10}" + (" consigned" if s.consigned else ""))
        for days in (7, 30):
            for market, figures in found.change(days).items():
                ask = figures.get("lowest_ask")
                if ask:
                    print(f"{days}-day change {market}: lowest ask {ask['change']:+,.2f}")
    return EXIT_OK if result.any_quoted else EXIT_NO_QUOTE


def _money(value: float | None, currency: str = "USD") -> str:
    return format_money(value, currency)


def _signed(value: float | None, currency: str) -> str:
    """'+€141.58', '−$19.84'."""
    text = format_money(value, currency)
    return text if value is None or text.startswith("−") else "+" + text


def _rates(settings: Settings, currencies: set[str], shown: str) -> dict[str, float]:
    """Today's rates when converting between `currencies` and `shown` needs one, else none (no fetch)."""
    if not currencies - {shown}:
        return {}
    from analyzer.net import fx

    return fx.rates(settings)


def _rate_words(rates: dict[str, float], shown: str) -> str:
    from analyzer.services.portfolio import RATE_NOTE

    return "converted " + RATE_NOTE + ": " + ", ".join(f"1 USD = {rate:g} {code}" for code, rate in rates.items())


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


def _portfolio(args: argparse.Namespace, settings: Settings, owner: str) -> int:
    from pathlib import Path

    from analyzer.services import portfolio, portfolio_csv
    from analyzer.store import Store, positions_repo

    store = Store.open(settings)
    settings = owner_settings(settings, owner)
    action = getattr(args, "portfolio_action", None)
    if action == "import":
        from analyzer.cli.portfolio_files import import_positions

        return import_positions(args, settings, store, owner)
    if action == "export" and (args.sold or args.year or args.summary):
        from analyzer.cli.portfolio_files import export_books

        if not args.sold:
            raise InvalidInput("--year and --summary go with --sold (the books of sold pairs)")
        return export_books(args, settings, store, owner, _rates)
    if action == "export":
        with store.read() as conn:
            text = portfolio_csv.export_csv(positions_repo.open_positions(conn, owner=owner))
        if args.file:
            Path(args.file).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return EXIT_OK
    if action in ("sold", "remove"):
        try:
            if action == "remove":
                with store.write() as conn:
                    if not positions_repo.remove_position(conn, args.id, owner=owner):
                        raise LookupError(f"no position #{args.id}")
                print(f"removed position #{args.id}")
                return EXIT_OK
            with store.read() as conn:
                held = positions_repo.get_position(conn, args.id, owner=owner)
            rates = _rates(settings, {held.currency} if held else set(), "USD")
            sale = portfolio.record_sale(store, args.id, args.market, args.price, settings.fees, args.at, rates, owner=owner,
                                         shipping=args.shipping)
        except LookupError as exc:
            print(f"error: {exc.args[0]}", file=sys.stderr)
            return EXIT_INVALID
        cur = sale["currency"]
        print(json.dumps(sale, indent=2) if args.json else
              f"sold #{sale['id']} {sale['query']} {sale['size_label']} on {sale['market']} at {format_money(sale['price'], cur)}: "
              f"payout {format_money(sale['payout'], cur)}, profit {_signed(sale['profit'], cur)}")
        return EXIT_OK
    if action == "sales":
        with store.read() as conn:
            sold_pairs = positions_repo.sold_positions(conn, owner=owner)
        shown = settings.currency
        done_sales = portfolio.realised(sold_pairs, shown, _rates(settings, {p.currency for p in sold_pairs}, shown))
        if args.json:
            print(json.dumps(done_sales, indent=2))
        else:
            for sale in done_sales["sales"]:
                cur, conv = sale["currency"], sale["converted"]
                print(f"{str(sale['at'])[:10]}  #{sale['id']} {sale['query']} {sale['size_label']} on {sale['market']}: "
                      f"{format_money(sale['price'], cur)}, payout {format_money(sale['payout'], cur)}, profit "
                      f"{_signed(sale['profit'], cur)}" + (f" = {_signed(conv['profit'], shown)}" if conv and cur != shown else ""))
            for month in done_sales["months"]:
                print(f"{month['month']}  {month['pairs']} pairs  payout {format_money(month['payout'], shown)}  "
                      f"cost {format_money(month['cost'], shown)}  profit {_signed(month['profit'], shown)}")
            t = done_sales["totals"]
            print(f"total {t['pairs']} pairs, profit {_signed(t['profit'], shown)} ({shown})"
                  + (f"; {_rate_words(done_sales['fx'], shown)}" if done_sales["fx"] else ""))
            for note in done_sales["notes"]:
                print(note)
        return EXIT_OK
    if action == "bench":
        from analyzer.bench.portfolio import bench

        return bench(args.positions, args.json, settings)
    return _valuation(args, settings, store, owner)


def _valuation(args: argparse.Namespace, settings: Settings, store: Store, owner: str) -> int:
    from analyzer.console import shares
    from analyzer.services import portfolio

    opened = open_recording(settings)
    try:  # progress on stderr, with --json too: stdout is the answer alone
        with shares("portfolio") as report:
            valuation = portfolio.value_portfolio(opened.analyzer, store, force=args.force, owner=owner,
                                                  on_progress=lambda event: report(event.message, event.fraction))
    finally:
        opened.close()
    data = valuation.to_dict()
    if args.json:
        print(json.dumps(data, indent=2))
        return EXIT_OK
    money = data["currency"]
    print(f"{'#':>4} {'pair':<32} {'qty':>3} {'cost':>9} {'sell now':>18} {'list':>18} {'unrealised':>11}  advice")
    for p in data["positions"]:
        now, best = p["sell_now"], p["list"]
        print(f"{p['id']:>4} {(p['query'] + ' ' + p['size_label'])[:32]:<32} {p['quantity']:>3} {_money(p['cost'], money):>9} "
              f"{(_money(now['payout'], money) + ' ' + now['market']) if now else '—':>18} "
              f"{(_money(best['payout'], money) + ' ' + best['market']) if best else '—':>18} "
              f"{_money(p['unrealised'], money):>11}  {p['advice']}")
    for error in data["errors"]:
        print(f"{error['id']:>4} {error['query']} {error['size_label']}: {error['error']}")
    t = data["totals"]
    print(f"totals ({money}): cost {_money(t['cost'], money)}, sell now {_money(t['sell_now_value'], money)}, "
          f"list {_money(t['list_value'], money)}, unrealised {_money(t['unrealised'], money)}; "
          f"{valuation.from_store} pairs from fresh snapshots, {valuation.looked_up} asked of the markets")
    if data["fx"]:
        print(f"costs in other currencies {_rate_words(data['fx'], money)}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m analyzer.cli.store_commands ...` until cli.py's hook is wired."""
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
