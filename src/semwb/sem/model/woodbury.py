"""``Σ⁻¹`` and ``log|Σ|`` through the latent variables when ``Θ`` is diagonal and positive.

With ``A = ΛC`` and ``Ψ = L_ψ L_ψᵀ`` (a Cholesky factor), ``Σ = U Uᵀ + D`` for ``U = A L_ψ``
``(p × m)`` and ``D = diag(Θ)``. The Woodbury identity and the matrix determinant lemma give

``Σ⁻¹ = D⁻¹ - K Kᵀ`` with ``K = D⁻¹ U L_M⁻ᵀ``, ``M = I + Uᵀ D⁻¹ U = L_M L_Mᵀ``, and
``log|Σ| = Σ log d_i + log|M|``,

so each member of a stack needs two ``m × m`` factorisations instead of one ``p × p``
factorisation and triangular inverse (``m = 3`` against ``p = 14`` for a three-factor model of
fourteen items). ``M`` has every eigenvalue at least 1, so it is always positive definite, and a
positive ``D`` with a positive definite ``Ψ`` makes ``Σ`` positive definite: the same verdict as
the Cholesky factor of ``Σ`` gives. Members where ``Θ`` has a non-positive variance or ``Ψ`` is
not positive definite (a Heywood case, or an observed variable carried as an inner variable,
whose ``Θ`` cell is a fixed 0) take the general path; so does a model whose ``Θ`` has an
off-diagonal cell or whose inner variables are not fewer than its observed ones.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from semwb.sem.model.factor import (
    cholesky_factor,
    cholesky_inverse,
    logdet_of_factor,
    triangular_inverse,
)
from semwb.sem.model.structure import THETA, Array, ModelMatrices


def applies(mm: ModelMatrices) -> bool:
    """Whether ``Θ`` is diagonal by structure and there are fewer inner than observed variables."""
    fixed = mm.fixed[THETA]
    loc = mm.free[THETA]
    p, m = fixed.shape[0], mm.fixed[0].shape[0]
    return (m < p and bool(np.all(loc.rows == loc.cols))
            and not np.any(fixed - np.diag(np.diagonal(fixed))))


def residual_variances(mm: ModelMatrices, theta: Array) -> Array:
    """The diagonal of ``Θ`` for each row of ``theta (n, q)``, ``(n, p)``."""
    loc = mm.free[THETA]
    d = np.repeat(np.diagonal(mm.fixed[THETA])[None], theta.shape[0], axis=0)
    d[:, loc.rows] = theta[:, loc.params]
    return d


def low_rank_inverse(a: Array, psi: Array, d: Array
                     ) -> tuple[Array, Array, NDArray[np.bool_]]:
    """``log|Σ|``, ``Σ⁻¹`` and where they were made, for ``Σ = A Ψ Aᵀ + diag(d)``.

    Parameters
    ----------
    a, psi, d
        ``A (n, p, m)``, ``Ψ (n, m, m)`` and the residual variances ``d (n, p)``.

    Returns
    -------
    logdet, inverse, made
        ``(n,)``, ``(n, p, p)`` and ``(n,)``: ``made`` is False where ``d`` is not positive or
        ``Ψ`` not positive definite; the other two are meaningless there.
    """
    L_psi, made = cholesky_factor(psi)
    made &= np.all(d > 0, axis=1)
    d = np.where(made[:, None], d, 1.0)
    U = a @ L_psi
    W = U / d[:, :, None]  # D⁻¹ U
    M = U.transpose(0, 2, 1) @ W
    M += np.eye(M.shape[1])
    L_M, _ = cholesky_factor(M)  # positive definite: I plus a Gram matrix
    K = W @ triangular_inverse(L_M).transpose(0, 2, 1)
    inverse = (-K) @ K.transpose(0, 2, 1)
    diag = np.einsum("nii->ni", inverse)  # a writable view of the diagonals
    diag += 1.0 / d
    logdet = (np.log(d).sum(axis=1)
              + 2.0 * np.log(np.diagonal(L_M, axis1=1, axis2=2)).sum(axis=1))
    return logdet, inverse, made



def logdet_inverse(mm: ModelMatrices, theta: Array, a: Array, psi: Array, sigma: Array
                   ) -> tuple[Array, Array, NDArray[np.bool_]]:
    """``log|Σ|``, ``Σ⁻¹`` and whether ``Σ`` is positive definite, for each member of a stack.

    By :func:`low_rank_inverse` where the model and the member allow, else from the Cholesky
    factor of ``sigma`` (the identity's log-determinant and inverse where ``Σ`` is not positive
    definite).
    """
    if applies(mm):
        logdet, inverse, ok = low_rank_inverse(a, psi, residual_variances(mm, np.atleast_2d(theta)))
        rest = np.flatnonzero(~ok)
        if rest.size:
            logdet[rest], inverse[rest], ok[rest] = _by_cholesky(sigma[rest])
        return logdet, inverse, ok
    return _by_cholesky(sigma)


def _by_cholesky(sigma: Array) -> tuple[Array, Array, NDArray[np.bool_]]:
    L, ok = cholesky_factor(sigma)  # the identity where Σ is not positive definite
    return logdet_of_factor(L), cholesky_inverse(L), ok
