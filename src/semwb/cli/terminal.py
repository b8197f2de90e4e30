"""Terminal formatting shared by the commands: numbers, plain lines, result and quality tables."""

from __future__ import annotations

import math
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from semwb.cli.app import console

if TYPE_CHECKING:
    from rich.table import Table

    from semwb.measurement import MeasurementQuality
    from semwb.results import Results
    from semwb.survey.instrument import Instrument, Lang


def fmt(value: float | None, digits: int = 3, *, sign: bool = False) -> str:
    """A number with ``digits`` decimals, or an em dash when there is none.

    A value that rounds to zero prints without a sign (never ``-0.000``); ``sign=True`` puts a
    ``+`` before the positive values (changes such as delta CFI).
    """
    if value is None:
        return "—"
    text = f"{value:{'+' if sign else ''}.{digits}f}"
    if text.lstrip("+-").strip("0.") == "":  # rounds to zero: no sign
        return text.lstrip("+-")
    return text


def fmt_p(value: float | None) -> str:
    """A p-value as a table cell: three decimals, ``<.001`` below that."""
    if value is None:
        return "—"
    return "<.001" if value < 0.001 else f"{value:.3f}"


def _p_in_text(value: float | None) -> str:
    """A p-value inside a sentence: ``= 0.042`` or ``< .001``, never ``= <.001``."""
    shown = fmt_p(value)
    return f"< {shown[1:]}" if shown.startswith("<") else f"= {shown}"


def fmt_ci(lower: float | None, upper: float | None) -> str:
    """``[lower, upper]``, each bound with the decimals it needs not to print as zero."""
    from semwb.report.filters import nonzero_digits

    bounds = [fmt(b, 3 if b is None else nonzero_digits(b, 3)) for b in (lower, upper)]
    return f"[{bounds[0]}, {bounds[1]}]"


def ci_kind(results: Results) -> str:
    """What the intervals are: ``95% percentile bootstrap CI (5,000 draws)``, with failed
    draws ``(4,997 of 5,000 draws; 3 failed, listed in results.json)``, or ``95% Wald CI``."""
    boot = results.bootstrap
    if boot is None:
        return "95% Wald CI"
    failed = boot.draws - boot.succeeded
    kept = (f"{boot.succeeded:,} of {boot.draws:,} draws; {failed:,} failed, listed in "
            "results.json" if failed else f"{boot.succeeded:,} draws")
    return f"{boot.level:.0%} {boot.ci} bootstrap CI ({kept})"


#: Text columns (names, paths) fold down to this width, or their widest cell if narrower.
TEXT_MIN_WIDTH = 8


def show_table(table: Table, *, text: Collection[str] | None = None) -> None:
    """Print ``table`` so that a narrow terminal never cuts a number.

    Each column not named in ``text`` (numbers, intervals, verdicts) keeps the width of its widest
    cell and never wraps; the ``text`` columns (names, paths; by default the left-justified ones)
    fold to make room. A table whose numbers alone are wider than the terminal is printed wider
    than it, uncut.
    """
    numeric = [c for c in table.columns if (c.justify != "left" if text is None
                                            else str(c.header).strip() not in text)]
    for column in table.columns:
        widest = max(Text.from_markup(c).cell_len if isinstance(c, str)
                     else c.cell_len if isinstance(c, Text) else 0
                     for c in [str(column.header), *column.cells])
        column.overflow = "fold"
        column.no_wrap = column in numeric
        column.min_width = widest if column in numeric else min(widest, TEXT_MIN_WIDTH)
    edges = (table.padding[1] + table.padding[3]) * len(table.columns) + (
        len(table.columns) + 1 if table.box is not None else 0)
    needed = sum(c.min_width or 0 for c in table.columns) + edges
    width = console.width
    console.width = max(width, needed)  # print() caps its width= at the console's
    try:
        console.print(table, crop=False)
    finally:
        console.width = width


def say(message: str) -> None:
    """Print one plain line (no markup, no wrapping: lines may be parsed)."""
    console.print(Text(message), soft_wrap=True)


def print_summary(results: Results, path: Path) -> None:
    """A compact terminal summary: fit line, structural paths, defined effects, warnings."""
    from rich.table import Table

    f = results.fit
    sizes = ", ".join(f"{g} {n}" for g, n in results.group_n.items())
    console.print(Text(f"{results.model}  N = {results.n_obs}" + (f" ({sizes})" if sizes else ""),
                       style="bold"))
    console.print(
        f"χ²({f.df}) = {fmt(f.chisq, 2)}, p {_p_in_text(f.pvalue)}; CFI {fmt(f.cfi)}, "
        f"TLI {fmt(f.tli)}, RMSEA {fmt(f.rmsea)} [{fmt(f.rmsea_ci_lower)}, "
        f"{fmt(f.rmsea_ci_upper)}], SRMR {fmt(f.srmr)}",
        highlight=False, markup=False, soft_wrap=True,  # one line, even in a pipe
    )
    if f.cfi_robust is not None:  # MLR / MLM / WLSMV: the scaled test, the robust indices to read
        console.print(
            f"{results.estimator}: scaled χ²({f.df}) = {fmt(f.chisq_scaled, 2)}, p "
            f"{_p_in_text(f.pvalue_scaled)} (scaling factor {fmt(f.chisq_scaling_factor)}); "
            f"robust CFI {fmt(f.cfi_robust)}, TLI {fmt(f.tli_robust)}, RMSEA "
            f"{fmt(f.rmsea_robust)} [{fmt(f.rmsea_ci_lower_robust)}, "
            f"{fmt(f.rmsea_ci_upper_robust)}]",
            highlight=False, markup=False, soft_wrap=True,
        )
    elif f.chisq_scaled is not None:  # WLSMV: the scaled-shifted test is the one to report
        console.print(
            f"scaled ({results.estimator}, report these): χ²({f.df_scaled}) = "
            f"{fmt(f.chisq_scaled, 2)}, p {_p_in_text(f.pvalue_scaled)}; CFI {fmt(f.cfi_scaled)}, "
            f"TLI {fmt(f.tli_scaled)}, RMSEA {fmt(f.rmsea_scaled)} "
            f"[{fmt(f.rmsea_ci_lower_scaled)}, {fmt(f.rmsea_ci_upper_scaled)}]",
            highlight=False, markup=False, soft_wrap=True,
        )
    for title, op in (("Structural paths", "~"), ("Defined effects", ":=")):
        rows = [r for r in results.parameters if r.op == op]
        if not rows:
            continue
        console.print(Text(title, style="italic"))  # not a table title: no padding spaces
        table = Table(box=None, pad_edge=False)
        for column in ("path", "label", "est", "se", "p", "CI", "std"):
            table.add_column(column, justify="left" if column in ("path", "label") else "right")
        for r in rows:
            path_text = f"{r.lhs} := {r.rhs}" if op == ":=" else f"{r.lhs} ← {r.rhs}"
            table.add_row(Text(path_text), Text(r.label), fmt(r.est), fmt(r.se),
                          fmt_p(r.pvalue), fmt_ci(r.ci_lower, r.ci_upper), fmt(r.std_all))
        show_table(table)
    say(f"CI: {ci_kind(results)}. Paths are judged by p, defined effects by "
        f"{'the bootstrap CI' if results.bootstrap else 'p'}.")
    for message in results.warnings:
        console.print(Text(f"warning: {message}", style="yellow"))
    console.print(Text(f"wrote {path}", style="dim"))


