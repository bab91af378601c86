"""Progress on stderr: a bar on a terminal, plain lines in a pipe (analyzer/console.py)."""

from __future__ import annotations

import io

from analyzer.console import shares, steps


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pipe_gets_one_line_per_step_and_per_stage() -> None:
    out = io.StringIO()
    with steps("compare", 3, out) as progress:
        for shoe in ("A", "B", "C"):
            progress.advance(f"{shoe}: quoted")
    assert out.getvalue().splitlines() == ["compare: [1/3] A: quoted", "compare: [2/3] B: quoted", "compare: [3/3] C: quoted"]
    out = io.StringIO()
    with shares("benchmark", out) as report:
        for message, fraction in (("single", 0.0), ("single", 0.1), ("batch", 0.5), ("done", 1.0)):
            report(message, fraction)
    assert out.getvalue().splitlines() == ["benchmark:   0% single", "benchmark:  50% batch", "benchmark: 100% done"]


def test_a_terminal_gets_a_bar() -> None:
    out = Terminal()
    with steps("compare", 2, out) as progress:
        progress.advance("A: quoted")
        progress.advance("B: quoted")
    drawn = out.getvalue()
    assert "2/2" in drawn and "compare: [" not in drawn  # rich's bar and count, not the pipe's lines
