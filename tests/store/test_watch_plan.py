"""The watch worker under a daily budget: by product, within the background share; --force as before."""

from __future__ import annotations

from analyzer.services.watch import WatchRunner, promised_age_s
from analyzer.store import Store, watch_repo
from analyzer.store.watch_repo import LOCAL


def test_a_run_refreshes_by_product_and_defers_the_rest(fast_sandbox, recording_analyzer) -> None:
    analyzer = recording_analyzer(fast_sandbox, daily_budgets={"stockx": 2_400}, market_ttl_s=0)
    store = Store.open(analyzer.settings)
    with store.write() as conn:
        for query, size in (("DD1391-100", 9.0), ("DD1391-100", 10.0), ("CP9654", 10.0), ("DZ5485-612", 10.0)):
            watch_repo.add_watch(conn, query, size, None, "any", owner=LOCAL, sell_now_above=10_000.0)
    runner = WatchRunner(analyzer, store, tick_s=300.0)
    first = runner.run_once()
    assert first.checked == 4 and first.deferred == 0  # never checked: every product is due
    assert first.promise_s is not None and first.to_dict()["promised_staleness_s"] == round(first.promise_s)
    runner.tick_s = 1.0  # runs every second: nothing is due, and a second's share pays for one product at most
    second = runner.run_once()
    assert second.deferred > 0 and second.checked + second.deferred == 4
    assert second.to_dict()["deferred"] == second.deferred
    assert runner.run_once(force=True).checked == 4  # --force: every pair, as before
    promised = promised_age_s(analyzer, store)
    assert promised is not None and promised == first.promise_s
