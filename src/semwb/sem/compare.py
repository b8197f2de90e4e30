"""Model comparison: nested chi-square difference tests (lavaan's ``lavTestLRT``), AIC, BIC, BIC2.

Models fitted to the same data are put in order of their degrees of freedom, as ``lavTestLRT``
does; each model is tested against the nearest model before it (fewer df) in which it is nested
(``lavTestLRT`` takes the one just before it; the two agree for a nested sequence). Nesting is
checked, not assumed, by the NET procedure (Bentler & Satorra 2010, lavaan's ``lavTestNET``):
the less restricted model is refitted to the moments implied by the more restricted one; it is
nested when the minimum (``F_ML / 2``) is below ``1e-7``. Pairs with equal degrees of freedom
are *equivalent* when each is nested in the other (no test); models that are not nested are
shown side by side with their information criteria only.

The difference statistic depends on the estimator: :data:`DIFFERENCE_TESTS` maps an estimator to
its test (``ML``: the plain chi-square difference with lavaan's RMSEA of the difference; ``MLR``
and ``MLM``: the Satorra & Bentler (2001) scaled difference); :func:`compare_models` refuses
estimators without one (WLSMV) rather than give an unscaled test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from semwb.distributions import chi2_sf
from semwb.errors import OptionError
from semwb.sem.fitindices import rmsea as rmsea_of
from semwb.sem.model.algebra import Pattern, implied, with_sample_moments
from semwb.sem.model.fitting import fit_batch

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult

__all__ = ["DIFFERENCE_TESTS", "Comparison", "Difference", "chisq_difference", "compare_models",
           "net_minimum"]

#: NET criterion on ``F_ML / 2`` (lavaan's ``lav_test_net_pair``, Asparouhov & Muthén 2019).
NET_CRITERION = 1e-7
_CRITERIA = ["n_obs", "npar", "df", "chisq", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic",
             "bic", "bic2", "loglik"]


@dataclass(frozen=True)
class Difference:
    """A difference test of a restricted model against a less restricted one."""

    chisq: float
    df: int
    pvalue: float
    rmsea: float
    method: str


#: A difference test: ``(less restricted fit, more restricted fit) -> Difference``.
DifferenceTest = Callable[["FitResult", "FitResult"], Difference]


def chisq_difference(free: FitResult, restricted: FitResult) -> Difference:
    """The likelihood-ratio (chi-square difference) test and RMSEA_D, as ``lavTestLRT`` for ML.

    ``RMSEA_D = sqrt(max(Δχ²/N/Δdf - 1/N, 0))`` (lavaan 0.6-13 and later).
    """
    chisq = float(restricted.fit.chisq or 0.0) - float(free.fit.chisq or 0.0)
    df = int(restricted.fit.df or 0) - int(free.fit.df or 0)
    n = restricted.n_obs
    rmsea = rmsea_of(chisq, df, n) if df > 0 else float("nan")
    pvalue = float(chi2_sf(chisq, df)) if df > 0 else float("nan")
    return Difference(chisq, df, pvalue, rmsea, "chi-square difference (likelihood ratio)")


def scaled_chisq_difference(free: FitResult, restricted: FitResult) -> Difference:
    """The Satorra-Bentler (2001) scaled difference of two MLR or MLM fits, as ``lavTestLRT``.

    ``RMSEA_D = sqrt(max(Δχ²/N/Δdf - c_d/N, 0))`` from the unscaled difference and the
    difference's scaling factor ``c_d`` (lavaan 0.6-13 and later; NaN under FIML, as lavaan).
    """
    from semwb.sem.difference_test import scaled_difference_test

    test = scaled_difference_test(free, restricted)
    n, c = restricted.n_obs, test.scaling_factor
    rmsea = (rmsea_of(test.chisq_diff_unscaled, test.df_diff, n, c=c)
             if c is not None and restricted.spec.missing == "listwise" else float("nan"))
    return Difference(float("nan") if test.chisq_diff is None else test.chisq_diff,
                      test.df_diff, float("nan") if test.pvalue is None else test.pvalue, rmsea,
                      f"scaled chi-square difference ({test.method})")


#: The difference test of each estimator.
DIFFERENCE_TESTS: dict[str, DifferenceTest] = {"ML": chisq_difference,
                                                "MLR": scaled_chisq_difference,
                                                "MLM": scaled_chisq_difference}


def net_minimum(free: FitResult, restricted: FitResult) -> tuple[float, bool]:
    """NET: ``F_ML / 2`` of ``free`` refitted to the moments implied by ``restricted``.

    The refit is Fisher scoring from ``free``'s estimate (no slower fallback: a refit that does
    not converge leaves the pair undecided, and undecided pairs get no test). Returns the
    minimum found and whether the refit converged.
    """
    mm = free.model
    order = [restricted.observed.index(v) for v in mm.observed]
    imp = implied(restricted.model, restricted.model.estimate[None])
    sigma = imp.sigma[0][np.ix_(order, order)]
    mean = (imp.mu[0] if restricted.model.meanstructure
            else restricted.data.mean().to_numpy())[order]
    pattern = Pattern(np.arange(len(order)), 1.0, sigma[None], mean[None])
    done = fit_batch(with_sample_moments(mm, sigma, mean), [pattern], start=mm.estimate,
                     tol=1e-10, max_iter=300, refresh_every=1)
    value = (float(done.objective[0]) - np.linalg.slogdet(sigma)[1] - len(order)) / 2
    return max(value, 0.0), bool(done.converged[0])


def _nested(free: FitResult, restricted: FitResult) -> bool | None:
    """Whether ``restricted`` is nested in ``free`` (None: the refit did not settle it)."""
    value, converged = net_minimum(free, restricted)
    if value < NET_CRITERION:
        return True
    return False if converged and value > 10 * NET_CRITERION else None


@dataclass(frozen=True)
class Comparison:
    """Models side by side, in order of their degrees of freedom.

    ``table`` has one row per model: ``model`` and the fit criteria, then ``equivalent_to`` (a
    model above with the same df that reproduces it and is reproduced by it), ``against`` (the
    nearest model above, with fewer df, in which it is nested) and the difference test against
    that model, ``chisq_diff``, ``df_diff``, ``pvalue_diff``, ``rmsea_diff`` (empty when it is
    nested in none). ``method`` names the difference test (empty when no pair was nested).
    """

    table: pd.DataFrame
    method: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``method`` and ``models`` (rows with NaN as None)."""
        rows = self.table.astype(object).where(self.table.notna(), None)
        return {"method": self.method, "models": rows.to_dict(orient="records")}


