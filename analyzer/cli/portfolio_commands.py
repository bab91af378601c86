"""`python -m analyzer portfolio`: the valuation, import and export (analyzer/cli/portfolio_files.py),
a sale, a removal, the sales per month and the bench. Registered by analyzer.cli.store_commands with
`add_portfolio(sub)`; `run_portfolio(args, settings, owner)` runs it (InvalidInput and an unreachable
store are said there)."""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.cli.store_commands import EXIT_INVALID, EXIT_OK, open_recording, owner_settings, positive
from analyzer.domain.money import format_money
from analyzer.domain.validation import InvalidInput
from analyzer.markets.registry import NAMES

if TYPE_CHECKING:
    from analyzer.config import Settings
    from analyzer.store import Store


def _non_negative(text: str) -> Decimal:
    """An amount of 0 or more, kept exact (a Decimal from the text as typed)."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def add_portfolio(sub: Any) -> None:
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
    sold.add_argument("--price", required=True, type=positive)
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


def run_portfolio(args: argparse.Namespace, settings: Settings, owner: str) -> int:
    from analyzer.store import Store

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
        return _export(args, store, owner)
    if action in ("sold", "remove"):
        try:
            return _remove(args, store, owner) if action == "remove" else _sold(args, settings, store, owner)
        except LookupError as exc:
            print(f"error: {exc.args[0]}", file=sys.stderr)
            return EXIT_INVALID
    if action == "sales":
        return _sales(args, settings, store, owner)
    if action == "bench":
        from analyzer.bench.portfolio import bench

        return bench(args.positions, args.json, settings)
    return _valuation(args, settings, store, owner)


def _export(args: argparse.Namespace, store: Store, owner: str) -> int:
    """The open positions as CSV, to the file or stdout."""
    from analyzer.services import portfolio_csv
    from analyzer.store import positions_repo

    with store.read() as conn:
        text = portfolio_csv.export_csv(positions_repo.open_positions(conn, owner=owner))
    if args.file:
        Path(args.file).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _remove(args: argparse.Namespace, store: Store, owner: str) -> int:
    """Delete a position; LookupError when the owner holds no such position."""
    from analyzer.store import positions_repo

    with store.write() as conn:
        if not positions_repo.remove_position(conn, args.id, owner=owner):
            raise LookupError(f"no position #{args.id}")
    print(f"removed position #{args.id}")
    return EXIT_OK


def _sold(args: argparse.Namespace, settings: Settings, store: Store, owner: str) -> int:
    """Record one pair sold; LookupError when there is no such open position."""
    from analyzer.services import portfolio
    from analyzer.store import positions_repo

    with store.read() as conn:
        held = positions_repo.get_position(conn, args.id, owner=owner)
    rates = _rates(settings, {held.currency} if held else set(), "USD")
    sale = portfolio.record_sale(store, args.id, args.market, args.price, settings.fees, args.at, rates, owner=owner,
                                 shipping=args.shipping)
    cur = sale["currency"]
    print(json.dumps(sale, indent=2) if args.json else
          f"sold #{sale['id']} {sale['query']} {sale['size_label']} on {sale['market']} at {format_money(sale['price'], cur)}: "
          f"payout {format_money(sale['payout'], cur)}, profit {_signed(sale['profit'], cur)}")
    return EXIT_OK


def _sales(args: argparse.Namespace, settings: Settings, store: Store, owner: str) -> int:
    """Each sale, the totals per month and overall, in the display currency."""
    from analyzer.services import portfolio
    from analyzer.store import positions_repo

    with store.read() as conn:
        sold_pairs = positions_repo.sold_positions(conn, owner=owner)
    shown = settings.currency
    done_sales = portfolio.realised(sold_pairs, shown, _rates(settings, {p.currency for p in sold_pairs}, shown))
    if args.json:
        print(json.dumps(done_sales, indent=2))
        return EXIT_OK
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
    cur = data["currency"]
    print(f"{'#':>4} {'pair':<32} {'qty':>3} {'cost':>9} {'sell now':>18} {'list':>18} {'unrealised':>11}  advice")
    for p in data["positions"]:
        now, best = p["sell_now"], p["list"]
        print(f"{p['id']:>4} {(p['query'] + ' ' + p['size_label'])[:32]:<32} {p['quantity']:>3} {format_money(p['cost'], cur):>9} "
              f"{(format_money(now['payout'], cur) + ' ' + now['market']) if now else '—':>18} "
              f"{(format_money(best['payout'], cur) + ' ' + best['market']) if best else '—':>18} "
              f"{format_money(p['unrealised'], cur):>11}  {p['advice']}")
    for error in data["errors"]:
        print(f"{error['id']:>4} {error['query']} {error['size_label']}: {error['error']}")
    t = data["totals"]
    print(f"totals ({cur}): cost {format_money(t['cost'], cur)}, sell now {format_money(t['sell_now_value'], cur)}, "
          f"list {format_money(t['list_value'], cur)}, unrealised {format_money(t['unrealised'], cur)}; "
          f"{valuation.from_store} pairs from fresh snapshots, {valuation.looked_up} asked of the markets")
    if data["fx"]:
        print(f"costs in other currencies {_rate_words(data['fx'], cur)}")
    return EXIT_OK
