"""`python -m analyzer watch run`: every owner's watches (the worker), once or every N seconds, each
judged at its owner's saved settings; it outlives a store outage with one line per outage."""

from __future__ import annotations

import argparse
import json
import logging
import time

from analyzer.cli.store_commands import EXIT_OK, open_recording
from analyzer.config import Settings
from analyzer.services.alerts import deliver_pending, details_of, message, owner_webhooks
from analyzer.services.watch import WatchRunner
from analyzer.store import Store

WORKER_PAUSES_S = (5.0, 10.0, 30.0, 60.0, 120.0)


def run_worker(args: argparse.Namespace, settings: Settings, owner: str) -> int:
    """Every owner's watches (the worker) unless --user names one; each judged at its owner's saved settings.

    With --every the worker never dies of an outage: a store or a run that fails is said once, waited
    out with growing pauses, and the run goes on when it answers again."""
    opened = open_recording(settings)
    runner: WatchRunner | None = None
    failures = 0

    def deliver(store: Store) -> tuple[int, int]:
        return deliver_pending(store, owner_webhooks(store, settings), app_url=settings.public_url)

    try:
        while True:
            try:
                if runner is None:
                    runner = WatchRunner(opened.analyzer, Store.open(settings), owner=owner if getattr(args, "user", None) else None,
                                         tick_s=float(args.every or 300))
                report = runner.run_once(force=args.force, deliver=deliver)
            except Exception as exc:
                if not args.every or args.once:
                    raise
                pause = WORKER_PAUSES_S[min(failures, len(WORKER_PAUSES_S) - 1)]
                if failures == 0:  # one line per outage, not one per try
                    logging.getLogger(__name__).warning("watch run failed (%s); the worker carries on and tries again",
                                                        type(exc).__name__)
                    print(f"watch run failed ({type(exc).__name__}): trying again in {pause:.0f} s, and on", flush=True)
                failures += 1
                time.sleep(pause)
                continue
            if failures:
                print(f"watch run answers again after {failures} failed tries", flush=True)
                failures = 0
            if args.json:
                print(json.dumps(report.to_dict(), indent=None if args.every else 2), flush=True)
            else:
                for alert in report.alerts:
                    print(f"ALERT #{alert.id}: {message(alert, details_of(runner.store, alert))}", flush=True)
                for error in report.errors:
                    print(f"watch #{error['watch_id']} {error['query']}: {error['error']}", flush=True)
                print(f"checked {report.checked} pairs ({report.from_store} from fresh snapshots), "
                      f"{len(report.alerts)} alerts, {len(report.errors)} errors"
                      + (f", {report.undelivered} alerts wait for the webhook"
                         if report.undelivered and settings.alert_webhook else "")
                      + (f"; {report.deferred} pairs wait their turn (every pair at most {report.promise_s / 60:.0f} min old)"
                         if report.promise_s is not None else ""), flush=True)
            if not args.every or args.once:
                return EXIT_OK
            time.sleep(args.every)
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        opened.close()
