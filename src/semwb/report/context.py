"""Results (with an optional instrument and measurement tables) -> the context the templates read.

A pure function: no file, no clock, no network. Numbers stay numbers here; templates format them
through the filters of :mod:`semwb.report.filters`. Interpretation sentences are built here, in the
report's language, from numbers formatted by the same filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from semwb.report.charts import bootstrap_histogram_svg, loadings_chart_svg
from semwb.report.diagram import path_diagram_svg
from semwb.report.filters import fmt_ci, fmt_est, fmt_level, fmt_pct, fmt_std
from semwb.report.hypotheses import check_hypotheses
from semwb.report.i18n import Lang, sentence, strings
from semwb.report.labels import Labels
from semwb.report.parts import ModelParts, is_significant, split_parameters
from semwb.results import ParameterRow, Results

#: Thresholds reviewers of the field apply (DOMAIN.md; Hair et al., 2019; Henseler et al., 2015).
RELIABILITY_MIN = {"alpha": 0.70, "omega": 0.70, "cr": 0.70, "ave": 0.50}
LOADING_MIN = 0.60
HTMT_MAX = 0.85
HARMAN_MAX = 0.40
#: Hu & Bentler (1999) cut-offs: (index, direction, bound).
FIT_CUTOFFS: tuple[tuple[str, str, float], ...] = (
    ("cfi", ">=", 0.95), ("tli", ">=", 0.95), ("rmsea", "<=", 0.06), ("srmr", "<=", 0.08),
)
CHISQ_DF_MAX = 3.0
DEFAULT_LEVEL = 0.95


def _cell(value: Any, ok: bool | None = None) -> dict[str, Any]:
    """A table cell: a number (or None) and whether it meets its threshold (None: no threshold)."""
    number = float(value) if isinstance(value, int | float) else None
    return {"value": number, "ok": ok if number is not None else None}


def _meets(value: float | None, minimum: float) -> bool | None:
    return None if value is None else value >= minimum


def _quality(results: Results, measurement: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge the measurement tables: ``measurement.json`` wins over what results.json carries."""
    quality: dict[str, Any] = {"constructs": dict(results.measurement), "htmt": dict(results.htmt)}
    quality.update({k: v for k, v in results.quality.items() if v})
    if measurement:
        quality.update({k: v for k, v in measurement.items() if v})
    return quality


def _summary(results: Results, t: Mapping[str, str]) -> dict[str, Any]:
    reasons: dict[str, int] = {}
    for entry in results.exclusions:
        reason = str(entry.get("reason") or entry.get("rule") or entry)
        reasons[reason] = reasons.get(reason, 0) + int(entry.get("count", 1))
    boot = results.bootstrap
    return {
        "data_file": results.provenance.data_path,
        "n_used": results.n_obs,
        "n_excluded": results.n_excluded,
        "reasons": list(reasons.items()),
        "estimator": t.get(f"est_{results.estimator}", results.estimator),
        "missing": t.get(f"miss_{results.missing}", results.missing),
        "converged": results.converged,
        "bootstrap": None if boot is None else {
            "draws": boot.draws, "succeeded": boot.succeeded, "seed": boot.seed,
            "ci": t.get(f"ci_{boot.ci}", boot.ci), "level": boot.level,
        },
    }


