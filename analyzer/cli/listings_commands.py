"""`python -m analyzer listings`: my listings against the market now, sync, create (a preview without
--apply), reprice (a preview without --apply; --every N is the worker), delete and the audit log.
Registered in analyzer.cli.commands by `add_listings(sub)`; `run_listings(args, settings, owner)` runs it."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from analyzer.cli.store_commands import EXIT_INVALID, EXIT_NO_QUOTE, EXIT_OK, open_recording, owner_settings
from analyzer.domain.errors import MarketError
from analyzer.domain.money import format_money
from analyzer.domain.repricing import TARGETS, Rule
from analyzer.domain.validation import InvalidInput
from analyzer.markets.registry import NAMES, label

if TYPE_CHECKING:
    from analyzer.config import Settings
    from analyzer.services.listings import ListingsService

WORKER_PAUSES_S = (5.0, 10.0, 30.0, 60.0, 120.0)


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().lstrip("$"))
    except (InvalidOperation, AttributeError):
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive amount")
    return value


def add_listings(sub: Any) -> None:
    listings = sub.add_parser("listings", help="my listings on the markets: sync, create, reprice, delete, log")
    listings.add_argument("--json", action="store_true")
    actions = listings.add_subparsers(dest="listings_action")
    sync = actions.add_parser("sync", help="read my active listings from every market into the store")
    create = actions.add_parser("create", help="list a pair (a preview with payout and profit; --apply lists it)")
    create.add_argument("query")
    create.add_argument("--size", required=True)
    create.add_argument("--market", required=True, choices=list(NAMES))
    create.add_argument("--price", required=True, help="the ask, whole units (Alias: whole dollars)")
    create.add_argument("--position", type=int, help="the portfolio position it sells (default: the same style and size)")
    create.add_argument("--apply", action="store_true", help="create the listing (default: preview only)")
    reprice = actions.add_parser("reprice", help="reprice by rule (a preview; --apply changes prices)")
    reprice.add_argument("--apply", action="store_true", help="send the changes (default: preview only)")
    reprice.add_argument("--every", type=float, metavar="SECONDS", help="run again every SECONDS (the worker)")
    reprice.add_argument("--id", type=int, help="only this listing")
    reprice.add_argument("--target", choices=list(TARGETS), help="the rule's target (with --apply, kept on the listings)")
    reprice.add_argument("--step", type=_amount, help="beat the lowest ask by this much (default 1)")
    reprice.add_argument("--fixed", type=_amount, help="the price of a fixed target")
    reprice.add_argument("--min-payout", type=_amount, help="the floor as a payout (default: cost + fees + ANALYZER_MIN_MARGIN)")
    reprice.add_argument("--ceiling", type=_amount)
    reprice.add_argument("--max-changes", type=int, help="at most this many changes a day (default 4)")
    reprice.add_argument("--max-step", type=_amount, help="at most this much per change")
    delete = actions.add_parser("delete", help="delist one of my listings")
    delete.add_argument("id", type=int)
    actions.add_parser("log", help="the audit log: every change, who, when, old, new, rule, the market's answer")
    for action in (sync, create, reprice, delete, actions.choices["log"]):  # before or after the action
        action.add_argument("--json", action="store_true", default=argparse.SUPPRESS)


def _rule(args: argparse.Namespace) -> Rule | None:
    given = {"target": args.target, "step": args.step, "fixed": args.fixed, "min_payout": args.min_payout,
             "ceiling": args.ceiling, "max_changes_per_day": args.max_changes, "max_step": args.max_step}
    chosen = {k: v for k, v in given.items() if v is not None}
    return Rule(**chosen) if chosen else None


def run_listings(args: argparse.Namespace, settings: Settings, owner: str) -> int | None:
    """Run `listings ...`; None when the command is not this one."""
    if args.command != "listings":
        return None
    action = args.listings_action or "show"
    try:
        rule = _rule(args) if action == "reprice" else None
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    opened = open_recording(owner_settings(settings, owner))
    try:
        from analyzer.services.listings import ListingsService
        from analyzer.store import Store

        service = ListingsService(opened.analyzer.settings, Store.open(settings))
        if action == "reprice" and args.every:
            return _worker(service, args, owner, rule)
        return _dispatch(action, service, args, owner, opened.analyzer, rule)
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except MarketError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_NO_QUOTE
    finally:
        opened.close()


def _dispatch(action: str, service: ListingsService, args: argparse.Namespace, owner: str, analyzer: Any, rule: Rule | None) -> int:
    from analyzer.services.repricing import reprice

    as_json = args.json
    if action == "show":
        views = service.view(owner)
        _print([v.to_dict() for v in views], as_json, _show_lines)
        return EXIT_OK
    if action == "sync":
        report = service.sync(owner)
        _print(report.to_dict(), as_json, lambda r: [f"{r['adopted']} adopted, {r['updated']} updated, {r['gone']} gone, "
                                                     f"{len(r['reconciled'])} unfinished writes reconciled"]
               + [f"{label(m)}: {e}" for m, e in r["errors"].items()])
        return EXIT_NO_QUOTE if report.errors else EXIT_OK
    if action == "create":
        preview = service.preview_create(analyzer, owner, args.query, args.size, args.market, args.price, args.position)
        outcome = service.create(owner, preview) if args.apply else None
        _print({"preview": preview.to_dict(), "applied": args.apply, "outcome": outcome.to_dict() if outcome else None},
               as_json, _create_lines)
        return EXIT_OK if outcome is None or outcome.status == "done" else EXIT_NO_QUOTE
    if action == "reprice":
        report = reprice(service, owner, apply=args.apply, rule=rule, listing_id=args.id)
        _print(report.to_dict(), as_json, _reprice_lines)
        return EXIT_OK
    if action == "delete":
        outcome = service.delete(owner, args.id)
        _print(outcome.to_dict(), as_json, lambda o: [f"listing #{o['listing_id']}: delete {o['status']}"
                                                      + (f" ({o['message']})" if o["message"] else "")])
        return EXIT_OK if outcome.status == "done" else EXIT_NO_QUOTE
    changes = service.log(owner)
    _print([c.to_dict() for c in changes], as_json, _log_lines)
    return EXIT_OK


def _print(data: Any, as_json: bool, lines: Any, one_line: bool = False) -> None:
    """JSON (one line a round for the worker) or the readable lines."""
    if as_json:
        print(json.dumps(data, indent=None if one_line else 2, default=str), flush=True)
        return
    for line in lines(data):
        print(line)


def _m(value: float | None, currency: str) -> str:
    return "-" if value is None else format_money(value, currency)


def _show_lines(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["no listings (listings sync reads them from the markets; listings create makes one)"]
    out = [f"{'#':>4} {'market':<7} {'pair':<22} {'ask':>10} {'lowest':>10} {'ours?':<5} {'bid':>10} {'payout':>10} "
           f"{'cost':>10} {'profit':>10}"]
    for r in rows:
        c = r["currency"]
        out.append(f"{r['id']:>4} {r['market_label']:<7} {(r['query'] + ' ' + format(r['size'], 'g'))[:22]:<22} "
                   f"{_m(r['amount'], c):>10} {_m(r['lowest_ask'], c):>10} {('yes' if r['ours_lowest'] else 'no'):<5} "
                   f"{_m(r['highest_bid'], c):>10} {_m(r['payout'], c):>10} {_m(r['cost'], c):>10} {_m(r['profit'], c):>10}"
                   + (f"  ({r['error']})" if r["error"] else "") + ("" if r["status"] == "active" else f"  [{r['status']}]"))
    return out


def _create_lines(d: dict[str, Any]) -> list[str]:
    p, c = d["preview"], d["preview"]["currency"]
    lines = [f"List {p['title'] or p['query']} size {p['size_label'] or p['size']} on {p['market_label']} at {_m(p['amount'], c)}: "
             f"you get {_m(p['payout'], c)}"
             + (f", profit {_m(p['profit'], c)} over the cost {_m(p['cost'], c)}" if p["cost"] is not None
                else " (no position cost known)"),
             f"lowest ask now {_m(p['lowest_ask'], c)}, highest bid {_m(p['highest_bid'], c)}"]
    o = d["outcome"]
    if o is None:
        lines.append("preview only: add --apply to create the listing")
    else:
        lines.append(f"listing #{o['listing_id']}: {o['status']}" + (f" ({o['message']})" if o["message"] else ""))
    return lines


def _reprice_lines(d: dict[str, Any]) -> list[str]:
    if not d["plans"]:
        return ["no active listings to reprice"]
    out = [f"{'#':>4} {'pair':<22} {'now':>10} {'new':>10} {'payout':>10} {'floor':>10}  why"]
    for p in d["plans"]:
        c = p["currency"]
        out.append(f"{p['listing_id']:>4} {(p['query'] + ' ' + format(p['size'], 'g'))[:22]:<22} {_m(p['old'], c):>10} "
                   f"{(_m(p['new'], c) if p['changes'] else '='):>10} {_m(p['payout'], c):>10} {_m(p['floor'], c):>10}  {p['why']}")
    if d["applied"]:
        out += [f"listing #{o['listing_id']}: {o['action']} {o['status']}" + (f" ({o['message']})" if o["message"] else "")
                for o in d["outcomes"]]
    else:
        out.append("preview only: add --apply to change these prices")
    return out


def _log_lines(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["no changes yet"]
    return [f"{r['at']} {r['who'][:24]} {label(r['market'])} #{r['listing_id']} {r['action']} "
            f"{_m(r['old_amount'], r['currency'])} -> {_m(r['new_amount'], r['currency'])} {r['outcome']}"
            f" [{r['rule'] or ''}] {r['answer'] or ''}" for r in rows]


@contextmanager
def _stop_on_interrupt() -> Iterator[threading.Event]:
    """Ctrl-C (and SIGTERM) set an event the worker checks between rounds, instead of raising
    KeyboardInterrupt wherever the main thread is (mid-call, inside the store's lock): it stops cleanly."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _worker(service: ListingsService, args: argparse.Namespace, owner: str, rule: Rule | None) -> int:
    """Reprice every owner's listings (or --user's) every N seconds; an owner who may not write is skipped."""
    from analyzer.services.listings import write_refusal
    from analyzer.services.repricing import reprice
    from analyzer.store import listings_repo

    failures = 0
    with _stop_on_interrupt() as stop:
        while not stop.is_set():
            try:
                with service.store.read() as conn:
                    owners = [owner] if getattr(args, "user", None) else listings_repo.owners_with_listings(conn)
                for who in owners:
                    if args.apply and write_refusal(service.settings, who):
                        continue
                    report = reprice(service, who, apply=args.apply, rule=rule, who="worker")
                    _print(report.to_dict(), args.json, _reprice_lines, one_line=True)
                failures = 0
            except (MarketError, OSError) as exc:
                pause = WORKER_PAUSES_S[min(failures, len(WORKER_PAUSES_S) - 1)]
                if failures == 0:
                    logging.getLogger(__name__).warning("reprice run failed (%s); the worker carries on", type(exc).__name__)
                    print(f"reprice run failed ({exc}): trying again in {pause:.0f} s", flush=True)
                failures += 1
                stop.wait(pause)
                continue
            sys.stdout.flush()
            stop.wait(args.every)
    return EXIT_OK
