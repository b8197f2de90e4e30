"""Exploratory factor analysis: how many factors, extraction, rotation, and the loadings table.

The pieces are in :mod:`~semwb.explore.nfactors` (parallel analysis, MAP),
:mod:`~semwb.explore.extraction` (minres, ML) and :mod:`~semwb.explore.rotation` (varimax,
promax, oblimin); this module runs them in the order psych's ``fa`` does, names the factors and
flags the items a scale developer looks at (cross-loadings, weak primary loadings), with KMO and
Bartlett's test from :mod:`semwb.measurement` beside them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from semwb.errors import ConvergenceWarning, OptionError
from semwb.explore.extraction import EXTRACTIONS, chi_square, extract
from semwb.explore.nfactors import ParallelAnalysis, parallel_analysis, velicer_map
from semwb.explore.rotation import ROTATIONS, rotate
from semwb.measurement.assessment import json_ready
from semwb.measurement.correlations import pairwise_corr
from semwb.measurement.factorability import bartlett_sphericity, kmo
from semwb.progress import Progress

EFA_THRESHOLDS = {"cross_loading": 0.32, "primary_loading": 0.40, "communality": 0.20}
"""Tabachnick and Fidell (2013): loadings of .32 and above count (so two of them make a
cross-loading); a primary loading below .40 and a communality below .20 are weak."""


@dataclass(frozen=True)
class FactorSolution:
    """One extracted and rotated factor solution.

    Attributes
    ----------
    loadings
        Pattern loadings, items x factors (``F1`` .. ``Fk``, ordered by variance explained).
    structure
        Structure loadings ``loadings @ phi`` (equal to the pattern for orthogonal rotations).
    phi
        Factor correlations (identity for orthogonal rotations).
    communalities, uniquenesses
        ``h2`` per item and ``1 - h2``.
    variance
        Per factor: ``ss_loadings``, ``proportion``, ``cumulative``.
    items
        Per item: ``factor`` (primary), ``loading`` (primary), ``second`` (next largest in
        absolute value), ``h2``, and the flags ``cross_loading``, ``weak_loading``,
        ``low_communality``.
    fit
        ``chisq``, ``df``, ``pvalue``, ``rmsea`` and ``objective`` (psych's ML-based statistic).
    """

    method: str
    rotation: str
    n_factors: int
    loadings: pd.DataFrame
    structure: pd.DataFrame
    phi: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    variance: pd.DataFrame
    items: pd.DataFrame
    fit: dict[str, float]
    converged: bool


def _order_and_sign(loadings: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """psych's convention: positive column sums, factors by variance explained (largest first)."""
    signs = np.where(loadings.sum(axis=0) < 0, -1.0, 1.0)
    loadings = loadings * signs
    phi = phi * np.outer(signs, signs)
    explained = np.diag(phi @ loadings.T @ loadings)
    order = np.argsort(-explained, kind="stable")
    return loadings[:, order], phi[np.ix_(order, order)]


def _item_table(loadings: pd.DataFrame, h2: pd.Series, *, cross: float, primary: float,
                communality: float) -> pd.DataFrame:
    values = loadings.to_numpy()
    absolute = np.abs(values)
    ranks = np.argsort(-absolute, axis=1)
    rows = np.arange(len(values))
    first = values[rows, ranks[:, 0]]
    second = values[rows, ranks[:, 1]] if values.shape[1] > 1 else np.full(len(values), np.nan)
    return pd.DataFrame({
        "factor": loadings.columns[ranks[:, 0]],
        "loading": first,
        "second": second,
        "h2": h2.to_numpy(),
        "cross_loading": (absolute >= cross).sum(axis=1) > 1,
        "weak_loading": np.abs(first) < primary,
        "low_communality": h2.to_numpy() < communality,
    }, index=loadings.index)


def fit_factors(corr: pd.DataFrame, n_factors: int, *, n_obs: int, method: str = "minres",
                rotation: str = "oblimin",
                thresholds: dict[str, float] | None = None) -> FactorSolution:
    """Extract and rotate ``n_factors`` factors from item correlations.

    Parameters
    ----------
    corr
        Item correlations, items as index and columns.
    n_factors
        Number of factors (1 to the number of items - 1).
    n_obs
        Respondents (for the chi-square test).
    method
        ``minres`` or ``ml``.
    rotation
        ``oblimin`` (default, as psych), ``promax``, ``varimax`` or ``none``.
    thresholds
        Overrides of :data:`EFA_THRESHOLDS`.

    Returns
    -------
    FactorSolution

    Notes
    -----
    Matches psych 2.2.9 ``fa(r, nfactors, n.obs, fm, rotate)`` loadings, communalities and
    factor correlations to 1e-4 for minres and ML with varimax, promax and oblimin
    (tests/reference/efa_alliance).
    """
    if method not in EXTRACTIONS:
        raise OptionError(f"Unknown extraction '{method}'; choose one of "
                          f"{', '.join(EXTRACTIONS)}.")
    if rotation not in ROTATIONS:
        raise OptionError(f"Unknown rotation '{rotation}'; choose one of {', '.join(ROTATIONS)}.")
    p = corr.shape[0]
    if not 1 <= n_factors < p:
        raise OptionError(f"The number of factors must be between 1 and {p - 1} for {p} items; "
                          f"got {n_factors}.")
    limits = {**EFA_THRESHOLDS, **(thresholds or {})}
    matrix = corr.to_numpy(dtype=float)
    unrotated = extract(matrix, n_factors, method=method)
    start, _ = _order_and_sign(unrotated.loadings, np.eye(n_factors))
    turned = rotate(start, rotation if n_factors > 1 else "none")
    if not (unrotated.converged and turned.converged):
        warnings.warn(f"EFA ({method}, {rotation}, {n_factors} factors) did not converge; read "
                      "the loadings with caution.", ConvergenceWarning, stacklevel=2)
    loadings, phi = _order_and_sign(turned.loadings, turned.phi)
    names = [f"F{i + 1}" for i in range(n_factors)]
    pattern = pd.DataFrame(loadings, index=corr.index, columns=names)
    h2 = pd.Series(1 - unrotated.uniquenesses, index=corr.index, name="h2")
    ss = np.diag(phi @ loadings.T @ loadings)
    variance = pd.DataFrame({"ss_loadings": ss, "proportion": ss / p,
                             "cumulative": np.cumsum(ss) / p}, index=names)
    fit = chi_square(unrotated.objective, n_obs=n_obs, n_items=p, n_factors=n_factors)
    return FactorSolution(
        method=method, rotation=rotation, n_factors=n_factors, loadings=pattern,
        structure=pd.DataFrame(loadings @ phi, index=corr.index, columns=names),
        phi=pd.DataFrame(phi, index=names, columns=names), communalities=h2,
        uniquenesses=(1 - h2).rename("u2"), variance=variance,
        items=_item_table(pattern, h2, cross=limits["cross_loading"],
                          primary=limits["primary_loading"], communality=limits["communality"]),
        fit={**fit, "objective": unrotated.objective}, converged=turned.converged)


@dataclass(frozen=True)
class EFAResult:
    """Everything ``semwb efa`` reports.

    Attributes
    ----------
    n_obs
        Respondents (rows; correlations are pairwise complete, as psych's default).
    correlations
        The item correlations.
    parallel
        Parallel analysis and scree data.
    map
        Velicer's MAP test (see :func:`~semwb.explore.nfactors.velicer_map`).
    solution
        The factor solution with the chosen (or suggested) number of factors.
    kmo, kmo_items, bartlett
        Sampling adequacy and sphericity (:mod:`semwb.measurement.factorability`).
    """

    n_obs: int
    correlations: pd.DataFrame
    parallel: ParallelAnalysis
    map: dict[str, Any]
    solution: FactorSolution
    kmo: float
    kmo_items: dict[str, float]
    bartlett: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """The ``efa.json`` shape: plain numbers, lists and mappings (NaN becomes None)."""
        s = self.solution
        out: dict[str, Any] = json_ready({
            "n_obs": self.n_obs, "items": list(self.correlations.index),
            "method": s.method, "rotation": s.rotation, "n_factors": s.n_factors,
            "parallel": self.parallel.to_dict(), "map": self.map,
            "loadings": s.loadings.to_dict(orient="index"),
            "structure": s.structure.to_dict(orient="index"),
            "phi": s.phi.to_dict(orient="index"),
            "communalities": s.communalities.to_dict(),
            "variance": s.variance.to_dict(orient="index"),
            "item_flags": s.items.to_dict(orient="index"),
            "fit": s.fit, "converged": s.converged, "thresholds": EFA_THRESHOLDS,
            "kmo": self.kmo, "kmo_items": self.kmo_items, "bartlett": self.bartlett,
        })
        return out


def run_efa(items: pd.DataFrame, n_factors: int | None = None, *, method: str = "minres",
            rotation: str = "oblimin", draws: int = 100,
            rng: int | np.random.Generator | None = None,
            thresholds: dict[str, float] | None = None,
            progress: Progress | None = None) -> EFAResult:
    """Exploratory factor analysis of item answers.

    Parameters
    ----------
    items
        Reverse-coded answers, one column per item (missing answers allowed: correlations are
        pairwise complete).
    n_factors
        Factors to extract; default the number parallel analysis suggests (at least 1).
    method, rotation, thresholds
        See :func:`fit_factors`.
    draws, rng
        Parallel analysis' random data sets and seed.
    progress
        ``progress(done, draws)`` after each of parallel analysis' random data sets.

    Returns
    -------
    EFAResult
    """
    if items.shape[1] < 3:
        raise OptionError(f"An EFA needs at least 3 items; got {items.shape[1]}.")
    block = items.to_numpy(dtype=float)
    constant = [c for c, sd in zip(items.columns, np.nanstd(block, axis=0), strict=True)
                if not sd > 0]
    if constant:
        raise OptionError(f"Items without variance cannot be factored: {', '.join(constant)}; "
                          "drop them.")
    corr = pd.DataFrame(pairwise_corr(block), index=items.columns, columns=items.columns)
    n_obs = len(items)
    parallel = parallel_analysis(corr.to_numpy(), n_obs, draws=draws, rng=rng,
                                 progress=progress)
    chosen = n_factors if n_factors is not None else max(parallel.n_factors, 1)
    overall, by_item = kmo(items)
    return EFAResult(n_obs=n_obs, correlations=corr, parallel=parallel,
                     map=velicer_map(corr.to_numpy()),
                     solution=fit_factors(corr, chosen, n_obs=n_obs, method=method,
                                          rotation=rotation, thresholds=thresholds),
                     kmo=overall, kmo_items=by_item, bartlett=bartlett_sphericity(items))
