"""The ``semwb`` command: a thin face over the library.

Each command parses its options, calls library functions, writes files and prints. It catches
:class:`~semwb.errors.SemwbError` only (one line, exit code 1); anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.text import Text

from semwb import __version__
from semwb.errors import SemwbError, SpecError
from semwb.files import atomic_write_text
from semwb.measurement import THRESHOLDS, MeasurementQuality, measure_constructs
from semwb.survey.instrument import load_instrument
from semwb.survey.responses import read_responses
from semwb.survey.scoring import FLAG_RULES, score_constructs
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


def main() -> None:
    """Entry point of the ``semwb`` console script."""
    try:
        app(standalone_mode=True)
    except SemwbError as exc:
        # The message may quote user text with brackets: never let rich read it as markup.
        err_console.print(Text("semwb: error: ", style="bold red") + Text(str(exc)), highlight=False)
        sys.exit(1)


def _print_measurement(quality: MeasurementQuality) -> None:
    """Reliability and validity table with pass/fail against the usual thresholds."""
    from rich.table import Table

    def mark(value: float | None, ok: bool) -> str:
        return "-" if value is None else f"{value:.3f} {'ok' if ok else 'LOW'}"

    table = Table(title=f"Measurement quality (n = {quality.n_obs} complete respondents)")
    for column in ("construct", "items", "alpha >= .70", "95% CI", "omega", "CR >= .70",
                   "AVE >= .50"):
        table.add_column(column)
    for cid, c in quality.constructs.items():
        table.add_row(cid, str(len(c["items"])), mark(c["alpha"], c["alpha"] >= THRESHOLDS["alpha"]),
                      f"[{c['alpha_ci'][0]:.3f}, {c['alpha_ci'][1]:.3f}]",
                      "-" if c["omega"] is None else f"{c['omega']:.3f}",
                      mark(c["cr"], c["cr"] is not None and c["cr"] >= THRESHOLDS["cr"]),
                      mark(c["ave"], c["ave"] is not None and c["ave"] >= THRESHOLDS["ave"]))
    console.print(table)
    worst = [(a, b, v) for a, row in quality.htmt.items() for b, v in row.items()
             if v >= THRESHOLDS["htmt"]]
    for a, b, v in worst:
        limit = "above .90" if v >= THRESHOLDS["htmt_liberal"] else "between .85 and .90"
        console.print(Text(f"HTMT {a}-{b} = {v:.3f} ({limit}): discriminant validity in doubt"))
    if quality.htmt and not worst:
        top = max(v for row in quality.htmt.values() for v in row.values())
        console.print(Text(f"HTMT: all pairs below .85 (largest {top:.3f})"))
    share = quality.harman["first_factor_share"]
    console.print(Text(f"Harman's single factor: {share:.1%} of variance "
                       f"({'below' if share < THRESHOLDS['harman'] else 'ABOVE'} 50 %); "
                       f"KMO {quality.kmo:.3f}; Bartlett chi2({quality.bartlett['df']:.0f}) = "
                       f"{quality.bartlett['chisq']:.1f}"))


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
    inst = load_instrument(instrument)
    data = read_responses(responses, inst, sheet=sheet, mapping=mapping,
                          missing_codes=tuple(missing_code))
    for warning in data.warnings:
        err_console.print(Text(f"semwb: warning: {warning}"))
    rules = [r.strip() for r in exclude.split(",") if r.strip()]
    scores = score_constructs(data, inst, min_share=min_share, exclude=rules)
    quality = measure_constructs(scores.analysis_items, inst)
    respondent = (data.data[data.id_column] if data.id_column is not None
                  else pd.Series(data.data.index, index=data.data.index))
    table = pd.concat([respondent.rename("respondent"), scores.composites, scores.flags], axis=1)
    table["excluded"] = table.index.isin(scores.exclusions.index)
    table.index.name = "row"
    flagged = table[table["any"]]
    atomic_write_text(out / "scores.csv", excel_safe(table.reset_index()).to_csv(index=False))
    atomic_write_text(out / "flagged.csv", excel_safe(flagged.reset_index()).to_csv(index=False))
    atomic_write_text(out / "measurement.json", json.dumps(
        quality.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    for line in scores.log:
        console.print(Text(line))
    _print_measurement(quality)
    console.print(Text(f"{len(flagged)} flagged respondent(s)" + (": " if len(flagged) else "")
                       + ", ".join(f"{r} (row {i}: {_reasons(row)})"
                                   for i, r, row in zip(flagged.index, flagged["respondent"],
                                                        flagged.to_dict("records"), strict=True))))
    console.print(Text(f"wrote {out / 'scores.csv'}, {out / 'flagged.csv'}, "
                       f"{out / 'measurement.json'}"))


def _reasons(row: dict[str, object]) -> str:
    return ", ".join(rule for rule in FLAG_RULES if row[rule])


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
    console.print(Text(f"wrote {out}: {len(frame)} respondents x {frame.shape[1]} columns "
                       f"(seed {seed})"))
