"""Sync adopts and ends listings; batches report each item; a 429 is waited out and never creates twice;
a breaker opened by reads does not hide what a write did."""

from __future__ import annotations

from decimal import Decimal

import pybreaker
import pytest

from analyzer.domain.errors import RateLimited
from analyzer.domain.owners import LOCAL
from analyzer.markets.selling import MAX_429
from analyzer.services.listings import CreatePreview


def test_sync_adopts_unknown_listings_and_marks_ended_ones_gone(selling, intents) -> None:
    s = selling
    first, second = intents(2)
    assert s.service.create(LOCAL, first).status == "done"
    stray = s.service.clients["stockx"].create({"variant_id": second.variant_id}, Decimal(333), "USD")  # made elsewhere
    s.service.clients["stockx"].settle(stray)
    report = s.service.sync(LOCAL)
    assert (report.adopted, report.gone) == (1, 0)
    rows = {x.variant_id: x for x in s.service.listings(LOCAL)}
    assert rows[second.variant_id].amount == 333 and rows[second.variant_id].market_listing_id == stray.listing_id
    s.sandbox.selling.listings[rows[first.variant_id].market_listing_id].status = "DELETED"  # sold or ended on StockX
    assert s.service.sync(LOCAL).gone == 1
    assert [x.variant_id for x in s.service.listings(LOCAL)] == [second.variant_id]
    assert s.service.sync("https://id.example:someone").adopted == 0  # an owner who may not sell adopts nothing


def test_a_batch_reports_each_item_with_the_markets_reason(selling, intents) -> None:
    s = selling
    wanted = intents(5)
    wanted[2] = CreatePreview(**{**wanted[2].__dict__, "amount": Decimal(200000)})  # over StockX's maximum: FAILED
    outcomes = s.service.create_many(LOCAL, wanted)
    assert [o.status for o in outcomes] == ["done", "done", "failed", "done", "done"]
    assert "maximum" in (outcomes[2].message or "")
    assert sum(s.sandbox.selling.counts().values()) == 4 and s.sandbox.selling.writes_applied == 1
    failed = [c for c in s.service.log(LOCAL) if c.outcome == "failed"]
    assert len(failed) == 1 and "maximum" in (failed[0].answer or "")


def test_429s_are_waited_out_and_create_nothing(selling, intents, monkeypatch) -> None:
    s = selling
    waited: list[float] = []
    client = s.service.clients["stockx"]
    monkeypatch.setattr(client.http, "sleep", waited.append)
    s.sandbox.selling.config.write_fault_rate, s.sandbox.selling.config.write_fault_kinds = 1.0, ("429",)
    [one] = intents(1)
    outcome = s.service.create(LOCAL, one)
    assert outcome.status == "failed" and "429" in (outcome.message or "")
    assert waited.count(1.0) == MAX_429 + 1 and max(waited) <= 1.0  # Retry-After: 1, after each 429 (and the hold-off)
    assert s.sandbox.selling.counts() == {} and s.service.open_operations(LOCAL) == 0
    with pytest.raises(RateLimited):
        client.create({"variant_id": one.variant_id}, Decimal(100), "USD")


def test_a_breaker_opened_by_reads_does_not_hide_a_write(selling, intents) -> None:
    s = selling
    s.service.clients["stockx"].http.http.breaker.open()
    assert s.service.clients["stockx"].http.http.breaker.current_state == pybreaker.STATE_OPEN
    [one, two] = intents(2)
    assert s.service.create(LOCAL, one).status == "done"  # the write went out and its answer is the market's
    s.sandbox.selling.config.write_fault_rate, s.sandbox.selling.config.write_fault_kinds = 1.0, ("500",)
    outcome = s.service.create(LOCAL, two)
    assert outcome.status == "unknown" and "(500)" in (outcome.message or "") and "retrying in" not in (outcome.message or "")
    assert s.service.open_operations(LOCAL) == 1  # left for the next run to reconcile
    s.sandbox.selling.config.write_fault_rate = 0.0
    s.service.sync(LOCAL)
    assert s.sandbox.selling.counts() == {f"stockx:{p.variant_id}": 1 for p in (one, two)}


def test_sync_leaves_a_lost_create_to_its_reconcile(selling, intents, monkeypatch) -> None:
    """A create whose answer was lost, and a sync whose reconcile failed: the listing is not adopted as a
    stray (the next reconcile would then make it again), it waits for its own write."""
    from analyzer.domain.errors import Unavailable
    from analyzer.services.listing_writes import Writer

    s = selling
    config = s.sandbox.selling.config
    config.write_fault_rate, config.write_fault_kinds, config.timeout_s = 1.0, ("timeout_after",), 3.0
    s.service.settings = s.settings.with_(http_timeout_s=0.5)
    s.service.clients = {m: type(c).from_settings(s.service.settings) for m, c in s.service.clients.items()}
    [one] = intents(1)
    assert s.service.create(LOCAL, one).status == "unknown"
    config.write_fault_rate = 0.0
    real = Writer.reconcile

    def failing(self, owner):
        raise Unavailable("StockX answered with an error (503)")

    monkeypatch.setattr(Writer, "reconcile", failing)
    report = s.service.sync(LOCAL)
    assert report.adopted == 0 and "reconcile" in report.errors
    monkeypatch.setattr(Writer, "reconcile", real)
    s.service.sync(LOCAL)
    s.service.sync(LOCAL)
    assert s.sandbox.selling.counts() == {f"stockx:{one.variant_id}": 1} and s.sandbox.selling.writes_applied == 1
    [row] = s.service.listings(LOCAL)
    assert row.status == "active" and row.market_listing_id
