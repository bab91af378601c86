"""Driving the app in Streamlit's AppTest: start it on a sandbox of its own, read what it shows, set the
sidebar, look a pair up. Shared by the app, store and reliability tests (the `app` fixture is in conftest)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

TIMEOUT = 90
APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def start(monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    """The app on a sandbox of its own (not the one on the usual port), so its counters are the test's."""
    monkeypatch.setenv("ANALYZER_SANDBOX", "1")
    monkeypatch.setattr("analyzer.launch.share_usual_sandbox", lambda: None)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def close() -> None:
    from ui.controls import opened

    opened().close()
    st.cache_resource.clear()


def market_requests() -> int:
    """Requests the sandbox marketplace received (StockX and Alias; exchange rates are not a market)."""
    from ui.controls import opened

    return sum(opened().sandbox.counters.requests.values())  # type: ignore[union-attr]


def unescaped(text: object) -> str:
    """Markdown as a reader sees it: the screens escape every marketplace and money character."""
    return re.sub(r"\\(.)", r"\1", str(text))


def markdowns(at: AppTest) -> list[str]:
    return [unescaped(m.value) for m in at.markdown]


def texts(at: AppTest) -> str:
    return " ".join(markdowns(at)) + " " + " ".join(unescaped(c.value) for c in at.caption)


def headline(at: AppTest) -> str:
    """The first big line of the answer (## ...)."""
    return next(m for m in markdowns(at) if m.startswith("## "))


def set_sidebar(at: AppTest, **values: object) -> AppTest:
    """Sidebar settings through their widgets, one rerun each, as a user changes them."""
    for key, value in values.items():
        widget = next(w for kind in ("selectbox", "toggle", "number_input") for w in getattr(at.sidebar, kind) if w.key == key)
        widget.set_value(value).run()
        assert not at.exception
    return at


def look_up(at: AppTest, query: str, size: str | None = None) -> AppTest:
    """Type the shoe, pick the size from the list (as labelled, 'US 10', 'US M 8'), press Analyze."""
    at.text_input(key="query").set_value(query)
    if size is not None:
        at.selectbox(key="size").set_value(size)
    at.button(key="analyze").click().run()
    assert not at.exception
    return at
