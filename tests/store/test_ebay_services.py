"""eBay in the watchlist (an ask-below target on eBay's lowest ask) and in the portfolio (its list
payout, after the final value fee of the band, can be the best list value)."""

from __future__ import annotations

from analyzer.domain.owners import LOCAL
from analyzer.services.portfolio import value_portfolio
from analyzer.services.portfolio_csv import import_csv
from analyzer.services.watch import WatchRunner
from analyzer.store import Store, watch_repo


def test_an_ask_below_target_on_ebay_fires_at_its_lowest_ask(fast_sandbox, recording_analyzer) -> None:
    analyzer = recording_analyzer(fast_sandbox, market_ttl_s=600)
    ask = analyzer.lookup("DD1391-100", "10").quotes["ebay"].lowest_ask
    assert ask is not None
    store = Store.open(analyzer.settings)
    with store.write() as conn:
        watch_repo.add_watch(conn, "DD1391-100", 10.0, None, "ebay", owner=LOCAL, ask_below=ask + 1)
        watch_repo.add_watch(conn, "DD1391-100", 10.0, None, "ebay", owner=LOCAL, ask_below=ask - 1)
    report = WatchRunner(analyzer, store).run_once()
    assert report.errors == []
    assert [(a.market, a.target, a.value, a.threshold) for a in report.alerts] == [("ebay", "ask_below", ask, ask + 1)]


def test_the_portfolio_values_a_pair_at_ebays_list_payout_when_it_pays_most(fast_sandbox, recording_analyzer) -> None:
    analyzer = recording_analyzer(fast_sandbox, market_ttl_s=600)
    store = Store.open(analyzer.settings)
    import_csv(store, "style_id,size,cost,quantity,bought_at,currency,note\nDD1391-100,10,80,1,,,\n", owner=LOCAL)
    pricing = analyzer.lookup("DD1391-100", "10").pricing
    best = max(pricing.payouts.items(), key=lambda item: item[1].list or 0)
    assert best[0] == "ebay"  # on the sandbox, eBay's lowest ask less its fees pays most for this pair
    position = value_portfolio(analyzer, store, owner=LOCAL).to_dict()["positions"][0]
    assert position["list"] == {"market": "ebay", "payout": best[1].list, "currency": "USD"}
    assert position["sell_now"] is None or position["sell_now"]["market"] != "ebay"  # eBay never buys now
