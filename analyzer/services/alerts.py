"""Alert delivery: each undelivered alert POSTed to the webhook (JSON Slack and Discord both take), effectively
once: leased by one worker at a time, marked delivered right after its 2xx, sent with a stable
Idempotency-Key; one that fails backs off on its own and never holds the others back.

The webhook URL is a secret (Slack's and Discord's carry a token): it is never stored or logged;
a failure is recorded as its kind only ("HTTP 500", "ConnectionError").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from analyzer.domain.money import dec, format_money
from analyzer.domain.owners import LOCAL, OwnerSettings, check_webhook
from analyzer.domain.validation import InvalidInput
from analyzer.markets.registry import label
from analyzer.store import Store, owners_repo, watch_repo
from analyzer.store.watch_repo import Alert

log = logging.getLogger(__name__)
PHRASES = {"sell_now_above": "sell now pays", "list_above": "listing pays", "ask_below": "lowest ask is"}


class DeliveryFailed(Exception):
    """A webhook answer that was not 2xx, or no answer; the message names the kind only.

    `maybe_received`: the request may have reached the receiver (a read timeout, a dropped
    connection), so it is not sent again in the same run; `retry`: trying again at once may help.
    """

    def __init__(self, kind: str, *, maybe_received: bool = False, retry: bool = True) -> None:
        super().__init__(kind)
        self.maybe_received = maybe_received
        self.retry = retry and not maybe_received
        self.tries = 1  # set by _send: the tries made for the alert before giving up


def slack_escape(text: str) -> str:
    """Slack's control characters as entities: `<!channel>` or `<@U123>` from a name is shown, never acted on."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


Details = Mapping[str, Any]  # what the watch matched on the alert's market: title, url, book (services.watch.resolved_of)
_DISCORD_MARKDOWN = re.compile(r"([\\`*_~|\[\]<>#])")  # what Discord reads as markdown, links or mentions


def message(alert: Alert, details: Details | None = None) -> str:
    """'Nike Dunk Low Panda (DD1391-100) US M 10: sell now pays $160.00 on StockX, $10.00 above your
    target $150.00 · StockX standard book': the shoe by name, its size, the payout against the target."""
    found = details or {}
    title = str(found.get("title") or "").strip()
    shoe = f"{title} ({alert.query})" if title and title.upper() != alert.query.upper() else alert.query
    size = alert.size_label or f"US {alert.size:g}"
    value, target = dec(alert.value), dec(alert.threshold)
    direction = "below" if alert.target == "ask_below" else "above"
    text = (f"{shoe} {size}: {PHRASES.get(alert.target, alert.target)} {format_money(value, alert.currency)} on "
            f"{label(alert.market)}, {format_money(abs(value - target), alert.currency)} {direction} your target "
            f"{format_money(target, alert.currency)}")
    return text + (f" · {found['book']}" if found.get("book") else "")


def _safe_url(url: object) -> str | None:
    """An http(s) address with the characters Slack and Discord read as link syntax encoded."""
    text = str(url or "")
    if not text.startswith(("https://", "http://")):
        return None
    return quote(text, safe=":/?&=#%+,;@!$'*~.-_")


def links(alert: Alert, details: Details | None, app_url: str | None) -> list[tuple[str, str]]:
    """(words, address): the market's product page and the app's Lookup of the pair (`?q=...&size=...`)."""
    out = []
    page = _safe_url((details or {}).get("url"))
    if page:
        out.append((f"Open on {label(alert.market)}", page))
    if app_url:
        base = _safe_url(app_url.rstrip("/"))
        if base:
            out.append(("Look it up", f"{base}/?{urlencode({'q': alert.query, 'size': alert.size_label or f'{alert.size:g}'})}"))
    return out


def payload(alert: Alert, details: Details | None = None, app_url: str | None = None) -> dict[str, Any]:
    """The JSON both Slack and Discord take, each in its own format: Slack's `text` (mrkdwn, `<url|words>`
    links, its control characters escaped) and Discord's `content` (markdown links, the page not
    unfurled, markdown in names escaped, no mention allowed). Text from people and markets pings no one."""
    text = message(alert, details)
    found = links(alert, details, app_url)
    slack = slack_escape(text) + "".join(f"\n<{url}|{words}>" for words, url in found)
    discord = _DISCORD_MARKDOWN.sub(r"\\\1", text) + "".join(f"\n[{words}](<{url}>)" for words, url in found)
    return {"text": slack, "content": discord, "allowed_mentions": {"parse": []},
            **alert.to_dict(), "alert_id": alert.id, "idempotency_key": alert.idempotency_key,
            "title": (details or {}).get("title"), "links": [{"title": w, "url": u} for w, u in found]}


def details_of(store: Store, alert: Alert) -> dict[str, Any]:
    """What the alert's watch matched on its market (empty once the watch is removed)."""
    with store.read() as conn:
        watch = watch_repo.get_watch(conn, alert.watch_id, owner=alert.owner)
    return dict((watch.resolved or {}).get(alert.market) or {}) if watch is not None else {}


