"""``semwb invariance``: the measurement-invariance ladder of a multiple-group spec."""

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from semwb.cli.app import LangOption, app, console
from semwb.cli.terminal import fmt

if TYPE_CHECKING:
    from semwb.sem.invariance import Ladder


def _print(ladder: "Ladder", groups: str) -> None:
    """The groups (``groups``: by title with their rows), then one line per step (fit) and one
    per comparison (changes and verdict)."""
    console.print(Text(f"Measurement invariance of {ladder.model} across {ladder.group}: "
                       f"{groups}; N = {ladder.n_obs}", style="bold"))
    scaled = ladder.estimator == "WLSMV"  # the scaled-shifted test and scaled indices
    if scaled:
        console.print(Text("WLSMV: scaled-shifted chisq, scaled CFI/TLI/RMSEA; steps after Wu & "
                           "Estabrook (2016); differences by lavTestLRT (satorra.2000)"))
    for s in [*ladder.steps, *([ladder.partial] if ladder.partial else [])]:
        f, c = s.fit.model_dump(), s.comparison
        k = "_scaled" if scaled else ""
        free = f" (free: {', '.join(s.partial)})" if s.partial else ""
        console.print(Text(
            f"{s.name}{free}: chisq {f['chisq' + k]:.2f} (df {f['df']}), CFI {f['cfi' + k]:.3f}, "
            f"TLI {f['tli' + k]:.3f}, RMSEA {f['rmsea' + k]:.3f} "
            f"[{f['rmsea_ci_lower' + k]:.3f}, {f['rmsea_ci_upper' + k]:.3f}], "
            f"SRMR {f['srmr']:.3f}"), soft_wrap=True)
        if c is not None:
            p = "" if c.pvalue is None else f", p {c.pvalue:.3g}"
            console.print(Text(
                f"  vs the step below: delta chisq {c.chisq_diff:.2f} (df {c.df_diff}){p}, "
                f"delta CFI {fmt(c.delta_cfi, sign=True)}, delta RMSEA "
                f"{fmt(c.delta_rmsea, sign=True)}, delta SRMR {fmt(c.delta_srmr, sign=True)}: "
                f"{'holds' if c.holds else 'fails'}"),
                soft_wrap=True)
    for path in ladder.paths:
        console.print(Text(f"{path.rhs} -> {path.lhs} equal across groups ({ladder.paths_step} "
                           f"model): Wald chisq {path.chisq:.2f} (df {path.df}), "
                           f"p {path.pvalue:.3g}"), soft_wrap=True)
    if scaled and ladder.failed:
        console.print(Text("score tests and a partial step are not available with WLSMV "
                           "(lavaan has no robust score test for it); inspect the failing "
                           "step's items or run the ladder by MLR"),
                      soft_wrap=True)
    if ladder.scores:
        console.print(Text(f"score tests of the {ladder.failed} step's constraints (largest "
                           "first): " + ", ".join(f"{t.partial} {t.chisq:.2f}"
                                                  for t in ladder.scores[:5])), soft_wrap=True)


@app.command(short_help="Configural, metric, scalar and strict models across groups.")
def invariance(
    spec: Annotated[Path, typer.Argument(
        metavar="SPEC", help="A .yaml model spec with 'group:' (or a .lav file with --group).")],
    data: Annotated[Path | None, typer.Option(help="Data file (overrides the spec's).")] = None,
    group: Annotated[str | None, typer.Option(
        help="The column that holds each respondent's group (overrides the spec's 'group:').")
    ] = None,
    out: Annotated[Path | None, typer.Option(
        help="Output folder (default: reports/<spec file name>).")] = None,
    lang: LangOption = "en",
) -> None:
    """Fit configural, metric, scalar and strict models (ordinal items by WLSMV: configural,
    thresholds, metric, scalar); write OUT/invariance.json and OUT/invariance.html."""
    import json

    from semwb.cli.spec_data import read_spec_data
    from semwb.report.i18n import check_lang
    from semwb.report.invariance import ladder_groups, render_invariance
    from semwb.report.labels import labels_from_instrument
    from semwb.sem.invariance import run_ladder
    from semwb.sem.invariance_json import ladder_json
    from semwb.sem.spec import load_spec

    language = check_lang(lang)
    loaded = load_spec(spec, **({"group": group} if group is not None else {}))
    built, instrument, data_path = read_spec_data(loaded, data)
    with warnings.catch_warnings(record=True) as caught:  # each step refits: say each once
        warnings.simplefilter("always")
        ladder = run_ladder(built.spec, built.data, data_name=data_path.name)
    labels = labels_from_instrument(instrument, language)
    titles = {str(g): labels.group_title(ladder.group, str(g)) for g in ladder.groups}
    folder = out if out is not None else Path("reports") / spec.stem
    folder.mkdir(parents=True, exist_ok=True)
    written = ladder_json(ladder)
    (folder / "invariance.json").write_text(json.dumps(written, indent=2, ensure_ascii=False),
                                            encoding="utf-8")
    page = render_invariance(written, lang=language, group_titles=titles)
    (folder / "invariance.html").write_text(page, encoding="utf-8")
    _print(ladder, ladder_groups(written, titles, language))
    for message in dict.fromkeys(str(w.message) for w in caught):
        console.print(Text(f"warning: {message}", style="yellow"), soft_wrap=True)
    for name in ("invariance.json", "invariance.html"):
        console.print(Text(f"wrote {folder / name}", style="dim"))
