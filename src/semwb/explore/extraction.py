"""Factor extraction from a correlation matrix: minimum residual (minres) and maximum likelihood.

Written here rather than taken from scikit-learn: its ``FactorAnalysis`` fits ML by an
iterated SVD on the raw data with a loose default tolerance and has no minres; psych's
``fa`` (the reference) minimises over the uniquenesses with box constraints, as done here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from semwb.distributions import chi2_sf

EXTRACTIONS = ("minres", "ml")
LOWER, UPPER = 0.005, 1.0  # bounds on the uniquenesses, as psych::fa


@dataclass(frozen=True)
class Extraction:
    """An unrotated factor solution.

    Attributes
    ----------
    loadings
        Unrotated loadings, items x factors.
    uniquenesses
        ``1 - communality`` per item at the optimum.
    objective
        The ML discrepancy ``tr(S inv(Sigma)) - log|S inv(Sigma)| - p`` of the solution (what
        psych reports as ``objective`` and its chi-square is built from, for either method).
    converged
        Whether the optimizer reported success.
    """

    loadings: np.ndarray
    uniquenesses: np.ndarray
    objective: float
    converged: bool


def smc(corr: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 - 1/diag(inv(R))`` (pseudo-inverse if singular)."""
    inv = np.linalg.pinv(corr)
    return np.clip(1 - 1 / np.diag(inv), 0.0, 1.0)


def _top(values: np.ndarray, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(values)[::-1]
    return values[order][:k], vectors[:, order][:, :k]


def _minres_loadings(corr: np.ndarray, psi: np.ndarray, k: int) -> np.ndarray:
    reduced = corr - np.diag(np.diag(corr)) + np.diag(1 - psi)
    values, vectors = _top(*np.linalg.eigh(reduced), k)
    return np.asarray(vectors * np.sqrt(np.maximum(values, 0.0)))


def _ml_loadings(corr: np.ndarray, psi: np.ndarray, k: int) -> np.ndarray:
    scale = 1 / np.sqrt(psi)
    values, vectors = _top(*np.linalg.eigh(corr * np.outer(scale, scale)), k)
    return np.asarray(np.sqrt(psi)[:, None] * vectors * np.sqrt(np.maximum(values - 1, 0.0)))


def _uls(psi: np.ndarray, corr: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    """Concentrated ULS discrepancy and gradient in the uniquenesses.

    With ``R*`` the correlations with ``1 - psi`` on the diagonal, the least-squares residual
    left by the best rank-k fit is the sum of its trailing eigenvalues squared; the gradient is
    ``-2 diag(residual)``. At its optimum the diagonal residual is zero, so it minimises the
    off-diagonal residuals too: psych's minres criterion.
    """
    reduced = corr - np.diag(np.diag(corr)) + np.diag(1 - psi)
    values, vectors = np.linalg.eigh(reduced)
    rest, rest_vectors = values[:-k], vectors[:, :-k]
    return float((rest**2).sum()), -2 * (rest_vectors**2 @ rest)


def _ml(psi: np.ndarray, corr: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    """Concentrated ML discrepancy and gradient (R's ``factanal`` ``FAfn``/``FAgr``)."""
    scale = 1 / np.sqrt(psi)
    rest = np.sort(np.linalg.eigvalsh(corr * np.outer(scale, scale)))[::-1][k:]
    value = -float(np.sum(np.log(rest) - rest) - k + len(psi))
    load = _ml_loadings(corr, psi, k)
    grad = ((load**2).sum(axis=1) + psi - np.diag(corr)) / psi**2
    return value, grad


def ml_discrepancy(corr: np.ndarray, loadings: np.ndarray, psi: np.ndarray) -> float:
    """``tr(R inv(Sigma)) - log|R inv(Sigma)| - p`` with ``Sigma = L L' + diag(psi)``."""
    implied = loadings @ loadings.T + np.diag(psi)
    product = np.linalg.solve(implied, corr)
    _, logdet = np.linalg.slogdet(product)
    return float(np.trace(product) - logdet - len(psi))


def extract(corr: np.ndarray, n_factors: int, *, method: str = "minres") -> Extraction:
    """Extract ``n_factors`` unrotated factors from a correlation matrix.

    Parameters
    ----------
    corr
        Item correlations (p x p).
    n_factors
        Number of factors.
    method
        ``minres`` (minimum residual, psych's default) or ``ml`` (maximum likelihood).

    Notes
    -----
    Both minimise over the uniquenesses in [0.005, 1] by L-BFGS-B from ``1 - SMC`` with analytic
    gradients, then take the loadings from the eigenvectors of the reduced (minres) or
    uniqueness-scaled (ML, Joreskog 1967) correlation matrix. Matches psych 2.2.9
    ``fa(fm = "minres" | "ml")`` (tests/reference/efa_alliance).
    """
    corr = np.asarray(corr, dtype=float)
    start = np.clip(1 - smc(corr), LOWER, UPPER)
    criterion = _uls if method == "minres" else _ml
    found = optimize.minimize(criterion, start, args=(corr, n_factors), jac=True,
                              method="L-BFGS-B", bounds=[(LOWER, UPPER)] * len(start),
                              options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 5000})
    psi = np.asarray(found.x)
    loadings = (_minres_loadings if method == "minres" else _ml_loadings)(corr, psi, n_factors)
    uniqueness = 1 - (loadings**2).sum(axis=1)
    return Extraction(loadings, uniqueness, ml_discrepancy(corr, loadings, uniqueness),
                      bool(found.success))


def chi_square(objective: float, *, n_obs: int, n_items: int, n_factors: int) -> dict[str, float]:
    """Bartlett-corrected likelihood-ratio test of ``n_factors`` factors, as psych reports it.

    Notes
    -----
    ``chisq = (n - 1 - (2p + 5)/6 - 2k/3) F`` with ``df = ((p - k)^2 - p - k)/2``;
    ``RMSEA = sqrt(max(chisq/(df n) - 1/(n - 1), 0))`` (psych::fa ``STATISTIC``, ``dof``,
    ``RMSEA``).
    """
    chisq = (n_obs - 1 - (2 * n_items + 5) / 6 - 2 * n_factors / 3) * objective
    df = ((n_items - n_factors) ** 2 - n_items - n_factors) / 2
    pvalue = float(chi2_sf(chisq, df)) if df > 0 else float("nan")
    rmsea = (float(np.sqrt(max(chisq / (df * n_obs) - 1 / (n_obs - 1), 0.0))) if df > 0
             else float("nan"))
    return {"chisq": float(chisq), "df": float(df), "pvalue": pvalue, "rmsea": rmsea}
