"""What every page shares: the analyzer (one per process), the sidebar settings, live status."""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from analyzer.config import Settings
from analyzer.engine import Analyzer, ProgressCallback
from analyzer.launch import Opened, open_analyzer
from analyzer.models import ProgressEvent
from analyzer.pricing import STOCKX_TRANSACTION_FEES, Fees

T = TypeVar("T")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$:])")


def plain(text: object) -> str:
    """User or marketplace text made inert for st.markdown and labels: no links, HTML, LaTeX or
    icon codes, just the characters."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def _secrets() -> dict[str, Any]:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml: the environment alone
        return {}


@st.cache_resource(show_spinner="Connecting to the marketplaces…")
def opened() -> Opened:
    """Started once per process: the sandbox (without keys), sessions, limiters, breakers."""
    return open_analyzer(Settings.from_env(secrets=_secrets()))


@st.cache_resource
def _uncached_analyzer() -> Analyzer:
    base = opened().analyzer
    return Analyzer(base.settings.with_(use_cache=False), metrics=base.metrics)


def analyzer() -> Analyzer:
    return opened().analyzer if st.session_state.get("use_cache", True) else _uncached_analyzer()


def settings() -> Settings:
    return opened().analyzer.settings


def fees() -> Fees:
    return Fees(
        stockx_level=int(st.session_state.get("seller_level", 1)),
        alias_seller_fee=float(st.session_state.get("alias_seller_fee", 5.0)),
        alias_cashout_enabled=bool(st.session_state.get("alias_cashout", True)),
    )


def mode() -> str:
    return "sequential" if st.session_state.get("mode") == "Sequential" else "parallel"


def workers() -> int:
    return int(st.session_state.get("workers", settings().max_workers))


def is_sandbox() -> bool:
    return settings().source == "sandbox"


def sandbox_badge(text: str = "Sandbox data: synthetic prices, not live markets") -> None:
    if is_sandbox():
        st.badge(text, icon=":material/science:", color="orange")


def sidebar() -> None:
    with st.sidebar:
        st.subheader("Fees")
        st.selectbox("StockX seller level", list(STOCKX_TRANSACTION_FEES), key="seller_level",
                     format_func=lambda lv: f"Level {lv} ({STOCKX_TRANSACTION_FEES[lv] * 100:g}% + 3%)")
        st.number_input("Alias seller fee ($)", min_value=0.0, max_value=50.0, value=5.0, step=0.5, key="alias_seller_fee")
        st.toggle("Alias 2.9% cash-out fee", value=True, key="alias_cashout")
        st.subheader("Engine")
        st.radio("Calls", ["Parallel", "Sequential"], key="mode", horizontal=True,
                 help="Parallel: both markets at once, two round trips. Sequential: five calls one after another.")
        st.slider("Shoes at once (Compare)", 1, 8, value=settings().max_workers, key="workers")
        st.toggle("Use cache", value=True, key="use_cache", help="Catalog answers are kept 24 h, market data 30 min.")
        if st.button("Clear cache", key="clear_cache", icon=":material/delete_sweep:"):
            opened().analyzer.clear_cache()
            st.cache_data.clear()
            st.toast("Cache cleared: the next lookups go to the markets.")
        st.divider()
        if is_sandbox():
            sandbox_badge("Sandbox data")
            st.caption("No API keys are configured, so the built-in sandbox marketplace answers, "
                       "in the real StockX and Alias formats. Set the keys in `.streamlit/secrets.toml` for live data.")
        else:
            st.badge("Live data", icon=":material/check_circle:", color="green")


def run_live(label: str, work: Callable[[ProgressCallback], T], on_event: Callable[[ProgressEvent], None] | None = None,
             summary: Callable[[T], tuple[str, str]] | None = None,
             log: Callable[[ProgressEvent], bool] = lambda e: e.step != "quote") -> T:
    """Run `work` in a thread; show its progress events in an st.status as they come.

    Every Streamlit call happens here, in the script thread; the worker only puts events on a queue.
    """
    events: queue.Queue[ProgressEvent] = queue.Queue()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work(events.put)
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="lookup", daemon=True)
    with st.status(label, expanded=True) as status:
        bar = st.progress(0.0)
        worker.start()
        while worker.is_alive() or not events.empty():
            try:
                event = events.get(timeout=0.05)
            except queue.Empty:
                continue
            bar.progress(event.fraction)
            if log(event):
                st.write(f"✓ {plain(event.message)}")
            if on_event is not None:
                on_event(event)
        worker.join()
        if "error" in outcome:
            status.update(label="Something went wrong", state="error")
            raise outcome["error"]
        done_label, state = summary(outcome["value"]) if summary else (f"{label.rstrip('…')}: done", "complete")
        status.update(label=done_label, state=state, expanded=False)  # type: ignore[arg-type]
    return outcome["value"]
