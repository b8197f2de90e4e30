"""Modification indices and expected parameter changes, as lavaan 0.6's ``modindices()``.

A modification index is the score (Lagrange multiplier) test of freeing one fixed cell of the
model: the drop in chi-square expected if that single parameter were freed, on 1 degree of
freedom (Saris, Satorra & Sörbom 1987). At the estimate ``θ̂`` the model is extended by the
candidate cells (every fixed row freed at its value, plus lavaan's list of parameters that could
be free, at 0); with ``g`` the gradient of ``F`` and ``I`` the expected information of the
extended model (per unit of ``F``, :func:`semwb.sem.model.algebra.information`):

``V = I₁₁ - I₁₂ I₂₂⁻¹ I₂₁``,   ``MI = N g₁² / (2 V)``,   ``EPC = -g₁ / V``,

where ``1`` indexes the candidates one at a time, ``2`` the model's free parameters, and
``I₂₂⁻¹`` is the inverse of the model's own expected information (the constrained inverse under
``==`` constraints; for ML, ``(N/2) vcov``), whatever the estimator's standard errors. A
candidate whose ``V / 2`` is below ``ε^(1/3)`` would not be identified if freed; its index is
missing and the row dropped (lavaan's ``na.remove``). Standardized EPCs scale ``|EPC|`` as lavaan's
``standardizedSolution()`` scales an estimate (``cov.std``: covariances over the square root of
the two (residual) variances) and keep the sign of the EPC.

Candidates (lavaan's ``lav_partable_full``): every latent to every observed variable that is not
an exogenous covariate nor an outcome of a regression (``=~``), every pair of such observed
variables (``~~``), every pair of latents, regressions among the variables of ``~`` lines (not
an indicator on a latent), and intercepts with a mean structure. Two departures from lavaan
0.6.14, whose list also has them: under fixed.x, the covariates' fixed (co)variances (their
index is 0) and regressions of a covariate on another variable (they contradict fixed.x) are not
candidates; and covariances between an indicator and an observed outcome of a regression are
(lavaan 0.6.14 drops them by a slip fixed in 0.6-16).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from semwb.distributions import chi2_sf
from semwb.errors import FitError
from semwb.sem.blas import one_blas_thread
from semwb.sem.estimators.ml import data_patterns, invert, sample_moments
from semwb.sem.model.algebra import (
    fill_matrices,
    gradient,
    implied,
    information,
    objective,
    with_sample_moments,
)
from semwb.sem.model.structure import PSI, THETA, build_matrices
from semwb.sem.partable import ParRow, classify

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult
    from semwb.sem.syntax import ParsedSyntax

__all__ = ["MI_COLUMNS", "candidate_rows", "modification_indices", "top_indices"]

#: Columns of :func:`modification_indices`, lavaan's names with ``.`` as ``_``.
MI_COLUMNS = ["lhs", "op", "rhs", "mi", "pvalue", "epc", "sepc_lv", "sepc_all", "sepc_nox"]
_TINY = np.finfo(float).eps ** (1 / 3)


def candidate_rows(parsed: ParsedSyntax, observed: tuple[str, ...], *,
                   meanstructure: bool, fixed_x: bool = True) -> list[tuple[str, str, str]]:
    """lavaan's list of parameters that could be free (``lav_partable_full``), as keys.

    Parameters
    ----------
    parsed
        The model syntax.
    observed
        The model's observed variables, in model order.
    meanstructure
        Whether intercepts are candidates.
    fixed_x
        Whether the covariates' moments are fixed (then no candidate regresses a covariate).
    """
    latents = list(parsed.latents)
    covariates = set(classify(parsed).covariates)
    nox = [v for v in observed if v not in covariates]
    eqs_y = list(dict.fromkeys(t.lhs for t in parsed.terms if t.op == "~"))
    eqs = list(dict.fromkeys([*eqs_y, *(t.rhs for t in parsed.terms if t.op == "~")]))
    indicators = {t.rhs for t in parsed.terms if t.op == "=~"}
    out = [(f, "=~", v) for f in latents for v in nox if v not in eqs_y]
    other = {v for v in observed if v not in indicators | covariates | set(eqs)}
    for j, a in enumerate(nox):
        out += [(a, "~~", b) for b in nox[j:] if not ({a, b} & other)]
    for j, a in enumerate(latents):
        out += [(a, "~~", b) for b in latents[j:]]
    fixed = covariates if fixed_x else set()
    out += [(y, "~", x) for y in eqs for x in eqs
            if x != y and y not in fixed
            and not (y in indicators and y not in latents and x in latents)]
    if meanstructure:
        out += [(v, "~1", "") for v in [*observed, *latents]]
    return out


def _extended_rows(rows: tuple[ParRow, ...], candidates: list[tuple[str, str, str]]
                   ) -> list[ParRow]:
    """The model's rows, then every fixed row freed at its value, then new candidates at 0."""
    have = {r.key for r in rows}
    freed = [ParRow(r.lhs, r.op, r.rhs, free=True, start=r.value or 0.0) for r in rows
             if not r.free and not r.fixed_x]
    new = []
    for lhs, op, rhs in candidates:
        row = ParRow(lhs, op, rhs, free=True, start=0.0)
        if row.key not in have:
            have.add(row.key)
            new.append(row)
    return [*rows, *freed, *new]


