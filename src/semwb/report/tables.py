"""The report's tables as plain data: numbered, titled, with APA notes, for HTML, Word and Excel.

:func:`report_tables` reads the report context (:func:`semwb.report.context.build_report_context`)
and returns the tables in the order the report shows them, numbered from 1. Cells hold raw values
with a *kind* per column, so that Word gets APA-formatted text (:func:`format_cell`, through the
report's own filters) and Excel gets numbers it can compute with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from semwb.report.filters import fmt_ci, fmt_est, fmt_int, fmt_p, fmt_std

#: How a column's values are shown: the report filter that formats them.
KINDS: dict[str, Callable[[Any], str]] = {
    "est": fmt_est, "est2": lambda v: fmt_est(v, 2), "std": fmt_std,
    "std3": lambda v: fmt_std(v, 3), "p": fmt_p, "ci": fmt_ci, "int": fmt_int,
    "verdict": lambda v: "" if v is None else "✓" if v else "✗",
}


@dataclass(frozen=True)
class Column:
    """A column: its heading and the kind of its values (``text`` or a key of :data:`KINDS`)."""

    title: str
    kind: str = "text"


@dataclass(frozen=True)
class ReportTable:
    """One numbered table of the report."""

    key: str
    number: int
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    note: str


def format_cell(value: Any, kind: str) -> str:
    """A cell as the report prints it (APA style); text as it is."""
    if kind == "text" or value == "":  # "" pads the upper triangle of a matrix
        return "" if value is None else str(value)
    return KINDS[kind](value)


def _matrix(key: str, title: str, rows: Sequence[Mapping[str, Any]], t: Mapping[str, str],
            note: str, *, diagonal: bool, lead: Sequence[Column] = (),
            lead_values: Callable[[Mapping[str, Any]], list[Any]] | None = None,
            ) -> tuple[str, str, list[Column], list[list[Any]], str]:
    """A lower-triangle matrix (numbered columns), with optional leading columns."""
    size = len(rows)
    columns = [Column(t["construct"]), *lead,
               *(Column(str(i + 1), "std") for i in range(size if diagonal else size - 1))]
    body = []
    for i, row in enumerate(rows):
        cells = [c["value"] for c in row["cells"]]
        if diagonal:
            cells.append(row.get("diagonal"))
        width = size if diagonal else size - 1
        first = f"{i + 1}. {row['name']}"
        extra = lead_values(row) if lead_values else []
        body.append([first, *extra, *cells, *[""] * (width - len(cells))])
    return key, title, columns, body, note


def _path_rows(rows: Sequence[Mapping[str, Any]], arrow: str) -> list[list[Any]]:
    return [[f"{r['from']} {arrow} {r['to']}", r["label"], r["est"], r["se"], r["std"],
             r["pvalue"], r["ci"]] for r in rows]


def _loading_rows(constructs: Sequence[Mapping[str, Any]],
                  t: Mapping[str, str]) -> list[list[Any]]:
    return [[g["name"], r["item"] + (" " + t["reverse_mark"] if r["reverse"] else ""),
             r["est"], r["se"], r["std"]["value"], r["pvalue"]]
            for g in constructs for r in g["rows"]]


def _per_group(ctx: Mapping[str, Any], single: list[list[Any]],
               rows: Callable[[Mapping[str, Any]], list[list[Any]]]) -> list[list[Any]]:
    """``single`` for a single-group report; else every group's ``rows`` after its name."""
    groups = ctx.get("groups")
    if not groups:
        return single
    return [[g["name"], *row] for g in groups for row in rows(g)]