def _never_connected(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the receiver (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    return isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout) and (
        "NewConnectionError" in repr(exc.args) or "Failed to establish" in repr(exc.args))


def post_json(url: str, body: dict[str, Any], timeout: float = 5.0) -> None:
    headers = {"Idempotency-Key": str(body.get("idempotency_key", ""))} if body.get("idempotency_key") else {}
    try:
        answer = requests.post(url, json=body, timeout=timeout, headers=headers)
    except requests.RequestException as exc:
        raise DeliveryFailed(type(exc).__name__, maybe_received=not _never_connected(exc)) from None
    if not 200 <= answer.status_code < 300:
        code = answer.status_code
        raise DeliveryFailed(f"HTTP {code}", retry=code >= 500 or code in (408, 425, 429))


def moment(after_s: float = 0.0) -> str:
    """Now (plus `after_s`) to the millisecond: leases and back-offs compare these as text."""
    return (datetime.now(UTC) + timedelta(seconds=after_s)).isoformat(timespec="milliseconds")


def backoff_delay(failures: int, base_s: float, max_s: float) -> float:
    """Seconds before an alert that failed `failures` times is tried again: base, 2x, 4x... up to max."""
    return float(min(max_s, base_s * 2 ** max(0, min(failures - 1, 30))))


def _send(url: str, alert: Alert, attempts: int, backoff_s: float,
          post: Callable[[str, dict[str, Any]], None], body: dict[str, Any] | None = None) -> int:
    """POST one alert, retrying at once only what cannot have been received; returns the tries made."""
    tries = 0
    for attempt in Retrying(stop=stop_after_attempt(attempts), reraise=True,
                            wait=wait_exponential(multiplier=backoff_s, max=max(backoff_s * 8, 0.001)),
                            retry=retry_if_exception(lambda e: isinstance(e, DeliveryFailed) and e.retry)):
        with attempt:
            tries += 1
            try:
                post(url, body or payload(alert))
            except DeliveryFailed as exc:
                exc.tries = tries
                raise
    return tries


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
                    url = check_webhook(saved, allow_loopback_http=bool(settings.webhook_allow_loopback))
                except InvalidInput as exc:
                    log.warning("an owner's webhook is refused (%s); their alerts wait", exc)
            elif owner == LOCAL:
                url = settings.alert_webhook
            found[owner] = url
        return found[owner]

    return webhook_for


def deliver_pending(store: Store, webhook_for: WebhookFor, *, attempts: int = 3, backoff_s: float = 0.5,
                    post: Callable[[str, dict[str, Any]], None] = post_json, retry_base_s: float = 30.0,
                    retry_max_s: float = 3600.0, lease_s: float = 120.0, give_up_after: int = 3,
                    app_url: str | None = None) -> tuple[int, int]:
    """Send every undelivered alert that is due, oldest first, to its owner's webhook (an owner without
    one keeps theirs). Returns (delivered, still undelivered).

    Each alert is leased before it is sent (two workers never send the same one) and marked delivered
    right after its 2xx. One that fails waits on its own back-off (`retry_base_s`, doubling, at most
    `retry_max_s`) and the others still go; `give_up_after` different alerts of one owner failing in a
    row end that owner's part of the run (their webhook is down). A kill between the 2xx and the mark, or a timeout the receiver did get,
    sends it again later with the same Idempotency-Key, which a receiver can drop.
    """
    with store.read() as conn:
        sending = {owner for owner in watch_repo.pending_owners(conn) if webhook_for(owner)}
    delivered, tried = 0, set()
    failed_in_a_row: dict[str, int] = {}
    while sending:
        with store.write() as conn:
            alert = watch_repo.claim_alert(conn, moment(), moment(lease_s), tried, owners=sending)
        if alert is None:
            break
        tried.add(alert.id)
        url = webhook_for(alert.owner)
        assert url is not None
        try:
            tries = _send(url, alert, attempts, backoff_s, post, payload(alert, details_of(store, alert), app_url))
        except DeliveryFailed as exc:
            tries = exc.tries
            delay = backoff_delay(alert.failures + 1, retry_base_s, retry_max_s)
            log.warning("alert %s not delivered after %d tries (%s); next try in %.0f s", alert.id, tries, exc, delay)
            with store.write() as conn:
                watch_repo.mark_undelivered(conn, alert.id, tries, str(exc) + (" (may have been received)"
                                            if exc.maybe_received else ""), moment(delay))
            failed_in_a_row[alert.owner] = failed_in_a_row.get(alert.owner, 0) + 1
            if failed_in_a_row[alert.owner] >= give_up_after:
                sending.discard(alert.owner)
            continue
        with store.write() as conn:
            watch_repo.mark_delivered(conn, alert.id, tries)
        delivered += 1
        failed_in_a_row[alert.owner] = 0
    with store.read() as conn:
        return delivered, watch_repo.count_pending(conn)


def delivery_state(alert: Alert, webhook_set: bool) -> str:
    if alert.delivered_at:  # "delivered 2026-11-29 19:50 UTC", as every time on the page is written
        return f"delivered {alert.delivered_at[:16].replace('T', ' ')} UTC"
    if not webhook_set:
        return "not sent: no webhook set (Watchlist page, or ANALYZER_ALERT_WEBHOOK)"
    if alert.attempts:
        after = f"next try after {alert.next_attempt_at}" if alert.next_attempt_at else "goes out on the next run"
        return f"waiting: {alert.attempts} tries failed ({alert.last_error}); {after}"
    return "waiting for the next run"


def alert_log(store: Store, webhook_set: bool, limit: int = 200, *, owner: str) -> list[dict[str, Any]]:
    """The owner's newest alerts, each with its message and where its delivery stands."""
    with store.read() as conn:
        found = watch_repo.list_alerts(conn, limit, owner=owner)
        matched = {w.id: w.resolved or {} for w in watch_repo.list_watches(conn, owner=owner)}  # one read, not one per alert
    return [{**a.to_dict(), "id": a.id, "size_label": a.size_label, "message": message(a, matched.get(a.watch_id, {}).get(a.market)),
             "delivered": a.delivered_at is not None, "delivery": delivery_state(a, webhook_set)} for a in found]
