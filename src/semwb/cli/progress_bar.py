"""The progress bar of the slow commands (predict, impute, efa), drawn on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from semwb.cli.app import err_console
from semwb.progress import Progress as Callback

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(label: str) -> Iterator[Callback]:
    """A bar labelled ``label`` on stderr; yields the ``progress(done, total)`` that moves it.

    Transient (gone once the command finishes) and quiet when stderr is not a terminal, as the
    bars of ``fit --bootstrap`` and ``power`` are.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
