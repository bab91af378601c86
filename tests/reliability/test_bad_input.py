"""Whatever users paste: a one-line message, exit code 2, no traceback and no HTTP call."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
BAD_QUERIES = ["", "   ", "\t", "x" * 101, "bad\x00byte", "line\nbreak", "bell\x07"]
BAD_SIZES = ["0", "0.5", "23", "10.25", "-1", "ten", "US W 8M", "8Y", "14C", "XL 10", "", "1e1", "nan", "10,5"]


def run_cli(sandbox_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKX_", "ALIAS_"))}
    env.update(ANALYZER_DATA_DIR=str(data_dir), ANALYZER_SANDBOX_URL=sandbox_url, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_cli_battery_makes_no_call(sandbox_factory, tmp_path: Path) -> None:
    sandbox = sandbox_factory()
    in_argv = [q for q in BAD_QUERIES if "\x00" not in q]  # a NUL cannot travel in argv at all
    cases = [["lookup", q, "--size", "10"] for q in in_argv] + [["lookup", "DD1391-100", "--size", s] for s in BAD_SIZES]
    cases += [["compare", "CP9654", q, "--size", "10"] for q in in_argv[:3]]
    cases.append(["compare", *["CP9654"] * 11, "--size", "10"])
    for args in cases:
        done = run_cli(sandbox.url, tmp_path, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, (args, done.stderr)
        assert "Traceback" not in done.stderr and done.stdout == ""
    assert sandbox.counters.requests == {"stockx": 0, "alias": 0}
    assert not (tmp_path / "metrics.sqlite").exists() and not (tmp_path / "analyzer.sqlite").exists()  # not a lookup


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, sandbox_factory) -> AppTest:
    sandbox = sandbox_factory()
    monkeypatch.setenv("ANALYZER_SANDBOX_URL", sandbox.url)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.sandbox = sandbox  # type: ignore[attr-defined]
    return at


def test_app_battery_makes_no_call(app: AppTest) -> None:
    for query in BAD_QUERIES:
        app.text_input(key="query").set_value(query)
        app.button(key="analyze").click().run()
        assert not app.exception and app.warning, repr(query)
    app.switch_page("pages/compare.py").run()
    for text in ["", "\n\n", "ok shoe\n" + "x" * 101, "\n".join(["shoe"] * 11)]:
        app.text_area(key="queries").set_value(text)
        app.button(key="compare").click().run()
        assert not app.exception and app.warning, repr(text)
    assert app.sandbox.counters.requests == {"stockx": 0, "alias": 0}  # type: ignore[attr-defined]
    st.cache_resource.clear()


def test_odd_queries_are_answered_and_never_rendered_as_html(app: AppTest) -> None:
    odd = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) **$x$**"
    app.text_input(key="query").set_value(odd)
    app.button(key="analyze").click().run()
    assert not app.exception
    from pages.common import plain

    header = app.subheader[0].value
    assert header == plain(odd) and "\\<img" in header and "\\]\\(" in header  # every markup character escaped
    assert any("found no shoe" in e.value for e in app.error)
    st.cache_resource.clear()
