"""How many factors: Horn's parallel analysis, Velicer's MAP test and the scree data.

Parallel analysis and MAP are a few lines of linear algebra each; no maintained Python package
that works with current scikit-learn and pandas offers both with psych's conventions, which the
tests check against (``psych::fa.parallel``, ``psych::VSS``; tests/reference/efa_alliance).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from semwb.explore.extraction import extract
from semwb.progress import Progress
from semwb.rng import as_generator


def reduced_eigenvalues(corr: np.ndarray) -> np.ndarray:
    """Eigenvalues of the correlations with one-factor minres communalities on the diagonal.

    What ``psych::fa.parallel`` plots as the factor eigenvalues (``fa(r, 1)$values``), largest
    first.
    """
    one = extract(corr, 1, method="minres")
    reduced = corr - np.diag(np.diag(corr)) + np.diag(1 - one.uniquenesses)
    return np.sort(np.linalg.eigvalsh(reduced))[::-1]


def component_eigenvalues(corr: np.ndarray) -> np.ndarray:
    """Eigenvalues of the correlation matrix, largest first."""
    return np.sort(np.linalg.eigvalsh(corr))[::-1]


def _leading(observed: np.ndarray, reference: np.ndarray) -> int:
    """How many leading observed eigenvalues exceed the reference ones (stop at the first not)."""
    above = observed > reference
    return int(len(above) if above.all() else np.argmin(above))


@dataclass(frozen=True)
class ParallelAnalysis:
    """Horn's parallel analysis and the scree data.

    Attributes
    ----------
    observed_pc, observed_fa
        Eigenvalues of the item correlations and of the reduced correlations.
    simulated_pc, simulated_fa
        Mean eigenvalues of the correlations of normal random data of the same size.
    quantile_pc, quantile_fa
        Their ``quantile`` (default 95th) percentiles.
    n_factors, n_components
        Leading observed eigenvalues above the simulated percentile (Glorfeld 1995; what psych
        2.2.9 reports with its default ``quant = .95``).
    n_factors_mean, n_components_mean
        The same against the simulated mean (Horn's original rule).
    kaiser
        Components with eigenvalue above 1 (shown, not recommended).
    draws, seed
        Simulated data sets and the seed (recorded for the report).
    """

    observed_pc: np.ndarray
    observed_fa: np.ndarray
    simulated_pc: np.ndarray
    simulated_fa: np.ndarray
    quantile_pc: np.ndarray
    quantile_fa: np.ndarray
    n_factors: int
    n_components: int
    n_factors_mean: int
    n_components_mean: int
    kaiser: int
    quantile: float
    draws: int
    seed: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (lists of floats)."""
        arrays = ("observed_pc", "observed_fa", "simulated_pc", "simulated_fa", "quantile_pc",
                  "quantile_fa")
        out: dict[str, Any] = {name: [float(v) for v in getattr(self, name)] for name in arrays}
        for name in ("n_factors", "n_components", "n_factors_mean", "n_components_mean",
                     "kaiser", "quantile", "draws", "seed"):
            out[name] = getattr(self, name)
        return out


def parallel_analysis(corr: np.ndarray, n_obs: int, *, draws: int = 100, quantile: float = 0.95,
                      rng: int | np.random.Generator | None = None,
                      progress: Progress | None = None) -> ParallelAnalysis:
    """Horn's (1965) parallel analysis for components and for factors.

    Parameters
    ----------
    corr
        Item correlations.
    n_obs
        Number of respondents.
    draws
        Random data sets (psych uses 20; more give steadier reference eigenvalues).
    quantile
        Percentile of the simulated eigenvalues also reported.
    rng
        Seed or generator.
    progress
        ``progress(done, draws)`` after each random data set.

    Notes
    -----
    Each draw is ``n_obs`` x p standard normal data; its correlation matrix gives component
    eigenvalues and, with one-factor minres communalities on the diagonal, factor eigenvalues
    (``psych::fa.parallel(fm = "minres", fa = "both", sim = TRUE)``). The number suggested is the
    count of leading observed eigenvalues above the simulated ``quantile``.
    """
    seed = rng if isinstance(rng, int) else None
    generator = as_generator(rng)
    p = corr.shape[0]
    pc = np.empty((draws, p))
    fa = np.empty((draws, p))
    for draw in range(draws):
        sample = np.asarray(np.corrcoef(generator.standard_normal((n_obs, p)), rowvar=False))
        pc[draw] = component_eigenvalues(sample)
        fa[draw] = reduced_eigenvalues(sample)
        if progress is not None:
            progress(draw + 1, draws)
    observed_pc, observed_fa = component_eigenvalues(corr), reduced_eigenvalues(corr)
    sim_pc, sim_fa = pc.mean(axis=0), fa.mean(axis=0)
    q_pc, q_fa = np.quantile(pc, quantile, axis=0), np.quantile(fa, quantile, axis=0)
    return ParallelAnalysis(
        observed_pc=observed_pc, observed_fa=observed_fa, simulated_pc=sim_pc,
        simulated_fa=sim_fa, quantile_pc=q_pc, quantile_fa=q_fa,
        n_factors=_leading(observed_fa, q_fa), n_components=_leading(observed_pc, q_pc),
        n_factors_mean=_leading(observed_fa, sim_fa),
        n_components_mean=_leading(observed_pc, sim_pc),
        kaiser=int((observed_pc > 1).sum()), quantile=quantile, draws=draws, seed=seed)


def velicer_map(corr: np.ndarray) -> dict[str, Any]:
    """Velicer's (1976) minimum average partial test.

    Returns
    -------
    dict
        ``map``: average squared partial correlation after partialling out the first
        ``m = 1 .. p - 1`` principal components; ``map4``: the same with fourth powers (Velicer
        et al., 2000); ``n_factors`` and ``n_factors4``: the ``m`` at the minimum.

    Notes
    -----
    With ``A_m`` the first ``m`` component loadings, ``C = R - A_m A_m'`` and the partial
    correlations ``C_ij / sqrt(C_ii C_jj)``; the statistic averages over ``i != j``. Matches
    ``psych::VSS(fm = "pc")$map`` (tests/reference/efa_alliance).
    """
    p = corr.shape[0]
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    loadings = vectors[:, order] * np.sqrt(np.maximum(values[order], 0.0))
    off = ~np.eye(p, dtype=bool)
    squared, fourth = [], []
    for m in range(1, p):
        residual = corr - loadings[:, :m] @ loadings[:, :m].T
        d = np.sqrt(np.diag(residual))
        partial = residual / np.outer(d, d)
        squared.append(float((partial[off] ** 2).mean()))
        fourth.append(float((partial[off] ** 4).mean()))
    return {"map": squared, "map4": fourth, "n_factors": int(np.argmin(squared)) + 1,
            "n_factors4": int(np.argmin(fourth)) + 1}
