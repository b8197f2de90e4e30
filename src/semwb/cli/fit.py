"""``semwb fit``: fit one model spec, write its results.json and report."""

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from semwb.cli.app import LangOption, app, console, err_console, library_imports
from semwb.cli.beside import beside_options, print_beside
from semwb.cli.terminal import print_summary
from semwb.errors import OptionError, SemwbWarning, SpecError

if TYPE_CHECKING:
    from semwb.progress import Progress as Callback
    from semwb.sem.spec import BootstrapOptions, ModelSpec


def _bootstrap_options(spec: "ModelSpec", draws: int | None, ci: str | None,
                       seed: int | None) -> "BootstrapOptions | None":
    """The spec's ``bootstrap:`` block with ``--bootstrap/--ci/--seed`` laid over it.

    Checked before the fit, not after it: values by the bootstrap's own rules
    (``OptionError`` naming the option).
    """
    if draws is None and spec.bootstrap is None:
        if ci is not None or seed is not None:
            raise OptionError("--ci and --seed need --bootstrap N (e.g. --bootstrap 5000) or a "
                              "'bootstrap:' block in the spec.")
        return None
    from semwb.sem.bootstrap import check_options  # draws only: its worker-pool machinery
    from semwb.sem.spec import BootstrapOptions

    values = spec.bootstrap.model_dump() if spec.bootstrap is not None else {}
    values.update({k: v for k, v in (("draws", draws), ("ci", ci), ("seed", seed))
                   if v is not None})
    check_options(values.get("draws", 5000), values.get("ci", "percentile"),
                  values.get("level", 0.95))  # the bootstrap's own messages, naming the option
    return BootstrapOptions.model_validate(values)


@contextmanager
def _progress_bars(boot_options: "BootstrapOptions | None", beside: str
                   ) -> "Iterator[tuple[Callback | None, Callback | None]]":
    """The stderr bars of the bootstrap draws and of the ``beside`` steps (imputation,
    prediction), as ``progress(done, total)`` callbacks; none (and rich's progress display
    not imported) for a fit with neither."""
    if boot_options is None and not beside:
        yield None, None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task("bootstrap", visible=boot_options is not None,
                            total=boot_options.draws if boot_options is not None else 0)
        steps = bar.add_task(beside, visible=bool(beside), total=None)
        yield (lambda done, total: bar.update(task, completed=done, total=total),
               lambda done, total: bar.update(steps, completed=done, total=total))


def _fit_one(spec_path: Path, data: Path | None, out: Path | None, *, lang: str = "en",
             draws: int | None = None, ci: str | None = None, seed: int | None = None,
             no_bootstrap: bool = False, instrument_path: Path | None = None,
             sheet: str | None = None, **options: Any) -> Path:
    """Fit one spec, write ``results.json`` and its report; return the folder."""
    with library_imports():
        from semwb.pipeline import read_data, run_analysis, write_results
        from semwb.report.writer import refresh_other_languages, write_report
        from semwb.sem.spec import load_spec
        from semwb.survey.instrument import load_instrument
        from semwb.survey.instrument_lookup import spec_instrument

    spec = load_spec(spec_path, **options)
    if no_bootstrap:
        if draws is not None:
            raise OptionError("--bootstrap and --no-bootstrap contradict each other; give one.")
        spec = spec.model_copy(update={"bootstrap": None})
    data_path = data if data is not None else spec.data
    if data_path is None:
        raise SpecError(f"{spec_path}: no data; add 'data: FILE' to the spec or pass --data FILE.")
    boot_options = _bootstrap_options(spec, draws, ci, seed)
    instrument = (load_instrument(instrument_path) if instrument_path is not None
                  else spec_instrument(spec))
    beside = " and ".join(name for name, block in (("imputation", spec.imputation),
                                                   ("prediction", spec.prediction)) if block)
    with _progress_bars(boot_options, beside) as bars, warnings.catch_warnings():
        # The fit's warnings are in results.warnings, printed once below as 'warning:' lines;
        # Python's own display would add a second copy with a line of semwb's source.
        warnings.simplefilter("ignore", SemwbWarning)
        results = run_analysis(
            spec, read_data(data_path, instrument=instrument, sheet=sheet), data_path=data_path,
            instrument=instrument,
            command=" ".join(["semwb", *sys.argv[1:]]), bootstrap=boot_options,
            progress=bars[0], beside_progress=bars[1])
    folder = out if out is not None else Path("reports") / spec_path.stem  # as batch and demo
    path = write_results(results, folder)
    report = write_report(folder, lang=lang, instrument=instrument)
    refreshed = refresh_other_languages(folder, lang=lang, instrument=instrument)
    print_summary(results, path)
    print_beside(results)
    for written in [report, *refreshed]:
        console.print(Text(f"wrote {written}", style="dim"))
    return folder