def _score_test(fit: FitResult, extra: list[ParRow]) -> tuple[np.ndarray, np.ndarray]:
    """MI and EPC of each extra row (NaN where freeing it would not be identified)."""
    mm = fit.model
    rows = fit.spec.partable()
    X = fit.data.to_numpy(dtype=float)
    S, mean = sample_moments(X)
    ext = build_matrices([*rows, *extra], latents=fit.spec.parsed.latents, observed=fit.observed,
                         meanstructure=mm.meanstructure)
    ext = with_sample_moments(ext, S, mean)
    q = mm.n_params
    theta = np.concatenate([mm.estimate, [r.start or 0.0 for r in extra]])[None]
    patterns = data_patterns(X)
    ev = objective(ext, theta, patterns)
    g = gradient(ext, ev, patterns)[0][q:]
    info = information(ext, ev.imp, ev.sigma_inv)[0]
    i22_inv, _ = invert(mm, info[:q, :q])  # the constrained inverse under == constraints
    i12 = info[q:, :q]
    v = np.diag(info[q:, q:]) - np.einsum("ij,jk,ik->i", i12, i22_inv, i12)
    v = np.where(v / 2 < _TINY, np.nan, v)
    mi = fit.n_obs * g ** 2 / (2 * v)
    return mi, -g / v


def _standardizers(fit: FitResult) -> tuple[dict[str, float], dict[str, float]]:
    """Implied SD of every variable and the estimated (residual) variance of each."""
    mm = fit.model
    theta = mm.estimate[None]
    imp = implied(mm, theta)
    mats = fill_matrices(mm, theta)
    inner_var = np.einsum("ij,jk,ik->i", imp.c[0], mats[PSI][0], imp.c[0])
    sd = {v: float(np.sqrt(max(x, 0.0))) for v, x in zip(mm.inner, inner_var, strict=True)}
    sd |= {v: float(np.sqrt(max(x, 0.0)))
           for v, x in zip(mm.observed, np.diagonal(imp.sigma[0]), strict=True)}
    resid = {v: float(mats[PSI][0][i, i]) for i, v in enumerate(mm.inner)}
    resid |= {v: float(mats[THETA][0][i, i]) for i, v in enumerate(mm.observed)
              if v not in resid}
    return sd, resid


