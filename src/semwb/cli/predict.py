"""``semwb predict``: cross-validated out-of-sample prediction of a model's endogenous items."""

from pathlib import Path
from typing import Annotated

import typer

from semwb.cli.app import app
from semwb.cli.impute import model_data
from semwb.cli.progress_bar import progress_bar
from semwb.cli.terminal import fmt, fmt_p, say, show_table


@app.command("predict", short_help="PLSpredict-style Q²_predict, RMSE and MAE.")
def predict(
    spec: Annotated[Path, typer.Argument(
        metavar="SPEC", help="A .yaml model spec or a .lav lavaan syntax file.")],
    data: Annotated[Path | None, typer.Option(help="Data file (overrides the spec's).")] = None,
    folds: Annotated[int, typer.Option(min=2, help="k of the k-fold split.")] = 10,
    repeats: Annotated[int, typer.Option(min=1, help="Repetitions with new random splits.")
    ] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the splits (recorded).")] = 1,
    compare: Annotated[Path | None, typer.Option(
        help="A second spec: CVPAT-style test of which predicts the shared endogenous items "
             "better.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Output folder [reports/<model>-predict].")] = None,
) -> None:
    """PLSpredict-style Q²_predict, RMSE and MAE against a linear-regression benchmark."""
    import json

    from rich.table import Table

    from semwb.explore.beside import predictive_power
    from semwb.explore.prediction import compare_predictions, predict_cv
    from semwb.files import atomic_write_text
    from semwb.sem.spec import load_spec

    model, frame, _, _ = model_data(spec, data)
    with progress_bar("cross-validation") as progress:
        result = predict_cv(model, frame, folds=folds, repeats=repeats, rng=seed,
                            progress=progress)
    written = {"model": model.name, **result.to_dict()}
    if compare is not None:
        other = load_spec(compare)
        with progress_bar("CVPAT") as progress:
            test = compare_predictions(model, other, frame, folds=folds, repeats=repeats,
                                       rng=seed, progress=progress)
        written["cvpat"] = {"second": other.name, **test}
    folder = out if out is not None else Path("reports") / f"{model.name}-predict"
    atomic_write_text(folder / "prediction.json", json.dumps(
        written, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    view = Table(title=f"{model.name}: {folds}-fold cross-validation x {repeats} (seed {seed}), "
                 f"n = {result.n_obs}; predictors {', '.join(result.exogenous)}",
                 title_justify="left")
    for column in ("indicator", "Q²_predict", "RMSE", "MAE", "LM RMSE", "LM MAE", "model < LM"):
        view.add_column(column, justify="left" if column == "indicator" else "right")
    for item, row in result.table.iterrows():
        view.add_row(str(item), fmt(row["q2_predict"]), fmt(row["rmse"]), fmt(row["mae"]),
                     fmt(row["lm_rmse"]), fmt(row["lm_mae"]),
                     "yes" if row["model_better"] else "no")
    show_table(view)
    better = int(result.table["model_better"].sum())
    say(f"The model predicts {better} of {len(result.table)} indicators with a lower RMSE than "
        f"the linear benchmark: {predictive_power(better, len(result.table))} predictive power "
        "(Shmueli et al., 2019: all = high, majority or half = medium, minority = low, none = "
        "none beyond the benchmark).")
    if "cvpat" in written:
        c = written["cvpat"]
        say(f"CVPAT, {model.name} against {c['second']} on {', '.join(c['indicators'])}: average "
            f"loss {c['loss_first']:.4f} vs {c['loss_second']:.4f}, difference "
            f"{c['difference']:.4f}, t({c['df']}) = {c['t']:.2f}, p {fmt_p(c['pvalue'])} "
            "(positive: the first predicts better)")
    say(f"wrote {folder / 'prediction.json'}")
