"""The dashboard in a real browser: streamlit run, headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "tests" / "e2e" / "artifacts"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Debian's chromium is not installed (CI installs it)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKX_", "ALIAS_"))}
    env.update(ANALYZER_DATA_DIR=str(tmp_path_factory.mktemp("e2e-data")), ANALYZER_SANDBOX="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise RuntimeError(f"streamlit did not start: {server.stderr.read().decode()[-2000:] if server.stderr else ''}")
        time.sleep(0.3)
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def page(app_url: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 2400})
        yield context.new_page()
        browser.close()


def test_lookup_in_the_browser(app_url: str, page) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(app_url, wait_until="networkidle")
    page.get_by_label("Shoe", exact=True).fill("DD1391-100")
    page.get_by_role("button", name="Analyze").click()
    page.get_by_text("Payouts after fees").wait_for(timeout=60_000)
    metrics = page.locator('[data-testid="stMetric"]:visible')
    expect(metrics.nth(5)).to_be_visible(timeout=30_000)  # both cards: ask, bid, last sale each
    first = metrics.first.inner_text()
    assert "Lowest ask" in first and "$" in first
    assert page.get_by_text("Sandbox data", exact=False).first.is_visible()
    assert "q=DD1391-100" in page.url
    page.wait_for_timeout(1500)  # let the chart finish drawing
    page.screenshot(path=str(ARTIFACTS / "lookup.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_shared_link_runs_the_lookup(app_url: str, page) -> None:
    page.goto(f"{app_url}/?q=CP9654&size=9.5", wait_until="networkidle")
    page.get_by_text("Payouts after fees").wait_for(timeout=60_000)
    assert "Zebra" in page.locator('[data-testid="stMain"] h3').first.inner_text()


def test_compare_and_performance_pages(app_url: str, page) -> None:
    page.goto(f"{app_url}/compare", wait_until="networkidle")
    page.get_by_label("Shoes, one a line").fill("DD1391-100\nCP9654\nDZ5485-612")
    page.get_by_role("button", name="Compare").click()
    page.get_by_role("button", name="Download CSV").wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)
    page.goto(f"{app_url}/performance", wait_until="networkidle")
    page.get_by_text("Execution time").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "performance.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_artifacts_are_kept_out_of_git() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", str(ARTIFACTS / "lookup.png")], cwd=ROOT)
    assert ignored.returncode == 0 or shutil.which("git") is None
