"""Maximum likelihood for one data set, complete (ML) or incomplete (FIML), on the model algebra.

As lavaan 0.6 with ``estimator = "ML"``, ``likelihood = "normal"``: the estimate minimises
``-2 log L / N`` over the missing-data patterns (one pattern for complete data); standard errors
come from the expected information for complete data and from the observed information (the
analytic Hessian of ``-log L``, :mod:`semwb.sem.model.hessian`) under FIML, lavaan's defaults
for ``missing = "listwise"`` and ``missing = "ml"``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from semwb.sem.model.algebra import (
    Pattern,
    gradient,
    implied,
    information,
    with_sample_moments,
)
from semwb.sem.model.fitting import Data, Steering, evaluate, fit_batch, project
from semwb.sem.model.hessian import fiml_hessian
from semwb.sem.model.missing import MissingRows, missing_rows, pattern_rows
from semwb.sem.model.structure import Array, ModelMatrices

#: Largest element of the (projected) gradient of ``F`` accepted as converged.
GRADIENT_TOLERANCE = 1e-5


@dataclass(frozen=True)
class CoreFit:
    """One ML fit: the model at its estimate and the sampling covariance of the free parameters.

    Attributes
    ----------
    mm
        The model structure; ``mm.estimate`` is the estimate, fixed.x cells hold the data's
        moments.
    vcov
        ``(q, q)`` sampling covariance (NaN when the information is singular).
    singular
        Indices of the parameters most involved in a singular information matrix (empty when
        the model is identified).
    patterns
        The data as missing-data patterns (one for complete data).
    n_obs
        Rows used.
    converged, iterations, max_gradient
        Whether the gradient vanished, scoring iterations, the largest gradient element.
    observed_information
        Whether SEs come from the observed (FIML) or the expected information.
    hessian
        Under FIML, the observed information of ``F`` at the estimate (``(q, q)``, the Hessian
        the SEs came from), kept for the robust sandwich's bread; None for complete data.
    """

    mm: ModelMatrices
    vcov: Array
    singular: tuple[int, ...]
    patterns: list[Pattern]
    n_obs: int
    converged: bool
    iterations: int
    max_gradient: float
    observed_information: bool
    hessian: Array | None = None


def data_patterns(X: Array) -> list[Pattern]:
    """Group the rows of ``X (N, p)`` (NaN = missing) by their pattern of observed columns."""
    n = X.shape[0]
    mask = np.isfinite(X)
    if mask.all():
        centered = X - X.mean(axis=0)
        return [Pattern(np.arange(X.shape[1]), 1.0, (centered.T @ centered / n)[None],
                        X.mean(axis=0)[None])]
    keys, inverse = np.unique(mask, axis=0, return_inverse=True)
    out = []
    for k, key in enumerate(keys):
        if not key.any():
            continue
        rows = X[inverse.ravel() == k][:, key]
        c = rows - rows.mean(axis=0)
        out.append(Pattern(np.flatnonzero(key), len(rows) / n, (c.T @ c / len(rows))[None],
                           rows.mean(axis=0)[None]))
    return out


def sample_moments(X: Array) -> tuple[Array, Array]:
    """Biased covariances and means over the rows where both (each) values are present."""
    ok = np.isfinite(X).astype(float)
    Z = np.nan_to_num(X)
    counts = ok.T @ ok
    mean = (Z * ok).sum(axis=0) / np.maximum(ok.sum(axis=0), 1)
    pair_sum = Z.T @ Z
    mean_i = (Z.T @ ok) / np.maximum(counts, 1)  # mean of column i over rows with j present
    S = pair_sum / np.maximum(counts, 1) - mean_i * mean_i.T
    return S, mean


def _reduce(mm: ModelMatrices, matrix: Array) -> Array:
    """``Kᵀ M K`` under ``==`` constraints, else ``M``."""
    return matrix if mm.reparam is None else mm.reparam.K.T @ matrix @ mm.reparam.K


def _expand(mm: ModelMatrices, matrix: Array) -> Array:
    return matrix if mm.reparam is None else mm.reparam.K @ matrix @ mm.reparam.K.T


def invert(mm: ModelMatrices, info: Array) -> tuple[Array, tuple[int, ...]]:
    """Sampling covariance from a total information matrix, or NaN and the weak parameters."""
    q = mm.n_params
    reduced = _reduce(mm, info)
    if not np.all(np.isfinite(reduced)):
        return np.full((q, q), np.nan), tuple(range(min(q, 4)))
    eig, vectors = np.linalg.eigh(reduced)
    if eig.size and eig[0] <= 1e-10 * max(eig[-1], 1.0):
        weak = vectors[:, 0] if mm.reparam is None else mm.reparam.K @ vectors[:, 0]
        order = np.argsort(-np.abs(weak))[:4]
        return np.full((q, q), np.nan), tuple(int(i) for i in order if abs(weak[i]) > 0.1)
    return _expand(mm, np.asarray(np.linalg.inv(reduced), dtype=float)), ()


def observed_information(mm: ModelMatrices, data: Data, theta: Array) -> Array:
    """Hessian of ``F`` at ``theta``, analytic (:func:`semwb.sem.model.hessian.fiml_hessian`).

    ``data``: complete-data patterns or FIML rows (one stack member). Patterns become
    pseudo-rows with their exact first and second moments (all the Hessian depends on); without
    a mean structure each pattern is centred at ``μ(θ)``, as :func:`objective` treats it.
    lavaan's ``lav_model_hessian`` differentiates its analytic gradient numerically instead.
    """
    if isinstance(data, MissingRows):
        return fiml_hessian(mm, data, theta)
    mu = implied(mm, theta[None]).mu[0]
    centred = data if mm.meanstructure else [
        Pattern(pat.columns, pat.weight, pat.S, mu[pat.columns][None]) for pat in data]
    return fiml_hessian(mm, pattern_rows(centred, len(mm.observed)), theta)


def _lbfgs(mm: ModelMatrices, patterns: Data, start: Array) -> Array:
    """A quasi-Newton fallback when scoring stalls (far starts, Heywood cases)."""
    from scipy import optimize  # a fifth of a second to import; most fits never get here

    K = np.eye(mm.n_params) if mm.reparam is None else mm.reparam.K
    base = project(mm, start[None])[0]

    def f(x: Array) -> tuple[float, Array]:
        theta = (base + K @ x)[None]
        ev = evaluate(mm, theta, patterns)
        if not ev.ok[0]:
            return 1e10, np.zeros_like(x)
        return float(ev.value[0]), gradient(mm, ev, patterns)[0] @ K

    res = optimize.minimize(f, np.zeros(K.shape[1]), jac=True, method="L-BFGS-B",
                            options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
    return np.asarray(base + K @ res.x)


def fit_ml(mm: ModelMatrices, X: Array, start: Array, *, fiml: bool) -> CoreFit:
    """Fit ``mm`` to the data ``X (N, p)`` (columns ``mm.observed``; NaN only under FIML).

    Parameters
    ----------
    mm
        The model structure.
    X
        The data.
    start
        Starting free-parameter vector.
    fiml
        Full-information ML over the missing-data patterns, observed-information SEs.

    Returns
    -------
    CoreFit
    """
    n = X.shape[0]
    S, mean = sample_moments(X)
    mm = with_sample_moments(mm, S, mean)
    patterns = data_patterns(X)
    # one pattern per group of complete stacked groups (mm.blocks): cheaper than FIML's rows
    stacked = mm.blocks is not None and len(patterns) == len(mm.blocks)
    data: Data = patterns if np.isfinite(X).all() or stacked else missing_rows(X)
    # Anderson-accelerated chord steps: the same fixed point in a third to two thirds of the
    # iterations (docs/models.md, bench/README.md session 7)
    fit = fit_batch(mm, data, start=start, tol=1e-10, max_iter=300,
                    steering=Steering(accelerate=True))
    theta = fit.theta[0]
    if not fit.converged[0]:
        polished = fit_batch(mm, data, start=_lbfgs(mm, data, start), tol=1e-10,
                             max_iter=300, refresh_every=1)
        if polished.objective[0] <= fit.objective[0] or not np.isfinite(fit.objective[0]):
            fit, theta = polished, polished.theta[0]
    ev = evaluate(mm, theta[None], data)
    grad = gradient(mm, ev, data)[0] if ev.ok[0] else np.full(mm.n_params, np.inf)
    if mm.reparam is not None:
        grad = mm.reparam.K.T @ grad
    max_gradient = float(np.max(np.abs(grad), initial=0.0))
    hessian = observed_information(mm, data, theta) if fiml else None
    if hessian is not None:
        info = 0.5 * n * hessian
    else:
        info = 0.5 * n * information(mm, ev.imp, ev.sigma_inv)[0]
    vcov, singular = invert(mm, info)
    return CoreFit(
        mm=replace(mm, estimate=theta), vcov=vcov, singular=singular, patterns=patterns,
        n_obs=n, converged=bool(np.isfinite(max_gradient) and max_gradient < GRADIENT_TOLERANCE),
        iterations=int(fit.iterations[0]), max_gradient=max_gradient, observed_information=fiml,
        hessian=hessian,
    )
