"""`listings reprice`: each active listing against its market now, planned by analyzer.domain.repricing.
The preview and the apply are the same plan; the apply sends only the plans that change a price, each
as a recorded write (analyzer.services.listing_writes), after reconciling what an earlier run left."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from analyzer.domain.repricing import Plan, Rule, Situation, plan
from analyzer.services.listing_writes import Outcome
from analyzer.services.listings import ListingsService, ListingView, check_may_write
from analyzer.store import listings_repo as repo


@dataclass
class RepriceReport:
    plans: list[Plan]
    views: dict[int, ListingView]
    rules: dict[int, Rule]
    outcomes: list[Outcome] = field(default_factory=list)
    applied: bool = False

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for p in self.plans:
            v = self.views[p.listing_id]
            rows.append({**p.to_dict(), "market": v.listing.market, "query": v.listing.query, "size": v.listing.size,
                         "size_label": v.listing.size_label, "currency": v.listing.currency,
                         "rule": self.rules[p.listing_id].describe(), "changes": p.changes,
                         "lowest_ask": None if v.lowest_ask is None else float(v.lowest_ask)})
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {"applied": self.applied, "plans": self.rows(), "outcomes": [o.to_dict() for o in self.outcomes]}


def day_start(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0).isoformat(timespec="seconds")


def _payout(service: ListingsService, market: str, currency: str) -> Any:
    return lambda price: service.payout(market, Decimal(price), currency)


def plan_reprice(service: ListingsService, owner: str, rule: Rule | None = None, listing_id: int | None = None) -> RepriceReport:
    """Every active listing's plan (or one listing's): what the preview shows and the apply sends."""
    views = [v for v in service.view(owner) if v.listing.status == "active" and v.book is not None
             and (listing_id is None or v.listing.id == listing_id)]
    since = day_start()
    situations, rules, payouts = [], {}, {}
    with service.store.read() as conn:
        for v in views:
            x = v.listing
            rules[x.id] = rule or Rule.from_json(x.rule)
            payouts[x.id] = _payout(service, x.market, x.currency)
            book = v.book
            situations.append(Situation(x.id, x.amount, v.lowest_ask, bool(v.ours_lowest), v.cost,
                                        book.sell_faster if book else None, book.earn_more if book else None,
                                        repo.price_changes_since(conn, x.id, since), x.minimum))
        busy = {op.listing_id for op in repo.open_operations(conn, owner=owner)}
    unconfirmed = "an earlier change is not confirmed yet: the next run reconciles it first"
    plans = [p if p.listing_id not in busy else replace(p, new=None, payout=payouts[p.listing_id](p.old), why=unconfirmed)
             for p in plan(situations, rules, payouts, service.settings.min_margin)]
    return RepriceReport(plans, {v.listing.id: v for v in views}, rules)


def reprice(service: ListingsService, owner: str, *, apply: bool, rule: Rule | None = None, listing_id: int | None = None,
            who: str | None = None) -> RepriceReport:
    """Preview (apply=False: nothing is sent) or apply; with `rule` and apply, the rule is kept on those listings."""
    if not apply:
        return plan_reprice(service, owner, rule, listing_id)
    check_may_write(service.settings, owner)
    writer = service.writer(who or owner)
    reconciled = writer.reconcile(owner)
    report = plan_reprice(service, owner, rule, listing_id)
    report.applied, report.outcomes = True, list(reconciled)
    for p in report.plans:
        listing = report.views[p.listing_id].listing
        if rule is not None:
            with service.store.write() as conn:
                repo.set_listing(conn, listing.id, owner=owner, rule=rule.to_json())
        if p.changes:
            report.outcomes.append(writer.update(listing, p.new, f"{report.rules[p.listing_id].describe()}: {p.why}"))  # type: ignore[arg-type]
    return report
