"""Accounts in a real browser: the app with `[auth]` against a local OIDC provider (oidc-provider-mock,
in a thread), two people signing in through Chromium at 1400 px. A signed-out browser gets the
sign-in screen alone; the second person sees none of the first's pairs, watches, alerts or settings;
the first finds theirs again in a new browser."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.clirun import run_cli
from tests.e2e.browser import ROOT, SLOW, free_port, no_exceptions, serve_app, settle, shoot

pytest.importorskip("oidc_provider_mock")
WIDTH, HEIGHT = 1400, 900


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=free_port()) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def accounts_app(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app with accounts on, its store filled for Ann through the CLI (`--user`), as an operator would."""
    folder = tmp_path_factory.mktemp("accounts")
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(16).hex()}"\n'
        'client_id = "sneaker-analyzer"\nclient_secret = "not-a-real-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKX_", "ALIAS_", "ANALYZER_"))}
    env.update(ANALYZER_DATA_DIR=str(folder / "data"), ANALYZER_SANDBOX="1", PYTHONPATH=str(ROOT))
    ann = f"{provider}:ann"
    pairs = folder / "pairs.csv"
    pairs.write_text("style_id,size,cost\nCP9654,10,300\n")
    for args in (["portfolio", "import", str(pairs)], ["watch", "add", "CP9654", "--size", "10", "--sell-now-above", "50"],
                 ["watch", "run", "--once"]):
        done = run_cli(env, *args, "--user", ann)
        assert done.returncode == 0, done.stderr
    with ExitStack() as stack:
        _, url = serve_app(env, "--server.address", "localhost", "--secrets.files", str(secrets), port=port, host="localhost",
                           stack=stack)
        yield {"url": url, "env": env, "ann": ann, "data": folder / "data"}


def new_page(browser: Any) -> Any:
    """A new browser: its own cookies, nobody signed in."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.screen_name = "desktop"
    return page


def sign_in(page: Any, url: str, subject: str) -> None:
    from playwright.sync_api import expect

    page.goto(url, wait_until="networkidle")
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').wait_for(timeout=SLOW)
    page.locator('input[name="sub"]').fill(subject)
    page.locator('form [type="submit"]').first.click()
    expect(page.get_by_text(f"Signed in as {subject}", exact=False)).to_be_visible(timeout=SLOW)


def currency_box(page: Any) -> Any:
    return page.get_by_role("combobox", name="Show amounts in")


def open_page(page: Any, url: str, name: str) -> str:
    page.goto(f"{url}/{name}", wait_until="networkidle")
    settle(page)
    no_exceptions(page)
    return page.locator('[data-testid="stMain"]').inner_text()


def test_signed_out_gets_the_sign_in_screen_alone(accounts_app: dict[str, Any], browser: Any) -> None:
    page = new_page(browser)
    for name in ("", "portfolio", "watchlist", "performance"):
        page.goto(f"{accounts_app['url']}/{name}", wait_until="networkidle")
        page.get_by_role("button", name="Sign in").wait_for(timeout=SLOW)
        shown = page.locator("body").inner_text()
        assert "CP9654" not in shown and "Your fees" not in shown and "Portfolio" not in shown, name
    shoot(page, "accounts-signed-out")
    page.context.close()


def test_two_people_see_only_their_own(accounts_app: dict[str, Any], browser: Any) -> None:
    from playwright.sync_api import expect

    url = accounts_app["url"]
    ann = new_page(browser)
    sign_in(ann, url, "ann")
    assert "CP9654" in open_page(ann, url, "portfolio")
    watchlist = open_page(ann, url, "watchlist")
    assert "CP9654" in watchlist and "sell now pays" in watchlist  # her watch and the alert it fired
    shoot(ann, "accounts-ann-watchlist")
    currency_box(ann).scroll_into_view_if_needed()
    currency_box(ann).click()
    ann.get_by_role("option", name="EUR", exact=True).click()  # a setting of hers, saved
    settle(ann)

    bob = new_page(browser)
    sign_in(bob, url, "bob")
    for name in ("portfolio", "watchlist", "performance"):
        shown = open_page(bob, url, name)
        assert "CP9654" not in shown, f"Bob sees Ann's data on {name}"
    expect(currency_box(bob)).to_have_value("USD")  # not Ann's EUR
    shoot(bob, "accounts-bob-portfolio")

    again = new_page(browser)  # Ann in a new browser: her pairs, watches and settings follow her
    sign_in(again, url, "ann")
    assert "CP9654" in open_page(again, url, "portfolio")
    expect(currency_box(again)).to_have_value("EUR")
    for page in (ann, bob, again):
        page.context.close()

    listed = run_cli(accounts_app["env"], "portfolio", "--json", "--user", accounts_app["ann"])
    assert listed.returncode == 0 and json.loads(listed.stdout)["currency"] == "EUR"  # the CLI acts at her saved settings
