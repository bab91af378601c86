"""Progress of a long command on stderr, so stdout stays the answer (a table, JSON, JSON Lines):
a rich progress bar on a terminal, one plain line per step when stderr is a pipe or a file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO


class Steps(Protocol):
    def advance(self, text: str) -> None: ...


class _Lines:
    """One line per step, `[3/60] text`: what a log or a pipe can read."""

    def __init__(self, title: str, total: int, stream: TextIO) -> None:
        self.title, self.total, self.done, self.stream = title, total, 0, stream

    def advance(self, text: str) -> None:
        self.done += 1
        print(f"{self.title}: [{self.done}/{self.total}] {text}", file=self.stream, flush=True)


class _Bar:
    def __init__(self, progress, task) -> None:  # type: ignore[no-untyped-def]
        self.progress, self.task = progress, task

    def advance(self, text: str) -> None:
        self.progress.update(self.task, advance=1, description=text[:60])


@contextmanager
def steps(title: str, total: int, stream: TextIO | None = None) -> Iterator[Steps]:
    """A progress reporter for `total` steps on stderr (or `stream`)."""
    out = stream or sys.stderr
    if not out.isatty():
        yield _Lines(title, total, out)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = (TextColumn(f"{title} [progress.description]{{task.description}}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(file=out), transient=False) as progress:
        yield _Bar(progress, progress.add_task("", total=total))
