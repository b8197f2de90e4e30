"""``semwb reliability``: CR and AVE of every factor of a spec, second-order factors included."""

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from semwb.cli.app import app, console
from semwb.cli.modindices import DataOption, SheetOption, fit_spec_file
from semwb.cli.terminal import fmt, say, show_table


@app.command("reliability", short_help="Composite reliability (omega) and AVE of every factor.")
def reliability(
    spec: Annotated[Path, typer.Argument(
        metavar="SPEC", help="A .yaml model spec or a .lav lavaan syntax file.")],
    data: DataOption = None,
    sheet: SheetOption = None,
    out: Annotated[Path | None, typer.Option(help="Write the table to this CSV file.")] = None,
) -> None:
    """Composite reliability (omega) and AVE of every factor, as semTools compRelSEM and AVE."""
    from rich.table import Table

    from semwb.files import atomic_write_text
    from semwb.measurement.higher_order import factor_reliability
    from semwb.sem.loading_checks import negative_loadings

    fit = fit_spec_file(spec, data, sheet)
    table = factor_reliability(fit)
    view = Table(title="Composite reliability and AVE (semTools compRelSEM, AVE)",
                 title_justify="left")
    for column in ("factor", "order", "CR", "AVE", "items"):
        view.add_column(column, justify="right" if column in ("CR", "AVE") else "left")
    for r in table.itertuples():
        view.add_row(Text(str(r.construct)), str(r.order), fmt(r.cr), fmt(r.ave), Text(r.items))
    show_table(view)
    if (table["order"] == 2).any():
        say("Second order: CR is the share of the composite of all its items due to the "
            "second-order factor; AVE the mean squared standardized second-order loading.")
    for message in negative_loadings(fit.parameters):
        console.print(Text(f"warning: {message}", style="yellow"), soft_wrap=True)
    if out is not None:
        atomic_write_text(out, table.to_csv(index=False))
        say(f"wrote {out}")
