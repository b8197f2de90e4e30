"""Latent moderated structural equations (LMS; Klein & Moosbrugger, 2000) by ML.

The product ``X W`` of two normal latents is not normal, so the indicators are not multivariate
normal and lavaan's likelihood does not apply. LMS writes the exogenous latents as
``xi = L z`` (``L`` the Cholesky factor of ``Phi``, ``z`` standard normal) with the latents of
the nonlinear terms first. Given their part ``z1`` those latents are constants, the nonlinear
terms too, and the indicators are exactly normal with mean ``mu(z1)`` and a covariance that does
not depend on ``z1``:

    mu(z1) = nu + Lambda (xi1, eta1),  xi1 = L[:, :m] z1,  eta1 = gamma' xi1 + sum_p omega_p
    xi1_a xi1_b;   Sigma = Lambda C Lambda' + Theta,  C = cov((xi, eta) | z1) from L[:, m:].

The likelihood is a mixture of normals over ``z1``, integrated by Gauss-Hermite quadrature
(``numpy.polynomial.hermite_e``, ``nodes`` points per latent of the nonlinear terms):

    l = sum_i log sum_q w_q N(v_i; mu(z_q), Sigma).

It is maximised directly (BFGS) with its analytic gradient in ``mu`` and ``Sigma``, chained to
the parameters through central differences of the small moment functions; standard errors come
from the observed information, a central difference of that gradient (as nlsem and Mplus, which
use the observed-data Hessian). Hand-written because no Python library fits LMS (R's nlsem and
modsem are R-only); scipy gives the optimiser, numpy the quadrature nodes. Start values are
semwb's ML fit of the linear model (every ``omega`` at 0). With the interactions fixed at 0 the
mixture is the linear model's normal likelihood up to quadrature error, which the tests use
against lavaan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from semwb.errors import FitError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from semwb.conditional.lms_model import LmsModel

METHOD = "lms"
NODES = 24
_STEP = 1e-6


@dataclass(frozen=True)
class LmsFit:
    """An LMS fit.

    Attributes
    ----------
    model
        The model fitted.
    parameters
        One row per free parameter: ``lhs, op, rhs, est, se, z, pvalue, ci_lower, ci_upper``.
    vcov
        Sampling covariance of the free parameters (observed information), rows in the order of
        ``parameters``.
    loglik
        The maximised log-likelihood.
    n_obs
        Rows used (complete on every indicator).
    nodes
        Quadrature points per latent of the nonlinear terms.
    converged
        Whether the optimiser reported success.
    """

    model: LmsModel
    parameters: pd.DataFrame
    vcov: np.ndarray = field(repr=False)
    loglik: float
    n_obs: int
    nodes: int
    converged: bool

    @property
    def npar(self) -> int:
        """Free parameters."""
        return len(self.parameters)

    def information_criteria(self) -> dict[str, float]:
        """AIC and BIC (``-2 loglik + 2 npar``, ``+ npar log N``)."""
        import math

        return {"aic": -2 * self.loglik + 2 * self.npar,
                "bic": -2 * self.loglik + self.npar * math.log(self.n_obs)}


def quadrature(nodes: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite points ``(Q, dim)`` and weights ``(Q,)`` for a standard normal vector."""
    import numpy as np
    from numpy.polynomial.hermite_e import hermegauss

    x, w = hermegauss(nodes)
    w = w / np.sqrt(2 * np.pi)
    grids = np.meshgrid(*([x] * dim), indexing="ij")
    weights = np.prod(np.meshgrid(*([w] * dim), indexing="ij"), axis=0)
    points = np.column_stack([g.ravel() for g in grids])
    keep = weights.ravel() > 1e-14 * weights.max()  # points that cannot move a likelihood
    return points[keep], weights.ravel()[keep]


