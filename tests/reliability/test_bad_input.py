"""Whatever users paste: a one-line message, exit code 2, no traceback and no HTTP call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import close, market_requests, start

ROOT = Path(__file__).resolve().parents[2]
BAD_QUERIES = ["", "   ", "\t", "x" * 101, "bad\x00byte", "line\nbreak", "bell\x07"]
BAD_SIZES = ["0", "0.5", "23", "10.25", "-1", "ten", "US W 8M", "8Y", "14C", "XL 10", "", "1e1", "nan", "10,5"]


def test_cli_battery_makes_no_call(sandbox_factory, tmp_path: Path, run_main) -> None:
    sandbox = sandbox_factory()
    in_argv = [q for q in BAD_QUERIES if "\x00" not in q]  # a NUL cannot travel in argv at all
    cases = [["lookup", q, "--size", "10"] for q in in_argv] + [["lookup", "DD1391-100", "--size", s] for s in BAD_SIZES]
    cases += [["compare", "CP9654", q, "--size", "10"] for q in in_argv[:3]]
    cases.append(["compare", *["CP9654"] * 11, "CP9654,23", "--size", "10"])  # any number, but every one checked first
    env = {"ANALYZER_DATA_DIR": str(tmp_path), "ANALYZER_SANDBOX_URL": sandbox.url}
    for args in cases:
        code, out, err = run_main(*args, env=env)
        assert code == 2, (args, err)
        assert err.startswith("error: ") and err.count("\n") == 1, (args, err)
        assert "Traceback" not in err and out == ""
    assert sandbox.counters.requests == {"stockx": 0, "alias": 0}
    assert not (tmp_path / "metrics.sqlite").exists() and not (tmp_path / "analyzer.sqlite").exists()  # not a lookup


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app as a server runs it (frame and navigation), on a sandbox of its own."""
    yield start(monkeypatch)
    close()


def one_line_warning(at: AppTest, what: str) -> None:
    """Refused input: no exception, and exactly one warning of one line saying why."""
    assert not at.exception, repr(what)
    assert len(at.warning) == 1 and at.warning[0].value.strip() and "\n" not in at.warning[0].value, \
        (repr(what), [w.value for w in at.warning])


def test_app_battery_makes_no_call(app: AppTest) -> None:
    for query in BAD_QUERIES:
        app.text_input(key="query").set_value(query)
        app.button(key="analyze").click().run()
        one_line_warning(app, query)
        assert not app.status and not app.metric, repr(query)  # no lookup started, no old answer left
    app.switch_page("ui/screens/compare.py").run()
    for text in ["", "\n\n", "ok shoe\n" + "x" * 101, "\n".join(["shoe"] * 11)]:
        app.text_area(key="queries").set_value(text)
        app.button(key="compare").click().run()
        one_line_warning(app, text)
        assert not app.status and not app.dataframe, repr(text)
    assert market_requests() == 0


def test_odd_queries_are_answered_and_never_rendered_as_html(app: AppTest) -> None:
    from ui.controls import plain

    odd = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) **$x$**"
    app.text_input(key="query").set_value(odd)
    app.button(key="analyze").click().run()
    assert not app.exception
    said = [w.value for w in app.warning]
    # The not-found message is where the page names the query: quoted, every markup character escaped.
    assert len(said) == 1 and said[0].startswith("No shoe found for “" + plain(odd) + "”"), said
    assert "\\<img" in said[0] and "\\]\\(" in said[0] and "\\*\\*\\$x\\$\\*\\*" in said[0]
    assert app.status and app.status[0].label == "No shoe found"
    # Anywhere else the query shows (the title, the lookup's steps, any message), it is escaped the same way.
    shown = [*(e.value for kind in ("title", "header", "subheader", "markdown", "caption", "warning", "error", "info",
                                    "success") for e in getattr(app, kind)), *(s.label for s in app.status)]
    raw = [text for text in shown if re.search(r"(?<!\\)(<img|\]\(|\*\*\$)", str(text))]
    assert not raw, raw
    assert sum(plain(odd) in str(text) for text in shown) >= 3  # the message and both markets' steps
    assert not app.metric and not app.dataframe and not app.error
