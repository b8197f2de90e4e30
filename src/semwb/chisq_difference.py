"""Chi-square difference tests from numbers: plain and Satorra-Bentler scaled.

The arithmetic of lavaan 0.6 ``lavTestLRT`` on ``(chisq, df, scaling factor)`` of two nested
models, shared by the fits (:mod:`semwb.sem.difference_test`) and the index page, which compares
saved results (``report`` reads no model code, so the formula lives below both).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from semwb.errors import OptionError


@dataclass(frozen=True)
class DifferenceTest:
    """A scaled chi-square difference test.

    ``chisq_diff`` is the scaled difference, ``None`` (with ``pvalue``) when the scaling factor
    ``scaling_factor`` is not positive; ``chisq_diff_unscaled`` is ``T₀ - T₁``.
    """

    method: str
    chisq_diff: float | None
    df_diff: int
    pvalue: float | None
    scaling_factor: float | None
    chisq_diff_unscaled: float


def scaled_difference(restricted: tuple[float, int, float], general: tuple[float, int, float],
                      *, method: str = "satorra.bentler.2001") -> DifferenceTest:
    """The test from ``(chisq, df, scaling factor)`` of the restricted and the general model.

    For ``satorra.bentler.2010`` the general model's scaling factor must be the one evaluated
    at the restricted estimates (see :func:`scaled_difference_test`). A general model with
    ``df = 0`` counts with ``c₁ = 1`` under 2001, as lavaan.
    """
    from semwb.distributions import chi2_sf

    t0, r0, c0 = restricted
    t1, r1, c1 = general
    if r1 == 0 and method == "satorra.bentler.2001":
        c1 = 1.0
    m = r0 - r1
    if m <= 0:
        raise OptionError(f"a difference test needs the restricted model to have more degrees of "
                          f"freedom than the general one; got {r0} and {r1}.")
    cd = (r0 * c0 - r1 * c1) / m
    if not (math.isfinite(cd) and cd > 0):
        return DifferenceTest(method, None, m, None, None, t0 - t1)
    stat = (t0 - t1) / cd
    return DifferenceTest(method, stat, m, float(chi2_sf(max(stat, 0.0), m)), cd, t0 - t1)
