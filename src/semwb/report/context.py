"""Results (with an optional instrument and measurement tables) -> the context the templates read.

A pure function: no file, no clock, no network. Numbers stay numbers here; templates format them
through the filters of :mod:`semwb.report.filters`. Interpretation sentences are built here, in the
report's language, from numbers formatted by the same filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from semwb.report.charts import bootstrap_histogram_svg
from semwb.report.conditional_context import conditional_section
from semwb.report.diagram import path_diagram_svg
from semwb.report.effect_paths import describe_effect
from semwb.report.filters import fmt_ci, fmt_est, fmt_level, fmt_std
from semwb.report.group_context import (
    every_path,
    group_measurement,
    group_sections,
    parameter_row,
)
from semwb.report.group_hypotheses import GroupCheck, check_group_hypotheses
from semwb.report.hypotheses import check_hypotheses
from semwb.report.i18n import Lang, exclusion_reason, group_sizes, sentence, strings
from semwb.report.invariance import invariance_text, ladder_groups
from semwb.report.labels import Labels
from semwb.report.measurement_context import (
    cell,
    common_method_section,
    descriptives_section,
    measurement_section,
    merge_quality,
    validity_section,
)
from semwb.report.parts import (
    ModelParts,
    disagrees,
    group_values,
    is_location,
    is_significant,
    split_parameters,
)
from semwb.report.portfolio_context import portfolio_section, portfolio_warnings
from semwb.report.reviewer import modindices_section
from semwb.report.robust_fit import is_robust, reported, scaled_block, wlsmv_robust
from semwb.results import LOADING_WARNING, ParameterRow, Results

#: Hu & Bentler (1999) cut-offs: (index, direction, bound).
FIT_CUTOFFS: tuple[tuple[str, str, float], ...] = (
    ("cfi", ">=", 0.95), ("tli", ">=", 0.95), ("rmsea", "<=", 0.06), ("srmr", "<=", 0.08),
)
CHISQ_DF_MAX = 3.0
DEFAULT_LEVEL = 0.95


def _explore(results: Results, lang: str) -> dict[str, Any] | None:
    """The "Exploratory analyses" section: agreement of a ``unit:`` spec, multiple imputation
    beside FIML and out-of-sample prediction; None when the results have none of them."""
    agreement = (results.aggregation or {}).get("agreement")
    if not (agreement or results.imputation or results.prediction):
        return None
    from semwb.report.explore_context import explore_context  # only with such a section

    return explore_context(agreement=agreement, mi=results.imputation,
                           prediction=results.prediction, lang=lang)


def _summary(results: Results, labels: Labels, lang: Lang) -> dict[str, Any]:
    t = strings(lang)
    reasons: dict[str, int] = {}
    for entry in results.exclusions:
        reason = exclusion_reason(entry, t)
        reasons[reason] = reasons.get(reason, 0) + int(entry.get("count", 1))
    boot = results.bootstrap
    return {
        "rule": _decision_rule(results, t),
        "data_file": results.provenance.data_path,
        "n_used": results.n_obs,
        "groups": group_sizes(((labels.group_title(results.group, g), n)
                               for g, n in results.group_n.items()), lang),
        "n_excluded": results.n_excluded,
        "reasons": list(reasons.items()),
        "estimator": t.get(f"est_{results.estimator}", results.estimator)
        + t.get(f"engine_{results.engine}", ""),
        "missing": t.get(f"miss_{results.missing}", results.missing) + (
            t["miss_auxiliary"].format(names=", ".join(results.auxiliary))
            if results.auxiliary else ""),
        "converged": results.converged,
        "bootstrap": None if boot is None else {
            "draws": boot.draws, "succeeded": boot.succeeded, "seed": boot.seed,
            "ci": t.get(f"ci_{boot.ci}", boot.ci), "level": boot.level,
        },
    }


def _decision_rule(results: Results, t: Mapping[str, str]) -> str:
    """Which inference decides significance, stated once for the whole report."""
    boot = results.bootstrap
    if boot is None:
        return t["rule_wald"].format(level=fmt_level(DEFAULT_LEVEL))
    return t["rule_boot"].format(level=fmt_level(boot.level), ci=t.get(f"ci_{boot.ci}", boot.ci))


def _fit(results: Results, parts: ModelParts, labels: Labels, lang: Lang) -> dict[str, Any]:
    fit = results.fit
    outcomes = {row.lhs for row in parts.paths}
    t = strings(lang)
    rows: list[dict[str, Any]] = []
    failed = []
    over_one = ""
    # WLSMV: the scaled-shifted test and lavaan's ".robust" indices (".scaled" where lavaan has
    # none); MLR / MLM: the ".robust" indices, the scaled test in its own block (robust_fit.py)
    wlsmv = results.estimator == "WLSMV" and fit.chisq_scaled is not None
    robust = is_robust(results) or wlsmv_robust(results)
    scaled = "_scaled" if wlsmv else ""
    for name, direction, bound in FIT_CUTOFFS:
        if wlsmv and not robust:
            value, ci, suffix = getattr(fit, name + ("" if name == "srmr" else scaled)), (
                (fit.rmsea_ci_lower_scaled, fit.rmsea_ci_upper_scaled) if name == "rmsea"
                else None), ""
        else:
            value, ci, suffix = reported(fit, name, robust)
        ok = None if value is None else (value >= bound if direction == ">=" else value <= bound)
        shown = f"{name.upper()} {t['robust_suffix']}" if suffix else name.upper()
        if name == "tli" and value is not None and value > 1:
            ok = None  # kept as lavaan reports it, but not ticked: see the note
            over_one = sentence(lang, "tli_above_one", name=shown, value=fmt_std(value, 3))
        if ok is False:
            failed.append(f"{shown} = {fmt_std(value, 3)}")
        rows.append({"name": shown, "cell": cell(value, ok),
                     "cutoff": f"{'≥' if direction == '>=' else '≤'} {fmt_std(bound)}", "ci": ci})
    chisq = fit.chisq_scaled if wlsmv else fit.chisq
    ratio = chisq / fit.df if chisq is not None and fit.df else None
    available = any(row["cell"]["value"] is not None for row in rows)
    if not available:
        verdict = sentence(lang, "fit_missing")
    elif failed:
        verdict = sentence(lang, "fit_some", list=t["list_sep"].join(failed))
    else:
        verdict = sentence(lang, "fit_good_but_tli" if over_one else "fit_good")
    if over_one:
        verdict += " " + over_one
    return {
        "chisq": chisq, "df": fit.df, "pvalue": fit.pvalue_scaled if wlsmv else fit.pvalue,
        "scaled_note": t["fit_note_scaled" if not robust else "fit_note_shifted"].format(
            estimator=results.estimator) if wlsmv else "",
        "ratio": cell(ratio, None if ratio is None else ratio <= CHISQ_DF_MAX),
        "ratio_cutoff": f"≤ {CHISQ_DF_MAX:g}",
        "rows": rows, "aic": fit.aic, "bic": fit.bic, "available": available,
        "scaled": scaled_block(results, lang),
        "sentence": verdict,
        # outcomes of regressions only: an indicator's R² is its squared loading
        "r2": [{"name": labels.named(k), "value": v} for k, v in results.r2.items()
               if k in outcomes],
    }


def _ci_source(results: Results, lang: Lang) -> str:
    boot = results.bootstrap
    t = strings(lang)
    if boot is None and results.estimator != "ML":
        return sentence(lang, "ci_robust", level=fmt_level(DEFAULT_LEVEL),
                        estimator=results.estimator)
    if boot is None:
        return sentence(lang, "ci_wald", level=fmt_level(DEFAULT_LEVEL))
    return sentence(lang, "ci_boot", level=fmt_level(boot.level), draws=f"{boot.succeeded:,}",
                    ci=t.get(f"ci_{boot.ci}", boot.ci))


def _effects(results: Results, parts: ModelParts, labels: Labels, lang: Lang) -> dict[str, Any]:
    boot = results.bootstrap
    level = boot.level if boot else DEFAULT_LEVEL
    t = strings(lang)
    histograms = boot.histograms if boot else {}
    rows = []
    for row in parts.defined:
        name = row.label or row.lhs
        path = describe_effect(row, parts, labels)
        location = is_location(row)
        sig = not location and is_significant(row, by_ci=True)
        bounds = (row.ci_lower, row.ci_upper)
        hist = histograms.get(name)
        key = "effect_location" if location else "effect_sig" if sig else "effect_ns"
        rows.append({
            "name": name, "definition": row.rhs, "path": path,
            "est": row.est, "se": row.se,
            "std": None if location else row.std_all,
            "std_ci": (None, None) if location else (row.std_all_ci_lower, row.std_all_ci_upper),
            "pvalue": None if location else row.pvalue, "ci": bounds, "sig": sig,
            "disagree": not location and boot is not None and disagrees(row),
            "sentence": sentence(lang, key,
                                 name=f"{name} ({path})" if path else name,
                                 est=fmt_est(row.est), level=fmt_level(level), ci=fmt_ci(bounds)),
            "chart": None if hist is None else bootstrap_histogram_svg(
                hist.get("edges", []), [int(c) for c in hist.get("counts", [])],
                estimate=row.est, ci=bounds, title=name),
        })
    return {"rows": rows, "level": level, "note": _ci_source(results, lang),
            "chart_note": sentence(lang, "distribution_note", level=fmt_level(level),
                                   ci=t.get(f"ci_{boot.ci}", boot.ci) if boot else "Wald")}


def _tested_path(path: str, row: ParameterRow | None, parts: ModelParts, labels: Labels) -> str:
    """What a hypothesis tests in display names (``联盟惯例 → 组织间学习``), else as written."""
    if row is not None and row.op == "~":
        return f"{labels.name(row.rhs)} → {labels.name(row.lhs)}"
    if row is not None and row.op == ":=":
        chain = describe_effect(row, parts, labels)
        return f"{chain} ({row.label or row.lhs})" if chain else path
    return path


def _hypotheses(
    results: Results, parts: ModelParts, labels: Labels, lang: Lang
) -> dict[str, Any] | None:
    if not results.hypotheses:
        return None
    out = []
    t = strings(lang)
    checks = (check_group_hypotheses(results, lang=lang) if len(group_values(results)) > 1
              else [GroupCheck(c, None) for c in check_hypotheses(results.hypotheses, parts,
                                                                  lang=lang)])
    for item in checks:
        check, row = item.check, item.check.row
        out.append({
            "id": check.id, "text": check.text,
            "path": _tested_path(check.path, row, parts, labels),
            # multi-group: which group the estimate is, or that it is held equal in all
            "group": t["all_groups_equal"] if item.equal else
            labels.group_title(results.group, item.group) if item.group is not None else "",
            "expected": f"exp_{check.expected}", "verdict": check.verdict,
            "std": None if row is None else row.std_all,
            "est": None if row is None else row.est,
            "pvalue": None if row is None else row.pvalue,
            "ci": None if row is None else (row.ci_lower, row.ci_upper),
            "disagree": row is not None and disagrees(row),
        })
    level = results.bootstrap.level if results.bootstrap else DEFAULT_LEVEL
    return {"rows": out, "level": level,
            "note": sentence(lang, "hypotheses_note")}


def _warnings(results: Results, labels: Labels, lang: Lang) -> list[str]:
    notes = [] if results.converged else [sentence(lang, "not_converged")]
    notes += [w for w in portfolio_warnings(results.warnings, results.portfolio, lang)
              if not w.startswith(LOADING_WARNING)]  # worded below, in the report's language
    boot = results.bootstrap
    if boot is not None and boot.succeeded < boot.draws:
        notes.append(sentence(lang, "failed_draws", failed=f"{boot.draws - boot.succeeded:,}",
                              draws=f"{boot.draws:,}"))
    if boot is not None and boot.inadmissible:
        notes.append(sentence(lang, "inadmissible_draws", count=f"{len(boot.inadmissible):,}",
                              draws=f"{boot.succeeded:,}"))
    # every group's loadings; a multi-group fit names the group: "ar2 (group 2)"
    t = strings(lang)
    several = len(group_values(results)) > 1
    loadings = [(row, f" ({t['group']} {labels.group_title(results.group, str(row.group))})"
                 if several else "")
                for row in results.parameters if row.op == "=~"]
    notes += [sentence(lang, "reverse_worded", item=row.rhs + where,
                       construct=labels.name(row.lhs), value=fmt_std(row.std_all))
              for row, where in loadings if row.std_all is not None and row.std_all < 0]
    notes += [sentence(lang, "heywood", item=f"{labels.name(row.lhs)} → {row.rhs}{where}",
                       value=fmt_std(row.std_all))
              for row, where in loadings if row.std_all is not None and abs(row.std_all) > 1]
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


def _key_results(measurement: dict[str, Any] | None, fit: dict[str, Any],
                 effects: dict[str, Any], hypotheses: dict[str, Any] | None,
                 lang: Lang) -> list[str]:
    """What a reader wants first: measurement, fit, hypotheses supported, each defined effect."""
    lines = [measurement["sentence"]] if measurement and measurement["reliability"] else []
    lines.append(fit["sentence"])
    if hypotheses:
        supported = sum(1 for h in hypotheses["rows"] if h["verdict"] == "supported")
        lines.append(sentence(lang, "hypotheses_count", supported=str(supported),
                              total=str(len(hypotheses["rows"]))))
    return lines + [row["sentence"] for row in effects["rows"]]


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
        Keys ``lang, t, key_results, title, model, error, summary, diagram, groups (the
        per-group sections of a multi-group fit, :mod:`semwb.report.group_context`), measurement,
        validity, descriptives, cmb, fit, paths, covariances, effects, conditional (probed
        product and power terms), portfolio (measures of a ``portfolio:`` spec), explore (agreement
        of a ``unit:`` spec, multiple imputation beside FIML, prediction), hypotheses, warnings,
        provenance, inv, it`` (the invariance ladder,
        ``results.invariance``, and its words), modindices (``results.modindices``); a section
        that has nothing to show is ``None``.
    """
    labels = labels or Labels()
    t = strings(lang)
    parts = split_parameters(results)
    other = "en" if lang == "zh" else "zh"
    title = results.title.get(lang) or results.title.get(other) or results.model
    groups = group_sections(results, labels, lang, title)
    # multi-group: loadings, paths, R² and diagrams per group; reliability is never derived
    # from one group's loadings
    quality = merge_quality(results, measurement, None if groups else parts)
    diagram: Markup | None = None
    if parts.structural and not groups:
        diagram = path_diagram_svg(parts, labels=labels, r2=results.r2,
                                   title=t["diagram_aria"] + ": " + title)
    measurement_ctx = (measurement_section(parts, quality, labels, lang) if parts.latents
                       and not groups else None)
    if parts.latents and groups:
        measurement_ctx = group_measurement(parts, groups, quality, labels, lang)
    fit = _fit(results, parts, labels, lang)
    # a defined effect may chain labels of any group
    effects = _effects(results, every_path(results, parts) if groups else parts, labels, lang)
    hypotheses = _hypotheses(results, every_path(results, parts) if groups else parts, labels,
                             lang)
    titles = {str(g): labels.group_title(results.group, str(g))
              for g in (results.invariance or {}).get("groups", [])}
    return {
        "lang": lang,
        "t": t,
        "key_results": _key_results(measurement_ctx, fit, effects, hypotheses, lang),
        "title": title,
        "model": results.model,
        "error": results.error,
        "summary": _summary(results, labels, lang),
        "diagram": diagram,
        "groups": groups,
        "measurement": measurement_ctx,
        "validity": validity_section(parts, quality, labels, lang),
        "descriptives": descriptives_section(parts, quality, labels, lang),
        "cmb": common_method_section(quality, lang),
        "fit": fit,
        "paths": {"rows": [parameter_row(r, labels) for r in parts.paths],
                  "estimator": results.estimator,
                  "level": results.bootstrap.level if results.bootstrap else DEFAULT_LEVEL,
                  "note": sentence(lang, "paths_note", ci_source=_ci_source(results, lang))},
        "covariances": [parameter_row(r, labels) for r in parts.covariances],
        "effects": effects,
        "conditional": conditional_section(results.conditional, lang),
        "portfolio": portfolio_section(results.portfolio, lang),
        "explore": _explore(results, lang),
        "hypotheses": hypotheses,
        "warnings": _warnings(results, labels, lang),
        "provenance": _provenance(results, lang, results_dir),
        "inv": results.invariance,
        "modindices": modindices_section(results.modindices, lang),
        "it": invariance_text(lang),
        "gt": titles,
        "inv_groups": ladder_groups(results.invariance, titles, lang) if results.invariance
        else "",
    }
