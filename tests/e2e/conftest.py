"""Browser fixtures: the app on a sandbox of its own per module, one Chromium, a page at each screen width."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from analyzer.bench.browser import app_env as clean_env
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, SCREENS, serve_app

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Debian's chromium is not installed (CI installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def app_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The app's environment, which the CLI shares to fill the app's store: its data dir, the sandbox."""
    return clean_env(tmp_path_factory.mktemp("e2e-data"))


@pytest.fixture(scope="module")
def app_url(app_env: dict[str, str]) -> Iterator[str]:
    with ExitStack() as stack:
        _, url = serve_app(app_env, stack=stack)
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(params=list(SCREENS))
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    width, height = SCREENS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    opened = context.new_page()
    opened.screen_name = request.param  # type: ignore[attr-defined]
    yield opened
    context.close()
