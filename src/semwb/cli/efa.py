"""``semwb efa``: exploratory factor analysis of an instrument's items."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from semwb.cli.app import app, err_console
from semwb.cli.progress_bar import progress_bar
from semwb.cli.terminal import fmt, fmt_p, say, show_table

if TYPE_CHECKING:
    import pandas as pd

    from semwb.explore.efa import EFAResult
    from semwb.survey.instrument import Instrument
    from semwb.survey.responses import Responses

InstrumentArg = Annotated[Path, typer.Argument(
    metavar="INSTRUMENT", help="Instrument YAML (surveys/<name>.yaml).")]
ResponsesArg = Annotated[Path, typer.Argument(
    metavar="RESPONSES", help="Responses: CSV, XLSX, SAV, DTA, Qualtrics or Wenjuanxing export.")]
ConstructsOption = Annotated[str, typer.Option(
    help="Comma-separated constructs whose items to analyse (default: all in the data).")]
ExcludeOption = Annotated[str, typer.Option(
    help="Comma-separated flag rules that exclude respondents first: "
         "attention, long_string, too_fast, mahalanobis, mahalanobis_mcd.")]


def survey_items(instrument: Path, responses: Path, constructs: str, exclude: str
                 ) -> "tuple[Instrument, Responses, pd.DataFrame, dict[str, list[str]]]":
    """Read, reverse-code and apply the exclusion rules; the chosen constructs' items.

    Returns
    -------
    tuple
        The instrument, the responses as read, the kept respondents' reverse-coded items, and
        ``{construct: item ids}``.
    """
    from semwb.measurement.assessment import construct_groups
    from semwb.survey.instrument import load_instrument
    from semwb.survey.responses import read_responses
    from semwb.survey.scoring import score_constructs

    inst = load_instrument(instrument)
    data = read_responses(responses, inst)
    for warning in data.warnings:
        err_console.print(Text(f"semwb: warning: {warning}"), soft_wrap=True)
    rules = [r.strip() for r in exclude.split(",") if r.strip()]
    scores = score_constructs(data, inst, exclude=rules)
    for line in scores.log[1:]:
        say(line)
    chosen = [c.strip() for c in constructs.split(",") if c.strip()] or None
    groups = construct_groups(scores.analysis_items, inst, chosen)
    return inst, data, scores.analysis_items, groups


def _print_efa(result: "EFAResult", groups: dict[str, list[str]]) -> None:
    """KMO and Bartlett, how many factors, the loadings with flags, factor correlations."""
    from rich.table import Table
    pa, s = result.parallel, result.solution
    b = result.bartlett
    say(f"n = {result.n_obs}, {len(result.correlations)} items; KMO {result.kmo:.3f}; Bartlett "
        f"chi2({b['df']:.0f}) = {b['chisq']:.1f}, p {fmt_p(b['pvalue'])}")
    say(f"Number of factors: parallel analysis {pa.n_factors} (components {pa.n_components}; "
        f"{pa.draws} draws, {pa.quantile:.0%} quantile), MAP {result.map['n_factors']}, "
        f"eigenvalues > 1: {pa.kaiser}")
    say(f"{s.method} extraction, {s.rotation} rotation, {s.n_factors} factor(s): "
        f"chi2({s.fit['df']:.0f}) = {s.fit['chisq']:.1f}, p {fmt_p(s.fit['pvalue'])}, "
        f"RMSEA {fmt(s.fit['rmsea'])}")
    owner = {item: cid for cid, items in groups.items() for item in items}
    table = Table(title="Pattern loadings (|loading| >= .32 in bold)", title_justify="left")
    for column in ("item", "construct", *s.loadings.columns, "h2", "flags"):
        table.add_column(column, justify="left" if column in ("item", "construct", "flags")
                         else "right")
    for item, row in s.loadings.iterrows():
        info = s.items.loc[item]
        flags = [name for name in ("cross_loading", "weak_loading", "low_communality")
                 if bool(info[name])]
        cells = [Text(f"{v:.2f}", style="bold" if abs(v) >= 0.32 else "") for v in row]
        table.add_row(Text(str(item)), Text(owner.get(str(item), "")), *cells,
                      f"{info['h2']:.2f}", Text(", ".join(flags)))
    show_table(table)
    if s.n_factors > 1 and s.rotation in ("promax", "oblimin"):
        phi = s.phi.round(2).to_string()
        say("Factor correlations:\n" + phi)


@app.command("efa", short_help="Exploratory factor analysis: factors, loadings, KMO.")
def efa(
    instrument: InstrumentArg,
    responses: ResponsesArg,
    constructs: ConstructsOption = "",
    factors: Annotated[int | None, typer.Option(
        min=1, help="Number of factors (default: what parallel analysis suggests).")] = None,
    method: Annotated[str, typer.Option(help="Extraction: minres or ml.")] = "minres",
    rotation: Annotated[str, typer.Option(
        help="Rotation: oblimin, promax, varimax or none.")] = "oblimin",
    draws: Annotated[int, typer.Option(min=1, help="Parallel analysis' random data sets.")
    ] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the parallel analysis (recorded).")] = 1,
    exclude: ExcludeOption = "",
    out: Annotated[Path, typer.Option(help="Folder for efa.json and loadings.csv.")
    ] = Path("reports/efa"),
) -> None:
    """Exploratory factor analysis: how many factors, loadings, cross-loadings, KMO."""
    import json

    from semwb.explore.efa import run_efa
    from semwb.files import atomic_write_text

    _, _, items, groups = survey_items(instrument, responses, constructs, exclude)
    columns = [item for ids in groups.values() for item in ids]
    with progress_bar("parallel analysis") as progress:
        result = run_efa(items[columns], factors, method=method, rotation=rotation, draws=draws,
                         rng=seed, progress=progress)
    s = result.solution
    loadings = s.loadings.join(s.items[["h2", "cross_loading", "weak_loading",
                                        "low_communality"]])
    atomic_write_text(out / "efa.json", json.dumps(result.to_dict(), ensure_ascii=False,
                                                   indent=2, allow_nan=False) + "\n")
    atomic_write_text(out / "loadings.csv", loadings.to_csv(index_label="item"))
    _print_efa(result, groups)
    say(f"wrote {out / 'efa.json'}, {out / 'loadings.csv'}")