def moments(model: LmsModel, theta: np.ndarray, points: np.ndarray,
            ) -> tuple[np.ndarray, np.ndarray] | None:
    """The conditional means ``(Q, p)`` and the covariance ``(p, p)``; None if ``Phi`` is not
    positive definite."""
    import numpy as np

    mats = model.unpack(theta)
    try:
        chol = np.linalg.cholesky(mats.phi)
    except np.linalg.LinAlgError:
        return None
    m = model.nonlinear
    xi = points @ chol[:, :m].T
    eta = xi @ mats.gamma
    for (a, b), w in zip(model.products, mats.omega, strict=True):
        eta = eta + w * xi[:, a] * xi[:, b]
    means = mats.intercepts + np.column_stack([xi, eta]) @ mats.loadings.T
    rest = chol[:, m:] @ chol[:, m:].T
    k = len(model.latents)
    latent = np.empty((k + 1, k + 1))
    latent[:k, :k] = rest
    latent[:k, k] = latent[k, :k] = rest @ mats.gamma
    latent[k, k] = mats.gamma @ rest @ mats.gamma + mats.psi
    sigma = mats.loadings @ latent @ mats.loadings.T + np.diag(mats.residuals)
    return means, sigma


def _mixture(data: np.ndarray, means: np.ndarray, sigma: np.ndarray, log_w: np.ndarray,
             ) -> tuple[float, np.ndarray, np.ndarray] | None:
    """Log-likelihood of the normal mixture and its gradient in the means and the covariance."""
    import numpy as np
    from scipy.linalg import cho_solve, solve_triangular

    try:
        low = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return None
    n, p = data.shape
    a = solve_triangular(low, data.T, lower=True).T
    b = solve_triangular(low, means.T, lower=True).T
    dist = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T
    log_det = 2 * np.log(np.diag(low)).sum()
    log_f = log_w[None, :] - 0.5 * (p * np.log(2 * np.pi) + log_det + dist)
    top = log_f.max(axis=1)
    post = np.exp(log_f - top[:, None])
    total = post.sum(axis=1)
    post /= total[:, None]
    row = top + np.log(total)
    n_q = post.sum(0)
    sums = post.T @ data
    inv = cho_solve((low, True), np.eye(p))
    grad_means = (sums - n_q[:, None] * means) @ inv
    scatter = data.T @ data - sums.T @ means - means.T @ sums + (means.T * n_q) @ means
    grad_sigma = 0.5 * (inv @ scatter @ inv - n * inv)
    return float(row.sum()), grad_means, grad_sigma


def loglik_and_gradient(model: LmsModel, theta: np.ndarray, data: np.ndarray,
                        points: np.ndarray, weights: np.ndarray,
                        ) -> tuple[float, np.ndarray] | None:
    """The LMS log-likelihood at ``theta`` and its gradient; None outside the parameter space."""
    import numpy as np

    at = moments(model, theta, points)
    if at is None:
        return None
    mixed = _mixture(data, *at, np.log(weights))
    if mixed is None:
        return None
    value, grad_means, grad_sigma = mixed
    grad = np.empty(theta.size)
    for j in range(theta.size):
        step = np.zeros(theta.size)
        step[j] = _STEP
        up, down = moments(model, theta + step, points), moments(model, theta - step, points)
        if up is None or down is None:
            return None
        grad[j] = (np.sum(grad_means * (up[0] - down[0]))
                   + np.sum(grad_sigma * (up[1] - down[1]))) / (2 * _STEP)
    return value, grad


def _hessian(model: LmsModel, theta: np.ndarray, data: np.ndarray, points: np.ndarray,
             weights: np.ndarray) -> np.ndarray:
    """Central differences of the analytic gradient, symmetrised."""
    import numpy as np

    size = theta.size
    hess = np.empty((size, size))
    for j in range(size):
        step = np.zeros(size)
        step[j] = h = 1e-4 * max(1.0, abs(theta[j]))
        up = loglik_and_gradient(model, theta + step, data, points, weights)
        down = loglik_and_gradient(model, theta - step, data, points, weights)
        if up is None or down is None:
            raise FitError("LMS: the information matrix could not be computed at the estimate "
                           "(a variance at its boundary); the model is not identified here.")
        hess[:, j] = (up[1] - down[1]) / (2 * h)
    return np.asarray(0.5 * (hess + hess.T))


