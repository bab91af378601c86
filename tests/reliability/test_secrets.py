"""Keys and tokens never reach a log, an error shown to users, the cache, the metrics or the page."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"STOCKX_API_KEY": "sk-live-PAGE-0000-secret", "STOCKX_ACCESS_TOKEN": "eyJ-token-PAGE-1111-secret",
           "ALIAS_API_TOKEN": "alias-pat-PAGE-2222-secret"}


def test_refused_keys_leave_no_trace(monkeypatch: pytest.MonkeyPatch, sandbox_factory, tmp_path: Path,
                                     caplog: pytest.LogCaptureFixture) -> None:
    sandbox = sandbox_factory()
    monkeypatch.setenv("STOCKX_BASE_URL", f"{sandbox.url}/stockx/v2")
    monkeypatch.setenv("ALIAS_BASE_URL", f"{sandbox.url}/alias/api/v1")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.text_input(key="query").set_value("DD1391-100")
    at.button(key="analyze").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("StockX refused the API key" in e for e in errors) and any("Alias refused the API key" in e for e in errors)
    assert sum(sandbox.counters.requests.values()) == 2  # sent, refused, never retried

    page = repr(at._tree) + repr(at.session_state["lookup_result"])
    files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert "analyzer.sqlite" in {p.name for p in files}  # the store, with the failed lookup's metrics row
    for secret in SECRETS.values():
        assert secret not in page
        assert secret not in caplog.text
        for path in files:
            assert secret.encode() not in path.read_bytes(), path.name
    st.cache_resource.clear()
