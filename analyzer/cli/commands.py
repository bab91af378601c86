"""python -m analyzer: lookup, compare, metrics, bench, cache, sandbox."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from analyzer.cli.listings_commands import add_listings, run_listings
from analyzer.cli.store_commands import add_commands, run_command
from analyzer.config import ALIAS_CONDITIONS, Settings
from analyzer.domain.batch import BatchItem, parse_batch
from analyzer.domain.errors import MarketError
from analyzer.domain.models import LookupResult
from analyzer.domain.owners import LOCAL, parse_user
from analyzer.domain.report import label, money, recommendation_lines
from analyzer.domain.validation import InvalidInput, clean_gtin, clean_query, parse_size
from analyzer.markets.registry import NAMES

EXIT_OK, EXIT_NO_QUOTE, EXIT_INVALID = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analyzer", description="StockX and Alias quotes side by side.")
    sub = parser.add_subparsers(dest="command", required=True)

    lookup = sub.add_parser("lookup", help="quote one shoe and size on every market")
    lookup.add_argument("query", nargs="?", help="a shoe name or a style ID, e.g. DD1391-100")
    lookup.add_argument("--size", help="10 (the shoe's own scale), 'US M 10', 8W, 7Y or 4C (not with --gtin)")
    lookup.add_argument("--gtin", help="a barcode from the box (UPC, EAN-13, GTIN-8, ITF-14): it names the shoe and size")
    lookup.add_argument("--condition", type=str.lower, choices=list(ALIAS_CONDITIONS),
                        help="Alias's condition pair to price (default ALIAS_CONDITION, else new_good_box)")
    lookup.add_argument("--depth", action="store_true", help="also ask Alias for the bid depth (offer histogram)")
    lookup.add_argument("--sequential", action="store_true", help="one call after another (the baseline)")

    compare = sub.add_parser("compare", help="quote any number of shoes, paced by the markets' rate limits",
                             description="Shoes as arguments, from --file FILE or from stdin ('-'): one a line, "
                             "'#' comments, an optional size after a comma (DD1391-100,10). Progress goes to stderr.")
    compare.add_argument("queries", nargs="*", help="shoes (each may carry its size: DD1391-100,10); '-' reads stdin")
    compare.add_argument("--file", help="a file of shoes, one a line ('-' for stdin)")
    compare.add_argument("--size", help="the size of shoes given without one: 10 (each shoe's own scale), 'US M 10', 8W, 7Y or 4C")
    compare.add_argument("--jsonl", action="store_true", help="print each shoe as one JSON line as soon as it is quoted")

    for command in (lookup, compare):
        command.add_argument("--json", action="store_true", help="print JSON")
        command.add_argument("--no-cache", action="store_true", help="neither read nor write the HTTP cache")

    metrics = sub.add_parser("metrics", help="summary of recorded lookups")
    metrics.add_argument("--json", action="store_true")
    metrics.add_argument("--clear", action="store_true", help="delete your recorded lookups (--user: that person's)")

    cache = sub.add_parser("cache", help="the HTTP cache")
    cache.add_argument("action", choices=["clear"])

    bench = sub.add_parser("bench", help="sequential vs parallel vs cached, against the lower bound")
    # Read as text and checked by analyzer.bench.lookups.validate: a bad value is one line and exit 2.
    bench.add_argument("--workload", default="standard",
                       help="standard | replicas (needs REDIS_URL) | same-shoe | pages (Chromium) | day (one key's day, injected clock)")
    bench.add_argument("--shoes", help="shoes (standard, 12), per replica (replicas, 8), concurrent lookups (same-shoe, 8)")
    bench.add_argument("--latency-ms", help="sandbox latency per call (250; 150 for replicas and same-shoe)")
    bench.add_argument("--rounds", default="5")
    bench.add_argument("--faults", default="0", help="share of the bench's own sandbox answers that fail, 0 to 1 "
                       "(ANALYZER_SANDBOX_URL: that sandbox is used instead, with its own faults)")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--pages", help="pages workload: some of lookup,compare,portfolio,watchlist (all)")
    bench.add_argument("--sessions", default="12", help="pages workload: people opening a page at once (12)")
    bench.add_argument("--compare-config", action="store_true",
                       help="pages workload: Streamlit's development settings beside the project's config")
    bench.add_argument("--server-flags", action="append", default=[], metavar="FLAGS",
                       help="pages workload: a configuration of --server.*/--runner.* options to measure, "
                       "e.g. \"--runner.postScriptGC true\" (repeat for more)")

    sandbox = sub.add_parser("sandbox", help="run the sandbox marketplace alone")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--faults", type=float, default=0.0, help="share of answers that fail, 0 to 1")
    sandbox.add_argument("--down", action="append", default=[], choices=list(NAMES), help="a market that answers 503")
    add_commands(sub)
    add_listings(sub)
    add_user_option(parser)
    return parser


def add_user_option(parser: argparse.ArgumentParser) -> None:
    """`--user ISSUER:SUBJECT` on every command, before or after its name: whose data the command
    reads and writes (default ANALYZER_USER, else the local owner)."""
    seen = [parser]
    while seen:
        current = seen.pop()
        current.add_argument("--user", default=argparse.SUPPRESS, metavar="ISSUER:SUBJECT",
                             help="act as this signed-in person (default: ANALYZER_USER, else the local owner)")
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                seen.extend(action.choices.values())


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        owner = parse_user(getattr(args, "user", None) or os.environ.get("ANALYZER_USER"))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    handled = run_command(args, settings, owner)
    handled = run_listings(args, settings, owner) if handled is None else handled
    if handled is not None:
        return handled
    try:
        if args.command == "lookup":
            return _lookup(args, settings, owner)
        if args.command == "compare":
            return _compare(args, settings, owner)
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.command == "metrics":
        return _metrics(args, settings, owner)
    if args.command == "cache":
        return _cache(settings)
    if args.command == "bench":
        from analyzer.bench.lookups import run_cli

        return run_cli(shoes=args.shoes, latency_ms=args.latency_ms, rounds=args.rounds, as_json=args.json,
                       workload=args.workload, faults=args.faults,
                       **({"pages": args.pages, "compare_config": args.compare_config, "server_flags": args.server_flags,
                           "sessions": args.sessions}
                          if str(args.workload).strip().lower() == "pages" else {}))
    return _sandbox(args)


def _open(settings: Settings, no_cache: bool):
    from analyzer.launch import open_analyzer

    return open_analyzer(settings.with_(use_cache=not no_cache))


def _lookup(args: argparse.Namespace, settings: Settings, owner: str) -> int:
    mode = "sequential" if args.sequential else "parallel"
    if args.gtin is not None:
        if args.query is not None or args.size is not None:
            raise InvalidInput("--gtin names the shoe and the size: give no query and no --size with it.")
        gtin = clean_gtin(args.gtin)
    else:
        if args.query is None or args.size is None:
            raise InvalidInput("Give a shoe and --size, or --gtin BARCODE.")
        query, size = clean_query(args.query), parse_size(args.size)
    if args.condition:
        settings = settings.with_(alias_condition=args.condition)
    if args.depth:
        settings = settings.with_(offer_depth=True)
    opened = _open(settings, args.no_cache)
    try:
        if args.gtin is not None:
            try:
                result = opened.analyzer.lookup_gtin(gtin, mode=mode, owner=owner)
            except MarketError as exc:
                print(f"error: barcode {gtin}: {exc.message}", file=sys.stderr)
                return EXIT_NO_QUOTE
        else:
            result = opened.analyzer.lookup(query, size, mode=mode, owner=owner)
    finally:
        opened.close()
    print(result.to_json() if args.json else render(result))
    return EXIT_OK if result.any_quoted else EXIT_NO_QUOTE


def _batch(args: argparse.Namespace) -> list[BatchItem]:
    """The shoes asked: arguments, then --file (or '-' for stdin), checked whole before any call."""
    default = parse_size(args.size) if args.size is not None else None
    items: list[BatchItem] = []
    args_given = [q for q in args.queries if q != "-"]
    if args_given:
        items += parse_batch(args_given, default, "shoe", comments=False)
    sources = ([args.file] if args.file else []) + (["-"] if "-" in args.queries else [])
    for source in sources:
        if source == "-":
            items += parse_batch(sys.stdin.read().splitlines(), default, "stdin line")
            continue
        try:
            with open(source, encoding="utf-8-sig") as handle:
                lines = handle.read().splitlines()
        except OSError as exc:
            raise InvalidInput(f"cannot read {source}: {exc.strerror or exc}") from None
        items += parse_batch(lines, default, f"{source} line")
    if not items:
        raise InvalidInput("Give shoes as arguments, --file FILE or '-' for stdin.")
    return items


def _compare(args: argparse.Namespace, settings: Settings, owner: str) -> int:
    from time import perf_counter

    from analyzer.console import steps
    from analyzer.services.batch import run_batch

    if args.json and args.jsonl:
        raise InvalidInput("--json or --jsonl, not both.")
    items = _batch(args)
    opened = _open(settings, args.no_cache)
    started = perf_counter()
    results: list[LookupResult | None] = [None] * len(items)
    any_quoted = False
    try:
        with steps("compare", len(items)) as progress:
            for index, result in run_batch(opened.analyzer, items, owner=owner):
                verdict = "quoted" if result.success else ("partly quoted" if result.any_quoted else "not quoted")
                progress.advance(f"{items[index].query} {result.size_label}: {verdict}")
                if args.jsonl:
                    print(json.dumps({"index": index, **result.to_dict()}), flush=True)
                else:
                    results[index] = result
                any_quoted = any_quoted or result.any_quoted
    finally:
        opened.close()
    elapsed = perf_counter() - started
    done = [r for r in results if r is not None]
    if args.json:
        print(json.dumps({"results": [r.to_dict() for r in done], "elapsed_s": round(elapsed, 4)}, indent=2))
    elif not args.jsonl:
        print(compare_table(done))
        print(f"{len(done)} shoes in {elapsed:.2f} s")
    return EXIT_OK if any_quoted else EXIT_NO_QUOTE


def _source(result: LookupResult) -> str:
    return "SANDBOX data (not live prices)" if result.source == "sandbox" else "live"


def render(result: LookupResult) -> str:
    product = result.product or {}
    cur = result.pricing.currency
    head = f"{product.get('title') or result.query}  ·  {product.get('style_id') or '—'}  ·  {result.size_label}  [{_source(result)}]"
    lines = [head, f"{'market':<8} {'size':<10} {'lowest ask':>12} {'highest bid':>12} {'last sale':>12} {'sell now pays':>14} "
                   f"{'list pays':>12}"]
    for market, quote in result.quotes.items():
        pays = result.pricing.payouts[market]
        if quote.ok:
            own, shown = quote.currency, pays.currency
            lines.append(f"{label(market):<8} {quote.size_label or '':<10} {money(quote.lowest_ask, own):>12} "
                         f"{money(quote.highest_bid, own):>12} {money(quote.last_sale, own):>12} "
                         f"{money(pays.sell_now, shown):>14} {money(pays.list, shown):>12}")
        else:
            lines.append(f"{label(market):<8} error: {quote.error}")
            for hint in quote.suggestions:
                lines.append(f"{'':<8}   did you mean {hint['style_id'] or ''} {hint['title']}?")
    lines.extend(recommendation_lines(result.pricing))
    for market, advice in (result.pricing.list_advice or {}).items():
        lines.append(f"{label(market)}: {advice} (time to sell: docs/time-to-sell.md)")
    for market, quote in result.quotes.items():
        if quote.ok and quote.sales_error:
            lines.append(f"{label(market)}: {quote.sales_error}")
    if result.gtin:
        lines.append(f"barcode {result.gtin}")
    if cur != "USD" or result.pricing.fx:
        lines.append(f"money in {cur}; rates used (per US dollar): "
                     + (", ".join(f"{k} {v:g}" for k, v in result.pricing.fx.items()) or "none"))
    lines.append(f"{result.mode}, {result.elapsed_s:.2f} s")
    return "\n".join(lines)


def compare_table(results: Sequence[LookupResult]) -> str:
    """One table, decision first: shoe, size, best payout now and where, best list payout, then the rest."""
    rows = [("shoe", "size", "sell now pays", "where", "list pays", "where", "arbitrage", "status")]
    for r in results:
        sell, listing, arb = r.pricing.best_sell_now, r.pricing.best_list, r.pricing.arbitrage
        failed = [q.error or f"{label(m)}: no quote" for m, q in r.quotes.items() if not q.ok]
        title = (r.product or {}).get("title") or r.query
        rows.append((title[:40], r.size_label,
                     money(sell.payout, sell.currency) if sell else "—", label(sell.market) if sell else "—",
                     money(listing.payout, listing.currency) if listing else "—",
                     label(listing.market) if listing else "—",
                     money(arb.profit, arb.currency) if arb else "—",
                     "quoted" if not failed else "; ".join(failed)))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1] for row in rows]
    if results:
        lines.append(f"[{_source(results[0])}; money in {results[0].pricing.currency}]")
    return "\n".join(lines)


def _metrics(args: argparse.Namespace, settings: Settings, owner: str) -> int:
    from analyzer.lookup.metrics import MetricsStore

    store = MetricsStore(settings)
    if args.clear:
        store.clear(owner=owner)
        print(f"metrics cleared: the lookups of {'the local owner' if owner == LOCAL else owner}")
        return EXIT_OK
    from analyzer.net.market_wiring import days

    summary = {**store.summary(), "day": days(settings)}  # "day": each market's daily budget on its key (added)
    if args.json:
        print(json.dumps(summary, indent=2))
        return EXIT_OK
    for market, day in summary["day"].items():
        spent = ", ".join(f"{p} {n:,}" for p, n in day["by_purpose"].items() if n)
        print(f"day {market:<14} {day['spent']:,} of {day['daily_budget']:,} spent in 24 h ({spent or 'none'}); "
              f"{day['left']:,} left; {day['available_now']:,} callable now; whole again {day['resets_at']}")
    for scope, figures in [("all", summary), *[(f"market {k}", v) for k, v in summary["by_market"].items()],
                           *[(f"mode {k}", v) for k, v in summary["by_mode"].items()]]:
        shown = {k: v for k, v in figures.items() if not isinstance(v, dict)}
        print(f"{scope:<18} " + "  ".join(f"{k}={v}" for k, v in shown.items()))
    return EXIT_OK


def _cache(settings: Settings) -> int:
    from analyzer.lookup.engine import Analyzer

    Analyzer(settings).clear_cache()
    print(f"HTTP cache cleared in {settings.data_dir}")
    return EXIT_OK


def _sandbox(args: argparse.Namespace) -> int:
    from analyzer.sandbox.app import SandboxConfig
    from analyzer.sandbox.server import serve_forever

    if not 0 <= args.faults <= 1:
        print("error: --faults is a share from 0 to 1", file=sys.stderr)
        return EXIT_INVALID
    serve_forever(SandboxConfig(fault_rate=args.faults, down=set(args.down)), args.port)
    return EXIT_OK
