"""What ``semwb batch`` shows: a live progress display while it runs, a summary table at the end."""

from __future__ import annotations

import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType, TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from semwb.batch.runner import FAILED, FITTED, BatchSummary, ModelStatus

_STYLE = {FITTED: "green", FAILED: "bold red", "up to date": "dim"}


class RichEvents:
    """A rich progress display: an overall bar, and one line per model with its status.

    Use it as a context manager around :func:`~semwb.batch.run_batch`, passed as ``events``.
    """

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"), TimeElapsedColumn(),
            console=console, transient=False,
            disable=not console.is_terminal,  # a pipe or a log gets the summary lines only
        )
        self.overall: TaskID | None = None
        self.rows: dict[str, TaskID] = {}

    def __enter__(self) -> RichEvents:
        self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self.progress.stop()

    def planned(self, names: Sequence[str]) -> None:
        """Add the overall bar and a waiting line per model."""
        self.overall = self.progress.add_task("[bold]all models", total=len(names), status="")
        for name in names:
            self.rows[name] = self.progress.add_task(
                f"  {name}", total=1, status="[dim]waiting", start=False)

    def started(self, name: str, label: str) -> None:
        """Show that a model is being fitted."""
        self.progress.start_task(self.rows[name])
        self.progress.update(self.rows[name], status=f"[yellow]{label}")

    def finished(self, status: ModelStatus) -> None:
        """Show how a model ended and advance the overall bar."""
        style = _STYLE.get(status.status, "")
        self.progress.update(self.rows[status.name], completed=1,
                             status=f"[{style}]{status.status}")
        self.progress.stop_task(self.rows[status.name])
        if self.overall is not None:
            self.progress.advance(self.overall)


def summary_table(summary: BatchSummary) -> Table:
    """One row per model: status, time, n, CFI, RMSEA, and the first line of any error.

    CFI and RMSEA are the values each model's report judges (robust under MLR / MLM and
    WLSMV, scaled under WLSMV where lavaan has no robust values).
    """
    from semwb.report.robust_fit import judged  # the report package loads jinja2

    table = Table(title=f"semwb batch -> {summary.out}")
    for column in ("model", "status", "seconds", "n", "CFI", "RMSEA", "note"):
        table.add_column(column, justify="right" if column in {"seconds", "n", "CFI", "RMSEA"}
                         else "left", overflow="fold")
    for row in summary.models:
        table.add_row(
            row.name, f"[{_STYLE.get(row.status, '')}]{row.status}",
            f"{row.seconds:.1f}" if row.status == FITTED else "",
            _num(row.results.n_obs, "{}"), _num(judged(row.results, "cfi"), "{:.3f}"),
            _num(judged(row.results, "rmsea"), "{:.3f}"),
            (row.error or "").splitlines()[0] if row.error else "",
        )
    failed = len(summary.failed)
    table.caption = (f"{len(summary.models)} models, {failed} failed"
                     + (" (details in each model's results.json)" if failed else "")
                     + f"; {JUDGED_NOTE}")
    return table


JUDGED_NOTE = ("CFI and RMSEA as each report judges them: robust under MLR/MLM/WLSMV "
               "(scaled under WLSMV with continuous columns)")


def _num(value: float | int | None, fmt: str) -> str:
    return "" if value is None else fmt.format(value)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while the batch runs, so it stops its workers on the way out."""

    def _interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