MEASUREMENT_WORDS = {
    "en": {"title": "Measurement quality (n = {n} complete respondents)", "construct": "construct",
           "name": "name", "items": "items", "ok": "ok", "low": "LOW"},
    "zh": {"title": "测量质量（完整样本 n = {n}）", "construct": "构念", "name": "名称",
           "items": "题项数", "ok": "达标", "low": "不足"},
}


def print_measurement(quality: MeasurementQuality, instrument: Instrument, lang: Lang) -> None:
    """Reliability and validity table with pass/fail against the usual thresholds."""
    from rich.table import Table

    from semwb.measurement import THRESHOLDS

    words = MEASUREMENT_WORDS[lang]

    def mark(value: float | None, threshold: float) -> str:
        verdict = words["ok"] if value is not None and value >= threshold else words["low"]
        return "-" if value is None else f"{value:.3f} {verdict}"

    table = Table(title=words["title"].format(n=quality.n_obs))
    for column in (words["construct"], words["name"], words["items"], "alpha >= .70", "95% CI",
                   "omega", "CR >= .70", "AVE >= .50"):
        table.add_column(column)
    for cid, c in quality.constructs.items():
        table.add_row(cid, Text(instrument.text(cid, lang)), str(len(c["items"])),
                      mark(c["alpha"], THRESHOLDS["alpha"]),
                      f"[{c['alpha_ci'][0]:.3f}, {c['alpha_ci'][1]:.3f}]",
                      "-" if c["omega"] is None else f"{c['omega']:.3f}",
                      mark(c["cr"], THRESHOLDS["cr"]), mark(c["ave"], THRESHOLDS["ave"]))
    show_table(table, text=(words["construct"], words["name"]))
    fit = quality.cfa_fit
    if fit:
        say(f"CFA: chi2({fit['df']}) = {fit['chisq']:.2f}, CFI {fit['cfi']:.3f}, "
            f"TLI {fit['tli']:.3f}, RMSEA {fit['rmsea']:.3f}, SRMR {fit['srmr']:.3f}")
    _print_validity(quality)


def _print_validity(quality: MeasurementQuality) -> None:
    """Fornell-Larcker and HTMT problems, Harman's single factor, the single-factor CFA."""
    from semwb.measurement import THRESHOLDS

    for cid, row in quality.fornell_larcker.items():
        worst = max((abs(v) for other, v in row.items() if other != cid and not math.isnan(v)),
                    default=0.0)
        if row[cid] is not None and worst >= row[cid]:
            say(f"Fornell-Larcker: sqrt(AVE) of {cid} = {row[cid]:.3f} is not above its largest "
                f"latent correlation {worst:.3f}")
    pairs = [(a, b, v) for a, row in quality.htmt.items() for b, v in row.items()]
    for a, b, v in pairs:
        if v >= THRESHOLDS["htmt"]:
            limit = "above .90" if v >= THRESHOLDS["htmt_liberal"] else "between .85 and .90"
            say(f"HTMT {a}-{b} = {v:.3f} ({limit}): discriminant validity in doubt")
    if pairs and max(v for *_, v in pairs) < THRESHOLDS["htmt"]:
        say(f"HTMT: all pairs below .85 (largest {max(v for *_, v in pairs):.3f})")
    share = quality.harman["first_factor_share"]
    verdict = "below" if share < THRESHOLDS["harman"] else "ABOVE"
    say(f"Harman's single factor: {share:.1%} of variance ({verdict} 50 %); KMO "
        f"{quality.kmo:.3f}; Bartlett chi2({quality.bartlett['df']:.0f}) = "
        f"{quality.bartlett['chisq']:.1f}")
    single = quality.harman.get("single_factor_cfa")
    if single:
        one = single["single_factor"]
        say(f"Single-factor CFA: CFI {one['cfi']:.3f}, RMSEA {one['rmsea']:.3f}; worse than the "
            f"{len(quality.constructs)}-factor CFA by chi2({single['df_diff']}) = "
            f"{single['chisq_diff']:.1f}, p = {single['pvalue']:.3g}")
