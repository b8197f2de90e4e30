"""Factor rotations: varimax (orthogonal), promax and oblimin (oblique).

Written here rather than taken from a library: factor_analyzer (which has them) fails on current
scikit-learn and pandas, scikit-learn's ``FactorAnalysis`` rotates only orthogonally (varimax,
quartimax), and the reference the field reports against is R's psych, whose conventions (varimax
with Kaiser normalization and R's stopping rule; promax as ``psych::Promax``; oblimin by
GPArotation's gradient projection without normalization) are followed step by step so that the
numbers agree with ``psych::fa`` (tests/reference/efa_alliance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from semwb.errors import OptionError

ROTATIONS = ("none", "varimax", "promax", "oblimin")


@dataclass(frozen=True)
class Rotation:
    """A rotated solution.

    Attributes
    ----------
    loadings
        Rotated pattern loadings, items x factors.
    rotmat
        The rotation matrix ``T`` (loadings = unrotated @ T for orthogonal rotations,
        unrotated @ inv(T).T for oblique ones).
    phi
        Factor correlations (identity for orthogonal rotations).
    converged
        Whether the iterations met their stopping rule.
    """

    loadings: np.ndarray
    rotmat: np.ndarray
    phi: np.ndarray
    converged: bool


def varimax(loadings: np.ndarray, *, normalize: bool = True, eps: float = 1e-5,
            max_iter: int = 1000) -> Rotation:
    """Kaiser's varimax rotation.

    Notes
    -----
    R's ``stats::varimax`` algorithm (SVD update of the rotation; stop when the criterion grows
    by less than a relative ``eps``), with Kaiser normalization of the rows by default; psych's
    ``fa(rotate = "varimax")`` calls it.
    """
    x = np.asarray(loadings, dtype=float)
    p, k = x.shape
    if k < 2:
        return Rotation(x.copy(), np.eye(k), np.eye(k), True)
    scale = np.sqrt((x**2).sum(axis=1)) if normalize else np.ones(p)
    x = x / scale[:, None]
    rotmat = np.eye(k)
    d = 0.0
    converged = False
    for _ in range(max_iter):
        z = x @ rotmat
        b = x.T @ (z**3 - z * (z**2).sum(axis=0) / p)
        u, s, vt = np.linalg.svd(b)
        rotmat = u @ vt
        previous, d = d, float(s.sum())
        if d < previous * (1 + eps):
            converged = True
            break
    rotated = (x @ rotmat) * scale[:, None]
    return Rotation(rotated, rotmat, np.eye(k), converged)


def promax(loadings: np.ndarray, *, power: int = 4) -> Rotation:
    """Hendrickson and White's promax rotation, as ``psych::Promax``.

    Notes
    -----
    Rows scaled to unit length (Kaiser normalization, as ``psych::fa(rotate = "promax")`` does
    through ``psych::kaiser``); varimax; the target ``Q = L |L|^(power-1)``; the least-squares
    transformation ``U`` of ``L`` towards ``Q``, its columns rescaled by
    ``sqrt(diag((U'U)^-1))``; pattern ``L U`` with the rows scaled back, factor correlations
    ``inv(U) inv(U)'`` with ``U`` including the varimax rotation.
    """
    a = np.asarray(loadings, dtype=float)
    if a.shape[1] < 2:
        return varimax(a)
    scale = np.sqrt((a**2).sum(axis=1))
    first = varimax(a / scale[:, None])
    x = first.loadings
    target = x * np.abs(x) ** (power - 1)
    u = np.linalg.lstsq(x, target, rcond=None)[0]
    d = np.diag(np.linalg.inv(u.T @ u))
    u = u @ np.diag(np.sqrt(d))
    pattern = (x @ u) * scale[:, None]
    full = first.rotmat @ u
    inverse = np.linalg.inv(full)
    return Rotation(pattern, full, inverse @ inverse.T, first.converged)


def _oblimin_criterion(lam: np.ndarray, gamma: float) -> tuple[float, np.ndarray]:
    """Oblimin criterion and its gradient in the loadings (GPArotation ``vgQ.oblimin``)."""
    p, k = lam.shape
    x = lam**2 @ (1 - np.eye(k))
    if gamma != 0:
        x = (np.eye(p) - gamma / p) @ x
    return float((lam**2 * x).sum() / 4), lam * x


def oblimin(loadings: np.ndarray, *, gamma: float = 0.0, eps: float = 1e-5,
            max_iter: int = 1000) -> Rotation:
    """Oblimin rotation (quartimin for ``gamma = 0``) by gradient projection.

    Notes
    -----
    Bernaards and Jennrich's (2005) oblique gradient projection algorithm, as GPArotation's
    ``GPFoblq`` (no Kaiser normalization, start at the identity, step doubling then halving,
    stop when the projected gradient's norm is below ``eps``); psych's
    ``fa(rotate = "oblimin")`` calls it.
    """
    a = np.asarray(loadings, dtype=float)
    k = a.shape[1]
    if k < 2:
        return Rotation(a.copy(), np.eye(k), np.eye(k), True)
    t = np.eye(k)
    lam = a @ np.linalg.inv(t).T
    f, gq = _oblimin_criterion(lam, gamma)
    g = -(lam.T @ gq @ np.linalg.inv(t)).T
    alpha = 1.0
    converged = False
    for _ in range(max_iter + 1):
        gp = g - t * (t * g).sum(axis=0)
        s = float(np.sqrt((gp**2).sum()))
        if s < eps:
            converged = True
            break
        alpha *= 2
        for _ in range(11):
            x = t - alpha * gp
            t_new = x / np.sqrt((x**2).sum(axis=0))
            lam = a @ np.linalg.inv(t_new).T
            f_new, gq = _oblimin_criterion(lam, gamma)
            if f - f_new > 0.5 * s**2 * alpha:
                break
            alpha /= 2
        t, f = t_new, f_new
        g = -(lam.T @ gq @ np.linalg.inv(t)).T
    return Rotation(lam, t, t.T @ t, converged)


def rotate(loadings: np.ndarray, method: str) -> Rotation:
    """Rotate unrotated loadings by ``method`` (one of :data:`ROTATIONS`).

    Raises
    ------
    OptionError
        For an unknown method.
    """
    if method == "none":
        k = loadings.shape[1]
        return Rotation(np.asarray(loadings, dtype=float).copy(), np.eye(k), np.eye(k), True)
    if method == "varimax":
        return varimax(loadings)
    if method == "promax":
        return promax(loadings)
    if method == "oblimin":
        return oblimin(loadings)
    raise OptionError(f"Unknown rotation '{method}'; choose one of {', '.join(ROTATIONS)}.")
