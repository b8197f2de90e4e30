"""What a report shows of a robust (MLR, MLM, WLSMV) fit: the scaled test and which fit values
to read.

Under a robust estimator the report judges CFI, TLI and RMSEA by their ``.robust`` values
(Brosseau-Liard & Savalei, 2014; Savalei's FIML correction under FIML; for WLSMV Savalei, 2021,
lavaan's catML values), the ones a reviewer should read; the ``.scaled`` values (the statistic
rescaled, as older software reports them) are listed beside them without a verdict. WLSMV's
chi-square is its scaled-shifted statistic; where lavaan gives no robust WLSMV values
(continuous columns beside the items) the ``.scaled`` indices are judged.
"""

from __future__ import annotations

from typing import Any

from semwb.report.filters import fmt_est
from semwb.report.i18n import Lang, sentence, strings
from semwb.results import FitIndices, Results

#: The indices that have a robust version, and the test each estimator scales by.
ROBUST_INDICES = ("cfi", "tli", "rmsea")
TESTS = {"MLR": "Yuan-Bentler", "MLM": "Satorra-Bentler"}


def is_robust(results: Results) -> bool:
    """Whether the fit carries scaled and robust measures (MLR, MLM; not WLSMV's scaled test)."""
    return results.estimator in TESTS and results.fit.chisq_scaled is not None


def is_scaled(results: Results) -> bool:
    """Whether the fit is judged by its scaled test and ``.scaled`` indices (WLSMV)."""
    return results.estimator == "WLSMV" and results.fit.chisq_scaled is not None


def wlsmv_robust(results: Results) -> bool:
    """Whether a WLSMV fit carries lavaan's ``.robust`` indices (ordinal items only)."""
    return is_scaled(results) and results.fit.cfi_robust is not None


def judged(results: Results, name: str) -> float | None:
    """The value of ``chisq``, ``cfi``, ``tli`` or ``rmsea`` the model's report judges.

    WLSMV: the scaled-shifted ``chisq_scaled`` and the ``.robust`` indices (the ``.scaled`` ones
    where lavaan gives no robust values); MLR / MLM: the ``.robust`` indices (and the unscaled
    chi-square, whose scaled test has its own block); ML: the standard values.
    """
    if wlsmv_robust(results) and name in ROBUST_INDICES:
        return reported(results.fit, name, True)[0]
    if is_scaled(results) and name in ("chisq", *ROBUST_INDICES):
        value: float | None = getattr(results.fit, name + "_scaled")
        return value
    return reported(results.fit, name, is_robust(results))[0]


def reported(fit: FitIndices, name: str, robust: bool
             ) -> tuple[float | None, tuple[float | None, float | None] | None, str]:
    """The value of index ``name`` to judge, its interval (RMSEA) and the suffix of its name."""
    suffix = "_robust" if robust and name in ROBUST_INDICES else ""
    value = getattr(fit, name + suffix)
    ci = ((getattr(fit, "rmsea_ci_lower" + suffix), getattr(fit, "rmsea_ci_upper" + suffix))
          if name == "rmsea" else None)
    return value, ci, suffix


def scaled_block(results: Results, lang: Lang) -> dict[str, Any] | None:
    """The scaled test, the ``.scaled`` indices and the note on which values to read (WLSMV:
    no test row, its scaled-shifted chi-square is the report's own)."""
    if not (is_robust(results) or wlsmv_robust(results)):
        return None
    fit, t = results.fit, strings(lang)
    rows = [{"name": f"{name.upper()} {t['scaled_suffix']}",
             "value": getattr(fit, name + "_scaled"),
             "ci": (fit.rmsea_ci_lower_scaled, fit.rmsea_ci_upper_scaled) if name == "rmsea"
             else None} for name in ROBUST_INDICES]
    if results.estimator == "WLSMV":
        return {"label": "", "rows": rows,
                "note": sentence(lang, "fit_wlsmv_robust_note", estimator=results.estimator)}
    test = TESTS.get(results.estimator, results.estimator)
    return {
        "label": t["chisq_scaled"].format(test=test),
        "chisq": fit.chisq_scaled, "df": fit.df, "pvalue": fit.pvalue_scaled,
        "factor": fit.chisq_scaling_factor, "rows": rows,
        "note": sentence(lang, "fit_robust_note", estimator=results.estimator, test=test,
                         factor=fmt_est(fit.chisq_scaling_factor, 3)),
    }
