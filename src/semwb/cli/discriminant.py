"""``semwb discriminant``: bootstrap intervals of HTMT, HTMT2 and the Fornell-Larcker comparison."""

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from semwb.cli.app import app, err_console
from semwb.cli.efa import ConstructsOption, ExcludeOption, InstrumentArg, ResponsesArg, survey_items
from semwb.cli.terminal import fmt, say, show_table


def _verdict(below_085: bool, below_090: bool) -> str:
    return "< .85" if below_085 else "< .90 only" if below_090 else "not below .90"


@app.command("discriminant", short_help="HTMT and HTMT2 with bootstrap intervals; Fornell-Larcker.")
def discriminant(
    instrument: InstrumentArg,
    responses: ResponsesArg,
    constructs: ConstructsOption = "",
    exclude: ExcludeOption = "",
    draws: Annotated[int, typer.Option(help="Bootstrap resamples (at least 100).")] = 2000,
    level: Annotated[float, typer.Option(help="Interval level.")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of the resamples.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for discriminant.csv.")
    ] = Path("reports/discriminant"),
) -> None:
    """HTMT and HTMT2 with bootstrap intervals (judged on the upper bound) and Fornell-Larcker."""
    from rich.progress import Progress, SpinnerColumn, TextColumn
    from rich.table import Table

    from semwb.files import atomic_write_text
    from semwb.measurement.cfa import cfa_syntax
    from semwb.measurement.htmt_ci import discriminant_validity
    from semwb.sem.estimate import fit_model
    from semwb.sem.spec import spec_from_syntax

    _, _, items, groups = survey_items(instrument, responses, constructs, exclude)
    data = items[[i for g in groups.values() for i in g]].dropna()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console,
                  transient=True) as bar:
        bar.add_task(f"CFA and {draws:,} bootstrap resamples")
        cfa = fit_model(spec_from_syntax(cfa_syntax(groups), name="measurement-cfa"), data,
                        data_name=responses.name)
        table = discriminant_validity(data, groups, fit=cfa, draws=draws, level=level,
                                      seed=seed)
    atomic_write_text(out / "discriminant.csv", table.to_csv(index=False))
    view = Table(title=f"Discriminant validity ({level:.0%} percentile bootstrap, "
                       f"{int(table['draws'].min()):,} resamples; verdict on the one-sided "
                       "upper bound)", title_justify="left")
    for column in ("pair", "HTMT", "CI", "verdict", "HTMT2", "CI ", "verdict ", "FL", "CI  "):
        view.add_column(column.strip(), justify="left" if column == "pair" else "right")
    for r in table.itertuples():
        view.add_row(Text(f"{r.a} – {r.b}"), fmt(r.htmt),
                     f"[{fmt(r.htmt_lower)}, {fmt(r.htmt_upper)}]",
                     _verdict(r.htmt_below_085, r.htmt_below_090), fmt(r.htmt2),
                     f"[{fmt(r.htmt2_lower)}, {fmt(r.htmt2_upper)}]",
                     _verdict(r.htmt2_below_085, r.htmt2_below_090), fmt(r.fl),
                     f"[{fmt(r.fl_lower)}, {fmt(r.fl_upper)}]")
    show_table(view, text=("pair",))
    say("FL = min(sqrt(AVE)) - |r|: the Fornell-Larcker criterion holds when its one-sided lower "
        "bound is above 0.")
    say(f"wrote {out / 'discriminant.csv'}")
