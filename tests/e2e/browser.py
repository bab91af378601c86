"""What the browser tests share: the app as the README starts it (analyzer.bench.browser), Debian's Chromium
at a desktop width (1400 x 900) and a phone's (390 x 844), screenshots and the checks every screen passes.

Screenshots go to tests/e2e/artifacts/; with E2E_SCREENSHOTS=docs they also replace the ones in
docs/screenshots/ (what the README shows): `E2E_SCREENSHOTS=docs python -m pytest tests/e2e`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from analyzer.bench.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, running_app

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "ROOT", "free_port"]

ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "tests" / "e2e" / "artifacts"))
DOCS = ROOT / "docs" / "screenshots"
SCREENS = {"desktop": (1400, 900), "phone": (390, 844)}
SLOW = 90_000
WHOLE_PAGES_IN_DOCS = {"lookup", "compare", "performance"}


def serve_app(env: dict[str, str], *flags: str, port: int | None = None, host: str = "127.0.0.1",
              stack: ExitStack) -> tuple[subprocess.Popen[bytes], str]:
    """`streamlit run streamlit_app.py` as the README starts it, stopped when `stack` closes."""
    return stack.enter_context(running_app(env, flags, port=port, host=host, wait_s=60))


def settle(page: Any) -> None:
    """Wait until the script run is over and the charts are drawn."""
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=SLOW)
    page.wait_for_timeout(1500)


def shoot(page: Any, name: str) -> None:
    """What the screen shows first, and the whole page (a tall window: Streamlit scrolls inside its main block)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width, height = SCREENS[page.screen_name]
    shots = [ARTIFACTS / f"{name}-{width}.png"]
    page.screenshot(path=str(shots[0]))
    page.set_viewport_size({"width": width, "height": 3000})
    page.wait_for_timeout(1200)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}-full.png"))
    page.set_viewport_size({"width": width, "height": height})
    if os.environ.get("E2E_SCREENSHOTS") == "docs":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shots[0], DOCS / shots[0].name)
        if name in WHOLE_PAGES_IN_DOCS:
            shutil.copy(ARTIFACTS / f"{name}-{width}-full.png", DOCS / f"{name}-{width}-full.png")


def above_the_fold(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


def fits_the_width(page: Any) -> bool:
    """Nothing wider than the window: no sideways scrolling to read a page."""
    return page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                         " return m.scrollWidth <= m.clientWidth + 1; }")


def no_exceptions(page: Any) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
