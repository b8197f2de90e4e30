"""The measurement sections of a report: loadings, reliability, validity, descriptives, method bias.

Pure functions from results and ``measurement.json`` to template context, like
:mod:`semwb.report.context`, which assembles them with the other sections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from semwb.report.charts import loadings_chart_svg
from semwb.report.filters import fmt_pct, fmt_std, stars
from semwb.report.i18n import Lang, sentence, strings
from semwb.report.labels import Labels
from semwb.report.parts import ModelParts
from semwb.results import Results

#: Thresholds reviewers of the field apply (Hair et al., 2019; Henseler et al., 2015).
RELIABILITY_MIN = {"alpha": 0.70, "omega": 0.70, "cr": 0.70, "ave": 0.50}
LOADING_MIN = 0.60
HTMT_MAX = 0.85
HARMAN_MAX = 0.40


def cell(value: Any, ok: bool | None = None) -> dict[str, Any]:
    """A table cell: a number (or None) and whether it meets its threshold (None: no threshold)."""
    number = float(value) if isinstance(value, int | float) else None
    return {"value": number, "ok": ok if number is not None else None}


def _meets(value: float | None, minimum: float) -> bool | None:
    return None if value is None else value >= minimum


def merge_quality(results: Results, measurement: Mapping[str, Any] | None,
                  parts: ModelParts | None = None) -> dict[str, Any]:
    """Merge the measurement tables: ``measurement.json`` wins over what results.json carries.

    When neither has reliability (a run without an instrument) and ``parts`` is given, CR and
    AVE come from the model's own standardized loadings (:func:`reliability_from_loadings`),
    and ``quality["derived"]`` is True.
    """
    quality: dict[str, Any] = {"constructs": dict(results.measurement), "htmt": dict(results.htmt)}
    quality.update({k: v for k, v in results.quality.items() if v})
    if measurement:
        quality.update({k: v for k, v in measurement.items() if v})
    if not quality["constructs"] and parts is not None:
        quality["constructs"] = reliability_from_loadings(parts)
        quality["derived"] = bool(quality["constructs"])
    return quality


def reliability_from_loadings(parts: ModelParts) -> dict[str, dict[str, float]]:
    """CR, AVE and sqrt(AVE) of each factor from its standardized loadings (Fornell-Larcker).

    CR = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)); AVE = mean(l^2). Factors with a loading
    missing are left out.
    """
    out: dict[str, dict[str, float]] = {}
    for factor in parts.latents:
        loads = [r.std_all for r in parts.loadings if r.lhs == factor]
        if not loads or any(v is None for v in loads):
            continue
        values = [float(v) for v in loads if v is not None]
        total, error = sum(values) ** 2, sum(1 - v * v for v in values)
        ave = sum(v * v for v in values) / len(values)
        out[factor] = {"cr": total / (total + error), "ave": ave, "sqrt_ave": ave ** 0.5}
    return out


def low_loadings(constructs: Sequence[Mapping[str, Any]], labels: Labels,
                 prefix: str = "") -> list[str]:
    """``AR ar4 λ = .53`` for each standardized loading below .60 of ``constructs`` (the
    ``groups`` of :func:`measurement_section`), each after ``prefix``."""
    return [f"{prefix}{labels.name(g['construct'])} {r['item']} λ = {fmt_std(r['std']['value'])}"
            for g in constructs for r in g["rows"] if r["std"]["ok"] is False]


def measurement_section(
    parts: ModelParts, quality: Mapping[str, Any], labels: Labels, lang: Lang,
    *, also_below: Sequence[str] = (),
) -> dict[str, Any]:
    """Loadings per construct (flagged below .60), the loadings chart, reliability per construct.

    ``also_below`` names further values below their thresholds for the verdict sentence (the
    loadings of a multi-group fit, which are shown per group).
    Returns keys ``groups, reliability, derived, second_order`` (the names of second-order
    factors, their CR and AVE from
    :func:`semwb.measurement.higher_order.second_order_reliability`), ``has_reverse,
    has_text, sentence, chart``.
    """
    constructs: Mapping[str, Any] = quality.get("constructs") or {}
    groups: list[dict[str, Any]] = []
    for latent in parts.latents:
        rows = [
            {"item": row.rhs, "text": labels.item_text(row.rhs),
             "reverse": row.rhs in labels.reverse, "est": row.est,
             # a fixed parameter (the marker loading) has no sampling error: lavaan's se 0
             "se": row.se if row.free else None, "pvalue": row.pvalue if row.free else None,
             "std": cell(row.std_all, None if row.std_all is None
                          else abs(row.std_all) >= LOADING_MIN)}
            for row in parts.loadings if row.lhs == latent
        ]
        groups.append({"construct": latent, "name": labels.named(latent), "rows": rows,
                       "source": labels.sources.get(latent, "")})
    # second-order factors: CR and AVE of their measurement CFA (semTools compRelSEM(higher =))
    second: Mapping[str, Any] = quality.get("second_order") or {}
    order = list(parts.latents) + [c for c in constructs if c not in parts.latents]
    reliability, below = [], []
    t = strings(lang)
    for cid in order:
        stats = second.get(cid) or constructs.get(cid)
        if not stats:
            continue
        cells = {key: cell(stats.get(key), _meets(stats.get(key), minimum))
                 for key, minimum in RELIABILITY_MIN.items()}
        below += [f"{labels.name(cid)} {t[key]} = {fmt_std(cell['value'])}"
                  for key, cell in cells.items() if cell["ok"] is False]
        reliability.append({"construct": cid, "name": labels.named(cid), **cells})
    below += [*low_loadings(groups, labels), *also_below]
    verdict = (sentence(lang, "reliability_bad", list=t["list_sep"].join(below)) if below
               else sentence(lang, "reliability_ok"))
    return {
        "groups": groups,
        "reliability": reliability,
        "derived": bool(quality.get("derived")),
        "second_order": [labels.name(c) for c in order if c in second],
        "has_reverse": any(r["reverse"] for g in groups for r in g["rows"]),
        "has_text": any(r["text"] for g in groups for r in g["rows"]),
        "sentence": verdict if reliability or groups else "",
        "chart": loadings_chart_svg(
            [(labels.name(g["construct"]), [(r["item"], r["std"]["value"]) for r in g["rows"]])
             for g in groups], lang=lang) if groups else None,
    }


def _pair(matrix: Mapping[str, Mapping[str, Any]], a: str, b: str) -> float | None:
    value = (matrix.get(a) or {}).get(b)
    if value is None:
        value = (matrix.get(b) or {}).get(a)
    return None if value is None else float(value)


def validity_section(
    parts: ModelParts, quality: Mapping[str, Any], labels: Labels, lang: Lang
) -> dict[str, Any] | None:
    """HTMT lower triangle (flagged at .85) and the Fornell-Larcker matrix; None without either.

    Returns keys ``constructs, ids, htmt, fl``.
    """
    htmt: Mapping[str, Mapping[str, Any]] = quality.get("htmt") or {}
    fl: Mapping[str, Mapping[str, Any]] = quality.get("fornell_larcker") or {}
    if not htmt and not fl:
        return None
    names = [c for c in [*parts.latents, *htmt, *fl] if c in htmt or c in fl]
    order = list(dict.fromkeys(names))
    t = strings(lang)
    result: dict[str, Any] = {"constructs": [labels.named(c) for c in order],
                              "ids": order, "htmt": None, "fl": None}
    if htmt:
        bad: list[str] = []
        rows = []
        for i, a in enumerate(order):
            cells = []
            for b in order[:i]:
                value = _pair(htmt, a, b)
                ok = None if value is None else value < HTMT_MAX
                if ok is False:
                    bad.append(f"{labels.name(b)}–{labels.name(a)} ({fmt_std(value)})")
                cells.append(cell(value, ok))
            rows.append({"name": labels.named(a), "cells": cells})
        result["htmt"] = {"rows": rows, "sentence": sentence(
            lang, "htmt_bad", list=t["list_sep"].join(bad)) if bad else sentence(lang, "htmt_ok")}
    if fl:
        result["fl"] = _correlation_matrix(order, fl, labels, lang)
    return result


def _correlation_matrix(
    order: list[str], matrix: Mapping[str, Mapping[str, Any]], labels: Labels, lang: Lang,
    diagonal: Mapping[str, float | None] | None = None,
) -> dict[str, Any]:
    """Lower triangle of correlations with sqrt(AVE) on the diagonal, flagged as Fornell-Larcker."""
    diag = {c: (diagonal or {}).get(c, _pair(matrix, c, c)) for c in order}
    bad: list[str] = []
    rows = []
    for i, a in enumerate(order):
        cells = []
        for b in order[:i]:
            r = _pair(matrix, a, b)
            roots = [d for d in (diag[a], diag[b]) if d is not None]
            ok = None if r is None or not roots else abs(r) < min(roots)
            if ok is False:
                bad.append(f"{labels.name(b)}–{labels.name(a)}")
            cells.append(cell(r, ok))
        rows.append({"name": labels.named(a), "cells": cells, "diagonal": diag[a]})
    t = strings(lang)
    return {"rows": rows, "sentence": sentence(lang, "fl_bad", list=t["list_sep"].join(bad))
            if bad else sentence(lang, "fl_ok")}


def _item_rows(quality: Mapping[str, Any], labels: Labels) -> list[dict[str, Any]]:
    """Item descriptives of ``measurement.json`` (``items`` records), construct names resolved."""
    keys = ("item", "n", "mean", "sd", "citc", "alpha_if_deleted")
    return [{**{k: record.get(k) for k in keys},
             "construct_name": labels.name(str(record.get("construct", "")))}
            for record in quality.get("items") or [] if isinstance(record, Mapping)]


def descriptives_section(
    parts: ModelParts, quality: Mapping[str, Any], labels: Labels, lang: Lang
) -> dict[str, Any] | None:
    """Construct M and SD of the composite scores, their correlations, item statistics.

    Composite correlations (``composite_correlations``, with significance stars from
    ``composite_pvalues``) go beside the composite means; latent (CFA) correlations are never
    mixed in: they have their own table, the Fornell-Larcker matrix of the validity section.

    Returns keys ``rows`` (None without construct descriptives), ``correlated`` (whether the
    rows carry composite correlations) and ``item_rows``; None without any of these.
    """
    desc: Mapping[str, Mapping[str, Any]] = quality.get("descriptives") or {}
    items = _item_rows(quality, labels)
    if not desc:
        return {"rows": None, "correlated": False, "item_rows": items} if items else None
    corr: Mapping[str, Mapping[str, Any]] = quality.get("composite_correlations") or {}
    pvalues: Mapping[str, Mapping[str, Any]] = quality.get("composite_pvalues") or {}
    order = list(dict.fromkeys(c for c in [*parts.latents, *desc] if c in desc))
    if corr:
        rows = _correlation_matrix(order, corr, labels, lang, diagonal=dict.fromkeys(order))["rows"]
        for row, a in zip(rows, order, strict=True):
            for c, b in zip(row["cells"], order, strict=False):
                c["stars"] = stars(_pair(pvalues, a, b))
    else:
        rows = [{"name": labels.named(cid), "cells": [], "diagonal": None} for cid in order]
    for row, cid in zip(rows, order, strict=True):
        row["mean"] = desc[cid].get("mean")
        row["sd"] = desc[cid].get("sd")
    return {"rows": rows, "correlated": bool(corr), "item_rows": items}


def common_method_section(quality: Mapping[str, Any], lang: Lang) -> dict[str, Any] | None:
    """Harman's single factor against its threshold, the single-factor CFA, KMO, Bartlett."""
    harman = quality.get("harman") or {}
    share = harman.get("first_factor_share")
    if share is None:
        return None
    limit = float((quality.get("thresholds") or {}).get("harman", HARMAN_MAX))
    key = "harman_ok" if share < limit else "harman_bad"
    cfa = harman.get("single_factor_cfa") or None
    return {"share": share, "ok": share < limit,
            "sentence": sentence(lang, key, share=fmt_pct(share), limit=fmt_pct(limit, 0)),
            "single_factor": cfa and {
                "chisq": cfa.get("chisq_diff"), "df": cfa.get("df_diff"),
                "pvalue": cfa.get("pvalue"), "fit": cfa.get("single_factor") or {}},
            "kmo": quality.get("kmo"), "bartlett": quality.get("bartlett") or None}


