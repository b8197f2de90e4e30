"""Anderson acceleration of the chord iterations of :func:`semwb.sem.model.fitting.fit_batch`.

With a fixed step metric ``P`` the chord method is the fixed-point iteration
``θ ← θ - r(θ)``, ``r = P ∇F``, which converges linearly (a rate of about 0.1 for bootstrap
draws once ``P`` is a draw's Hessian). Anderson's method (type II, memory 2) takes instead

``θ ← θ - r - Σ_j γ_j (Δθ_j - Δr_j)``, ``γ = argmin ‖r - Σ_j γ_j Δr_j‖``,

over the differences ``Δθ_j``, ``Δr_j`` of the last three iterates and their steps: a secant
model of ``r`` along the directions the iteration has just moved, made of ``(n, q)`` vectors
only (no ``q × q`` update per member). A fixed point is where ``r = 0``, as before, so the
estimate is the same; only fewer iterations reach it. Each member keeps its own history, so its
steps do not depend on the other members of the stack.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from semwb.sem.model.structure import Array

#: A 2 x 2 least-squares system whose determinant is below this share of its diagonal's
#: product is treated as rank one (the two differences nearly parallel).
_RANK_TWO = 1e-10


class Anderson:
    """Per-member history of a stack's chord iterates and their steps (memory 2).

    Parameters
    ----------
    n, q
        Members of the stack and parameters.
    """

    def __init__(self, n: int, q: int) -> None:
        self.theta = np.zeros((n, q))
        self.r = np.zeros((n, q))
        self.seen = np.zeros(n, dtype=bool)
        self.dx = np.zeros((2, n, q))  # newest difference first
        self.dr = np.zeros((2, n, q))
        self.count = np.zeros(n, dtype=np.intp)

    def reset(self, idx: NDArray[np.intp]) -> None:
        """Forget the history of members ``idx`` (their step metric changed)."""
        self.seen[idx] = False
        self.count[idx] = 0

    def step(self, idx: NDArray[np.intp], theta: Array, r: Array) -> Array:
        """The accelerated steps ``(len(idx), q)`` of members ``idx`` at ``theta`` with chord
        steps ``r`` (the plain ``r`` for a member without history); records both."""
        seen = self.seen[idx]
        j = idx[seen]
        self.dx[1, j], self.dr[1, j] = self.dx[0, j], self.dr[0, j]
        self.dx[0, j] = theta[seen] - self.theta[j]
        self.dr[0, j] = r[seen] - self.r[j]
        self.count[j] = np.minimum(self.count[j] + 1, 2)
        self.theta[idx], self.r[idx], self.seen[idx] = theta, r, True
        out = r.copy()
        if not j.size:
            return out
        d0, d1, res = self.dr[0, j], self.dr[1, j], r[seen]
        a, b, c = (d0 * d0).sum(axis=1), (d0 * d1).sum(axis=1), (d1 * d1).sum(axis=1)
        u, v = (d0 * res).sum(axis=1), (d1 * res).sum(axis=1)
        det = a * c - b * b
        two = (self.count[j] == 2) & (det > _RANK_TWO * a * c)
        safe = np.where(two, det, 1.0)
        g0 = np.where(two, (c * u - b * v) / safe, np.divide(u, a, out=np.zeros_like(u),
                                                             where=a > 0))
        g1 = np.where(two, (a * v - b * u) / safe, 0.0)
        out[seen] += (g0[:, None] * (self.dx[0, j] - d0) + g1[:, None] * (self.dx[1, j] - d1))
        return out
