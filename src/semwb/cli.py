"""The ``semwb`` command: a thin face over the library.

Each command parses its options, calls library functions, writes files and prints. It catches
:class:`~semwb.errors.SemwbError` only (one line, exit code 1); anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from semwb import __version__
from semwb.errors import SemwbError, SpecError
from semwb.files import atomic_write_text
from semwb.measurement import THRESHOLDS, MeasurementQuality
from semwb.pipeline import read_data, run_analysis, write_results
from semwb.results import Results
from semwb.sem.spec import load_spec
from semwb.survey.instrument import load_instrument
from semwb.survey.responses import read_responses
from semwb.survey.scoring import score_constructs, scores_table
from semwb.survey.simulate import simulate_responses
from semwb.survey.tables import excel_safe

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


@app.command("report")
def report(
    results_dir: Annotated[Path, typer.Argument(
        help="A folder with results.json, or a folder of such folders (makes an index too).")],
    lang: Annotated[str, typer.Option("--lang", help="Report language: en or zh.")] = "en",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output file (default: report.html beside results.json, or index.html)."
    )] = None,
    templates: Annotated[Path | None, typer.Option(
        "--templates", help="Folder of templates that override the packaged ones.")] = None,
    instrument: Annotated[Path | None, typer.Option(
        "--instrument", help="Instrument YAML, for construct names and item wording.")] = None,
) -> None:
    """Write the HTML report of fitted results (one file, opens offline)."""
    from semwb.report.writer import write_reports

    loaded = None
    if instrument is not None:
        from semwb.survey.instrument import load_instrument

        loaded = load_instrument(instrument)
    written = write_reports(results_dir, lang=lang, out=out, templates=templates,
                            instrument=loaded)
    for path in [*written.reports, *([written.index] if written.index else [])]:
        console.print(Text(f"wrote {path}"), highlight=False)


def main() -> None:
    """Entry point of the ``semwb`` console script."""
    try:
        app(standalone_mode=True)
    except SemwbError as exc:
        # The message may quote user text with brackets: never let rich read it as markup.
        err_console.print(Text("semwb: error: ", style="bold red") + Text(str(exc)), highlight=False)
        sys.exit(1)


def _say(message: str) -> None:
    """Print one plain line (no markup, no wrapping: lines may be parsed)."""
    console.print(Text(message), soft_wrap=True)


def _print_measurement(quality: MeasurementQuality) -> None:
    """Reliability and validity table with pass/fail against the usual thresholds."""
    from rich.table import Table

    def mark(value: float | None, threshold: float) -> str:
        return "-" if value is None else f"{value:.3f} {'ok' if value >= threshold else 'LOW'}"

    table = Table(title=f"Measurement quality (n = {quality.n_obs} complete respondents)")
    for column in ("construct", "items", "alpha >= .70", "95% CI", "omega", "CR >= .70",
                   "AVE >= .50"):
        table.add_column(column)
    for cid, c in quality.constructs.items():
        table.add_row(cid, str(len(c["items"])), mark(c["alpha"], THRESHOLDS["alpha"]),
                      f"[{c['alpha_ci'][0]:.3f}, {c['alpha_ci'][1]:.3f}]",
                      "-" if c["omega"] is None else f"{c['omega']:.3f}",
                      mark(c["cr"], THRESHOLDS["cr"]), mark(c["ave"], THRESHOLDS["ave"]))
    console.print(table)
    pairs = [(a, b, v) for a, row in quality.htmt.items() for b, v in row.items()]
    for a, b, v in pairs:
        if v >= THRESHOLDS["htmt"]:
            limit = "above .90" if v >= THRESHOLDS["htmt_liberal"] else "between .85 and .90"
            _say(f"HTMT {a}-{b} = {v:.3f} ({limit}): discriminant validity in doubt")
    if pairs and max(v for *_, v in pairs) < THRESHOLDS["htmt"]:
        _say(f"HTMT: all pairs below .85 (largest {max(v for *_, v in pairs):.3f})")
    share = quality.harman["first_factor_share"]
    verdict = "below" if share < THRESHOLDS["harman"] else "ABOVE"
    _say(f"Harman's single factor: {share:.1%} of variance ({verdict} 50 %); KMO "
         f"{quality.kmo:.3f}; Bartlett chi2({quality.bartlett['df']:.0f}) = "
         f"{quality.bartlett['chisq']:.1f}")


@app.command("score")
def score(
    instrument: Path = typer.Argument(..., help="Instrument YAML (surveys/<name>.yaml)."),
    responses: Path = typer.Argument(..., help="Responses: CSV, XLSX, SAV, DTA, Qualtrics or "
                                               "Wenjuanxing export."),
    out: Path = typer.Option(Path("reports/score"), "--out", help="Folder for scores.csv, "
                             "flagged.csv and measurement.json."),
    sheet: str | None = typer.Option(None, "--sheet", help="XLSX sheet name."),
    mapping: Path | None = typer.Option(None, "--mapping", help="Mapping file (column: item)."),
    exclude: str = typer.Option("", "--exclude", help="Comma-separated flag rules that exclude "
                                "respondents: attention,long_string,too_fast,mahalanobis."),
    min_share: float = typer.Option(0.5, "--min-share", help="Share of a construct's items a "
                                    "respondent must answer to get a score."),
    missing_code: list[str] = typer.Option([], "--missing-code", help="Extra token meaning "
                                           "'no answer' (repeatable), e.g. -99."),
) -> None:
    """Score constructs, flag careless respondents and assess measurement quality."""
    # Imported here: it loads the SEM engine, which the other commands do not need.
    from semwb.measurement.cfa import measure_constructs

    inst = load_instrument(instrument)
    data = read_responses(responses, inst, sheet=sheet, mapping=mapping,
                          missing_codes=tuple(missing_code))
    for warning in data.warnings:
        err_console.print(Text(f"semwb: warning: {warning}"), soft_wrap=True)
    rules = [r.strip() for r in exclude.split(",") if r.strip()]
    scores = score_constructs(data, inst, min_share=min_share, exclude=rules)
    quality = measure_constructs(scores.analysis_items, inst)
    table = scores_table(scores, data)
    flagged = table[table["any"]]
    atomic_write_text(out / "scores.csv", excel_safe(table).to_csv(index=False))
    atomic_write_text(out / "flagged.csv", excel_safe(flagged).to_csv(index=False))
    atomic_write_text(out / "measurement.json", json.dumps(
        quality.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    for line in scores.log:
        _say(line)
    _print_measurement(quality)
    _say(f"{len(flagged)} flagged respondent(s)")
    for row in flagged.itertuples():
        _say(f"  {row.respondent} (row {row.row}): {row.reasons}")
    _say(f"wrote {out / 'scores.csv'}, {out / 'flagged.csv'}, {out / 'measurement.json'}")


@app.command("simulate")
def simulate(
    population: Path = typer.Argument(..., help="Population model, lavaan syntax (.lav)."),
    instrument: Path = typer.Argument(..., help="Instrument YAML whose items to simulate."),
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    n: int = typer.Option(320, "--n", help="Number of respondents."),
    seed: int = typer.Option(..., "--seed", help="Random seed (same seed, same file)."),
    missing: float = typer.Option(0.01, "--missing", help="Share of Likert answers left empty."),
    careless: float = typer.Option(0.04, "--careless", help="Share of careless respondents."),
    square: list[str] = typer.Option([], "--square", help="Numeric column to add its square "
                                     "<name>_sq for (repeatable)."),
) -> None:
    """Draw raw Likert responses from a population model (for examples and tests)."""
    inst = load_instrument(instrument)
    try:
        syntax = population.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SpecError(f"{population}: no such population model file.") from exc
    frame = simulate_responses(syntax, inst, n=n, rng=seed, missing=missing, careless=careless,
                               squares=tuple(square))
    atomic_write_text(out, frame.convert_dtypes().to_csv(index=False))
    _say(f"wrote {out}: {len(frame)} respondents x {frame.shape[1]} columns (seed {seed})")
user_app = typer.Typer(help="Manage the web workbench's accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
DataDirOption = Annotated[Path | None, typer.Option(
    "--data-dir", help="Store of the web app [default: $XDG_DATA_HOME/semwb].")]


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, help="Port to listen on."),
    data_dir: DataDirOption = None,
    scheduler: str | None = typer.Option(
        None, help="Dask scheduler address to run analyses on (default: local processes)."),
    workers: int = typer.Option(1, min=1, help="Local worker processes for analyses."),
    models: Annotated[Path, typer.Option(
        help="Folder of model specs offered as starting points.")] = Path("models"),
    max_upload_mb: float = typer.Option(50.0, min=0.001, help="Largest upload accepted, in MB."),
) -> None:
    """Start the web workbench (researchers upload, validate, run and share reports)."""
    from semwb.web.app import Settings, default_data_dir
    from semwb.web.app import serve as serve_app

    settings = Settings(
        data_dir=data_dir or default_data_dir(), max_upload_bytes=int(max_upload_mb * 1_000_000),
        models_dir=models, scheduler=scheduler, workers=workers,
    )
    console.print(f"semwb: data in {settings.data_dir}; open http://{host}:{port}/")
    serve_app(settings, host=host, port=port)


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="The new account's user name."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."),
    data_dir: DataDirOption = None,
) -> None:
    """Create a web workbench account (the password is asked for, or read from stdin)."""
    from semwb.web.app import default_data_dir
    from semwb.web.auth import add_user
    from semwb.web.store import Store

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    store = Store(data_dir or default_data_dir())
    user = add_user(store, name, password)
    console.print(f"semwb: account {user.name!r} created in {store.data_dir}")
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


def _fit_one(spec_path: Path, data: Path | None, out: Path | None) -> Path:
    spec = load_spec(spec_path)
    data_path = data if data is not None else spec.data
    if data_path is None:
        raise SpecError(f"{spec_path}: no data; add 'data: FILE' to the spec or pass --data FILE.")
    results = run_analysis(spec, read_data(data_path), data_path=data_path,
                           command=" ".join(["semwb", *sys.argv[1:]]))
    path = write_results(results, out if out is not None else Path("reports") / spec.name)
    _print_summary(results, path)
    return path


@app.command()
def fit(
    spec: Path = typer.Argument(..., help="Model spec: a .yaml spec or a .lav lavaan syntax file."),
    data: Path | None = typer.Option(None, "--data", help="Data file (overrides the spec's data)."),
    out: Path | None = typer.Option(None, "--out", help="Output folder [default: reports/<model>]."),
) -> None:
    """Fit one model spec and write OUT/results.json."""
    _fit_one(spec, data, out)


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

