"""Progress of a long command on stderr, so stdout stays the answer (a table, JSON, JSON Lines):
a rich progress bar on a terminal, one plain line per step when stderr is a pipe or a file."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
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


class _Stages:
    """A share-of-the-whole progress as plain lines: one line when the stage changes, not one per tick."""

    def __init__(self, title: str, stream: TextIO) -> None:
        self.title, self.stream, self.last = title, stream, None

    def __call__(self, message: str, fraction: float) -> None:
        if message != self.last:
            self.last = message
            print(f"{self.title}: {fraction:4.0%} {message}", file=self.stream, flush=True)


@contextmanager
def shares(title: str, stream: TextIO | None = None) -> Iterator[Callable[[str, float], None]]:
    """A progress reporter fed (message, share of the whole from 0 to 1), on stderr (or `stream`):
    a bar on a terminal, a line per stage in a pipe."""
    out = stream or sys.stderr
    if not out.isatty():
        yield _Stages(title, out)
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (TextColumn(f"{title} [progress.description]{{task.description}}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(file=out), transient=True) as progress:
        task = progress.add_task("", total=1.0)
        yield lambda message, fraction: progress.update(task, completed=fraction, description=message[:60])
