"""Slow work on a screen: run it in a thread and show its progress where the eye is, in an st.status."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from analyzer.domain.models import ProgressEvent
from analyzer.lookup.engine import ProgressCallback
from ui.controls import plain

T = TypeVar("T")


def run_live(label: str, work: Callable[[ProgressCallback], T], on_event: Callable[[ProgressEvent], None] | None = None,
             summary: Callable[[T], tuple[str, str]] | None = None,
             log: Callable[[ProgressEvent], bool] = lambda e: e.step != "quote", starts: bool = False) -> T:
    """Run `work` in a thread; show its progress events in an st.status as they come.

    Every Streamlit call happens here, in the script thread; the worker only puts events on a queue.
    With `starts`, an event announces a step beginning: it shows as running, and is ticked only
    when the next one comes (or the work ends).
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
        running: tuple[Any, str] | None = None
        worker.start()
        while worker.is_alive() or not events.empty():
            try:
                event = events.get(timeout=0.05)
            except queue.Empty:
                continue
            bar.progress(event.fraction)
            if log(event):
                if starts:
                    if running is not None:
                        running[0].write(f"✓ {running[1]}")
                    running = (st.empty(), plain(event.message))
                    running[0].write(f"… {running[1]}")
                else:
                    st.write(f"✓ {plain(event.message)}")
            if on_event is not None:
                on_event(event)
        worker.join()
        if "error" in outcome:
            status.update(label="Something went wrong", state="error")
            raise outcome["error"]
        if running is not None:
            running[0].write(f"✓ {running[1]}")
        done_label, state = summary(outcome["value"]) if summary else (f"{label.rstrip('…')}: done", "complete")
        status.update(label=done_label, state=state, expanded=False)  # type: ignore[arg-type]
    return outcome["value"]
