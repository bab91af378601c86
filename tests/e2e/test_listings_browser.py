"""Selling in a real browser (headless Debian Chromium, Playwright) at 1400 and 390 px: list a pair from the
Lookup advice after the confirmation, see it on the Listings page, preview a reprice, apply it, delist."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SCREENS = {"desktop": (1400, 900), "phone": (390, 844)}
SLOW = 90_000
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "tests" / "e2e" / "artifacts"))

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Debian's chromium is not installed (CI installs it)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def selling_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The app with selling on, on a sandbox of its own port; (app URL, sandbox URL)."""
    sandbox_port, port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKX_", "ALIAS_"))}
    env.update(ANALYZER_DATA_DIR=str(tmp_path_factory.mktemp("e2e-selling")), ANALYZER_SANDBOX="1",
               ANALYZER_SANDBOX_PORT=str(sandbox_port), ANALYZER_SELLING="on")
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
                               "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("streamlit did not start") from None
            time.sleep(0.3)
    yield url, f"http://127.0.0.1:{sandbox_port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(params=list(SCREENS))
def page(request: pytest.FixtureRequest) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    width, height = SCREENS[request.param]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        opened = browser.new_context(viewport={"width": width, "height": height}).new_page()
        opened.width = width  # type: ignore[attr-defined]
        yield opened
        browser.close()


def _account(sandbox_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{sandbox_url}/sandbox/selling", timeout=5) as answer:
        return json.loads(answer.read())


def _settle(page: Any) -> None:
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=SLOW)
    page.wait_for_timeout(800)


def _shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}-{page.width}.png"
    page.screenshot(path=str(shot))
    if os.environ.get("E2E_SCREENSHOTS") == "docs":
        shutil.copy(shot, ROOT / "docs" / "screenshots" / shot.name)


def _active(sandbox_url: str) -> list[dict[str, Any]]:
    return [x for x in _account(sandbox_url)["listings"] if x["status"] in ("ACTIVE", "LISTING_STATUS_ACTIVE")]


def test_list_see_reprice_and_delist(selling_app: tuple[str, str], page: Any) -> None:
    from playwright.sync_api import expect

    app_url, sandbox_url = selling_app
    page.goto(f"{app_url}/?q=DD1391-100&size=10", wait_until="networkidle")
    expect(page.locator(".st-key-decision h2").first).to_contain_text("you get", timeout=SLOW)
    before = len(_active(sandbox_url))  # the app started its sandbox with the first page
    page.locator(".st-key-lookup_list button").click()
    expect(page.get_by_text("List it?", exact=False).first).to_be_visible(timeout=SLOW)
    assert "you get" in page.get_by_text("List it?", exact=False).first.inner_text()
    assert len(_active(sandbox_url)) == before  # asking sends nothing
    page.locator(".st-key-lookup_list_yes button").click()
    expect(page.get_by_text("Listed (listing #", exact=False).first).to_be_visible(timeout=SLOW)
    assert len(_active(sandbox_url)) == before + 1

    page.goto(f"{app_url}/listings", wait_until="networkidle")
    expect(page.get_by_text("Audit log").first).to_be_visible(timeout=SLOW)
    _settle(page)
    _shoot(page, "listings")
    page.get_by_label("Target").click()
    page.get_by_role("option", name="A fixed price").click()
    _settle(page)
    page.get_by_label("Fixed price").fill("150")
    page.get_by_label("Fixed price").press("Enter")
    _settle(page)
    page.get_by_label("Minimum payout (0: cost + margin)").fill("10")
    page.get_by_label("Minimum payout (0: cost + margin)").press("Enter")
    _settle(page)
    apply = page.locator(".st-key-rp_apply button")
    expect(apply).to_be_visible(timeout=SLOW)
    assert all(float(x["amount"] if "amount" in x else int(x["price_cents"]) / 100) != 150 for x in _active(sandbox_url))
    apply.click()
    page.locator(".st-key-rp_apply_yes button").click()
    expect(page.get_by_text("changes made", exact=False).first).to_be_visible(timeout=SLOW)
    assert {float(x["amount"]) if "amount" in x else int(x["price_cents"]) / 100 for x in _active(sandbox_url)} == {150.0}

    page.get_by_text("Delist", exact=True).first.click()  # the expander
    page.locator(".st-key-delist button").click()
    page.locator(".st-key-delist_yes button").click()
    expect(page.get_by_text(re.compile(r"Listing #\d+: done")).first).to_be_visible(timeout=SLOW)
    assert len(_active(sandbox_url)) == before
    assert page.locator('[data-testid="stException"]').count() == 0
