"""Scaled chi-square difference tests for two nested robust (MLR, MLM) fits.

As lavaan 0.6 ``lavTestLRT(fit1, fit0, method = ...)``: with standard statistics ``T₀`` (the
restricted model, ``r₀`` degrees of freedom) and ``T₁`` (the general model, ``r₁``), their scaling
factors ``c₀`` and ``c₁`` and ``m = r₀ - r₁``:

- ``satorra.bentler.2001`` (lavaan's default): ``c_d = (r₀ c₀ - r₁ c₁) / m``; it can be negative,
  and then no test is given;
- ``satorra.bentler.2010``: ``c₁`` is replaced by the general model's scaling factor evaluated at
  the restricted model's estimates (lavaan's "M10" model), which keeps ``c_d`` positive;

the statistic ``(T₀ - T₁) / c_d`` is referred to chi-square on ``m`` degrees of freedom. A plain
difference of two scaled statistics is not chi-square distributed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from semwb.chisq_difference import DifferenceTest, scaled_difference
from semwb.errors import OptionError

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult

Method = Literal["satorra.bentler.2001", "satorra.bentler.2010"]


def scaled_difference_test(general: FitResult, restricted: FitResult, *,
                           method: Method = "satorra.bentler.2001") -> DifferenceTest:
    """Satorra-Bentler scaled chi-square difference test of two nested fits on the same data.

    Parameters
    ----------
    general, restricted
        The fits (``estimator: MLR`` or ``MLM``, the same for both); ``restricted`` is nested
        in ``general`` (it fixes or constrains some of its parameters).
    method
        ``satorra.bentler.2001`` (lavaan's default) or ``satorra.bentler.2010``.

    Raises
    ------
    OptionError
        When the fits are not robust fits of one estimator, not on the same rows, not nested by
        their degrees of freedom, or the method is unknown.

    Notes
    -----
    Matches lavaan 0.6.14 ``lavTestLRT(fit1, fit0, method = method)`` on the
    ``tests/reference/robust_difference`` comparisons to 1e-6.
    """
    if method not in ("satorra.bentler.2001", "satorra.bentler.2010"):
        raise OptionError(f"the method of a scaled difference test is 'satorra.bentler.2001' or "
                          f"'satorra.bentler.2010'; got {method!r}.")
    estimators = {general.spec.estimator, restricted.spec.estimator}
    if len(estimators) != 1 or estimators & {"ML"}:
        raise OptionError("a scaled difference test compares two fits of the same robust "
                          f"estimator (MLR or MLM); got {sorted(estimators)} (use the plain "
                          "chi-square difference for ML).")
    if (general.n_obs != restricted.n_obs
            or sorted(general.observed) != sorted(restricted.observed)):
        raise OptionError("the two fits must use the same rows and variables; got "
                          f"{general.n_obs} and {restricted.n_obs} rows.")
    f0, f1 = restricted.fit, general.fit
    r1 = int(f1.df or 0)
    c1 = float(f1.chisq_scaling_factor or math.nan)
    if method == "satorra.bentler.2010":
        from semwb.sem.scaled_test import trace_at

        c1 = trace_at(general, restricted) / r1 if r1 > 0 else math.nan
    return scaled_difference((float(f0.chisq or 0.0), int(f0.df or 0),
                              float(f0.chisq_scaling_factor or math.nan)),
                             (float(f1.chisq or 0.0), r1, c1), method=method)
