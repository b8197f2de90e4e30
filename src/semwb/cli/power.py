"""``semwb power``: Monte Carlo power of a model's paths and effects over a grid of sample sizes."""

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from semwb.cli.app import app, err_console
from semwb.cli.modindices import DataOption, SheetOption, fit_spec_file
from semwb.cli.terminal import fmt, say, show_table
from semwb.errors import OptionError


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise OptionError(f"--n must be comma-separated whole numbers, e.g. 100,200,300; got "
                          f"'{text}'.") from None
    if not sizes:
        raise OptionError("--n needs at least one sample size, e.g. 100,200,300.")
    return sizes


@app.command("power", short_help="Monte Carlo power per path and := effect for each N.")
def power(
    spec: Annotated[Path, typer.Argument(
        metavar="SPEC", help="The analysis model: a .yaml spec or .lav file.")],
    population: Annotated[Path | None, typer.Option(
        help="lavaan syntax with population values (standardized; unlisted variances fill to "
             "1). Default: the spec fitted to its data.")] = None,
    data: DataOption = None,
    sheet: SheetOption = None,
    n: Annotated[str, typer.Option("--n", help="Sample sizes, e.g. 100,200,300.")
    ] = "100,200,300,400",
    reps: Annotated[int, typer.Option(help="Replications per sample size.")] = 500,
    alpha: Annotated[float, typer.Option(help="Test level.")] = 0.05,
    seed: Annotated[int, typer.Option(help="Seed of the simulated samples.")] = 1,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (e.g. tcp://10.0.0.5:8786): one task per N on its "
             "workers; the numbers are the same as on this machine.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for power.csv, rates.csv and power.svg.")
    ] = Path("reports/power"),
) -> None:
    """Power per path and := effect (Monte Carlo CI) for each N, convergence and admissibility."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from semwb.files import atomic_write_text
    from semwb.report.power_chart import power_curve_svg
    from semwb.sem.power import check_analysis, population_covariance, simulate_power
    from semwb.sem.spec import load_spec

    sizes = _sizes(n)
    analysis = load_spec(spec)
    check_analysis(analysis)  # before fitting the spec for its population
    if population is not None:
        sigma = population_covariance(load_spec(population))
    else:
        import pandas as pd

        from semwb.sem.model.algebra import implied

        fitted = fit_spec_file(spec, data, sheet)
        sigma = pd.DataFrame(implied(fitted.model, fitted.model.estimate[None]).sigma[0],
                             index=list(fitted.observed), columns=list(fitted.observed))
    with Progress(TextColumn("power"), BarColumn(), MofNCompleteColumn(), console=err_console,
                  transient=True) as bar:
        task = bar.add_task("power", total=len(sizes))
        result = simulate_power(analysis, sigma, sizes, reps=reps, alpha=alpha, seed=seed,
                                scheduler=scheduler,
                                progress=lambda done, _: bar.update(task, completed=done))
    table = result.table
    atomic_write_text(out / "power.csv", table.to_csv(index=False))
    atomic_write_text(out / "rates.csv", result.rates.to_csv(index=False))
    wide = table.pivot(index="target", columns="n", values="power")
    atomic_write_text(out / "power.svg", str(power_curve_svg(
        sizes, {t: [float(wide.loc[t, s]) for s in sizes] for t in wide.index},
        title=f"Power (α = {alpha:g}, {reps} replications per N)")) + "\n")
    view = Table(title=f"Power (alpha {alpha:g}, {reps} replications per N)",
                 title_justify="left")
    view.add_column("target")
    view.add_column("population", justify="right")
    for size in sizes:
        view.add_column(f"N={size}", justify="right")
    population_of = table.drop_duplicates("target").set_index("target")["population"]
    for target in dict.fromkeys(table["target"]):
        view.add_row(Text(str(target)), fmt(population_of[target]),
                     *[fmt(wide.loc[target, s], 2) for s in sizes])
    show_table(view)
    rates = ", ".join(f"N={r.n}: {r.converged:.0%} converged, {r.admissible:.0%} admissible"
                      for r in result.rates.itertuples())
    say(rates)
    say(f"wrote {out / 'power.csv'}, {out / 'rates.csv'}, {out / 'power.svg'}")
