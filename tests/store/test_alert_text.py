"""Issue 20 point 11: an alert a phone can act on: the shoe's name, size, book, the payout against the
target, a link to the market's product page and to the app's Lookup, in Slack's and Discord's formats."""

from __future__ import annotations

from analyzer.domain.owners import LOCAL
from analyzer.services.alerts import alert_log, deliver_pending, payload
from analyzer.services.watch import WatchRunner
from analyzer.store import Store, watch_repo
from analyzer.store.watch_repo import Alert


def test_a_delivered_alert_names_the_shoe_and_links_to_it(fast_sandbox, recording_analyzer, webhook) -> None:
    analyzer = recording_analyzer(fast_sandbox)
    store = Store.open(analyzer.settings)
    with store.write() as conn:
        watch_repo.add_watch(conn, "DD1391-100", 10.0, None, "stockx", owner=LOCAL, list_above=1.0)
    report = WatchRunner(analyzer, store).run_once()
    assert len(report.alerts) == 1
    assert deliver_pending(store, lambda _owner: webhook.url, app_url="https://sneakers.example/") == (1, 0)
    body = webhook.bodies[0]
    slack, discord = body["text"], body["content"]
    assert "Nike Dunk Low" in slack and "(DD1391-100) US 10" in slack and "StockX standard" in slack, slack
    assert "listing pays $" in slack and "above your target $1.00" in slack
    assert "<https://stockx.com/" in slack and "|Open on StockX>" in slack
    assert "<https://sneakers.example/?q=DD1391-100&size=US+10|Look it up>" in slack
    assert "[Open on StockX](<https://stockx.com/" in discord
    assert "[Look it up](<https://sneakers.example/?q=DD1391-100&size=US+10>)" in discord
    assert body["title"].startswith("Nike Dunk Low") and [link["title"] for link in body["links"]] == ["Open on StockX", "Look it up"]
    logged = alert_log(store, True, owner=LOCAL)  # the page's log says it as the phone does
    assert logged[0]["message"].startswith("Nike Dunk Low") and logged[0]["delivery"].endswith(" UTC")


def test_names_from_markets_cannot_make_links_or_mentions() -> None:
    alert = Alert(1, 2, "X1", 10.0, "US M 10", "alias", "sell_now_above", 150.0, 160.0, "EUR", "2026-11-30T00:00:00+00:00")
    body = payload(alert, {"title": "Dunk [win](https://evil.example) <@everyone>", "url": "javascript:alert(1)"}, None)
    assert "<@everyone>" not in body["text"] and "&lt;@everyone&gt;" in body["text"]
    assert "[win](" not in body["content"] and "\\[win\\]" in body["content"]
    assert body["links"] == [] and "javascript" not in body["text"] + body["content"]
    assert "sell now pays €160.00 on Alias, €10.00 above your target €150.00" in body["text"]
