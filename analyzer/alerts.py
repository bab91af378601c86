"""Alert delivery: each undelivered alert POSTed to the webhook (JSON Slack and Discord both take),
retried with backoff; one that still fails stays undelivered and goes out on the next run.

The webhook URL is a secret (Slack's and Discord's carry a token): it is never stored or logged;
a failure is recorded as its kind only ("HTTP 500", "ConnectionError").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from analyzer.owners import LOCAL, OwnerSettings, check_webhook
from analyzer.store import Store, owners_repo, watch_repo
from analyzer.store.watch_repo import Alert
from analyzer.validation import InvalidInput

log = logging.getLogger(__name__)
PHRASES = {"sell_now_above": "sell now pays", "list_above": "listing pays", "ask_below": "lowest ask is"}
LABELS = {"stockx": "StockX", "alias": "Alias"}


class DeliveryFailed(Exception):
    """A webhook answer that was not 2xx, or no answer; the message names the kind only."""


def message(alert: Alert) -> str:
    direction = "below" if alert.target == "ask_below" else "above"
    size = alert.size_label or f"US {alert.size:g}"
    return (f"{alert.query} {size}: {PHRASES.get(alert.target, alert.target)} {alert.value:,.2f} {alert.currency} "
            f"on {LABELS.get(alert.market, alert.market)}, {direction} your target {alert.threshold:,.2f}")


def payload(alert: Alert) -> dict[str, Any]:
    text = message(alert)
    return {"text": text, "content": text, **alert.to_dict(), "alert_id": alert.id}


def post_json(url: str, body: dict[str, Any], timeout: float = 5.0) -> None:
    try:
        answer = requests.post(url, json=body, timeout=timeout)
    except requests.RequestException as exc:
        raise DeliveryFailed(type(exc).__name__) from None
    if not 200 <= answer.status_code < 300:
        raise DeliveryFailed(f"HTTP {answer.status_code}")


WebhookFor = Callable[[str], str | None]


def owner_webhooks(store: Store, settings: Any) -> WebhookFor:
    """Where each owner's alerts go: the webhook they saved, checked again before each run (a host
    may resolve elsewhere since); the local owner falls back to the operator's ANALYZER_ALERT_WEBHOOK."""
    found: dict[str, str | None] = {}

    def webhook_for(owner: str) -> str | None:
        if owner not in found:
            with store.read() as conn:
                saved = owners_repo.load_settings(conn, owner, OwnerSettings()).webhook
            url = None
            if saved:
                try:
                    url = check_webhook(saved, allow_loopback_http=bool(getattr(settings, "webhook_allow_loopback", False)))
                except InvalidInput as exc:
                    log.warning("an owner's webhook is refused (%s); their alerts wait", exc)
            elif owner == LOCAL:
                url = getattr(settings, "alert_webhook", None)
            found[owner] = url
        return found[owner]

    return webhook_for


def deliver_pending(store: Store, webhook_for: WebhookFor, *, attempts: int = 3, backoff_s: float = 0.5,
                    post: Callable[[str, dict[str, Any]], None] = post_json) -> tuple[int, int]:
    """Send every undelivered alert, oldest first, to its owner's webhook. Returns (delivered, still
    undelivered). An owner without a webhook keeps theirs.

    After one alert fails every retry that webhook is taken as down: its owner's rest wait for the next run.
    """
    with store.read() as conn:
        pending = watch_repo.pending_alerts(conn)
    down: set[str] = set()
    delivered = 0
    for alert in pending:
        url = webhook_for(alert.owner)
        if not url or url in down:
            continue
        tries = 0
        try:
            for attempt in Retrying(stop=stop_after_attempt(attempts), reraise=True,
                                    wait=wait_exponential(multiplier=backoff_s, max=max(backoff_s * 8, 0.001)),
                                    retry=retry_if_exception_type(DeliveryFailed)):
                with attempt:
                    tries += 1
                    post(url, payload(alert))
        except DeliveryFailed as exc:
            log.warning("alert %s not delivered after %d tries (%s); it goes out on the next run", alert.id, tries, exc)
            with store.write() as conn:
                watch_repo.mark_undelivered(conn, alert.id, tries, str(exc))
            down.add(url)
            continue
        with store.write() as conn:
            watch_repo.mark_delivered(conn, alert.id, tries)
        delivered += 1
    return delivered, len(pending) - delivered


def delivery_state(alert: Alert, webhook_set: bool) -> str:
    if alert.delivered_at:
        return f"delivered {alert.delivered_at}"
    if not webhook_set:
        return "not sent: no webhook set (Watchlist page, or ANALYZER_ALERT_WEBHOOK)"
    if alert.attempts:
        return f"waiting: {alert.attempts} tries failed ({alert.last_error}); goes out on the next run"
    return "waiting for the next run"


def alert_log(store: Store, webhook_set: bool, limit: int = 200, *, owner: str) -> list[dict[str, Any]]:
    """The owner's newest alerts, each with its message and where its delivery stands."""
    with store.read() as conn:
        found = watch_repo.list_alerts(conn, limit, owner=owner)
    return [{**a.to_dict(), "id": a.id, "size_label": a.size_label, "message": message(a),
             "delivered": a.delivered_at is not None, "delivery": delivery_state(a, webhook_set)} for a in found]
