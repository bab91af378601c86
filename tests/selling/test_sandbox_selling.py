"""The sandbox's selling side over real HTTP: shapes, asynchronous operations, validation, faults, books."""

from __future__ import annotations

import time

import requests

from analyzer.sandbox import prices
from analyzer.sandbox.app import SANDBOX_ALIAS_TOKEN, SANDBOX_STOCKX_KEY, SANDBOX_STOCKX_TOKEN

SX = {"x-api-key": SANDBOX_STOCKX_KEY, "Authorization": f"Bearer {SANDBOX_STOCKX_TOKEN}"}
AL = {"Authorization": f"Bearer {SANDBOX_ALIAS_TOKEN}"}


def _panda() -> prices.Shoe:
    return next(s for s in prices._in("stockx") if "DD1391-100" in s.style_ids)


def _poll(url: str) -> dict:
    for _ in range(100):
        op = requests.get(url, headers=SX, timeout=5).json()
        if op["operationStatus"] != "PENDING":
            return op
        time.sleep(0.05)
    raise AssertionError("operation stayed PENDING")


def test_stockx_create_is_asynchronous_and_our_ask_becomes_the_lowest(sandbox_factory) -> None:
    box = sandbox_factory()
    shoe = _panda()
    variant = prices.variant_id(shoe.stockx_id, 10.0)
    data_url = f"{box.url}/stockx/v2/catalog/products/{shoe.stockx_id}/variants/{variant}/market-data"
    before = requests.get(data_url, headers=SX, timeout=5).json()["lowestAskAmount"]
    ours = str(int(before) - 3)
    answer = requests.post(f"{box.url}/stockx/v2/selling/listings", headers=SX, timeout=5,
                           json={"amount": ours, "variantId": variant, "currencyCode": "USD"}).json()
    assert answer["operationStatus"] == "PENDING" and answer["operationType"] == "CREATE"
    done = _poll(f"{box.url}/stockx/v2/selling/listings/{answer['listingId']}/operations/{answer['operationId']}")
    assert done["operationStatus"] == "SUCCEEDED"
    after = requests.get(data_url, headers=SX, timeout=5).json()
    assert after["lowestAskAmount"] == ours and after["standardMarketData"]["lowestAsk"] == ours
    listed = requests.get(f"{box.url}/stockx/v2/selling/listings", params={"listingStatuses": "ACTIVE"}, headers=SX, timeout=5).json()
    assert [x["listingId"] for x in listed["listings"]] == [answer["listingId"]]
    assert listed["listings"][0]["variant"]["variantId"] == variant
    counted = requests.get(f"{box.url}/sandbox/selling", timeout=5).json()["active_per_variant"]
    assert counted == {f"stockx:{variant}": 1}


def test_stockx_refuses_bad_amounts_and_currencies(sandbox_factory) -> None:
    box = sandbox_factory()
    variant = prices.variant_id(_panda().stockx_id, 10.0)
    for body in ({"amount": "86.50", "variantId": variant, "currencyCode": "USD"},
                 {"amount": 86, "variantId": variant, "currencyCode": "USD"},
                 {"amount": "86", "variantId": variant, "currencyCode": "XXX"},
                 {"amount": "86", "variantId": "nope", "currencyCode": "USD"}):
        answer = requests.post(f"{box.url}/stockx/v2/selling/listings", headers=SX, json=body, timeout=5)
        assert answer.status_code == 400 and answer.json()["statusCode"] == 400
    big = requests.post(f"{box.url}/stockx/v2/selling/listings", headers=SX, timeout=5,
                        json={"amount": "200000", "variantId": variant, "currencyCode": "USD"}).json()
    failed = _poll(f"{box.url}/stockx/v2/selling/listings/{big['listingId']}/operations/{big['operationId']}")
    assert failed["operationStatus"] == "FAILED" and "maximum" in failed["error"]
    assert requests.get(f"{box.url}/sandbox/selling", timeout=5).json()["active_per_variant"] == {}


def test_alias_whole_dollars_and_minimum(sandbox_factory) -> None:
    box = sandbox_factory()
    shoe = next(s for s in prices._in("alias") if "DD1391-100" in s.style_ids)
    body = {"catalog_id": shoe.catalog_id, "size": 10, "size_unit": "SIZE_UNIT_US", "condition": "PRODUCT_CONDITION_NEW",
            "packaging_condition": "PACKAGING_CONDITION_GOOD_CONDITION", "activate": True}
    for cents in ("8650", "2400"):
        refused = requests.post(f"{box.url}/alias/api/v1/listings", headers=AL, json={**body, "price_cents": cents}, timeout=5)
        assert refused.status_code == 400 and refused.json()["code"] == 3
    made = requests.post(f"{box.url}/alias/api/v1/listings", headers=AL, json={**body, "price_cents": "3000"}, timeout=5).json()
    assert made["listing"]["price_cents"] == "3000" and made["listing"]["status"] == "LISTING_STATUS_ACTIVE"
    availability = requests.get(f"{box.url}/alias/api/v1/pricing_insights/availability", headers=AL, timeout=5, params={
        "catalog_id": shoe.catalog_id, "size": 10, "product_condition": body["condition"],
        "packaging_condition": body["packaging_condition"]}).json()["availability"]
    assert availability["lowest_listing_price_cents"] == "3000"
    off = requests.post(f"{box.url}/alias/api/v1/listings/{made['listing']['id']}/deactivate", headers=AL, timeout=5).json()
    assert off["listing"]["status"] == "LISTING_STATUS_INACTIVE"
    assert requests.get(f"{box.url}/sandbox/selling", timeout=5).json()["active_per_variant"] == {}


def test_a_timeout_comes_after_the_write_was_applied(sandbox_factory) -> None:
    box = sandbox_factory()
    state = box.selling
    state.config.write_fault_rate, state.config.write_fault_kinds, state.config.timeout_s = 1.0, ("timeout_after",), 3.0
    variant = prices.variant_id(_panda().stockx_id, 9.0)
    try:
        requests.post(f"{box.url}/stockx/v2/selling/listings", headers=SX, timeout=1,
                      json={"amount": "90", "variantId": variant, "currencyCode": "USD"})
        raise AssertionError("the answer should have timed out")
    except requests.Timeout:
        pass
    assert state.counts() == {f"stockx:{variant}": 1}
    state.config.write_fault_kinds = ("429",)
    refused = requests.post(f"{box.url}/stockx/v2/selling/listings", headers=SX, timeout=5,
                            json={"amount": "90", "variantId": variant, "currencyCode": "USD"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert state.counts() == {f"stockx:{variant}": 1}
