"""``semwb batch``: fit every spec of a folder, incrementally, in parallel, locally or on Dask."""

import os
from pathlib import Path
from typing import Annotated

import typer

from semwb.cli.app import LangOption, app


@app.command(short_help="Fit every spec in MODELS that is not up to date.")
def batch(
    models: Annotated[Path, typer.Argument(
        metavar="MODELS", help="Folder of model specs.")] = Path("models"),
    data: Annotated[Path | None, typer.Option(
        "--data", help="Data file for every spec, replacing each spec's own 'data'.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("reports"),
    jobs: Annotated[int, typer.Option(
        "--jobs", min=1, help="Local worker processes (default: one per CPU core).")
    ] = os.cpu_count() or 1,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Fit on a Dask cluster instead, e.g. tcp://10.0.0.5:8786.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Refit models that are up to date.")
    ] = False,
    lang: LangOption = "en",
) -> None:
    """Fit every spec in MODELS; skip those up to date; exit code = number of failed models."""
    from semwb.cli.batching import run_with_progress

    summary = run_with_progress(models, out=out, data=data, jobs=jobs, scheduler=scheduler,
                                force=force, lang=lang)
    raise typer.Exit(summary.exit_code)