def _measurement(
    parts: ModelParts, quality: Mapping[str, Any], labels: Labels, lang: Lang
) -> dict[str, Any]:
    constructs: Mapping[str, Any] = quality.get("constructs") or {}
    groups: list[dict[str, Any]] = []
    for latent, _items in parts.latents.items():
        rows = [
            {"item": row.rhs, "text": labels.item_text(row.rhs),
             "reverse": row.rhs in labels.reverse, "est": row.est, "se": row.se,
             "pvalue": row.pvalue, "free": row.free,
             "std": _cell(row.std_all, None if row.std_all is None
                          else abs(row.std_all) >= LOADING_MIN)}
            for row in parts.loadings if row.lhs == latent
        ]
        groups.append({"construct": latent, "name": labels.named(latent), "rows": rows})
    order = list(parts.latents) + [c for c in constructs if c not in parts.latents]
    reliability, below = [], []
    t = strings(lang)
    for cid in order:
        stats = constructs.get(cid)
        if not stats:
            continue
        cells = {key: _cell(stats.get(key), _meets(stats.get(key), minimum))
                 for key, minimum in RELIABILITY_MIN.items()}
        below += [f"{labels.name(cid)} {t[key]} = {fmt_std(cell['value'])}"
                  for key, cell in cells.items() if cell["ok"] is False]
        reliability.append({"construct": cid, "name": labels.named(cid), **cells})
    below += [f"{labels.name(g['construct'])} {r['item']} λ = {fmt_std(r['std']['value'])}"
              for g in groups for r in g["rows"] if r["std"]["ok"] is False]
    verdict = (sentence(lang, "reliability_bad", list=t["list_sep"].join(below)) if below
               else sentence(lang, "reliability_ok"))
    return {
        "groups": groups,
        "reliability": reliability,
        "has_reverse": any(r["reverse"] for g in groups for r in g["rows"]),
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


def _validity(
    parts: ModelParts, quality: Mapping[str, Any], labels: Labels, lang: Lang
) -> dict[str, Any] | None:
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
                cells.append(_cell(value, ok))
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
            cells.append(_cell(r, ok))
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


def _descriptives(
    parts: ModelParts, quality: Mapping[str, Any], labels: Labels, lang: Lang
) -> dict[str, Any] | None:
    desc: Mapping[str, Mapping[str, Any]] = quality.get("descriptives") or {}
    items = _item_rows(quality, labels)
    if not desc:
        return {"rows": None, "item_rows": items} if items else None
    corr = quality.get("correlations") or quality.get("fornell_larcker") or {}
    constructs: Mapping[str, Any] = quality.get("constructs") or {}
    order = [c for c in [*parts.latents, *desc] if c in desc]
    order = list(dict.fromkeys(order))
    roots = {c: (constructs.get(c) or {}).get("sqrt_ave") for c in order}
    matrix = _correlation_matrix(order, corr, labels, lang, diagonal=roots)
    for row, cid in zip(matrix["rows"], order, strict=True):
        row["mean"] = desc[cid].get("mean")
        row["sd"] = desc[cid].get("sd")
    return {"rows": matrix["rows"], "item_rows": items}


def _common_method(quality: Mapping[str, Any], lang: Lang) -> dict[str, Any] | None:
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


def _fit(results: Results, labels: Labels, lang: Lang) -> dict[str, Any]:
    fit = results.fit
    t = strings(lang)
    rows: list[dict[str, Any]] = []
    failed = []
    for name, direction, bound in FIT_CUTOFFS:
        value = getattr(fit, name)
        ok = None if value is None else (value >= bound if direction == ">=" else value <= bound)
        if ok is False:
            failed.append(f"{name.upper()} = {fmt_std(value, 3)}")
        rows.append({"name": name.upper(), "cell": _cell(value, ok),
                     "cutoff": f"{'≥' if direction == '>=' else '≤'} {fmt_std(bound)}",
                     "ci": (fit.rmsea_ci_lower, fit.rmsea_ci_upper) if name == "rmsea" else None})
    ratio = fit.chisq / fit.df if fit.chisq is not None and fit.df else None
    available = any(row["cell"]["value"] is not None for row in rows)
    if not available:
        verdict = sentence(lang, "fit_missing")
    elif failed:
        verdict = sentence(lang, "fit_some", list=t["list_sep"].join(failed))
    else:
        verdict = sentence(lang, "fit_good")
    return {
        "chisq": fit.chisq, "df": fit.df, "pvalue": fit.pvalue,
        "ratio": _cell(ratio, None if ratio is None else ratio <= CHISQ_DF_MAX),
        "ratio_cutoff": f"≤ {CHISQ_DF_MAX:g}",
        "rows": rows, "aic": fit.aic, "bic": fit.bic, "available": available,
        "sentence": verdict,
        "r2": [{"name": labels.named(k), "value": v} for k, v in results.r2.items()],
    }


def _row(row: ParameterRow, labels: Labels, *, by_ci: bool = False) -> dict[str, Any]:
    return {
        "from": labels.named(row.rhs), "to": labels.named(row.lhs), "label": row.label,
        "est": row.est, "se": row.se, "std": row.std_all, "pvalue": row.pvalue,
        "ci": (row.ci_lower, row.ci_upper), "sig": is_significant(row, by_ci=by_ci),
    }


def _ci_source(results: Results, lang: Lang) -> str:
    boot = results.bootstrap
    t = strings(lang)
    if boot is None:
        return sentence(lang, "ci_wald", level=fmt_level(DEFAULT_LEVEL))
    return sentence(lang, "ci_boot", level=fmt_level(boot.level), draws=f"{boot.succeeded:,}",
                    ci=t.get(f"ci_{boot.ci}", boot.ci))


def _effects(results: Results, parts: ModelParts, lang: Lang) -> dict[str, Any]:
    boot = results.bootstrap
    level = boot.level if boot else DEFAULT_LEVEL
    t = strings(lang)
    histograms = boot.histograms if boot else {}
    rows = []
    for row in parts.defined:
        name = row.label or row.lhs
        sig = is_significant(row, by_ci=True)
        bounds = (row.ci_lower, row.ci_upper)
        hist = histograms.get(name)
        rows.append({
            "name": name, "definition": row.rhs, "est": row.est, "se": row.se,
            "std": row.std_all, "pvalue": row.pvalue, "ci": bounds, "sig": sig,
            "sentence": sentence(lang, "effect_sig" if sig else "effect_ns", name=name,
                                 est=fmt_est(row.est), level=fmt_level(level), ci=fmt_ci(bounds)),
            "chart": None if hist is None else bootstrap_histogram_svg(
                hist.get("edges", []), [int(c) for c in hist.get("counts", [])],
                estimate=row.est, ci=bounds, title=name),
        })
    return {"rows": rows, "level": level, "note": _ci_source(results, lang),
            "chart_note": sentence(lang, "distribution_note", level=fmt_level(level),
                                   ci=t.get(f"ci_{boot.ci}", boot.ci) if boot else "Wald")}


def _hypotheses(results: Results, parts: ModelParts, lang: Lang) -> dict[str, Any] | None:
    if not results.hypotheses:
        return None
    out = []
    for check in check_hypotheses(results.hypotheses, parts, lang=lang):
        row = check.row
        out.append({
            "id": check.id, "path": check.path, "text": check.text,
            "expected": f"exp_{check.expected}", "verdict": check.verdict,
            "std": None if row is None else row.std_all,
            "est": None if row is None else row.est,
            "pvalue": None if row is None else row.pvalue,
            "ci": None if row is None else (row.ci_lower, row.ci_upper),
        })
    level = results.bootstrap.level if results.bootstrap else DEFAULT_LEVEL
    return {"rows": out, "level": level,
            "note": sentence(lang, "hypotheses_note", level=fmt_level(level))}


def _warnings(results: Results, parts: ModelParts, labels: Labels, lang: Lang) -> list[str]:
    notes = [] if results.converged else [sentence(lang, "not_converged")]
    notes += results.warnings
    boot = results.bootstrap
    if boot is not None and boot.succeeded < boot.draws:
        notes.append(sentence(lang, "failed_draws", failed=f"{boot.draws - boot.succeeded:,}",
                              draws=f"{boot.draws:,}"))
    if boot is not None and boot.inadmissible:
        notes.append(sentence(lang, "inadmissible_draws", count=f"{len(boot.inadmissible):,}",
                              draws=f"{boot.succeeded:,}"))
    notes += [sentence(lang, "heywood", item=f"{labels.name(row.lhs)} → {row.rhs}",
                       value=fmt_std(row.std_all))
              for row in parts.loadings if row.std_all is not None and abs(row.std_all) > 1]
    return notes


def _provenance(results: Results, lang: Lang, results_dir: str | None) -> dict[str, Any]:
    prov = results.provenance
    command = prov.command
    if not command and prov.spec_path:
        command = f"semwb fit {prov.spec_path}" + (f" --data {prov.data_path}"
                                                   if prov.data_path else "")
    versions = {name: getattr(prov, name) for name in ("semwb", "semopy", "python", "numpy",
                                                        "pandas") if getattr(prov, name)}
    return {
        "spec_path": prov.spec_path, "spec_sha256": prov.spec_sha256,
        "data_path": prov.data_path, "data_sha256": prov.data_sha256,
        "versions": versions, "created": prov.created,
        "seed": results.bootstrap.seed if results.bootstrap else None,
        "command": command,
        "rerender": f"semwb report {results_dir or 'RESULTS_DIR'} --lang {lang}",
        "syntax": results.syntax,
    }


def build_report_context(
    results: Results,
    *,
    lang: Lang = "en",
    labels: Labels | None = None,
    measurement: Mapping[str, Any] | None = None,
    results_dir: str | None = None,
) -> dict[str, Any]:
    """Build everything the report templates read from one analysis.

    Parameters
    ----------
    results
        One analysis (``results.json``).
    lang
        Language of headings, labels and sentences.
    labels
        Construct and item names in ``lang`` (from the instrument); ids when omitted.
    measurement
        ``measurement.json`` as a mapping; overrides the measurement tables inside ``results``.
    results_dir
        The results folder as the user names it, for the re-render command.

    Returns
    -------
    dict
        Keys ``lang, t, title, model, summary, diagram, measurement, validity, descriptives,
        cmb, fit, paths, effects, hypotheses, warnings, provenance``; a section that has nothing
        to show is ``None``.
    """
    labels = labels or Labels()
    t = strings(lang)
    parts = split_parameters(results)
    quality = _quality(results, measurement)
    other = "en" if lang == "zh" else "zh"
    title = results.title.get(lang) or results.title.get(other) or results.model
    diagram: Markup | None = None
    if parts.structural:
        diagram = path_diagram_svg(parts, labels=labels, r2=results.r2,
                                   title=t["diagram_aria"] + ": " + title)
    return {
        "lang": lang,
        "t": t,
        "title": title,
        "model": results.model,
        "error": results.error,
        "summary": _summary(results, t),
        "diagram": diagram,
        "measurement": _measurement(parts, quality, labels, lang) if parts.latents else None,
        "validity": _validity(parts, quality, labels, lang),
        "descriptives": _descriptives(parts, quality, labels, lang),
        "cmb": _common_method(quality, lang),
        "fit": _fit(results, labels, lang),
        "paths": {"rows": [_row(r, labels) for r in parts.paths],
                  "level": results.bootstrap.level if results.bootstrap else DEFAULT_LEVEL,
                  "note": sentence(lang, "paths_note", ci_source=_ci_source(results, lang))},
        "covariances": [_row(r, labels) for r in parts.covariances],
        "effects": _effects(results, parts, lang),
        "hypotheses": _hypotheses(results, parts, lang),
        "warnings": _warnings(results, parts, labels, lang),
        "provenance": _provenance(results, lang, results_dir),
    }
