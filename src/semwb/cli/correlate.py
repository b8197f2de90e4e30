"""``semwb correlate``: means, SDs and correlations of construct scores and controls (Table 1)."""

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from semwb.cli.app import app
from semwb.cli.efa import ConstructsOption, ExcludeOption, InstrumentArg, ResponsesArg, survey_items
from semwb.cli.terminal import say, show_table
from semwb.errors import OptionError


@app.command("correlate", short_help="Construct means, SDs and correlations (partial too).")
def correlate(
    instrument: InstrumentArg,
    responses: ResponsesArg,
    constructs: ConstructsOption = "",
    variables: Annotated[str, typer.Option(
        help="Comma-separated further columns to correlate (e.g. numeric controls).")] = "",
    partial: Annotated[str, typer.Option(
        help="Comma-separated controls to partial out, e.g. age,size,own,ind; the instrument's "
             "categorical controls are dummy coded.")] = "",
    method: Annotated[str, typer.Option(help="pearson or spearman.")] = "pearson",
    exclude: ExcludeOption = "",
    out: Annotated[Path, typer.Option(help="Folder for correlations.csv and pairs.csv.")
    ] = Path("reports/correlations"),
) -> None:
    """Construct means, SDs and correlations with stars; partial correlations with --partial."""
    from rich.table import Table

    from semwb.explore.correlations import correlation_table
    from semwb.files import atomic_write_text
    from semwb.survey.scoring import compute_composites

    inst, data, items, groups = survey_items(instrument, responses, constructs, exclude)
    scores = compute_composites(items, inst)[list(groups)]
    extra = [c.strip() for c in variables.split(",") if c.strip()]
    controls = [c.strip() for c in partial.split(",") if c.strip()]
    absent = [c for c in [*extra, *controls] if c not in data.data.columns]
    if absent:
        raise OptionError(f"{responses.name}: no column(s) {', '.join(absent)}; the instrument's "
                          f"controls are {', '.join(c.id for c in inst.controls) or '(none)'}.")
    categorical = [c.id for c in inst.controls if c.type == "categorical" and c.id in controls]
    frame = scores.join(data.data.loc[items.index, list(dict.fromkeys([*extra, *controls]))])
    result = correlation_table(frame, [*groups, *extra], method=method, controls=controls,
                               categorical=categorical)
    table = result.descriptives[["mean", "sd"]].round(3).join(result.matrix)
    atomic_write_text(out / "correlations.csv", table.to_csv(index_label="variable"))
    atomic_write_text(out / "pairs.csv", result.pairs.to_csv(index=False))
    title = ("Partial correlations controlling for " + ", ".join(controls) if controls
             else "Correlations") + f" ({method}); * p < .05, ** p < .01, *** p < .001"
    view = Table(title=title, title_justify="left")
    for column in ("variable", "mean", "sd", *[str(i + 1) for i in range(len(result.matrix))]):
        view.add_column(column, justify="left" if column == "variable" else "right")
    for number, (name, row) in enumerate(table.iterrows(), start=1):
        view.add_row(Text(f"{number}. {name}"), f"{row['mean']:.2f}", f"{row['sd']:.2f}",
                     *[Text(str(row[c])) for c in result.matrix.columns])
    show_table(view)
    say(f"wrote {out / 'correlations.csv'}, {out / 'pairs.csv'}")