def report_tables(ctx: Mapping[str, Any]) -> list[ReportTable]:
    """Every table of one report, numbered in the order the report shows them.

    Parameters
    ----------
    ctx
        The report context.

    Returns
    -------
    list of ReportTable
        Only the tables the report has (a section without data has none).
    """
    t: Mapping[str, str] = ctx["t"]
    found: list[tuple[str, str, list[Column], list[list[Any]], str]] = []
    m = ctx.get("measurement")
    stars_note = "* p < .05, ** p < .01, *** p < .001."
    # a multi-group report: one table per kind with the group in the first column
    group_column = [Column(t["group"])] if ctx.get("groups") else []
    loadings = _per_group(ctx, _loading_rows(m["groups"], t) if m else [],
                          lambda g: _loading_rows(g["loadings"], t))
    if m and loadings:
        note = (t["reverse_note"] + " " if m["has_reverse"] else "") + t["reliability_note"]
        found.append(("loadings", f"{t['measurement']}{t['colon']}{t['loading_std']}",
                      [*group_column, Column(t["construct"]), Column(t["item"]),
                       Column(t["est_unstd"], "est"), Column(t["se"], "est"),
                       Column(t["loading_std"], "std"), Column(t["p"], "p")],
                      loadings, note))
    if m and m["reliability"]:
        keys = ("alpha", "omega", "cr", "ave")
        note = (t["reliability_note"] + (" " + t["derived_note"] if m["derived"] else "")
                + (" " + t["second_order_note"] if m["second_order"] else ""))
        found.append(("reliability", t["reliability"],
                      [Column(t["construct"]), *(Column(t[k], "std") for k in keys)],
                      [[r["name"], *(r[k]["value"] for k in keys)] for r in m["reliability"]],
                      note))
    v = ctx.get("validity")
    if v and v["htmt"]:
        found.append(_matrix("htmt", t["htmt"], v["htmt"]["rows"], t, t["htmt_note"],
                             diagonal=False))
    if v and v["fl"]:
        found.append(_matrix("fornell_larcker", t["fornell_larcker"], v["fl"]["rows"], t,
                             t["fl_note"], diagonal=True))
    d = ctx.get("descriptives")
    if d and d["rows"]:
        lead = [Column(t["mean"], "est2"), Column(t["sd"], "est2")]
        if d["correlated"]:
            found.append(_matrix("descriptives", t["descriptives"], d["rows"], t,
                                 f"{t['descriptives_note']} {stars_note}", diagonal=True,
                                 lead=lead, lead_values=lambda r: [r["mean"], r["sd"]]))
        else:
            found.append(("descriptives", t["descriptives_plain"], [Column(t["construct"]), *lead],
                          [[r["name"], r["mean"], r["sd"]] for r in d["rows"]],
                          t["descriptives_plain_note"]))
    if d and d["item_rows"]:
        found.append(("items", t["item_descriptives"],
                      [Column(t["item"]), Column(t["construct"]), Column(t["n"], "int"),
                       Column(t["mean"], "est2"), Column(t["sd"], "est2"),
                       Column(t["citc"], "std"), Column(t["alpha_if_deleted"], "std")],
                      [[r["item"], r["construct_name"], r["n"], r["mean"], r["sd"], r["citc"],
                        r["alpha_if_deleted"]] for r in d["item_rows"]], ""))
    fit = ctx["fit"]
    if fit["available"]:
        fit_rows: list[list[Any]] = [
            ["χ²", fit["chisq"], "", None], ["df", fit["df"], "", None],
            ["p", fit["pvalue"], "", None],
            [t["chisq_df"], fit["ratio"]["value"], fit["ratio_cutoff"], fit["ratio"]["ok"]]]
        fit_rows += [[r["name"], r["cell"]["value"], r["cutoff"], r["cell"]["ok"]]
                     for r in fit["rows"]]
        scaled = fit["scaled"]
        if scaled and scaled["label"]:  # MLR / MLM: the scaled test, without a verdict
            fit_rows[1:1] = [[scaled["label"], scaled["chisq"], "", None],
                             ["p", scaled["pvalue"], "", None]]
        if scaled:  # MLR / MLM / WLSMV: the .scaled indices, without a verdict
            fit_rows += [[r["name"], r["value"], "", None] for r in scaled["rows"]]
        fit_rows += [["AIC", fit["aic"], "", None], ["BIC", fit["bic"], "", None]]
        found.append(("fit", t["fit"], [Column(t["index"]), Column(t["value"], "est"),
                                        Column(t["cutoff"]), Column(t["verdict"], "verdict")],
                      fit_rows, " ".join(x for x in (t["fit_note"], fit["scaled_note"],
                                                     scaled["note"] if scaled else "") if x)))
    r2 = _per_group(ctx, [[r["name"], r["value"]] for r in fit["r2"]],
                    lambda g: [[r["name"], r["value"]] for r in g["r2"]])
    r2_table = ("r2", t["r2"], [*group_column, Column(t["variable"]), Column("R²", "std")], r2, "")
    if r2 and not group_column:
        found.append(r2_table)
    path_columns = [Column(t["path"]), Column(t["label"]), Column(t["est_unstd"], "est"),
                    Column(t["se"], "est"), Column(t["beta"], "std"), Column(t["p"], "p"),
                    Column(t["ci"], "ci")]
    paths = _per_group(ctx, _path_rows(ctx["paths"]["rows"], "→"),
                       lambda g: _path_rows(g["paths"], "→"))
    if paths:
        estimator = ctx["paths"].get("estimator", "ML")
        title = t["paths"] if estimator == "ML" else f"{t['paths']} ({estimator})"
        found.append(("paths", title, [*group_column, *path_columns], paths,
                      f"{ctx['paths']['note']} {stars_note}"))
    covariances = _per_group(ctx, _path_rows(ctx["covariances"], "↔"),
                             lambda g: _path_rows(g["covariances"], "↔"))
    if covariances:
        found.append(("covariances", t["covariances"], [*group_column, *path_columns],
                      covariances, ""))
    if r2 and group_column:  # a multi-group report shows each group's R² after its paths
        found.append(r2_table)
    e = ctx["effects"]
    if e["rows"]:
        found.append(("effects", t["effects"],
                      [Column(t["effect"]), Column(t["definition"]),
                       *path_columns[2:], Column(f"{t['beta']} {t['ci']}", "ci")],
                      [[r["name"], (r["path"] + " " if r["path"] else "") + r["definition"],
                        r["est"], r["se"], r["std"], r["pvalue"], r["ci"], r["std_ci"]]
                       for r in e["rows"]],
                      e["note"]))
    h = ctx.get("hypotheses")
    if h:
        found.append(("hypotheses", t["hypotheses"],
                      [Column(t["hypothesis"]), Column(t["path"]), Column(t["expected"]),
                       Column(t["est_unstd"], "est"), Column(t["beta"], "std"),
                       Column(t["p"], "p"), Column(t["ci"], "ci"), Column(t["result"])],
                      [[r["id"] + (f": {r['text']}" if r["text"] else ""),
                        r["path"] + (f" ({t['group']}{t['colon']}{r['group']})"
                                     if r["group"] else ""),
                        t[r["expected"]], r["est"], r["std"], r["pvalue"], r["ci"],
                        t[r["verdict"]]] for r in h["rows"]], h["note"]))
    return [ReportTable(key, number, title, columns, rows, note)
            for number, (key, title, columns, rows, note) in enumerate(found, start=1)]
