"""Composite reliability and AVE of every factor of a fitted model, second-order ones included.

As semTools 0.5.6 ``compRelSEM()`` (``tau.eq = FALSE``, ``obs.var = TRUE``, unit weights) and
``AVE()``, from the model at its estimate and the sample covariance ``S`` (divisor ``N``):

- a first-order factor ``f`` with items ``I``: ``ω_f = (Σ_I λ_if)² φ_ff / 1ᵀ S_II 1`` and
  ``AVE_f = Σ_I λ_if² φ_ff / tr S_II``, with ``φ`` the model-implied factor covariance
  ``C Ψ Cᵀ``;
- a higher-order factor ``g`` over first-order factors (``f =~`` rows in ``B``), the composite
  of all their items ``I``: ``ω_g = (1ᵀ Λ_I B_·g)² φ_gg / 1ᵀ S_II 1`` (semTools' ``higher =``):
  the share of the composite's variance due to ``g`` alone. Observed indicators of a
  higher-order factor do not count (model them as single-indicator factors, as semTools asks).

``AVE`` of a higher-order factor (no semTools counterpart) is the mean squared standardized
loading of its first-order factors: the average share of their variance ``g`` explains.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from semwb.sem.model.algebra import fill_matrices, implied

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult

__all__ = ["factor_reliability"]


def factor_reliability(fit: FitResult) -> pd.DataFrame:
    """CR (ω) and AVE of every factor, with its order and the items of its composite.

    Parameters
    ----------
    fit
        A fitted model with latent variables.

    Returns
    -------
    pandas.DataFrame
        Rows ``construct``, ``order`` (1 or 2), ``items`` (comma-separated), ``cr``, ``ave``, in
        the model's order of latents; empty when the model has none.
    """
    mm = fit.model
    theta = mm.estimate[None]
    B, L = (m[0] for m in fill_matrices(mm, theta)[:2])
    imp = implied(mm, theta)
    phi = imp.c[0] @ imp.psi[0] @ imp.c[0].T
    X = fit.data[list(mm.observed)].to_numpy(dtype=float)
    S = np.cov(X, rowvar=False, bias=True)
    parsed = fit.spec.parsed
    terms = parsed.terms
    latents = [v for v in parsed.latents if v in mm.inner]
    at = {v: mm.inner.index(v) for v in latents}
    std = fit.parameters
    rows = []
    for f in latents:
        j = at[f]
        items = np.flatnonzero(L[:, j] != 0)
        lower = [t.rhs for t in terms if t.op == "=~" and t.lhs == f and t.rhs in at]
        if lower:
            loadings = np.zeros(len(mm.inner))
            loadings[[at[v] for v in lower]] = B[[at[v] for v in lower], j]
            weights = L @ loadings
            items = np.flatnonzero(weights != 0)
            cr = weights[items].sum() ** 2 * phi[j, j] / S[np.ix_(items, items)].sum()
            second = std[(std["op"] == "=~") & (std["lhs"] == f) & std["rhs"].isin(lower)]
            ave = float((second["std_all"] ** 2).mean())
        elif items.size:
            cr = L[items, j].sum() ** 2 * phi[j, j] / S[np.ix_(items, items)].sum()
            ave = float((L[items, j] ** 2).sum() * phi[j, j] / np.trace(S[np.ix_(items, items)]))
        else:
            continue
        rows.append({"construct": f, "order": 2 if lower else 1,
                     "items": ",".join(mm.observed[i] for i in items), "cr": float(cr),
                     "ave": ave})
    return pd.DataFrame(rows, columns=["construct", "order", "items", "cr", "ave"])
