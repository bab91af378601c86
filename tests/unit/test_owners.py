"""Owners and the settings each keeps: pure rules (user names, webhook addresses, saved settings)."""

from __future__ import annotations

import pytest

from analyzer.domain.owners import LOCAL, OwnerSettings, check_webhook, masked, owner_of, parse_user
from analyzer.domain.pricing import Fees
from analyzer.domain.validation import InvalidInput


def resolver(*addresses: str):
    def resolve(_host: str, _port: int) -> list[str]:
        return list(addresses)

    return resolve


def test_user_is_issuer_and_subject_split_at_the_last_colon() -> None:
    assert parse_user(None) == parse_user("") == parse_user("local") == LOCAL
    assert parse_user("http://localhost:9400:alice") == owner_of("http://localhost:9400", "alice") == "http://localhost:9400:alice"
    for bad in ("alice", ":alice", "http://issuer:", "http://issuer:al ice", "x" * 300 + ":y"):
        with pytest.raises(InvalidInput):
            parse_user(bad)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "::1",
                                     "fe80::1", "fd00::1", "::ffff:10.0.0.1", "0.0.0.0", "100.64.0.1"])
def test_a_typed_webhook_never_reaches_an_inside_address(address: str) -> None:
    with pytest.raises(InvalidInput, match=r"public address|https"):
        check_webhook("https://hooks.example.com/services/T0/B0/token", resolve=resolver(address))


def test_a_typed_webhook_is_https_to_a_public_host_and_never_echoed() -> None:
    url = "https://hooks.slack.com/services/T0/B0/secret-token"
    assert check_webhook(url, resolve=resolver("34.1.2.3")) == url
    with pytest.raises(InvalidInput) as refused:
        check_webhook("http://hooks.slack.com/services/secret-token", resolve=resolver("34.1.2.3"))
    assert "secret-token" not in str(refused.value)
    for bad in ("ftp://x/y", "https://", "https://user:pw@hooks.example.com/x", "not a url", "https://a.example:99999/x"):
        with pytest.raises(InvalidInput):
            check_webhook(bad, resolve=resolver("34.1.2.3"))
    with pytest.raises(InvalidInput, match="public"):  # one inside address among public ones is enough to refuse
        check_webhook(url, resolve=resolver("34.1.2.3", "10.0.0.1"))


def test_loopback_http_only_when_the_setting_allows_it() -> None:
    local = "http://127.0.0.1:8080/hook"
    with pytest.raises(InvalidInput):
        check_webhook(local, resolve=resolver("127.0.0.1"))
    assert check_webhook(local, allow_loopback_http=True, resolve=resolver("127.0.0.1")) == local
    with pytest.raises(InvalidInput):  # the setting admits loopback, not the private network
        check_webhook("http://10.0.0.5/hook", allow_loopback_http=True, resolve=resolver("10.0.0.5"))
    assert masked("https://hooks.slack.com/services/T0/B0/secret-token") == "https://hooks.slack.com/…"


def test_saved_settings_round_trip_and_survive_old_or_broken_rows() -> None:
    defaults = OwnerSettings()
    mine = OwnerSettings(fees=Fees(stockx_level=4, alias_cashout_enabled=False, alias_seller_fee=6.5), currency="EUR",
                         alias_region="eu", alias_consigned="true", webhook="https://hooks.example.com/x")
    assert OwnerSettings.from_json(mine.to_json(), defaults) == mine
    assert OwnerSettings.from_json("not json", defaults) == defaults
    assert OwnerSettings.from_json('{"fees": {"stockx_level": 9}}', defaults).fees == defaults.fees  # no such level
    partial = OwnerSettings.from_json('{"currency": "GBP", "fees": {"stockx_level": 2}}', defaults)
    assert partial.currency == "GBP" and partial.fees.stockx_level == 2 and partial.alias_region == "global"
    assert "https://hooks" not in repr(mine)  # the webhook is a secret: never in a log line
