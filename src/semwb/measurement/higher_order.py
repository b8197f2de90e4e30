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

A regression on a factor is not a higher-order loading: semTools 0.5.6 (``higher =``, which
takes every nonzero entry of ``B``'s column) would count the items of a factor regressed on
``g`` into ``g``'s composite when given a structural model. :func:`second_order_reliability`
therefore takes a spec's second-order factors from its measurement model (the ``=~`` lines as a
CFA, factors correlated), as semTools is used on a higher-order CFA; the report shows these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from semwb.errors import OptionError, SemwbError
from semwb.sem.model.algebra import fill_matrices, implied

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult
    from semwb.sem.spec import ModelSpec
    from semwb.sem.syntax import Term

__all__ = ["factor_reliability", "second_order_quality", "second_order_reliability"]


def _refuse(source: str, spec: ModelSpec) -> None:
    """One-line refusal of a fit whose CR and AVE semTools computes otherwise."""
    if spec.group is not None or spec.ordered_items or spec.missing == "fiml":
        raise OptionError(f"{source}: CR and AVE per factor are computed for one group of "
                          "continuous items with complete rows (semTools uses the polychoric, "
                          "per-group or EM-estimated covariance otherwise); fit without "
                          "'group:', 'ordered:' and 'missing: fiml'.")


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
    _refuse(str(fit.spec.source), fit.spec)
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


def _modifier(term: Term) -> str:
    """The term's modifier as lavaan syntax: a fixed value, else its label, else ``NA*``."""
    if term.fixed is not None:
        return f"{term.fixed!r}*"
    return f"{term.label}*" if term.label else "NA*" if term.free else ""


def second_order_reliability(spec: ModelSpec, data: pd.DataFrame, *,
                             data_name: str = "data") -> dict[str, dict[str, Any]]:
    """CR and AVE of the spec's second-order factors, from its measurement model as a CFA.

    Parameters
    ----------
    spec
        A spec with factors measured by factors (``g =~ f1 + f2 + f3``).
    data
        The prepared (reverse-coded) data; rows missing an item of the CFA are left out.
    data_name
        How messages name the data.

    Returns
    -------
    dict
        ``{factor: {"cr", "ave", "first_order": [factors], "items": [items], "n_obs"}}``
        (empty when no factor is second-order), as :func:`factor_reliability` on the CFA of
        the spec's ``=~`` lines (with their modifiers; ``cfa()``'s defaults).

    Raises
    ------
    OptionError
        For groups, ordinal items or FIML (see :func:`factor_reliability`).
    """
    from semwb.sem.estimate import fit_model
    from semwb.sem.spec import spec_from_syntax

    parsed = spec.parsed
    loadings = [t for t in parsed.terms if t.op == "=~"]
    if not any(t.rhs in parsed.latents for t in loadings):
        return {}
    _refuse(str(spec.source), spec)
    lines = [f"{lhs} =~ " + " + ".join(_modifier(t) + t.rhs for t in loadings if t.lhs == lhs)
             for lhs in dict.fromkeys(t.lhs for t in loadings)]
    cfa = fit_model(spec_from_syntax("\n".join(lines), name=f"{spec.name}-measurement",
                                     source=str(spec.source), defaults="cfa",
                                     std_lv=spec.std_lv), data, data_name=data_name)
    table = factor_reliability(cfa)
    return {r.construct: {"cr": r.cr, "ave": r.ave, "items": r.items.split(","),
                          "first_order": [t.rhs for t in loadings if t.lhs == r.construct],
                          "n_obs": cfa.n_obs}
            for r in table.itertuples() if r.order == 2}


def second_order_quality(spec: ModelSpec, data: pd.DataFrame, *, data_name: str = "data"
                         ) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """:func:`second_order_reliability` for the pipeline: a refusal becomes a warning."""
    try:
        return second_order_reliability(spec, data, data_name=data_name), []
    except SemwbError as exc:
        return {}, [f"reliability of second-order factors was not computed: {exc}"]