def _check_same_data(fits: Sequence[FitResult], names: Sequence[str]) -> None:
    first = fits[0]
    for fit, name in zip(fits[1:], names[1:], strict=True):
        if sorted(fit.observed) != sorted(first.observed) or fit.n_obs != first.n_obs:
            raise OptionError(
                f"{name} and {names[0]} are not fitted to the same data (observed variables "
                f"{', '.join(sorted(fit.observed))} on {fit.n_obs} rows vs "
                f"{', '.join(sorted(first.observed))} on {first.n_obs} rows); chi-square, AIC "
                "and BIC compare models of the same variables and cases only.")


def compare_models(fits: Sequence[FitResult], names: Sequence[str] | None = None) -> Comparison:
    """Compare models fitted to the same data, as ``lavTestLRT`` plus a nesting check.

    Parameters
    ----------
    fits
        Two or more fits of the same observed variables and rows.
    names
        How to call each model (default: the specs' names).

    Returns
    -------
    Comparison

    Raises
    ------
    OptionError
        Fewer than two models, different data, or an estimator without a difference test.
    """
    names = list(names) if names is not None else [f.spec.name for f in fits]
    if len(fits) < 2:
        raise OptionError("compare needs two or more models.")
    if len(set(names)) < len(names):
        raise OptionError(f"model names must differ to be compared; got {', '.join(names)}.")
    grouped = [name for name, f in zip(names, fits, strict=True) if f.groups]
    if grouped:
        raise OptionError(f"compare takes one-group models; {', '.join(grouped)} has groups "
                          "(compare groups with 'semwb invariance' or group_equal).")
    _check_same_data(fits, names)
    estimator = fits[0].spec.estimator
    test = DIFFERENCE_TESTS.get(estimator)
    if test is None or any(f.spec.estimator != estimator for f in fits):
        raise OptionError(f"no difference test for estimator(s) "
                          f"{', '.join(sorted({f.spec.estimator for f in fits}))}; compare models "
                          f"of one estimator among {', '.join(DIFFERENCE_TESTS)}.")
    order = sorted(range(len(fits)), key=lambda i: int(fits[i].fit.df or 0))
    rows: list[dict[str, Any]] = []
    method = ""
    for pos, i in enumerate(order):
        fit = fits[i]
        row: dict[str, Any] = {"model": names[i], "n_obs": fit.n_obs,
                               **{k: getattr(fit.fit, k) for k in _CRITERIA[1:]},
                               "equivalent_to": None, "against": None, "chisq_diff": None,
                               "df_diff": None, "pvalue_diff": None, "rmsea_diff": None}
        for j in reversed(order[:pos]):
            other = fits[j]
            if other.fit.df == fit.fit.df:
                if row["equivalent_to"] is None and _nested(other, fit) and _nested(fit, other):
                    row["equivalent_to"] = names[j]
            elif _nested(other, fit):
                diff = test(other, fit)
                method = diff.method
                row |= {"against": names[j], "chisq_diff": diff.chisq, "df_diff": diff.df,
                        "pvalue_diff": diff.pvalue, "rmsea_diff": diff.rmsea}
                break
        rows.append(row)
    return Comparison(pd.DataFrame(rows), method)
