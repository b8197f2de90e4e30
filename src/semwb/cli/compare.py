"""``semwb compare``: nested chi-square difference tests, AIC, BIC and BIC2 of several specs."""

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from semwb.cli.app import LangOption, app
from semwb.cli.modindices import DataOption, SheetOption, fit_spec_file
from semwb.cli.terminal import fmt, fmt_p, say, show_table


@app.command("compare", short_help="Compare models: chi-square difference tests, AIC, BIC.")
def compare(
    specs: Annotated[list[Path], typer.Argument(
        metavar="SPECS", help="Two or more .yaml specs or .lav files of the same data.")],
    data: DataOption = None,
    sheet: SheetOption = None,
    out: Annotated[Path, typer.Option(
        help="Folder for comparison.json, comparison.csv and comparison.html.")
    ] = Path("reports/compare"),
    lang: LangOption = "en",
) -> None:
    """Compare models of the same data: nested chi-square difference tests, AIC, BIC, BIC2."""
    import json

    from rich.table import Table

    from semwb.files import atomic_write_text
    from semwb.report.i18n import check_lang
    from semwb.report.reviewer import render_comparison
    from semwb.sem.compare import compare_models

    check_lang(lang)
    fits = [fit_spec_file(path, data, sheet) for path in specs]
    result = compare_models(fits, [path.stem for path in specs])
    table = result.table
    atomic_write_text(out / "comparison.csv", table.to_csv(index=False))
    atomic_write_text(out / "comparison.json",
                      json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(out / "comparison.html",
                      render_comparison(result.table, result.method, lang=lang))
    view = Table(title=f"Model comparison ({result.method or 'no nested pair'})",
                 title_justify="left")
    for column in ("model", "df", "chisq", "AIC", "BIC", "BIC2", "nested in", "Δχ²", "Δdf", "p"):
        view.add_column(column, justify="left" if column in ("model", "nested in") else "right")
    for r in table.itertuples():
        tested = isinstance(r.against, str)
        view.add_row(Text(str(r.model)), str(r.df), fmt(r.chisq, 2), fmt(r.aic, 1), fmt(r.bic, 1),
                     fmt(r.bic2, 1),
                     Text(str(r.against) if tested else
                          f"(equivalent to {r.equivalent_to})" if isinstance(r.equivalent_to, str)
                          else "—"),
                     fmt(r.chisq_diff, 2) if tested else "—",
                     str(int(r.df_diff)) if tested else "—",
                     fmt_p(r.pvalue_diff) if tested else "—")
    show_table(view, text=("model", "nested in"))
    say(f"wrote {out / 'comparison.csv'}, {out / 'comparison.json'}, {out / 'comparison.html'}")