@app.command(short_help="Fit a model spec: OUT/results.json and OUT/report.html.")
def fit(
    spec: Annotated[Path, typer.Argument(
        metavar="SPEC", help="A .yaml model spec or a .lav lavaan syntax file.")],
    data: Annotated[Path | None, typer.Option(help="Data file (overrides the spec's).")] = None,
    sheet: Annotated[str | None, typer.Option(
        help="Sheet of an Excel data file (default: the first).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Output folder (default: reports/<spec file name>, as batch and demo name it).")
    ] = None,
    missing: Annotated[str | None, typer.Option(
        help="listwise or fiml, any case (default: the spec's 'missing', else listwise).")
    ] = None,
    estimator: Annotated[str | None, typer.Option(
        help="ML, MLR (robust SEs, Yuan-Bentler scaled test) or MLM (Satorra-Bentler), any "
             "case (default: the spec's 'estimator', else ML).")] = None,
    ordered: Annotated[str | None, typer.Option(
        metavar="ITEMS", help="Ordinal items, fitted by WLSMV: 'all' or names separated by "
                              "commas (default: the spec's 'ordered').")] = None,
    bootstrap: Annotated[int | None, typer.Option(
        "--bootstrap", metavar="N",
        help="Bootstrap draws (e.g. 5000): SEs and CIs of every parameter, := effect and std_all "
             "(default: the spec's 'bootstrap:' block, else none: Wald intervals).",
    )] = None,
    ci: Annotated[str | None, typer.Option(
        metavar="TYPE", help="Bootstrap interval: percentile (default) | bc | bca | montecarlo.",
    )] = None,
    seed: Annotated[int | None, typer.Option(
        help="Bootstrap seed, recorded in results.json (default: the spec's).")] = None,
    no_bootstrap: Annotated[bool, typer.Option(
        "--no-bootstrap", help="Skip the spec's bootstrap block (Wald SEs and intervals)."
    )] = False,
    instrument: Annotated[Path | None, typer.Option(
        help="Instrument YAML (replaces the spec's 'instrument'): reverse-codes its items, "
             "names constructs, adds reliability and validity.")] = None,
    engine: Annotated[str | None, typer.Option(
        help="semwb (default: semwb's own model core) or semopy (the second, independent "
             "engine, to cross-check: complete data, no mean structure).")] = None,
    modindices: Annotated[bool, typer.Option(
        "--modindices", help="Also print the modification indices above 3.84 and write "
        "OUT/modindices.csv and OUT/modindices.html (complete-data ML).")] = False,
    group: Annotated[str | None, typer.Option(
        help="Column holding each respondent's group: a multiple-group model (replaces the "
             "spec's 'group:').")] = None,
    imputations: Annotated[int | None, typer.Option(
        metavar="M", min=2, max=1000,
        help="Multiple imputation beside the fit: M imputed data sets, pooled by Rubin's rules "
             "and set beside FIML in the report (default: the spec's 'imputation:').")] = None,
    predict: Annotated[bool, typer.Option(
        "--predict", help="Out-of-sample prediction: k-fold cross-validated Q²_predict, RMSE "
        "and MAE against a linear benchmark (default: the spec's 'prediction:').")] = False,
    folds: Annotated[int | None, typer.Option(
        metavar="K", min=2, max=100, help="k of --predict's k-fold split (default 10).")] = None,
    lang: LangOption = "en",
) -> None:
    """Fit one model spec and write OUT/results.json and OUT/report.html."""
    from semwb.report.i18n import check_lang

    check_lang(lang)  # before the fit, not after
    if missing is not None:
        missing = missing.strip().lower()
        if missing not in ("listwise", "fiml"):
            raise OptionError(f"--missing must be listwise or fiml; got '{missing}'.")
    if engine is not None and engine.strip().lower() not in ("semwb", "semopy"):
        raise OptionError(f"--engine must be semwb or semopy; got '{engine}'.")
    options: dict[str, str | list[str] | None] = {
        "missing": missing, "engine": engine and engine.strip().lower(),
        "estimator": estimator and estimator.strip().upper(), "group": group}
    if ordered is not None:
        items = [v.strip() for v in ordered.split(",") if v.strip()]
        options["ordered"] = "all" if items == ["all"] else items
    given: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
    given.update(beside_options(spec, imputations=imputations, predict=predict, folds=folds,
                                **given))
    folder = _fit_one(spec, data, out, lang=lang, draws=bootstrap, ci=ci, seed=seed,
                      no_bootstrap=no_bootstrap, instrument_path=instrument, sheet=sheet,
                      **given)
    if modindices:
        from semwb.cli.modindices import fit_spec_file, write_modindices

        write_modindices(fit_spec_file(spec, data, sheet, instrument_path=instrument, **given),
                         folder, lang=lang)
