"""The ``semwb`` command: a thin face over the library.

Each command parses its options, calls library functions, writes files and prints. It catches
:class:`~semwb.errors.SemwbError` only (one line, exit code 1); anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from semwb import __version__
from semwb.errors import OptionError, SemwbError, SpecError
from semwb.files import atomic_write_text
from semwb.pipeline import read_data, run_analysis, write_results
from semwb.report.i18n import check_lang
from semwb.results import Results
from semwb.sem.bootstrap import check_bootstrap_missing, check_options
from semwb.sem.spec import BootstrapOptions, ModelSpec, load_spec
from semwb.survey.instrument import spec_instrument

if TYPE_CHECKING:
    from semwb.measurement import MeasurementQuality
    from semwb.survey.instrument import Instrument, Lang

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


LangOption = Annotated[str, typer.Option("--lang", help="Report language: en or zh.")]


@app.command()
def batch(
    models: Annotated[Path, typer.Argument(help="Folder of model specs.")] = Path("models"),
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
    console.print(summary_table(summary))
    raise typer.Exit(summary.exit_code)


@app.command("report")
def report(
    results_dir: Annotated[Path, typer.Argument(
        help="A folder with results.json, or a folder of such folders (makes an index too).")],
    lang: LangOption = "en",
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


user_app = typer.Typer(help="Manage the web workbench's accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
DataDirOption = Annotated[Path | None, typer.Option(
    "--data-dir", help="Store of the web app (default: $XDG_DATA_HOME/semwb, else "
    "~/.local/share/semwb).")]


@app.command()
def serve(
    host: Annotated[str, typer.Option(
        help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: DataDirOption = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address to run analyses on (default: local processes).")] = None,
    workers: Annotated[int, typer.Option(
        min=1, help="Local worker processes for analyses.")] = 1,
    models: Annotated[Path, typer.Option(
        help="Folder of model specs offered as starting points.")] = Path("models"),
    max_upload_mb: Annotated[float, typer.Option(
        min=0.001, help="Largest upload accepted, in MB.")] = 50.0,
    quota_mb: Annotated[float, typer.Option(
        min=0.001, help="Uploads each user may keep, in MB.")] = 1000.0,
    base_url: Annotated[str | None, typer.Option(
        help="Address people reach the server at, for share links (default: http://HOST:PORT)."
    )] = None,
) -> None:
    """Start the web workbench (researchers upload, validate, run and share reports)."""
    from semwb.web.app import Settings, default_data_dir
    from semwb.web.app import serve as serve_app

    settings = Settings(
        data_dir=data_dir or default_data_dir(), max_upload_bytes=int(max_upload_mb * 1_000_000),
        models_dir=models, scheduler=scheduler, workers=workers,
        quota_bytes=int(quota_mb * 1_000_000), base_url=base_url or f"http://{host}:{port}",
    )
    console.print(f"semwb: data in {settings.data_dir}; open http://{host}:{port}/")
    serve_app(settings, host=host, port=port)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The new account's user name.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of stdin.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create a web workbench account (the password is asked for, or read from stdin)."""
    from semwb.web.app import default_data_dir
    from semwb.web.auth import add_user
    from semwb.web.names import PASSWORD_RULE
    from semwb.web.store import Store

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(f"Password ({PASSWORD_RULE})", hide_input=True,
                                confirmation_prompt=True)
    store = Store(data_dir or default_data_dir())
    user = add_user(store, name, password)
    console.print(f"semwb: account {user.name!r} created in {store.data_dir}")


