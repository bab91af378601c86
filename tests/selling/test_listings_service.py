"""Listing from the advice, viewing, repricing and delisting, on the sandbox over real HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from analyzer.domain.owners import LOCAL
from analyzer.domain.repricing import Rule
from analyzer.domain.validation import InvalidInput
from analyzer.services.listings import NotAllowed
from analyzer.services.repricing import reprice
from analyzer.store.positions_repo import NewPosition, add_positions


def test_list_view_reprice_and_delist_on_stockx(selling) -> None:
    s = selling
    with s.store.write() as conn:
        add_positions(conn, [NewPosition("DD1391-100", 10.0, None, Decimal("60"))], owner=LOCAL)
    preview = s.service.preview_create(s.analyzer, LOCAL, "DD1391-100", "10", "stockx", "400")
    assert preview.variant_id and preview.cost == Decimal("60") and preview.payout == Decimal("352.00")
    assert preview.profit == Decimal("292.00")
    assert s.sandbox.selling.counts() == {}  # a preview sends nothing
    done = s.service.create(LOCAL, preview)
    assert done.status == "done", done
    assert s.sandbox.selling.counts() == {f"stockx:{preview.variant_id}": 1}
    [view] = s.service.view(LOCAL)
    assert view.listing.market_listing_id and view.listing.status == "active" and view.ours_lowest is False
    assert view.lowest_ask is not None and view.lowest_ask < 400
    before = reprice(s.service, LOCAL, apply=False, rule=Rule(target="beat"))
    [plan] = before.plans
    assert plan.changes and plan.new == view.lowest_ask - 1
    after = reprice(s.service, LOCAL, apply=True, rule=Rule(target="beat"))
    assert after.plans == before.plans and [o.status for o in after.outcomes] == ["done"]
    [again] = s.service.view(LOCAL)
    assert again.listing.amount == plan.new and again.ours_lowest is True and again.lowest_ask == plan.new
    assert not reprice(s.service, LOCAL, apply=False).plans[0].changes  # ours is the lowest now
    gone = s.service.delete(LOCAL, view.listing.id)
    assert gone.status == "done" and s.sandbox.selling.counts() == {}
    actions = [(c.action, c.outcome) for c in s.service.log(LOCAL)]
    assert actions == [("delete", "done"), ("update", "done"), ("create", "done")]


def test_alias_whole_dollars_and_minimum_are_checked_before_any_call(selling) -> None:
    s = selling
    calls = s.sandbox.counters.requests["alias"]
    with pytest.raises(InvalidInput):
        s.service.preview_create(s.analyzer, LOCAL, "DD1391-100", "10", "alias", "86.50")
    assert s.sandbox.counters.requests["alias"] == calls
    with pytest.raises(InvalidInput, match="minimum"):
        s.service.preview_create(s.analyzer, LOCAL, "DD1391-100", "10", "alias", "20")
    preview = s.service.preview_create(s.analyzer, LOCAL, "DD1391-100", "10", "alias", "90")
    assert preview.minimum == 25 and s.service.create(LOCAL, preview).status == "done"
    assert sum(s.sandbox.selling.counts("alias").values()) == 1
    low = reprice(s.service, LOCAL, apply=True, rule=Rule(target="fixed", fixed=Decimal(20), min_payout=Decimal(1)))
    assert [p.new for p in low.plans] == [Decimal(25)] and [o.status for o in low.outcomes] == ["done"]  # Alias's minimum
    assert [x.amount for x in s.sandbox.selling.listings.values()] == [Decimal(25)]


def test_writes_are_off_unless_selling_is_on_and_only_for_sellers(selling) -> None:
    s = selling
    preview = s.service.preview_create(s.analyzer, LOCAL, "DD1391-100", "10", "stockx", "400")
    s.service.settings = s.settings.with_(selling=False)
    with pytest.raises(NotAllowed, match="ANALYZER_SELLING"):
        s.service.create(LOCAL, preview)
    s.service.settings = s.settings.with_(sellers=("https://id.example:alice",))
    with pytest.raises(NotAllowed, match="ANALYZER_SELLERS"):
        s.service.create("https://id.example:bob", preview)
    assert s.sandbox.selling.counts() == {}
    assert s.service.create("https://id.example:alice", preview).status == "done"
    assert s.service.view(LOCAL) == [] and len(s.service.view("https://id.example:alice")) == 1
