"""``semwb modindices``: lavaan's modification indices of one fitted spec, largest first."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from semwb.cli.app import LangOption, app
from semwb.cli.terminal import fmt, fmt_p, say, show_table
from semwb.errors import OptionError

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult

DataOption = Annotated[Path | None, typer.Option(help="Data file (overrides the spec's).")]
SheetOption = Annotated[str | None, typer.Option(
    help="Sheet of an Excel data file (default: the first).")]
OPS = ("=~", "~~", "~", "~1")


def fit_spec_file(spec_path: Path, data: Path | None, sheet: str | None, *,
                  instrument_path: Path | None = None,
                  **options: str | list[str]) -> "FitResult":
    """Fit a spec file to its data (or ``data``) as ``semwb fit`` does: reverse-coded through its
    instrument, then the spec's data keys (aggregation, portfolio measures, composites, product
    terms) of :func:`semwb.model_data.model_data`.

    ``instrument_path`` replaces the spec's instrument and ``options`` override the spec's keys,
    as ``semwb fit --instrument`` and ``--missing`` do.
    """
    from semwb.cli.spec_data import read_spec_data
    from semwb.sem.estimate import fit_model
    from semwb.sem.spec import load_spec

    built, _, data_path = read_spec_data(load_spec(spec_path, **options), data,
                                         instrument_path=instrument_path, sheet=sheet)
    return fit_model(built.spec, built.data, data_name=data_path.name)


@app.command("modindices", short_help="Modification indices and EPCs (lavaan's modindices()).")
def modindices(
    spec: Annotated[Path, typer.Argument(
        metavar="SPEC", help="A .yaml model spec or a .lav lavaan syntax file.")],
    data: DataOption = None,
    sheet: SheetOption = None,
    minimum: Annotated[float, typer.Option(
        "--min", help="Show indices above this value (3.84: p < .05 on 1 df).")] = 3.84,
    top: Annotated[int, typer.Option(help="Show at most this many rows (0: all).")] = 20,
    op: Annotated[str, typer.Option(
        help="Comma-separated operators to keep, e.g. '=~,~~' (default: all).")] = "",
    out: Annotated[Path | None, typer.Option(
        help="Folder for modindices.csv (every index, sorted) and modindices.html (the rows "
             "shown).")] = None,
    lang: LangOption = "en",
) -> None:
    """Modification indices and expected parameter changes (lavaan's modindices()), sorted."""
    from semwb.report.i18n import check_lang

    check_lang(lang)
    ops = [o.strip() for o in op.split(",") if o.strip()]
    unknown = [o for o in ops if o not in OPS]
    if unknown:
        raise OptionError(f"--op: unknown operator(s) {', '.join(unknown)}; use "
                          f"{', '.join(OPS)}.")
    if top < 0 or minimum < 0:
        raise OptionError("--top and --min must not be negative.")
    write_modindices(fit_spec_file(spec, data, sheet), out, minimum=minimum, top=top, ops=ops,
                     lang=lang)


def write_modindices(fitted: "FitResult", out: Path | None, *, minimum: float = 3.84,
                     top: int = 20, ops: list[str] | None = None, lang: str = "en") -> None:
    """Print the sorted indices above ``minimum`` (at most ``top``, only ``ops``) and, with
    ``out``, write ``modindices.csv`` (all) and ``modindices.html`` (those shown)."""
    from rich.table import Table

    from semwb.files import atomic_write_text
    from semwb.report.reviewer import render_modindices
    from semwb.sem.modindices import modification_indices, top_indices

    table = modification_indices(fitted, sort=True)
    shown = top_indices(table, minimum=minimum, top=top, ops=ops or ())
    view = Table(title=f"Modification indices above {minimum:g} ({len(shown)} of {len(table)})",
                 title_justify="left")
    for column in ("lhs", "op", "rhs", "mi", "p", "epc", "sepc.lv", "sepc.all"):
        view.add_column(column, justify="left" if column in ("lhs", "op", "rhs") else "right")
    for r in shown.itertuples():
        view.add_row(Text(str(r.lhs)), Text(str(r.op)), Text(str(r.rhs)), fmt(r.mi),
                     fmt_p(r.pvalue), fmt(r.epc), fmt(r.sepc_lv), fmt(r.sepc_all))
    show_table(view)
    say("Free a parameter only when theory supports it; each index assumes all others stay "
        "fixed.")
    if out is not None:
        atomic_write_text(out / "modindices.csv", table.to_csv(index=False))
        atomic_write_text(out / "modindices.html", render_modindices(
            shown, model=fitted.spec.name, minimum=minimum, lang=lang))
        say(f"wrote {out / 'modindices.csv'}, {out / 'modindices.html'}")
