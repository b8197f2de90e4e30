"""Many analyses -> the context of the index page: one row per model, nested-model comparisons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from semwb.chisq_difference import DifferenceTest, scaled_difference
from semwb.distributions import chi2_sf
from semwb.report.i18n import Lang, sentence, strings
from semwb.report.parts import group_values, is_location, is_significant, split_parameters
from semwb.report.robust_fit import is_robust, is_scaled, judged, wlsmv_robust
from semwb.results import Results


@dataclass(frozen=True)
class Comparison:
    """A restricted model against the more general model it is nested in.

    ``pvalue`` is the plain likelihood-ratio (chi-square difference) test, valid under ML only;
    ``None`` with a ``note`` when a scaled difference test would be needed.
    """

    restricted: str
    general: str
    delta_chisq: float | None
    delta_df: int | None
    pvalue: float | None
    delta_aic: float | None
    delta_bic: float | None
    note: str
    method: str = ""
    delta_bic2: float | None = None


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def compare_nested(restricted: Results, general: Results, *, lang: Lang) -> Comparison:
    """Chi-square difference test and information criteria of two nested models.

    Notes
    -----
    Delta chi-square = chi2(restricted) - chi2(general) on df(restricted) - df(general) degrees of
    freedom (the likelihood-ratio test; lavaan's ``anova()`` for ML). For MLR and MLM the plain
    difference is not chi-square distributed: the Satorra-Bentler (2001) scaled difference
    (lavaan's ``lavTestLRT()`` default) is given when both fits carry their scaling factors,
    otherwise no p value.
    """
    d_chisq = _diff(restricted.fit.chisq, general.fit.chisq)
    d_df = (None if restricted.fit.df is None or general.fit.df is None
            else restricted.fit.df - general.fit.df)
    note, pvalue, method = "", None, ""
    estimator = restricted.estimator if restricted.estimator != "ML" else general.estimator
    # the Satorra-Bentler difference is MLR's and MLM's; WLSMV's scaled-shifted statistic needs
    # lavaan's satorra.2000 test, which semwb does not compute: no p value, a note
    scaled = (_scaled_difference(restricted, general)
              if {restricted.estimator, general.estimator} <= {"MLR", "MLM"} else None)
    if scaled is not None:
        d_chisq, pvalue, method = scaled.chisq_diff, scaled.pvalue, "Satorra-Bentler 2001"
    elif estimator != "ML":
        note = sentence(lang, "scaled_needed", estimator=estimator)
    elif d_chisq is not None and d_df is not None and d_df > 0:
        pvalue = float(chi2_sf(max(d_chisq, 0.0), d_df))
    return Comparison(
        restricted=restricted.model, general=general.model, delta_chisq=d_chisq, delta_df=d_df,
        pvalue=pvalue, delta_aic=_diff(restricted.fit.aic, general.fit.aic),
        delta_bic=_diff(restricted.fit.bic, general.fit.bic), note=note, method=method,
        delta_bic2=_diff(restricted.fit.bic2, general.fit.bic2),
    )


def _scaled_difference(restricted: Results, general: Results) -> DifferenceTest | None:
    """The Satorra-Bentler (2001) scaled difference of two fits of one robust estimator."""
    r, g = restricted.fit, general.fit
    c1 = 1.0 if g.df == 0 else g.chisq_scaling_factor  # a saturated general model: c = 1
    if (restricted.estimator != general.estimator or r.chisq is None or r.df is None
            or r.chisq_scaling_factor is None or g.chisq is None or g.df is None or c1 is None
            or r.df <= g.df):
        return None
    test = scaled_difference((r.chisq, r.df, r.chisq_scaling_factor), (g.chisq, g.df, c1))
    return test if test.pvalue is not None else None


def _safe_href(href: str | None) -> str | None:
    """Keep a link relative: percent-encode it so no scheme (``javascript:``) can survive."""
    return None if href is None else quote(href, safe="/._-~")


def _model_row(results: Results, href: str | None, lang: Lang) -> dict[str, Any]:
    other = "en" if lang == "zh" else "zh"
    parts = split_parameters(results)
    return {
        "model": results.model,
        "title": results.title.get(lang) or results.title.get(other) or "",
        "href": _safe_href(href),
        "error": results.error,
        "converged": results.converged,
        "n": results.n_obs,
        # a multi-group fit: N, chi-square and the indices are of all groups together
        "groups": _groups_note(results, lang),
        "fit": results.fit,
        # the values the model's report judges: MLR / MLM's robust CFI, TLI and RMSEA, WLSMV's
        # scaled chi-square and robust (else scaled) indices
        "robust": is_robust(results),
        "scaled": is_scaled(results),
        "wlsmv_robust": wlsmv_robust(results),
        "chisq": judged(results, "chisq"),
        "indices": {name: judged(results, name) for name in ("cfi", "tli", "rmsea")},
        "effects": [{"name": row.label or row.lhs, "est": row.est,
                     "ci": (row.ci_lower, row.ci_upper), "pvalue": row.pvalue,
                     "sig": not is_location(row) and is_significant(row, by_ci=True)}
                    for row in parts.defined],
    }


def _groups_note(results: Results, lang: Lang) -> str:
    """``"3 groups by own"`` for a multi-group fit, ``""`` for one group."""
    groups = [g for g in group_values(results) if g is not None]
    if len(groups) < 2:
        return ""
    return sentence(lang, "n_groups", n=str(len(groups)), column=results.group or "group")


def build_index_context(
    results_list: list[Results], hrefs: list[str | None], *, lang: Lang
) -> dict[str, Any]:
    """Build what ``index.html`` reads: ``lang, t, rows, comparisons``.

    A model lists in ``nested_in`` the models it is nested in; each such pair present in
    ``results_list`` (and without error) gives one comparison row.
    """
    by_name = {r.model: r for r in results_list if r.error is None}
    comparisons = [
        compare_nested(r, by_name[general], lang=lang)
        for r in results_list if r.error is None
        for general in r.nested_in if general in by_name
    ]
    return {
        "lang": lang,
        "t": strings(lang),
        "rows": [_model_row(r, h, lang) for r, h in zip(results_list, hrefs, strict=True)],
        "comparisons": comparisons,
    }