def fit_lms(model: LmsModel, data: pd.DataFrame, start: np.ndarray, *, nodes: int = NODES,
            fixed: dict[int, float] | None = None, level: float = 0.95) -> LmsFit:
    """Fit ``model`` by LMS from the start vector ``start`` (order of ``model.rows()``).

    Parameters
    ----------
    model
        The latent moderated structural equation.
    data
        The indicators; rows missing any indicator are left out (listwise).
    start
        Start values, e.g. from :func:`semwb.conditional.lms_fit.lms_start`.
    nodes
        Gauss-Hermite points per latent of the nonlinear terms. nlsem's default is 16; on the
        example data 16 leave an error of 0.1 in the log-likelihood, 24 of 0.002, 48 of 3e-6.
    fixed
        Parameters held at a value (position -> value), e.g. an interaction at 0.
    level
        Confidence level of the Wald intervals.

    Raises
    ------
    FitError
        When the optimiser cannot find a maximum inside the parameter space.
    """
    import numpy as np
    import pandas as pd
    from scipy import optimize

    from semwb.distributions import norm_ppf, norm_sf

    frame = data[list(model.observed)].apply(pd.to_numeric, errors="coerce").dropna()
    values = frame.to_numpy(dtype=float)
    points, weights = quadrature(nodes, model.nonlinear)
    fixed = fixed or {}
    free = [j for j in range(start.size) if j not in fixed]
    full = start.astype(float).copy()
    for j, v in fixed.items():
        full[j] = v
    n = len(values)

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        theta = full.copy()
        theta[free] = x
        got = loglik_and_gradient(model, theta, values, points, weights)
        if got is None:
            return np.inf, np.zeros(len(free))
        return -got[0] / n, -got[1][free] / n

    result = optimize.minimize(objective, full[free], jac=True, method="BFGS",
                               options={"gtol": 1e-7, "maxiter": 2000})
    if not np.isfinite(result.fun):
        raise FitError("LMS did not find a maximum inside the parameter space; check that the "
                       "model is identified (three or more indicators per latent help).")
    theta = full.copy()
    theta[free] = result.x
    hess = _hessian(model, theta, values, points, weights)[np.ix_(free, free)]
    try:
        vcov_free = np.linalg.inv(-hess)
    except np.linalg.LinAlgError as exc:
        raise FitError("LMS: the information matrix is singular at the estimate; the model "
                       "is not identified.") from exc
    se = np.zeros(theta.size)
    se[free] = np.sqrt(np.clip(np.diag(vcov_free), 0, None))
    vcov = np.zeros((theta.size, theta.size))
    vcov[np.ix_(free, free)] = vcov_free
    crit = float(norm_ppf(0.5 + level / 2))
    rows: list[dict[str, Any]] = []
    for j, (lhs, op, rhs) in enumerate(model.rows()):
        z = theta[j] / se[j] if se[j] > 0 else np.nan
        if j in fixed:
            rows.append({"lhs": lhs, "op": op, "rhs": rhs, "est": theta[j], "se": np.nan,
                         "z": np.nan, "pvalue": np.nan, "ci_lower": np.nan,
                         "ci_upper": np.nan})
            continue
        rows.append({"lhs": lhs, "op": op, "rhs": rhs, "est": theta[j], "se": se[j], "z": z,
                     "pvalue": 2 * norm_sf(abs(z)) if np.isfinite(z) else np.nan,
                     "ci_lower": theta[j] - crit * se[j], "ci_upper": theta[j] + crit * se[j]})
    loglik = -result.fun * n
    return LmsFit(model, pd.DataFrame(rows), vcov, float(loglik), n, nodes, bool(result.success))
