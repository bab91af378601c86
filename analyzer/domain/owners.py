"""Who owns a row, and what each owner keeps: their fees, currency, Alias book and webhook.

An owner is the OIDC issuer and subject of a signed-in person ("ISSUER:SUBJECT", the pair OIDC
keeps stable; never the e-mail), or `LOCAL`, the one person of an app without accounts and of the
CLI unless it is told `--user`. Market data (the HTTP cache, snapshots, sales, rates) belong to no
one: they are the market's.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from analyzer.domain.models import LOCAL_OWNER
from analyzer.domain.pricing import Fees
from analyzer.domain.validation import InvalidInput

LOCAL = LOCAL_OWNER
MAX_OWNER_LENGTH = 255


def owner_of(issuer: str, subject: str) -> str:
    """The owner key of a signed-in person."""
    key = f"{issuer}:{subject}"
    if not issuer or not subject or len(key) > MAX_OWNER_LENGTH:
        raise InvalidInput("An owner is ISSUER:SUBJECT, both given, at most 255 characters.")
    return key


def parse_user(text: str | None) -> str:
    """`--user` / ANALYZER_USER: 'ISSUER:SUBJECT' (split at the last colon: an issuer is a URL), or
    'local'; unset is the local owner."""
    raw = (text or "").strip()
    if not raw or raw == LOCAL:
        return LOCAL
    issuer, sep, subject = raw.rpartition(":")
    if not sep or not printable(raw):
        raise InvalidInput(f"--user must read ISSUER:SUBJECT (e.g. https://accounts.example.com:1234), not {raw[:80]!r}")
    return owner_of(issuer, subject)


def printable(text: str) -> bool:
    return text.isprintable() and not any(c.isspace() for c in text)


@dataclass(frozen=True)
class OwnerSettings:
    """What a person sets in the sidebar and on the Watchlist page, kept between visits."""

    fees: Fees = field(default_factory=Fees)
    currency: str = "USD"
    alias_region: str = "global"
    alias_consigned: str = "any"
    webhook: str | None = field(default=None, repr=False)  # a secret (Slack's and Discord's carry a token)

    def with_(self, **changes: Any) -> OwnerSettings:
        return replace(self, **changes)

    def apply_to(self, settings: Any) -> Any:
        """`settings` (analyzer.config.Settings) with this owner's fees, currency and Alias book."""
        return settings.with_(fees=self.fees, currency=self.currency, alias_region=self.alias_region,
                              alias_consigned=self.alias_consigned)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str, defaults: OwnerSettings) -> OwnerSettings:
        """Saved settings over `defaults`: a field saved by an older version, or unreadable, keeps its default."""
        try:
            saved = json.loads(text)
        except ValueError:
            return defaults
        if not isinstance(saved, dict):
            return defaults
        fee_values = {}
        for f in fields(Fees):
            default = getattr(defaults.fees, f.name)
            value = saved.get("fees", {}).get(f.name) if isinstance(saved.get("fees"), dict) else None
            if value is None or isinstance(value, (dict, list)):
                continue
            try:
                fee_values[f.name] = type(default)(value)
            except (TypeError, ValueError, ArithmeticError):
                continue
        try:
            fees = replace(defaults.fees, **fee_values)
        except ValueError:
            fees = defaults.fees
        text_of = {k: saved.get(k) for k in ("currency", "alias_region", "alias_consigned", "webhook")}
        return cls(fees=fees,
                   currency=str(text_of["currency"] or defaults.currency),
                   alias_region=str(text_of["alias_region"] or defaults.alias_region),
                   alias_consigned=str(text_of["alias_consigned"] or defaults.alias_consigned),
                   webhook=str(text_of["webhook"]) if text_of["webhook"] else defaults.webhook)


def defaults_from(settings: Any) -> OwnerSettings:
    """A new owner's settings: the app's (environment) defaults, without the operator's webhook."""
    return OwnerSettings(fees=settings.fees, currency=settings.currency, alias_region=settings.alias_region,
                         alias_consigned=settings.alias_consigned)


# --- webhooks a person types --------------------------------------------------------------------

Resolver = Callable[[str, int], list[str]]


def _resolve(host: str, port: int) -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def _inside(address: str) -> bool:
    """True for an address a webhook must not reach: loopback, private, link-local, and the like."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified or not ip.is_global)


def check_webhook(url: str, *, allow_loopback_http: bool = False, resolve: Resolver = _resolve) -> str:
    """A webhook URL a person typed, checked: https, and a host that resolves only to public
    addresses. `allow_loopback_http` (tests, a local receiver) admits http and https on loopback only.
    Raises InvalidInput with one line; the URL itself is never repeated (it may carry a token)."""
    text = (url or "").strip()
    if not text:
        raise InvalidInput("Give a webhook address (https://…).")
    if len(text) > 2000 or not printable(text):
        raise InvalidInput("That webhook address is not a URL.")
    parts = urlsplit(text)
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidInput("That webhook address has a bad port.") from None
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidInput("A webhook address starts with https:// and names a host.")
    if parts.username or parts.password:
        raise InvalidInput("A webhook address carries no user name or password before the host.")
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise InvalidInput("The webhook's host does not resolve.") from None
    if not addresses:
        raise InvalidInput("The webhook's host does not resolve.")
    loopback = all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)
    if allow_loopback_http and loopback:
        return text
    if parts.scheme != "https":
        raise InvalidInput("A webhook address must use https://.")
    if any(_inside(a) for a in addresses):
        raise InvalidInput("A webhook must be a public address: this one points at a loopback, private or link-local network.")
    return text


def masked(url: str | None) -> str:
    """A saved webhook as the page shows it: scheme and host only; the path (its token) never."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…"


def owner_label(owner: str, names: Mapping[str, str] | None = None) -> str:
    return "you (local)" if owner == LOCAL else (names or {}).get(owner, owner)
