"""The listings store on SQLite and PostgreSQL: rows per owner, writes recorded before their requests and
reconciled, the audit log and the daily change count."""

from __future__ import annotations

from decimal import Decimal

import pytest

from analyzer.config import Settings
from analyzer.domain.validation import InvalidInput
from analyzer.sandbox import prices
from analyzer.services.listings import CreatePreview, ListingsService
from analyzer.services.repricing import day_start
from analyzer.store import Store
from analyzer.store import listings_repo as repo

ALICE, BOB = "https://id.example:alice", "https://id.example:bob"


def _intents(n: int) -> list[CreatePreview]:
    pairs = [(shoe, size) for shoe in prices._in("stockx") for size in shoe.sizes][:n]
    return [CreatePreview("stockx", shoe.style_ids[0], shoe.stockx_title, shoe.stockx_id, prices.variant_id(shoe.stockx_id, size),
                          size, None, "stockx:global:any:new", Decimal(150 + i), "USD", None, None, None, None, None, None, None)
            for i, (shoe, size) in enumerate(pairs)]


def test_listings_per_owner_reconciled_and_logged(sandbox_factory, db_url: str, tmp_path) -> None:
    box = sandbox_factory()
    box.selling.config.pending_s = 0.02
    settings = box.settings_for(Settings(data_dir=tmp_path / "data", database_url=db_url, selling=True, use_cache=False,
                                         sellers=(ALICE, BOB), http_timeout_s=0.5))
    box.selling.config.timeout_s = 1.0
    service = ListingsService(settings, Store.open(settings))
    wanted = _intents(10)
    box.selling.config.write_fault_rate, box.selling.config.write_fault_kinds = 0.3, ("500", "timeout_after")
    for p in wanted:
        service.create(ALICE, p)
    box.selling.config.write_fault_rate = 0.0
    service.sync(ALICE)
    assert service.open_operations(ALICE) == 0
    assert box.selling.counts() == {f"stockx:{p.variant_id}": 1 for p in wanted}
    mine = service.listings(ALICE)
    assert sorted(x.amount for x in mine) == [p.amount for p in wanted]
    assert service.listings(BOB) == [] and service.log(BOB) == []
    with pytest.raises(InvalidInput):
        service.delete(BOB, mine[0].id)  # not Bob's
    assert service.delete(ALICE, mine[0].id).status == "done"
    with service.store.write() as conn:
        repo.log_change(conn, mine[1], "update", mine[1].amount, Decimal(140), "test", "done", "ok", who="worker")
        assert repo.price_changes_since(conn, mine[1].id, day_start()) == 1
        assert repo.price_changes_since(conn, mine[2].id, day_start()) == 0
        assert repo.owners_with_listings(conn) == [ALICE]
    log = service.log(ALICE, limit=1000)
    assert {c.outcome for c in log} <= {"done", "unknown"} and log[0].who == "worker" and log[0].new_amount == Decimal(140)
