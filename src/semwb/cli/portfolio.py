"""``semwb portfolio``: alliance-portfolio measures per firm and window from a partner list."""

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from semwb.cli.app import app, console
from semwb.cli.terminal import fmt, say, show_table


@app.command("portfolio", short_help="Alliance-portfolio measures per firm and window.")
def portfolio(
    partners: Annotated[Path, typer.Argument(
        metavar="PARTNERS", help="Partner list, CSV or XLSX: one row per focal firm x partner.")],
    by: Annotated[str, typer.Option(
        help="Comma-separated categorical columns whose diversity is measured (default: "
             "partner_type, industry, country, those present).")] = "",
    window: Annotated[str, typer.Option(
        help="FIRST-LAST years, e.g. 2018-2020; several separated by commas (default: the "
             "whole list).")] = "",
    ties: Annotated[Path | None, typer.Option(
        help="Partner-partner ties (partner_a, partner_b[, firm_id]): adds density, effective "
             "size, efficiency and Burt's constraint.")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="Mapping file (column: field).")] = None,
    out: Annotated[Path, typer.Option(help="CSV of the measures.")] = Path("measures.csv"),
) -> None:
    """Alliance-portfolio measures per firm and window from a partner list (docs/portfolio.md)."""
    from rich.table import Table

    from semwb.files import atomic_write_text
    from semwb.portfolio.measures import describe_measures, portfolio_measures, windows_past_data
    from semwb.portfolio.reader import check_ties, read_partners, read_ties
    from semwb.survey.tables import excel_safe
    from semwb.year_windows import parse_windows

    windows = parse_windows(window)  # before reading: a bad option fails at once
    data = read_partners(partners, sheet=sheet, mapping=mapping)
    chosen = [b.strip() for b in by.split(",") if b.strip()] or [
        c for c in ("partner_type", "industry", "country") if c in data.attributes]
    tie_list = read_ties(ties) if ties is not None else None
    measures = portfolio_measures(data, by=chosen, windows=windows, ties=tie_list)
    atomic_write_text(out, excel_safe(measures).to_csv(index=False))
    table = Table(title=f"{data.source}: {measures['firm_id'].nunique()} firms", box=None)
    for column in ("window", "measure", "n", "mean", "sd", "min", "max"):
        table.add_column(column, justify="left" if column in ("window", "measure") else "right")
    for row in describe_measures(measures).itertuples():
        values = (row.mean, row.sd, row.min, row.max)
        table.add_row(str(row.window), Text(str(row.measure)), str(row.n),
                      *(fmt(None if math.isnan(v) else v) for v in values))
    show_table(table)
    notes = windows_past_data(data, windows)
    if tie_list is not None and ties is not None:
        notes += check_ties(data, tie_list, source=ties.name)
    for label, sizes in measures.groupby("window", sort=False)["n_partners"]:
        if (sizes == 0).any():
            notes.append(f"{(sizes == 0).sum()} firm(s) had no alliance active in window "
                         f"{label}: n_partners 0 and every other measure empty (not 0)")
    for note in notes:
        console.print(Text(f"warning: {note}", style="yellow"), soft_wrap=True)
    say(f"wrote {out}: {len(measures)} rows (firms x windows), {measures.shape[1] - 2} measures")
