"""``semwb impute``: fit a model by multiple imputation and set it beside FIML."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from semwb.cli.app import app, console
from semwb.cli.progress_bar import progress_bar
from semwb.cli.terminal import fmt, fmt_p, say, show_table
from semwb.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd

    from semwb.sem.spec import ModelSpec
    from semwb.survey.instrument import Instrument


def model_data(spec: Path, data: Path | None, *, products: bool = True,
               ) -> "tuple[ModelSpec, pd.DataFrame, Instrument | None, Path]":
    """The spec, its data read and reverse-coded through its instrument, the instrument, the path.

    The reading path of ``semwb fit`` (``read_data``, ``prepare_data``, then the spec's data keys
    of :mod:`semwb.model_data`: aggregation, portfolio measures, composites, product terms), for
    the commands that fit a spec more than once. Product columns are then variables of their own
    when imputed ("just another variable", von Hippel, 2009) and are centered once on the whole
    data for prediction. ``products=False`` refuses a spec with product terms.
    """
    from semwb.cli.spec_data import read_spec_data
    from semwb.model_data import product_terms
    from semwb.sem.spec import load_spec

    model = load_spec(spec)
    terms = product_terms(model)
    if terms and not products:
        raise OptionError(f"{spec}: semwb impute does not impute models with product terms yet "
                          f"({', '.join(terms)}): the products would have to be formed after "
                          "each imputation. Fit the model with 'missing: fiml' instead.")
    built, instrument, data_path = read_spec_data(model, data)
    return built.spec, built.data, instrument, data_path


@app.command("impute", short_help="Multiple imputation (Rubin's rules, D2) beside FIML.")
def impute(
    spec: Annotated[Path, typer.Argument(
        metavar="SPEC", help="A .yaml model spec or a .lav lavaan syntax file.")],
    data: Annotated[Path | None, typer.Option(help="Data file (overrides the spec's).")] = None,
    m: Annotated[int, typer.Option("--m", min=2, help="Number of imputations.")] = 20,
    seed: Annotated[int, typer.Option(help="Imputation seed (recorded).")] = 1,
    auxiliary: Annotated[str, typer.Option(
        help="Comma-separated auxiliary columns that help predict missing answers.")] = "",
    round_values: Annotated[bool, typer.Option(
        "--round", help="Round imputed answers to whole scale points (biases; off by default).")
    ] = False,
    fiml: Annotated[bool, typer.Option(
        "--fiml/--no-fiml", help="Also fit by FIML and show the two side by side.")] = True,
    out: Annotated[Path | None, typer.Option(help="Output folder [reports/<model>-mi].")] = None,
) -> None:
    """Multiple imputation (m data sets, Rubin's rules, D2 chi-square) beside FIML."""
    import json

    from semwb.explore.beside import imputation_results
    from semwb.files import atomic_write_text
    from semwb.sem.spec_extras import ImputationOptions

    model, frame, instrument, data_path = model_data(spec, data, products=False)
    extra = [c.strip() for c in auxiliary.split(",") if c.strip()]
    with progress_bar("imputations and fits") as progress:
        result = {"model": model.name, **imputation_results(
            model, frame, ImputationOptions(m=m, seed=seed, auxiliary=extra, round=round_values),
            items=instrument.likert_items if instrument is not None else (),
            scale=(instrument.scale.min, instrument.scale.max) if instrument is not None
            else None, compare=fiml, data_name=data_path.name, progress=progress)}
    folder = out if out is not None else Path("reports") / f"{model.name}-mi"
    atomic_write_text(folder / "mi.json", json.dumps(result, ensure_ascii=False, indent=2,
                                                     allow_nan=False) + "\n")
    print_pooled(result, title=f"{model.name}: {m} imputations of {result['n_obs']} rows "
                              f"(seed {seed})")
    say(f"wrote {folder / 'mi.json'}")


def print_pooled(result: dict[str, Any], *, title: str) -> None:
    """Print the D2 test and the pooled table (beside FIML's when compared) of an MI result."""
    from rich.table import Table
    c = result["chisq"]
    say(title + (f"; D2 F({c['df1']:.0f}, {c['df2']:.1f}) = {c['F']:.3f}, p {fmt_p(c['pvalue'])} "
                 f"(chi2 {c['chisq']:.2f})" if c else ""))
    beside = "comparison" in result
    view = Table(title="Pooled estimates (Rubin's rules)" + (" beside FIML" if beside else ""),
                 title_justify="left")
    for column in ("parameter", "est", "se", "p", "FMI", *(("FIML est", "FIML se") if beside
                                                            else ())):
        view.add_column(column, justify="left" if column == "parameter" else "right")
    for row, other in zip(result["parameters"], result.get("comparison") or result["parameters"],
                          strict=True):
        cells = [fmt(row["est"]), fmt(row["se"]), fmt_p(row["pvalue"]), fmt(row["fmi"])]
        if beside:
            cells += [fmt(other["est_fiml"]), fmt(other["se_fiml"])]
        view.add_row(Text(f"{row['lhs']} {row['op']} {row['rhs']}"), *cells)
    show_table(view)
    for warning in result["warnings"]:
        console.print(Text(f"warning: {warning}", style="yellow"))
