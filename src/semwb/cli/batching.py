"""Running a batch with its progress display and summary table (``semwb batch`` and ``demo``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from semwb.cli.app import console, err_console
from semwb.cli.terminal import say

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
    if console.is_terminal:
        console.print(summary_table(summary))
    else:  # a pipe or a log: whole lines, names never folded or cut
        for line in summary_lines(summary):
            say(line)
    return summary


def summary_lines(summary: BatchSummary) -> list[str]:
    """The summary as plain lines: ``model  status  seconds  n=  CFI=  RMSEA=  error``.

    CFI and RMSEA are the values each model's report judges (robust under MLR / MLM and
    WLSMV, scaled under WLSMV where lavaan has no robust values).
    """
    from semwb.batch.console import JUDGED_NOTE
    from semwb.report.robust_fit import judged  # the report package loads jinja2

    width = max((len(m.name) for m in summary.models), default=0)
    lines = []
    for m in summary.models:
        parts = [m.name.ljust(width), m.status.ljust(10)]
        if m.status == "fitted":
            parts.append(f"{m.seconds:.1f} s")
        if m.results.n_obs is not None:
            parts.append(f"n={m.results.n_obs}")
        parts += [f"{name.upper()}={value:.3f}" for name in ("cfi", "rmsea")
                  if (value := judged(m.results, name)) is not None]
        if m.error:
            parts.append(m.error.splitlines()[0])
        lines.append("  ".join(parts).rstrip())
    failed = len(summary.failed)
    lines.append(f"{len(summary.models)} models, {failed} failed -> {summary.out}"
                 + (" (details in each model's results.json)" if failed else ""))
    lines.append(JUDGED_NOTE)
    return lines
