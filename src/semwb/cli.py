"""The ``semwb`` command: a thin face over the library.

Each command parses its options, calls library functions, writes files and prints. It catches
:class:`~semwb.errors.SemwbError` only (one line, exit code 1); anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from semwb import __version__
from semwb.errors import OptionError, SemwbError, SpecError
from semwb.pipeline import read_data, run_analysis, write_results
from semwb.results import Results
from semwb.sem.bootstrap import check_options
from semwb.sem.spec import BootstrapOptions, ModelSpec, load_spec

app = typer.Typer(
    name="semwb",
    help="Structural equation modeling workbench for survey research.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"semwb {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Structural equation modeling workbench for survey research."""


def main() -> None:
    """Entry point of the ``semwb`` console script."""
    try:
        app(standalone_mode=True)
    except SemwbError as exc:
        # The message may quote user text with brackets: never let rich read it as markup.
        err_console.print(Text("semwb: error: ", style="bold red") + Text(str(exc)), highlight=False)
        sys.exit(1)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _fmt_p(value: float | None) -> str:
    if value is None:
        return "—"
    return "<.001" if value < 0.001 else f"{value:.3f}"


def _print_summary(results: Results, path: Path) -> None:
    """A compact terminal summary: fit line, structural paths, defined effects, warnings."""
    f = results.fit
    console.print(Text(f"{results.model}  N = {results.n_obs}", style="bold"))
    console.print(
        f"χ²({f.df}) = {_fmt(f.chisq, 2)}, p = {_fmt_p(f.pvalue)}; CFI {_fmt(f.cfi)}, "
        f"TLI {_fmt(f.tli)}, RMSEA {_fmt(f.rmsea)} [{_fmt(f.rmsea_ci_lower)}, "
        f"{_fmt(f.rmsea_ci_upper)}], SRMR {_fmt(f.srmr)}",
        highlight=False, markup=False,
    )
    for title, op in (("Structural paths", "~"), ("Defined effects", ":=")):
        rows = [r for r in results.parameters if r.op == op]
        if not rows:
            continue
        table = Table(title=title, title_justify="left", box=None, pad_edge=False)
        for column in ("path", "label", "est", "se", "p", "95% CI", "std"):
            table.add_column(column, justify="left" if column in ("path", "label") else "right")
        for r in rows:
            path_text = f"{r.lhs} := {r.rhs}" if op == ":=" else f"{r.lhs} ← {r.rhs}"
            table.add_row(Text(path_text), Text(r.label), _fmt(r.est), _fmt(r.se),
                          _fmt_p(r.pvalue), f"[{_fmt(r.ci_lower)}, {_fmt(r.ci_upper)}]",
                          _fmt(r.std_all))
        console.print(table)
    for message in results.warnings:
        console.print(Text(f"warning: {message}", style="yellow"))
    console.print(Text(f"wrote {path}", style="dim"))


def _bootstrap_options(spec: ModelSpec, draws: int | None, ci: str | None,
                       seed: int | None) -> BootstrapOptions | None:
    """The spec's ``bootstrap:`` block with ``--bootstrap/--ci/--seed`` laid over it.

    Values are checked by the bootstrap's own rules (``OptionError`` naming the option).
    """
    if draws is None and spec.bootstrap is None:
        if ci is not None or seed is not None:
            raise OptionError("--ci and --seed need --bootstrap N (e.g. --bootstrap 5000) or a "
                              "'bootstrap:' block in the spec.")
        return None
    values = spec.bootstrap.model_dump() if spec.bootstrap is not None else {}
    values.update({k: v for k, v in (("draws", draws), ("ci", ci), ("seed", seed))
                   if v is not None})
    options = BootstrapOptions.model_construct(**values)  # the spec schema lacks montecarlo
    check_options(options.draws, options.ci, options.level)  # fail before the fit, not after
    return options


def _fit_one(spec_path: Path, data: Path | None, out: Path | None, *, draws: int | None = None,
             ci: str | None = None, seed: int | None = None) -> Path:
    spec = load_spec(spec_path)
    data_path = data if data is not None else spec.data
    if data_path is None:
        raise SpecError(f"{spec_path}: no data; add 'data: FILE' to the spec or pass --data FILE.")
    options = _bootstrap_options(spec, draws, ci, seed)
    with Progress(TextColumn("bootstrap"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err_console, transient=True,
                  disable=options is None) as bar:
        task = bar.add_task("bootstrap", total=options.draws if options is not None else 0)
        results = run_analysis(
            spec, read_data(data_path), data_path=data_path,
            command=" ".join(["semwb", *sys.argv[1:]]), bootstrap=options,
            progress=lambda done, total: bar.update(task, completed=done, total=total))
    path = write_results(results, out if out is not None else Path("reports") / spec.name)
    _print_summary(results, path)
    return path


@app.command()
def fit(
    spec: Path = typer.Argument(..., help="Model spec: a .yaml spec or a .lav lavaan syntax file."),
    data: Path | None = typer.Option(None, "--data", help="Data file (overrides the spec's data)."),
    out: Path | None = typer.Option(None, "--out", help="Output folder [default: reports/<model>]."),
    bootstrap: int | None = typer.Option(
        None, "--bootstrap", metavar="N",
        help="Bootstrap draws (e.g. 5000): SEs and CIs of every parameter, := effect and std_all."),
    ci: str | None = typer.Option(
        None, "--ci", metavar="TYPE", help="percentile (default) | bc | bca | montecarlo."),
    seed: int | None = typer.Option(None, "--seed", help="Bootstrap seed (recorded)."),
) -> None:
    """Fit one model spec and write OUT/results.json."""
    _fit_one(spec, data, out, draws=bootstrap, ci=ci, seed=seed)


@app.command()
def demo(
    out: Path = typer.Option(Path("reports"), "--out", help="Folder for one sub-folder per model."),
    models: Path = typer.Option(Path("models"), "--models", help="Folder of model specs."),
) -> None:
    """Fit every spec in MODELS on its example data, writing OUT/<model>/results.json."""
    specs = sorted(p for p in models.glob("*") if p.suffix in (".yaml", ".yml"))
    if not specs:
        raise SpecError(f"{models}: no .yaml model specs to fit.")
    failed = []
    for spec_path in specs:
        try:
            _fit_one(spec_path, None, out / load_spec(spec_path).name)
        except SemwbError as exc:
            failed.append(spec_path.name)
            err_console.print(Text(f"semwb: error: {exc}", style="red"), highlight=False)
    if failed:
        raise SemwbError(f"demo: {len(failed)} of {len(specs)} specs failed: {', '.join(failed)}.")

