"""Running a batch with its progress display and summary table (``semwb batch`` and ``demo``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from semwb.cli.app import console, err_console

if TYPE_CHECKING:
    from semwb.batch import BatchSummary


def run_with_progress(models: Path, *, out: Path, data: Path | None, jobs: int,
                      scheduler: str | None, force: bool, lang: str) -> BatchSummary:
    """Run :func:`semwb.batch.run_batch` with a live display; print the summary table.

    Ctrl-C or SIGTERM stops the workers and exits with code 130, keeping finished models.
    """
    from semwb.batch import run_batch
    from semwb.batch.console import RichEvents, sigterm_as_interrupt, summary_table

    try:
        with sigterm_as_interrupt(), RichEvents(console) as events:
            summary = run_batch(models, out=out, data=data, jobs=jobs, scheduler=scheduler,
                                force=force, lang=lang, events=events)
    except KeyboardInterrupt:
        err_console.print("semwb: batch interrupted; finished models are kept. Run the same "
                          "command again to fit the rest.", highlight=False)
        raise typer.Exit(130) from None
    for note in summary.notes:
        err_console.print(Text(f"semwb: note: {note}"), soft_wrap=True)
    console.print(summary_table(summary))
    return summary
