"""``semwb aggregate``: within-firm agreement and one row per firm."""

from pathlib import Path
from typing import Annotated

import typer

from semwb.cli.app import app
from semwb.cli.efa import ConstructsOption, ExcludeOption, InstrumentArg, ResponsesArg, survey_items
from semwb.cli.terminal import fmt, fmt_p, say, show_table
from semwb.errors import OptionError


def _null(value: str) -> str | float:
    try:
        return float(value)
    except ValueError:
        return value


@app.command("aggregate", short_help="ICC(1), ICC(2) and rwg(j) per construct; firm means.")
def aggregate(
    instrument: InstrumentArg,
    responses: ResponsesArg,
    unit: Annotated[str, typer.Option(help="Column naming each respondent's firm (or team).")],
    constructs: ConstructsOption = "",
    null: Annotated[str, typer.Option(
        help="rwg(j) null distribution: uniform, slight_skew (5-point scales) or a variance.")
    ] = "uniform",
    firm_level: Annotated[str, typer.Option(
        help="Comma-separated firm-level columns carried over (must agree within a firm), "
             "e.g. age,size,own,ind.")] = "",
    exclude: ExcludeOption = "",
    out: Annotated[Path, typer.Option(help="Folder for agreement.csv and firms.csv.")
    ] = Path("reports/aggregate"),
) -> None:
    """ICC(1), ICC(2) and rwg(j) per construct; firms.csv with one row per firm."""
    from rich.table import Table

    from semwb.explore.aggregation import AGGREGATION_THRESHOLDS, agreement
    from semwb.explore.aggregation import aggregate as aggregate_firms
    from semwb.files import atomic_write_text
    from semwb.survey.responses import read_table_frame
    from semwb.survey.tables import excel_safe

    inst, data, items, groups = survey_items(instrument, responses, constructs, exclude)
    raw = read_table_frame(responses)
    if unit not in raw.columns:
        raise OptionError(f"{responses.name}: no column '{unit}' for --unit; the columns are "
                          f"{', '.join(map(str, raw.columns))}.")
    extra = [c.strip() for c in firm_level.split(",") if c.strip()]
    frame = items.join(raw.loc[items.index, [unit, *extra]])
    points = int(inst.scale.max - inst.scale.min + 1)
    table = agreement(frame, unit, groups, points=points, null=_null(null))
    item_ids = [i for ids in groups.values() for i in ids]
    # firms.csv keeps the file's coding (not reverse-coded), so that fitting it with the same
    # instrument reverse-codes once
    raw_items = data.data.loc[items.index, item_ids].join(raw.loc[items.index, [unit, *extra]])
    firms = aggregate_firms(raw_items, unit, item_ids, firm_level=extra)
    atomic_write_text(out / "agreement.csv", table.to_csv(index_label="construct"))
    atomic_write_text(out / "firms.csv", excel_safe(firms).to_csv(index=False))
    view = Table(title=f"Agreement within {unit} ({len(firms)} units, {len(items)} respondents)",
                 title_justify="left")
    for column in ("construct", "ICC(1)", "F", "p", "ICC(2)", "rwg(j) mean", "median",
                   "share >= .70", "units"):
        view.add_column(column, justify="left" if column == "construct" else "right")
    for cid, row in table.iterrows():
        view.add_row(str(cid), fmt(row["icc1"]), fmt(row["f"], 2), fmt_p(row["pvalue"]),
                     fmt(row["icc2"]), fmt(row["rwg_mean"]), fmt(row["rwg_median"]),
                     f"{row['rwg_share']:.0%}", str(int(row["firms"])))
    show_table(view)
    t = AGGREGATION_THRESHOLDS
    say(f"Thresholds: rwg(j) >= {t['rwg']:.2f}, ICC(1) >= {t['icc1']:.2f} with a significant F, "
        f"ICC(2) >= {t['icc2']:.2f}; null variance {table['null_variance'].iloc[0]:.2f}")
    say(f"wrote {out / 'agreement.csv'}, {out / 'firms.csv'}")