def _scale(lhs: str, op: str, rhs: str, sd: dict[str, float], resid: dict[str, float],
           unit: set[str]) -> float:
    """lavaan's standardization factor of one row; variables in ``unit`` keep SD 1."""
    def s(v: str) -> float:
        return 1.0 if v in unit else sd[v]

    if op == "=~":
        return s(lhs) / s(rhs)
    if op == "~":
        return s(rhs) / s(lhs)
    if op == "~1":
        return 1.0 / s(lhs)
    if lhs == rhs:
        return 1.0 / s(lhs) ** 2
    if lhs in unit or rhs in unit:
        return 1.0 / (s(lhs) * s(rhs))
    return 1.0 / float(np.sqrt(resid[lhs] * resid[rhs]))


def modification_indices(fit: FitResult, *, sort: bool = False,
                         minimum: float = 0.0) -> pd.DataFrame:
    """lavaan's ``modindices(fit)`` for a complete-data ML fit.

    Parameters
    ----------
    fit
        A fitted model (``missing: listwise``).
    sort
        Largest index first (lavaan's ``sort. = TRUE``); otherwise lavaan's row order.
    minimum
        Keep rows whose index exceeds this value (lavaan's ``minimum.value``).

    Returns
    -------
    pandas.DataFrame
        :data:`MI_COLUMNS`: the index, its chi-square (1 df) p-value, the expected parameter
        change and its ``std.lv``, ``std.all`` and ``std.nox`` standardizations.

    Raises
    ------
    FitError
        For FIML, WLSMV and multiple-group fits (semwb's indices are lavaan's for one group of
        complete data by ML, from the expected information).
    """
    if fit.spec.missing == "fiml" or fit.spec.estimator == "WLSMV" or fit.groups:
        raise FitError(f"{fit.spec.source}: modification indices are computed for complete-data "
                       "ML (or MLR/MLM) fits of one group; refit with 'missing: listwise', "
                       "without 'ordered:' and without 'group:' to get them.")
    parsed = fit.spec.parsed
    rows = fit.spec.partable()
    options, _ = fit.spec.lavaan_options()
    extra = _extended_rows(rows, candidate_rows(parsed, fit.observed,
                                                meanstructure=fit.model.meanstructure,
                                                fixed_x=options.fixed_x))
    extra = extra[len(rows):]
    with one_blas_thread():  # small matrices, as every fit (BLAS threads spin)
        mi, epc = _score_test(fit, extra)
        sd, resid = _standardizers(fit)
    observed = set(fit.observed)
    covariates = set(classify(parsed).covariates)
    columns: dict[str, Any] = {"mi": mi, "pvalue": chi2_sf(mi, 1), "epc": epc}
    variance = np.array([r.op == "~~" and r.lhs == r.rhs for r in extra])
    size = np.where(variance, [abs(r.start or 0.0) for r in extra], np.abs(epc))
    for column, unit in (("sepc_lv", observed), ("sepc_all", set()), ("sepc_nox", covariates)):
        factor = [_scale(r.lhs, r.op, r.rhs, sd, resid, unit) for r in extra]
        columns[column] = np.where(variance & (size < np.sqrt(np.finfo(float).eps)), 0.0,
                                   np.sign(epc) * size * np.array(factor))
    keep = np.flatnonzero(~np.isnan(mi))
    if sort:  # pandas' stable descending sort: ties keep lavaan's order
        keep = keep[np.argsort(-mi[keep], kind="stable")]
    if minimum > 0:
        keep = keep[mi[keep] > minimum]
    frame = {"lhs": [extra[i].lhs for i in keep], "op": [extra[i].op for i in keep],
             "rhs": [extra[i].rhs for i in keep]} | {c: v[keep] for c, v in columns.items()}
    return pd.DataFrame(frame)[MI_COLUMNS]


def top_indices(table: pd.DataFrame, *, minimum: float = 3.84, top: int = 0,
                ops: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows of a sorted :func:`modification_indices` table a user reads first.

    Rows whose index exceeds ``minimum``, only the operators ``ops`` (all when empty), at most
    ``top`` of them (all when 0), in the table's order.
    """
    shown = table[table["mi"] > minimum]
    if ops:
        shown = shown[shown["op"].isin(ops)]
    return shown.head(top) if top else shown