def main() -> None:
    """Entry point of the ``semwb`` console script."""
    try:
        app(standalone_mode=True)
    except SemwbError as exc:
        # The message may quote user text with brackets: never let rich read it as markup.
        message = Text("semwb: error: ", style="bold red") + Text(str(exc))
        err_console.print(message, highlight=False, soft_wrap=True)  # one line, even in a pipe
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

    Checked before the fit, not after it: values by the bootstrap's own rules
    (``OptionError`` naming the option), and the bootstrap's need for listwise data.
    """
    if draws is None and spec.bootstrap is None:
        if ci is not None or seed is not None:
            raise OptionError("--ci and --seed need --bootstrap N (e.g. --bootstrap 5000) or a "
                              "'bootstrap:' block in the spec.")
        return None
    values = spec.bootstrap.model_dump() if spec.bootstrap is not None else {}
    values.update({k: v for k, v in (("draws", draws), ("ci", ci), ("seed", seed))
                   if v is not None})
    check_options(values.get("draws", 5000), values.get("ci", "percentile"),
                  values.get("level", 0.95))  # the bootstrap's own messages, naming the option
    check_bootstrap_missing(spec)  # before the fit; --no-bootstrap fits FIML with Wald intervals
    return BootstrapOptions.model_validate(values)


def _fit_one(spec_path: Path, data: Path | None, out: Path | None, *, lang: str = "en",
             draws: int | None = None, ci: str | None = None, seed: int | None = None,
             no_bootstrap: bool = False, **options: str) -> Path:
    """Fit one spec, write ``results.json`` and its ``report.html``; return the folder."""
    from semwb.report.writer import write_report

    spec = load_spec(spec_path, **options)
    if no_bootstrap:
        if draws is not None:
            raise OptionError("--bootstrap and --no-bootstrap contradict each other; give one.")
        spec = spec.model_copy(update={"bootstrap": None})
    data_path = data if data is not None else spec.data
    if data_path is None:
        raise SpecError(f"{spec_path}: no data; add 'data: FILE' to the spec or pass --data FILE.")
    boot_options = _bootstrap_options(spec, draws, ci, seed)
    instrument = spec_instrument(spec)
    with Progress(TextColumn("bootstrap"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err_console, transient=True,
                  disable=boot_options is None) as bar:
        task = bar.add_task("bootstrap",
                            total=boot_options.draws if boot_options is not None else 0)
        results = run_analysis(
            spec, read_data(data_path, instrument=instrument), data_path=data_path,
            instrument=instrument,
            command=" ".join(["semwb", *sys.argv[1:]]), bootstrap=boot_options,
            progress=lambda done, total: bar.update(task, completed=done, total=total))
    folder = out if out is not None else Path("reports") / spec.name
    path = write_results(results, folder)
    report = write_report(folder, lang=lang, instrument=instrument)
    _print_summary(results, path)
    console.print(Text(f"wrote {report}", style="dim"))
    return folder


@app.command()
def fit(
    spec: Annotated[Path, typer.Argument(help="A .yaml model spec or a .lav lavaan syntax file.")],
    data: Annotated[Path | None, typer.Option(help="Data file (overrides the spec's).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder [reports/<model>].")] = None,
    missing: Annotated[str | None, typer.Option(
        help="listwise or fiml (overrides the spec's; the option of a .lav file).")] = None,
    bootstrap: Annotated[int | None, typer.Option(
        "--bootstrap", metavar="N",
        help="Bootstrap draws (e.g. 5000): SEs and CIs of every parameter, := effect and std_all.",
    )] = None,
    ci: Annotated[str | None, typer.Option(
        metavar="TYPE", help="Bootstrap interval: percentile (default) | bc | bca | montecarlo.",
    )] = None,
    seed: Annotated[int | None, typer.Option(help="Bootstrap seed (recorded).")] = None,
    no_bootstrap: Annotated[bool, typer.Option(
        "--no-bootstrap", help="Skip the spec's bootstrap block (Wald SEs and intervals)."
    )] = False,
    lang: LangOption = "en",
) -> None:
    """Fit one model spec and write OUT/results.json and OUT/report.html."""
    check_lang(lang)  # before the fit, not after
    _fit_one(spec, data, out, lang=lang, draws=bootstrap, ci=ci, seed=seed,
             no_bootstrap=no_bootstrap,
             **({"missing": missing} if missing is not None else {}))


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Output folder, one per model.")] = Path("reports"),
    models: Annotated[Path, typer.Option(help="Folder of model specs.")] = Path("models"),
    lang: LangOption = "en",
) -> None:
    """Fit every spec in MODELS on its example data: OUT/<model>/ reports and OUT/index.html."""
    from semwb.report.writer import report_filename, write_index

    check_lang(lang)  # before the fit, not after
    specs = sorted(p for p in models.glob("*") if p.suffix in (".yaml", ".yml"))
    if not specs:
        raise SpecError(f"{models}: no .yaml model specs to fit.")
    failed, folders = [], []
    for spec_path in specs:
        try:
            folders.append(_fit_one(spec_path, None, out / load_spec(spec_path).name, lang=lang))
        except SemwbError as exc:
            failed.append(spec_path.name)
            err_console.print(Text(f"semwb: error: {exc}", style="red"), highlight=False,
                              soft_wrap=True)
    if folders:
        index = write_index(out, folders, [f / report_filename(lang) for f in folders], lang=lang)
        console.print(Text(f"wrote {index} (open it in a browser)", style="bold"))
    if failed:
        raise SemwbError(f"demo: {len(failed)} of {len(specs)} specs failed: {', '.join(failed)}.")


def _say(message: str) -> None:
    """Print one plain line (no markup, no wrapping: lines may be parsed)."""
    console.print(Text(message), soft_wrap=True)


_WORDS = {
    "en": {"title": "Measurement quality (n = {n} complete respondents)", "construct": "construct",
           "name": "name", "items": "items", "ok": "ok", "low": "LOW"},
    "zh": {"title": "测量质量（完整样本 n = {n}）", "construct": "构念", "name": "名称",
           "items": "题项数", "ok": "达标", "low": "不足"},
}


def _print_measurement(quality: MeasurementQuality, instrument: Instrument, lang: Lang) -> None:
    """Reliability and validity table with pass/fail against the usual thresholds."""
    from rich.table import Table

    from semwb.measurement import THRESHOLDS

    words = _WORDS[lang]

    def mark(value: float | None, threshold: float) -> str:
        verdict = words["ok"] if value is not None and value >= threshold else words["low"]
        return "-" if value is None else f"{value:.3f} {verdict}"

    table = Table(title=words["title"].format(n=quality.n_obs))
    for column in (words["construct"], words["name"], words["items"], "alpha >= .70", "95% CI",
                   "omega", "CR >= .70", "AVE >= .50"):
        table.add_column(column)
    for cid, c in quality.constructs.items():
        table.add_row(cid, Text(instrument.text(cid, lang)), str(len(c["items"])),
                      mark(c["alpha"], THRESHOLDS["alpha"]),
                      f"[{c['alpha_ci'][0]:.3f}, {c['alpha_ci'][1]:.3f}]",
                      "-" if c["omega"] is None else f"{c['omega']:.3f}",
                      mark(c["cr"], THRESHOLDS["cr"]), mark(c["ave"], THRESHOLDS["ave"]))
    console.print(table)
    fit = quality.cfa_fit
    if fit:
        _say(f"CFA: chi2({fit['df']}) = {fit['chisq']:.2f}, CFI {fit['cfi']:.3f}, "
             f"TLI {fit['tli']:.3f}, RMSEA {fit['rmsea']:.3f}, SRMR {fit['srmr']:.3f}")
    for cid, row in quality.fornell_larcker.items():
        worst = max((abs(v) for other, v in row.items() if other != cid and not math.isnan(v)),
                    default=0.0)
        if row[cid] is not None and worst >= row[cid]:
            _say(f"Fornell-Larcker: sqrt(AVE) of {cid} = {row[cid]:.3f} is not above its largest "
                 f"latent correlation {worst:.3f}")
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
    single = quality.harman.get("single_factor_cfa")
    if single:
        one = single["single_factor"]
        _say(f"Single-factor CFA: CFI {one['cfi']:.3f}, RMSEA {one['rmsea']:.3f}; worse than the "
             f"{len(quality.constructs)}-factor CFA by chi2({single['df_diff']}) = "
             f"{single['chisq_diff']:.1f}, p = {single['pvalue']:.3g}")


@app.command("score")
def score(
    instrument: Annotated[Path, typer.Argument(help="Instrument YAML (surveys/<name>.yaml).")],
    responses: Annotated[Path, typer.Argument(
        help="Responses: CSV, XLSX, SAV, DTA, Qualtrics or Wenjuanxing export.")],
    out: Annotated[Path, typer.Option(
        help="Folder for scores.csv, flagged.csv and measurement.json.")] = Path("reports/score"),
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="Mapping file (column: item).")] = None,
    exclude: Annotated[str, typer.Option(
        help="Comma-separated flag rules that exclude respondents: "
             "attention,long_string,too_fast,mahalanobis.")] = "",
    min_share: Annotated[float, typer.Option(
        help="Share of a construct's items a respondent must answer to get a score.")] = 0.5,
    missing_code: Annotated[list[str] | None, typer.Option(
        help="Extra token meaning 'no answer' (repeatable), e.g. -99.")] = None,
    constructs: Annotated[str, typer.Option(
        help="Comma-separated constructs to assess (default: all in the data; the CFA of "
             "many takes minutes).")] = "",
    lang: Annotated[str, typer.Option(help="Language of the printed table: en or zh.")] = "en",
) -> None:
    """Score constructs, flag careless respondents and assess measurement quality."""
    # Imported here, as in every command: scipy and the SEM engine take seconds to load.
    from semwb.measurement.cfa import measure_constructs
    from semwb.survey.instrument import load_instrument
    from semwb.survey.responses import read_responses
    from semwb.survey.scoring import score_constructs, scores_table
    from semwb.survey.tables import excel_safe

    if lang not in _WORDS:
        raise OptionError(f"--lang must be one of {', '.join(_WORDS)}; got '{lang}'.")
    inst = load_instrument(instrument)
    data = read_responses(responses, inst, sheet=sheet, mapping=mapping,
                          missing_codes=tuple(missing_code or ()))
    for warning in data.warnings:
        err_console.print(Text(f"semwb: warning: {warning}"), soft_wrap=True)
    rules = [r.strip() for r in exclude.split(",") if r.strip()]
    scores = score_constructs(data, inst, min_share=min_share, exclude=rules)
    chosen = [c.strip() for c in constructs.split(",") if c.strip()] or None
    quality = measure_constructs(scores.analysis_items, inst, constructs=chosen)
    table = scores_table(scores, data)
    flagged = table[table["any"]]
    atomic_write_text(out / "scores.csv", excel_safe(table).to_csv(index=False))
    atomic_write_text(out / "flagged.csv", excel_safe(flagged).to_csv(index=False))
    atomic_write_text(out / "measurement.json", json.dumps(
        quality.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    for line in scores.log:
        _say(line)
    _print_measurement(quality, inst, "zh" if lang == "zh" else "en")
    _say(f"{len(flagged)} flagged respondent(s)")
    for row in flagged.itertuples():
        _say(f"  {row.respondent} (row {row.row}): {row.reasons}")
    _say(f"wrote {out / 'scores.csv'}, {out / 'flagged.csv'}, {out / 'measurement.json'}")


@app.command("simulate")
def simulate(
    population: Annotated[Path, typer.Argument(help="Population model, lavaan syntax (.lav).")],
    instrument: Annotated[Path, typer.Argument(help="Instrument YAML whose items to simulate.")],
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same file).")],
    n: Annotated[int, typer.Option("--n", help="Number of respondents.")] = 320,
    missing: Annotated[float, typer.Option(help="Share of Likert answers left empty.")] = 0.01,
    careless: Annotated[float, typer.Option(help="Share of careless respondents.")] = 0.04,
    square: Annotated[list[str] | None, typer.Option(
        help="Numeric column to add its square <name>_sq for (repeatable).")] = None,
) -> None:
    """Draw raw Likert responses from a population model (for examples and tests)."""
    from semwb.survey.instrument import load_instrument
    from semwb.survey.simulate import simulate_responses

    inst = load_instrument(instrument)
    try:
        syntax = population.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise SpecError(f"{population}: no such population model file.") from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"{population}: not UTF-8 text (byte {exc.start}); save it as UTF-8."
                        ) from exc
    frame = simulate_responses(syntax, inst, n=n, rng=seed, missing=missing, careless=careless,
                               squares=tuple(square or ()))
    atomic_write_text(out, frame.convert_dtypes().to_csv(index=False))
    _say(f"wrote {out}: {len(frame)} respondents x {frame.shape[1]} columns (seed {seed})")
