"""The per-group sections of a multiple-group report: loadings, paths, covariances, R², diagram.

A multi-group fit has one parameter table per group (the ``group`` column of ``results.json``);
a reviewer reads each group's loadings and paths side by side and wants to see which parameters
were held equal across groups: a label that more than one group carries (a shared plain label,
``group_equal``) is marked. Pure functions, like :mod:`semwb.report.context`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from typing import Any

from markupsafe import Markup

from semwb.report.diagram import path_diagram_svg
from semwb.report.i18n import Lang, strings
from semwb.report.labels import Labels
from semwb.report.measurement_context import low_loadings, measurement_section
from semwb.report.parts import (
    ModelParts,
    disagrees,
    group_values,
    is_significant,
    split_parameters,
)
from semwb.results import ParameterRow, Results


def parameter_row(row: ParameterRow, labels: Labels) -> dict[str, Any]:
    """One row of a path or covariance table: names, label, B, SE, β, p, CI and verdict marks."""
    return {
        "from": labels.named(row.rhs), "to": labels.named(row.lhs), "label": row.label,
        "est": row.est, "se": row.se if row.free else None, "std": row.std_all,
        "pvalue": row.pvalue if row.free else None,
        "ci": (row.ci_lower, row.ci_upper) if row.free else (None, None),
        "sig": row.free and is_significant(row),
        "disagree": row.free and disagrees(row),
    }


def shared_labels(results: Results) -> set[str]:
    """Labels carried by parameters of more than one group: equal across those groups."""
    seen: dict[str, set[str | None]] = {}
    for row in results.parameters:
        if row.label and row.op != ":=":
            seen.setdefault(row.label, set()).add(row.group)
    return {label for label, groups in seen.items() if len(groups) > 1}


def _equal_kind(row: ParameterRow, latents: Collection[str]) -> str:
    """The ``group_equal`` kind of a loading, path or covariance row (lavaan's ``group.equal``)."""
    if row.op in ("=~", "~"):
        return "loadings" if row.op == "=~" else "regressions"
    if row.op != "~~":
        return ""
    same = row.lhs == row.rhs
    if row.lhs in latents:
        return "lv.variances" if same else "lv.covariances"
    return "residuals" if same else "residual.covariances"


def held_equal(row: ParameterRow, results: Results, shared: set[str],
               latents: Collection[str]) -> bool:
    """Whether ``row`` is held equal across groups: by a shared label, or by ``group_equal``
    (a free row without a label of a listed kind that ``group_partial`` does not exempt)."""
    if row.label:
        return row.label in shared
    partial = {"".join(p.split()) for p in results.group_partial}
    return (row.free and _equal_kind(row, latents) in results.group_equal
            and f"{row.lhs}{row.op}{row.rhs}" not in partial)


def _loadings(parts: ModelParts, equal: Callable[[ParameterRow], bool], labels: Labels,
              lang: Lang) -> list[dict[str, Any]]:
    """The loadings of one group by construct, each row marked when it is held equal."""
    constructs: list[dict[str, Any]] = measurement_section(parts, {}, labels, lang)["groups"]
    for construct in constructs:
        rows = [r for r in parts.loadings if r.lhs == construct["construct"]]
        for shown, row in zip(construct["rows"], rows, strict=True):
            shown["shared"] = equal(row)
            shown["label"] = row.label
    return constructs


def group_sections(results: Results, labels: Labels, lang: Lang,
                   title: str) -> list[dict[str, Any]] | None:
    """One entry per group of a multi-group fit (``None`` for a single group).

    Each has keys ``name`` (the group as in the ``group`` column), ``title`` (readable:
    :meth:`~semwb.report.labels.Labels.group_title`), ``anchor``, ``loadings``
    (constructs with rows as :func:`semwb.report.measurement_context.measurement_section`),
    ``paths``, ``covariances`` (rows with ``shared``), ``disagree`` (a row whose p value and
    interval disagree), ``r2`` and ``diagram`` (an SVG or None).
    """
    groups = [g for g in group_values(results) if g is not None]
    if len(groups) < 2:
        return None
    shared = shared_labels(results)
    t = strings(lang)
    out = []
    for index, group in enumerate(groups, start=1):
        parts = split_parameters(results, group)

        def equal(row: ParameterRow, latents: Collection[str] = tuple(parts.latents)) -> bool:
            return held_equal(row, results, shared, latents)
        suffix = f" [{group}]"  # R² keys of a multi-group fit: "x1 [group]"
        own_r2 = {k[: -len(suffix)]: v for k, v in results.r2.items() if k.endswith(suffix)}
        outcomes = {r.lhs for r in parts.paths}
        diagram: Markup | None = None
        if parts.structural:
            diagram = path_diagram_svg(parts, labels=labels, r2=own_r2,
                                       title=f"{t['diagram_aria']}: {title} ({group})")
        paths = [{**parameter_row(r, labels), "shared": equal(r)} for r in parts.paths]
        covariances = [{**parameter_row(r, labels), "shared": equal(r)}
                       for r in parts.covariances]
        out.append({
            "name": group, "title": labels.group_title(results.group, group),
            "anchor": f"group-{index}",
            "loadings": _loadings(parts, equal, labels, lang),
            "paths": paths, "covariances": covariances,
            "disagree": any(r["disagree"] for r in [*paths, *covariances]),
            "r2": [{"name": labels.named(k), "value": v} for k, v in own_r2.items()
                   if k in outcomes],
            "diagram": diagram,
        })
    return out


def group_measurement(parts: ModelParts, groups: list[dict[str, Any]],
                      quality: Mapping[str, Any], labels: Labels, lang: Lang) -> dict[str, Any]:
    """The measurement section of a multi-group fit: reliability as one table, the loadings per
    group (``groups``, from :func:`group_sections`), no loadings chart; the verdict names each
    loading below .60 with its group."""
    t = strings(lang)
    below = [item for g in groups
             for item in low_loadings(g["loadings"], labels, f"{t['group']} {g['title']}: ")]
    section = measurement_section(replace(parts, loadings=[]), quality, labels, lang,
                                  also_below=below)
    shown = [r for g in groups for c in g["loadings"] for r in c["rows"]]
    section.update(has_text=any(r["text"] for r in shown),
                   has_reverse=any(r["reverse"] for r in shown), chart=None)
    return section


def every_path(results: Results, parts: ModelParts) -> ModelParts:
    """``parts`` with the regressions of every group, so that a ``:=`` effect combining labels of
    several groups reads as paths."""
    return replace(parts, paths=[row for row in results.parameters if row.op == "~"])
