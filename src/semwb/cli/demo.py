"""``semwb demo``: fit the example specs on their example data and write an index of reports."""

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from semwb.cli.app import LangOption, app, console
from semwb.cli.terminal import say
from semwb.errors import SemwbError


@app.command(short_help="Fit every spec in MODELS on its example data into OUT.")
def demo(
    out: Annotated[Path, typer.Option(help="Output folder, one per model.")] = Path("reports"),
    models: Annotated[Path, typer.Option(help="Folder of model specs.")] = Path("models"),
    lang: LangOption = "en",
) -> None:
    """Fit every spec in MODELS on its example data: OUT/<spec>/ reports and OUT/index.html.

    The same run as ``semwb batch MODELS --out OUT``: a batch afterwards finds it up to date.
    """
    from semwb.batch.runner import UP_TO_DATE
    from semwb.cli.batching import run_with_progress
    from semwb.report.writer import index_filename

    summary = run_with_progress(models, out=out, data=None, jobs=os.cpu_count() or 1,
                                scheduler=None, force=False, lang=lang)
    reused = sum(m.status == UP_TO_DATE for m in summary.models)
    if reused:
        say(f"demo: {reused} of {len(summary.models)} models were up to date (same specs, data, "
            "instruments and semwb) and were not refitted; 'semwb batch "
            f"{models} --out {out} --force' refits them.")
    index = out / index_filename(lang)
    if index.is_file():
        console.print(Text(f"wrote {index} (open it in a browser)", style="bold"))
    if summary.failed:
        names = ", ".join(m.name for m in summary.failed)
        raise SemwbError(f"demo: {len(summary.failed)} of {len(summary.models)} specs failed: "
                         f"{names}.")
