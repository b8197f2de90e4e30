"""Named estimates with their sampling covariance, and linear combinations of them.

Every conditional effect of this package that is linear in the coefficients (a simple slope, the
slope of a curve at a point, an index of moderated mediation at fixed other paths) is ``w @ b`` for
a weight vector ``w``; its standard error is ``sqrt(w @ V @ w)``. The reference distribution is the
normal (SEM, lavaan's Wald tests) or Student's t with the residual degrees of freedom (OLS, R's
``lm``), chosen by ``df``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from semwb.errors import OptionError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

    Array = NDArray[np.float64]


def check_level(level: float) -> float:
    """Return ``level`` if it is a confidence level strictly between 0 and 1."""
    if not 0 < level < 1:
        raise OptionError(f"The confidence level must be between 0 and 1 (such as 0.95); "
                          f"got {level}.")
    return float(level)


@dataclass(frozen=True, eq=False)
class Coefficients:
    """Estimates of named coefficients and their covariance matrix.

    Attributes
    ----------
    names
        Coefficient names (labels, or term names such as ``"x:w"``), in the order of ``est``.
    est
        The estimates, shape ``(k,)``.
    vcov
        Their sampling covariance, shape ``(k, k)``.
    df
        Residual degrees of freedom for t-based tests and intervals (``lm``); ``None`` for
        normal-theory (z) ones, as lavaan reports.
    """

    names: tuple[str, ...]
    est: Array
    vcov: Array
    df: float | None = None

    @classmethod
    def from_mapping(
        cls, est: Mapping[str, float], vcov: pd.DataFrame, *, df: float | None = None
    ) -> Coefficients:
        """Build from estimates by name and a covariance frame indexed by the same names.

        Only the names in ``est`` are kept, so a full parameter covariance matrix can be passed.

        Raises
        ------
        OptionError
            When a name of ``est`` is not a row and column of ``vcov``.
        """
        import numpy as np

        names = tuple(est)
        missing = [n for n in names if n not in vcov.index or n not in vcov.columns]
        if missing:
            raise OptionError(f"No sampling covariance for {', '.join(missing)}; the covariance "
                              "matrix must have a row and a column for every coefficient used.")
        matrix = vcov.loc[list(names), list(names)].to_numpy(dtype=float)
        return cls(names, np.array([est[n] for n in names], dtype=float), matrix, df)

    def position(self, name: str) -> int:
        """Return the index of coefficient ``name``, with a clear error when it is absent."""
        try:
            return self.names.index(name)
        except ValueError:
            raise OptionError(f"Coefficient '{name}' is not among the estimates given "
                              f"({', '.join(self.names)}).") from None

    def weights(self, by_name: Mapping[str, Any], size: int) -> Array:
        """Return a weight matrix ``(size, k)`` from weights by coefficient name (scalars or arrays
        of length ``size``); coefficients not named weigh 0."""
        import numpy as np

        matrix = np.zeros((size, len(self.names)))
        for name, value in by_name.items():
            matrix[:, self.position(name)] += np.broadcast_to(np.asarray(value, float), (size,))
        return matrix

    def combine(self, weights: Array) -> tuple[Array, Array]:
        """Return the estimates ``W @ b`` and standard errors ``sqrt(diag(W V W'))``."""
        import numpy as np

        est = weights @ self.est
        var = np.einsum("ij,jk,ik->i", weights, self.vcov, weights)
        return est, np.sqrt(np.clip(var, 0.0, None))

    def critical(self, level: float) -> float:
        """Return the two-sided critical value at ``level`` (z, or t with ``df``)."""
        from semwb.distributions import norm_ppf, t_ppf

        upper = 0.5 + check_level(level) / 2
        return float(norm_ppf(upper) if self.df is None else t_ppf(upper, self.df))

    def sf(self, statistic: Array) -> Array:
        """Return the upper-tail probability of ``statistic`` (z, or t with ``df``)."""
        from semwb.distributions import norm_sf, t_sf

        if self.df is None:
            return norm_sf(statistic)  # type: ignore[no-any-return]
        return t_sf(statistic, self.df)  # type: ignore[no-any-return]

    def delta(self, func: Callable[[Array], Any], level: float) -> dict[str, float]:
        """Delta-method ``est, se, stat, pvalue, ci_lower, ci_upper`` of a scalar ``func(b)``.

        ``func`` takes the estimate vector and must accept complex values: the gradient is the
        complex step ``Im f(b + ih e_j) / h``, exact to rounding for analytic functions (as
        lavaan's ``lav_func_jacobian_complex``).
        """
        import numpy as np

        step = 1e-20
        est = float(np.real(func(self.est.astype(complex))))
        grad = np.array([np.imag(func(self.est + 1j * step * np.eye(len(self.est))[j])) / step
                         for j in range(len(self.est))])
        se = float(np.sqrt(max(grad @ self.vcov @ grad, 0.0)))
        stat = est / se if se > 0 else float("nan")
        crit = self.critical(level)
        return {"est": est, "se": se, "stat": stat,
                "pvalue": float(2 * self.sf(np.array(abs(stat)))),
                "ci_lower": est - crit * se, "ci_upper": est + crit * se}

    def table(self, weights: Array, level: float) -> dict[str, Array]:
        """Return ``est, se, stat, pvalue, ci_lower, ci_upper`` of the combinations ``weights``.

        ``stat`` is z (or t with ``df``); ``pvalue`` is two-sided.
        """
        import numpy as np

        est, se = self.combine(weights)
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = est / se
        crit = self.critical(level)
        return {"est": est, "se": se, "stat": stat, "pvalue": 2 * self.sf(np.abs(stat)),
                "ci_lower": est - crit * se, "ci_upper": est + crit * se}


def as_array(values: Sequence[float] | Array) -> Array:
    """Return ``values`` as a 1-d float array."""
    import numpy as np

    return np.atleast_1d(np.asarray(values, dtype=float))
