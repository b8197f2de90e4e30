"""The scaled chi-square of MLR and MLM fits and lavaan's ``.scaled`` and ``.robust`` measures.

As lavaan 0.6 ``fitMeasures()``, for a test statistic ``T`` on ``df`` degrees of freedom with the
trace ``tr(UΓ)`` (:mod:`semwb.sem.estimators.robust`) and scaling factor ``c = tr(UΓ) / df``
(the baseline model's ``c₀`` alike):

- scaled: ``T / c`` and its p-value; CFI and TLI from ``T / c`` and ``T₀ / c₀``; RMSEA
  ``sqrt(max(T / (N tr) - 1 / N, 0))`` with its interval from ``T`` on ``tr(UΓ)`` degrees of
  freedom;
- robust (Brosseau-Liard, Savalei & Li 2012; Brosseau-Liard & Savalei 2014): CFI
  ``1 - max(T - c df, 0) / max(T - c df, T₀ - c₀ df₀, 0)``, TLI likewise, RMSEA
  ``sqrt(max(T / (N df) - c / N, 0))`` with the interval of ``T / c`` scaled by ``sqrt(c)``.
  Under FIML ``T``, ``c`` and the baseline's are Savalei's (2018) FIML-corrected ones: the
  model evaluated as complete data against the EM moments, with the corrected trace.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from semwb.distributions import chi2_sf
from semwb.errors import SemwbWarning, SpecError
from semwb.results import FitIndices
from semwb.sem.estimators.ml import CoreFit, data_patterns
from semwb.sem.estimators.robust import (
    Mask,
    Sandwich,
    Unrestricted,
    at_moments,
    fiml_corrected_trace,
    huber_white,
    moment_model,
    robust_sem,
    unrestricted,
)
from semwb.sem.fitindices import (
    Moments,
    baseline_moments,
    em_saturated,
    incremental,
    rmsea,
    rmsea_interval,
)
from semwb.sem.model.algebra import Pattern, implied
from semwb.sem.model.structure import Array, ModelMatrices

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult

#: lavaan's names of the scaled tests.
SCALED_TESTS = {"MLR": "yuan.bentler.mplus", "MLM": "satorra.bentler"}


def check_estimator(estimator: str, *, missing: str, engine: str, bootstrap: bool,
                    source: str) -> None:
    """Refuse the option combinations lavaan refuses with a robust estimator (or semwb cannot fit).

    Raises
    ------
    SpecError
        MLM with FIML (Satorra-Bentler needs complete data), a bootstrap (lavaan: "use ML
        estimator for bootstrap") or the semopy engine.
    """
    if estimator == "MLM" and missing == "fiml":
        raise SpecError(f"{source}: 'estimator: MLM' needs complete data (the Satorra-Bentler "
                        "correction has no FIML form); use 'estimator: MLR' with 'missing: "
                        "fiml', or 'missing: listwise'.")
    if bootstrap:
        raise SpecError(f"{source}: 'estimator: {estimator}' cannot be combined with a "
                        "bootstrap ('bootstrap:' or --bootstrap; lavaan refuses it too); use "
                        "'estimator: ML' with the bootstrap, or drop the bootstrap for robust "
                        "standard errors.")
    if engine == "semopy":
        raise SpecError(f"{source}: 'engine: semopy' fits ML only; remove 'engine: semopy' to "
                        f"fit 'estimator: {estimator}'.")


@dataclass(frozen=True)
class RobustTest:
    """The pieces of the scaled and robust fit measures of one fit.

    ``trace`` is ``tr(UΓ)`` (the baseline's alike); under FIML ``corrected`` holds Savalei's
    complete-data statistics and corrected traces ``(T, k, T₀, k₀)`` for the robust measures.
    """

    trace: float
    baseline_trace: float
    corrected: tuple[float, float, float, float] | None


def sandwich(estimator: str, mm: ModelMatrices, theta: Array, patterns: list[Pattern],
             h1: Unrestricted, *, hessian: Array | None = None) -> Sandwich:
    """The robust covariance and trace of ``estimator`` (``MLR`` or ``MLM``) at ``theta``
    (``hessian``: MLR's bread when the fit has it, see :func:`huber_white`)."""
    if estimator == "MLR":
        return huber_white(mm, theta, patterns, h1, hessian=hessian)
    return robust_sem(mm, theta, h1)


def h1_pieces(mm: ModelMatrices, X: Array, patterns: list[Pattern], sigma: Array, mu: Array,
              fixed_x: Mask) -> Unrestricted:
    """The unrestricted model's robust pieces for data ``X`` (H1 moments ``Σ``, ``μ``)."""
    model = moment_model(mm.observed, fixed_x=fixed_x, random=np.zeros_like(fixed_x),
                         meanstructure=mm.meanstructure)
    return unrestricted(model, X, patterns, sigma, mu, fixed_x)


def baseline_model(observed: tuple[str, ...], moments: Moments) -> ModelMatrices:
    """lavaan's independence baseline as a moment model at its ML estimate for ``moments``."""
    fixed_x, random = covariate_masks(moments)
    base = moment_model(observed, fixed_x=fixed_x, random=random,
                        meanstructure=moments.meanstructure, diagonal=True)
    sigma0, mu0 = baseline_moments(moments)
    return at_moments(base, sigma0, mu0, fixed_x)


def covariate_masks(moments: Moments) -> tuple[Mask, Mask]:
    """The fixed.x covariates, and the random ones whose block the baseline saturates (lavaan's
    ``ov.x``: those the syntax gives no (co)variance or intercept of their own)."""
    cov = np.asarray(moments.covariates, dtype=bool)
    if moments.fixed_x:
        return cov, np.zeros_like(cov)
    return np.zeros_like(cov), np.asarray(moments.baseline_x, dtype=bool)


def robust_fit(estimator: str, core: CoreFit, moments: Moments, X: Array
               ) -> tuple[Array, RobustTest]:
    """The robust sampling covariance of a fit and its :class:`RobustTest`.

    Parameters
    ----------
    estimator
        ``MLR`` (Huber-White SEs, Yuan-Bentler test) or ``MLM`` (robust.sem SEs,
        Satorra-Bentler test; complete data).
    core
        The ML or FIML fit.
    moments
        The data's H1 moments (as for the fit indices).
    X
        The data ``(N, p)`` in model order (NaN = missing under FIML).
    """
    fixed_x, _ = covariate_masks(moments)
    h1 = h1_pieces(core.mm, X, core.patterns, moments.h1_sigma, moments.h1_mu, fixed_x)
    theta = core.mm.estimate
    model = sandwich(estimator, core.mm, theta, core.patterns, h1, hessian=core.hessian)
    base = baseline_model(core.mm.observed, moments)
    baseline = sandwich(estimator, base, base.estimate, core.patterns, h1)
    corrected = None
    if not np.isfinite(X).all():
        corrected = (_complete_chisq(core.mm, theta, moments),
                     fiml_corrected_trace(core.mm, theta, h1),
                     _complete_chisq(base, base.estimate, moments),
                     fiml_corrected_trace(base, base.estimate, h1))
    return model.vcov, RobustTest(model.trace, baseline.trace, corrected)


def trace_at(general: FitResult, restricted: FitResult) -> float:
    """``tr(UΓ)`` of the general model at the restricted model's estimates (lavaan's "M10").

    Every free parameter of ``general`` takes the restricted fit's value of the same
    ``lhs op rhs`` row (0 when the restricted model lacks the row); the trace is then computed
    as for a fit, with the general model's estimator, on its data.
    """
    mm = general.model
    table = restricted.parameters
    values = {_row_key(r.lhs, r.op, r.rhs): r.est
              for r in table[table["op"] != ":="].itertuples()}
    theta = mm.estimate.copy()
    for row in mm.rows:
        if row.param >= 0:
            theta[row.param] = values.get(_row_key(row.lhs, row.op, row.rhs), 0.0)
    X = general.data.to_numpy(dtype=float)
    patterns = data_patterns(X)
    if np.isfinite(X).all():
        sigma, mu = patterns[0].S[0], patterns[0].mean[0]
    else:
        mu, sigma, done = em_saturated(patterns, X.shape[1])
        if not done:
            warnings.warn(f"{general.spec.name}: the EM algorithm for the unrestricted (H1) "
                          "model did not converge; the scaled difference test may be "
                          "inaccurate.", SemwbWarning, stacklevel=2)
    fixed_x = np.isin(np.arange(X.shape[1]), mm.xcells.var_a)
    h1 = h1_pieces(mm, X, patterns, sigma, mu, fixed_x)
    return sandwich(general.spec.estimator, mm, theta, patterns, h1).trace


def _row_key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    if op == "~~":
        a, b = sorted((lhs, rhs))
        return a, op, b
    return lhs, op, rhs


def _complete_chisq(mm: ModelMatrices, theta: Array, moments: Moments) -> float:
    """``N F_ML`` of the model at ``theta`` against the H1 moments taken as complete data."""
    imp = implied(mm, theta[None])
    sigma, mu = imp.sigma[0], imp.mu[0] if mm.meanstructure else moments.h1_mu
    return complete_chisq(sigma, mu, moments)


def complete_chisq(sigma: Array, mu: Array, moments: Moments) -> float:
    """``N F_ML`` of implied ``Σ``, ``μ`` against the H1 moments taken as complete data."""
    s, m = moments.h1_sigma, moments.h1_mu
    inv = np.linalg.inv(sigma)
    d = m - mu
    f = (np.linalg.slogdet(sigma)[1] - np.linalg.slogdet(s)[1] + np.trace(s @ inv) - len(m)
         + d @ inv @ d)
    return float(moments.n * f)


def scaled_indices(indices: FitIndices, test: RobustTest, n: int) -> FitIndices:
    """``indices`` with lavaan's ``.scaled`` and ``.robust`` measures filled in."""
    chisq, df = float(indices.chisq or 0.0), int(indices.df or 0)
    chisq0, df0 = float(indices.baseline_chisq or 0.0), int(indices.baseline_df or 0)
    c = test.trace / df if df > 0 and test.trace > 0 else float("nan")
    c0 = test.baseline_trace / df0 if df0 > 0 and test.baseline_trace > 0 else float("nan")
    scaled = chisq / c if df > 0 else chisq
    scaled0 = chisq0 / c0
    cfi_s, tli_s = incremental(scaled, df, scaled0, df0)
    xx, cc, xx0, cc0 = chisq, c, chisq0, c0
    if test.corrected is not None:
        xx, k, xx0, k0 = test.corrected
        cc, cc0 = k / df if df > 0 else float("nan"), k0 / df0 if df0 > 0 else float("nan")
    cfi_r, tli_r = robust_incremental(xx, df, xx0, df0, cc, cc0)
    nan = float("nan")
    if df > 0:
        rmsea_s = rmsea(chisq, test.trace, n)
        lower_s, upper_s = rmsea_interval_df(chisq, test.trace, n)
        lower_r, upper_r = (float(np.sqrt(cc) * b) for b in rmsea_interval_df(xx / cc, df, n))
    else:  # as lavaan: a saturated model has no scaled RMSEA, and a robust interval of 0
        rmsea_s = lower_s = upper_s = nan
        lower_r = upper_r = 0.0
    update = {
        "chisq_scaled": scaled, "chisq_scaling_factor": c,
        "pvalue_scaled": float(chi2_sf(scaled, df)) if df > 0 else None,
        "baseline_chisq_scaled": scaled0, "baseline_chisq_scaling_factor": c0,
        "cfi_scaled": cfi_s, "tli_scaled": tli_s, "rmsea_scaled": rmsea_s,
        "rmsea_ci_lower_scaled": lower_s, "rmsea_ci_upper_scaled": upper_s,
        "cfi_robust": cfi_r, "tli_robust": tli_r, "rmsea_robust": rmsea(xx, df, n, c=cc),
        "rmsea_ci_lower_robust": lower_r, "rmsea_ci_upper_robust": upper_r,
    }
    # validated, not model_copy: undefined values (NaN) become None, as everywhere in results
    return FitIndices.model_validate({**indices.model_dump(), **update})


def rmsea_interval_df(chisq: float, df: float, n: int) -> tuple[float, float]:
    """The RMSEA interval on a possibly fractional ``df`` (0 below one degree, as lavaan)."""
    if not (np.isfinite(chisq) and np.isfinite(df)):
        return float("nan"), float("nan")
    if df < 1:
        return 0.0, 0.0
    return rmsea_interval(chisq, df, n)


def robust_incremental(chisq: float, df: int, chisq0: float, df0: int, c: float,
                        c0: float) -> tuple[float, float]:
    """lavaan's robust CFI and TLI (``lav_fit_cfi`` / ``lav_fit_tli`` with ``c.hat``)."""
    if not (np.isfinite(c) and np.isfinite(c0)):
        return float("nan"), float("nan")
    t1 = max(chisq - c * df, 0.0)
    t2 = max(chisq - c * df, chisq0 - c0 * df0, 0.0)
    cfi = 1.0 if np.isclose(t1, 0.0) and np.isclose(t2, 0.0) else 1.0 - t1 / t2
    u1 = (chisq - c * df) * df0
    u2 = (chisq0 - c0 * df0) * df
    tli = 1.0 - u1 / u2 if df > 0 and abs(u2) > 0 else 1.0
    return cfi, tli
