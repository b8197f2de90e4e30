"""Cholesky factors, log-determinants and inverses of stacks of small positive definite matrices.

The ML kernels of :mod:`semwb.sem.model.algebra` and :mod:`semwb.sem.model.woodbury` factor
hundreds of small matrices at once (a bootstrap chunk); a triangular inverse row by row over the
whole stack is faster there than ``np.linalg.inv`` per matrix.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from semwb.sem.model.structure import Array


def cholesky_factor(S: Array) -> tuple[Array, NDArray[np.bool_]]:
    """Lower Cholesky factor of each matrix of a stack (the identity where not positive
    definite) and whether it is positive definite."""
    ok = np.ones(S.shape[0], dtype=bool)
    L: Array
    try:
        L = np.asarray(np.linalg.cholesky(S), dtype=np.float64)
    except np.linalg.LinAlgError:
        L = np.broadcast_to(np.eye(S.shape[1]), S.shape).copy()
        for b in range(S.shape[0]):
            try:
                L[b] = np.linalg.cholesky(S[b])
            except np.linalg.LinAlgError:
                ok[b] = False
    return L, ok


def cholesky_logdet(S: Array) -> tuple[Array, NDArray[np.bool_]]:
    """log-determinant of each matrix of a stack and whether it is positive definite."""
    L, ok = cholesky_factor(S)
    return logdet_of_factor(L), ok


def logdet_of_factor(L: Array) -> Array:
    """log-determinant of each ``L Lᵀ`` from its lower Cholesky factor ``L``."""
    return np.asarray(2.0 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1))


def cholesky_inverse(L: Array) -> Array:
    """``(L Lᵀ)⁻¹`` for a stack of lower Cholesky factors ``L (n, p, p)``.

    ``X = L⁻¹`` by forward substitution, row by row over the whole stack, then ``XᵀX``: for the
    small matrices of a bootstrap chunk (hundreds of 14 x 14) this takes half the time of
    ``np.linalg.inv`` (an LU factorisation per matrix), with the Cholesky factor already made
    for the log-determinant.
    """
    X = triangular_inverse(L)
    return np.asarray(X.transpose(0, 2, 1) @ X)


def triangular_inverse(L: Array) -> Array:
    """``L⁻¹`` for a stack of lower-triangular ``L (n, p, p)``, by forward substitution row by
    row over the whole stack."""
    p = L.shape[1]
    X = np.zeros_like(L)
    diag = np.diagonal(L, axis1=1, axis2=2)
    for i in range(p):
        row = -(L[:, i:i + 1, :i] @ X[:, :i, :])[:, 0, :]
        row[:, i] += 1.0
        X[:, i, :] = row / diag[:, i, None]
    return X
