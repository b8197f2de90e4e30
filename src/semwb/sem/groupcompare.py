"""Structural paths compared across groups: Wald tests of equality (lavaan's ``lavTestWald``).

For each regression ``lhs ~ rhs`` free in every group, the hypothesis that it is the same in all
``G`` groups is the set of contrasts ``β_1 - β_g`` (g = 2..G), tested by

``W = dᵀ (C V Cᵀ)⁻¹ d``, ``df = rank(C V Cᵀ)``,

with ``d = C θ̂`` and ``V`` the sampling covariance of the free parameters (paths already equal
through a shared label or ``group_equal: [regressions]`` are left out). Single differences with
their own estimate and interval are ``:=`` rows of ``c()`` labels (``d12 := a1 - a2``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from semwb.distributions import chi2_sf
from semwb.sem.estimate import FitResult


@dataclass(frozen=True)
class PathDifference:
    """The Wald test that ``lhs ~ rhs`` is equal in every group, and its estimate per group."""

    lhs: str
    rhs: str
    estimates: dict[str, float]
    chisq: float
    df: int
    pvalue: float


def wald(theta: np.ndarray, vcov: np.ndarray, C: np.ndarray) -> tuple[float, int]:
    """Wald statistic and df of the linear hypothesis ``C θ = 0``."""
    d = C @ theta
    middle = C @ vcov @ C.T
    rank = int(np.linalg.matrix_rank(middle))
    return float(d @ np.linalg.pinv(middle) @ d), rank


def path_differences(fit: FitResult) -> list[PathDifference]:
    """Wald tests of every regression's equality across the groups of a multiple-group fit.

    Returns
    -------
    list of PathDifference
        In the order of the parameter table; empty for one group or no free regression.
    """
    if not fit.groups:
        return []
    table = fit.parameters
    paths = table[(table["op"] == "~") & (table["group"].notna())]
    theta = fit.model.estimate
    vcov = fit.vcov.to_numpy()
    out = []
    for (lhs, rhs), rows in paths.groupby(["lhs", "rhs"], sort=False):
        params = rows["param"].to_numpy()
        if len(rows) != len(fit.groups) or (params < 0).any() or len(set(params)) == 1:
            continue
        C = np.zeros((len(params) - 1, len(theta)))
        for i, k in enumerate(params[1:]):
            C[i, params[0]] += 1.0
            C[i, k] -= 1.0
        chisq, df = wald(theta, vcov, C)
        out.append(PathDifference(str(lhs), str(rhs),
                                  dict(zip(rows["group"], rows["est"], strict=True)),
                                  chisq, df, float(chi2_sf(chisq, df))))
    return out
