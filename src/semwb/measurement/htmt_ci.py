"""Bootstrap inference for discriminant validity: HTMT, HTMT2 and the Fornell-Larcker comparison.

A point HTMT below 0.85 says little when its sampling error is large; Henseler, Ringle &
Sarstedt (2015) judge discriminant validity by the bootstrap distribution of HTMT, and Franke &
Sarstedt (2019) by its one-sided upper bound against the 0.85 (strict) and 0.90 (liberal)
thresholds: discriminant validity holds at a threshold when the upper bound is below it.
HTMT2 (Roemer, Schuberth & Henseler 2021) uses geometric means and is judged the same way.

For a measurement CFA, the Fornell-Larcker comparison ``min(sqrt(AVE_a), sqrt(AVE_b)) - |r_ab|``
gets a bootstrap interval from the CFA refitted to each resample (the model core's batched fit);
the criterion holds when the one-sided lower bound is above 0.

Every statistic uses the same resamples of the complete rows (drawn up front from ``seed``, as
:func:`semwb.sem.resampling.resample_indices`), so the intervals of one call are from one
bootstrap; the intervals are percentile intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from semwb.errors import OptionError
from semwb.sem.bootstrap_draws import bootstrap_draws
from semwb.sem.resampling import resample_indices, resampled_covariances

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from semwb.sem.estimate import FitResult

__all__ = ["HTMT_THRESHOLDS", "discriminant_validity", "fornell_larcker_draws", "htmt_draws"]

#: Strict and liberal HTMT thresholds (Henseler et al. 2015).
HTMT_THRESHOLDS = (0.85, 0.90)
_CHUNK = 500


def htmt_draws(X: NDArray[np.float64], groups: Sequence[Sequence[int]],
               indices: NDArray[np.intp], *, geometric: bool = False) -> NDArray[np.float64]:
    """HTMT (or HTMT2) of every construct pair for each resample, ``(draws, pairs)``.

    Parameters
    ----------
    X
        ``(N, items)`` complete data.
    groups
        Column positions of each construct's items (at least 2 each).
    indices
        ``(draws, N)`` case indices of the resamples (the full sample: ``arange(N)[None]``).
    geometric
        HTMT2 (geometric means) instead of HTMT.

    Notes
    -----
    ``HTMT_ab = mean|r(a_i, b_j)| / sqrt(mean|r(a_i, a_i')| mean|r(b_j, b_j')|)`` over the
    heterotrait block and the off-diagonal monotrait correlations; vectorised over draws.
    """
    out = []
    Xc = X - X.mean(axis=0)
    sets = [np.asarray(g) for g in groups]
    for lo in range(0, len(indices), _CHUNK):
        S = resampled_covariances(Xc, indices[lo:lo + _CHUNK])
        sd = np.sqrt(np.diagonal(S, axis1=1, axis2=2))
        R = np.abs(S / (sd[:, :, None] * sd[:, None, :]))
        values = np.log(R) if geometric else R
        within = []
        for g in sets:
            upper = np.triu_indices(len(g), k=1)
            within.append(_mean(values[:, g[upper[0]], g[upper[1]]], geometric))
        cols = [_mean(values[:, sets[a][:, None], sets[b][None, :]], geometric)
                / np.sqrt(within[a] * within[b])
                for a, b in combinations(range(len(sets)), 2)]
        out.append(np.stack(cols, axis=1))
    return np.concatenate(out, axis=0)


def _mean(block: NDArray[np.float64], geometric: bool) -> NDArray[np.float64]:
    """Mean over all but the first axis: arithmetic, or geometric of values given as logs."""
    m = block.reshape(len(block), -1).mean(axis=1)
    return np.asarray(np.exp(m) if geometric else m, dtype=float)


def fornell_larcker_draws(fit: FitResult, constructs: Sequence[str],
                          theta: NDArray[np.float64]) -> NDArray[np.float64]:
    """``min(sqrt(AVE_a), sqrt(AVE_b)) - |r_ab|`` of every pair, for each parameter vector.

    AVE is the mean squared standardized loading; ``r`` the factor correlation (``std.all`` of
    the factor covariance), both from the CFA at ``theta (draws, q)``.
    """
    from semwb.sem.model.standardized import standardized_rows

    std = standardized_rows(fit.model, theta, kind="std.all")
    rows = fit.model.rows
    ave = {c: (std[:, [i for i, r in enumerate(rows) if r.op == "=~" and r.lhs == c]] ** 2
               ).mean(axis=1) for c in constructs}
    cols = []
    for a, b in combinations(constructs, 2):
        at = [i for i, r in enumerate(rows) if r.op == "~~" and {r.lhs, r.rhs} == {a, b}]
        if not at:
            raise OptionError(f"{fit.spec.source}: no covariance between {a} and {b}; the "
                              "Fornell-Larcker comparison needs a CFA with correlated factors.")
        cols.append(np.minimum(np.sqrt(ave[a]), np.sqrt(ave[b])) - np.abs(std[:, at[0]]))
    return np.stack(cols, axis=1)


def _bounds(draws: NDArray[np.float64], level: float) -> dict[str, NDArray[np.float64]]:
    """Two-sided percentile interval at ``level`` and the one-sided bounds at ``level``."""
    q = np.nanquantile(draws, [(1 - level) / 2, (1 + level) / 2, 1 - level, level], axis=0)
    return {"lower": q[0], "upper": q[1], "lower_one_sided": q[2], "upper_one_sided": q[3]}


def discriminant_validity(items: pd.DataFrame, constructs: Mapping[str, Sequence[str]], *,
                          fit: FitResult | None = None, draws: int = 2000, level: float = 0.95,
                          seed: int = 1) -> pd.DataFrame:
    """Bootstrap intervals of HTMT, HTMT2 and (with a CFA) the Fornell-Larcker comparison.

    Parameters
    ----------
    items
        Reverse-coded item answers; rows with a missing item are left out (listwise). With
        ``fit``, the CFA's own rows (``fit.data``) are used instead.
    constructs
        ``{construct: [item ids]}``, at least two constructs of at least two items each.
    fit
        The measurement CFA of these constructs (correlated factors), for Fornell-Larcker.
    draws, level, seed
        Bootstrap resamples (at least 100), interval level, and the seed of the resamples.

    Returns
    -------
    pandas.DataFrame
        One row per pair ``a``, ``b``: for ``htmt`` and ``htmt2`` the estimate, ``_lower``,
        ``_upper`` (two-sided percentile interval), ``_upper_one_sided`` and whether it is
        ``_below_085`` / ``_below_090``; with ``fit``, ``fl`` (the comparison), ``fl_lower``,
        ``fl_upper``, ``fl_lower_one_sided`` and ``fl_holds`` (that bound above 0); ``draws``
        (resamples used).
    """
    names = list(constructs)
    if len(names) < 2 or any(len(constructs[c]) < 2 for c in names):
        raise OptionError("HTMT needs at least two constructs of at least two items each.")
    if draws < 100 or not 0.5 < level < 1:
        raise OptionError(f"HTMT intervals need draws >= 100 and a level between 0.5 and 1; "
                          f"got {draws} draws, level {level}.")
    columns = [i for c in names for i in constructs[c]]
    frame = (fit.data if fit is not None else items)[columns].dropna()
    X = frame.to_numpy(dtype=float)
    position = {item: k for k, item in enumerate(columns)}
    groups = [[position[i] for i in constructs[c]] for c in names]
    indices = resample_indices(len(X), draws, rng=seed)
    full = np.arange(len(X))[None]
    pairs = list(combinations(names, 2))
    out = pd.DataFrame({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]})
    for key, geometric in (("htmt", False), ("htmt2", True)):
        out[key] = htmt_draws(X, groups, full, geometric=geometric)[0]
        bounds = _bounds(htmt_draws(X, groups, indices, geometric=geometric), level)
        for side in ("lower", "upper", "upper_one_sided"):
            out[f"{key}_{side}"] = bounds[side]
        for threshold in HTMT_THRESHOLDS:
            out[f"{key}_below_{round(threshold * 100):03d}"] = (
                bounds["upper_one_sided"] < threshold)
    out["draws"] = draws
    if fit is not None:
        if fit.spec.estimator == "WLSMV" or fit.groups:
            raise OptionError(f"{fit.spec.source}: the Fornell-Larcker interval refits the CFA by "
                              "ML (or FIML) on each resample; fit it without 'ordered:' and "
                              "without 'group:'.")
        data = fit.data[list(fit.observed)].to_numpy(dtype=float)
        boot = bootstrap_draws(fit.model, data, draws=draws, rng=seed, start=fit.model.estimate,
                               fiml=fit.spec.missing == "fiml")
        ok = np.isfinite(boot.theta).all(axis=1)
        out["fl"] = fornell_larcker_draws(fit, names, fit.model.estimate[None])[0]
        bounds = _bounds(fornell_larcker_draws(fit, names, boot.theta[ok]), level)
        for side in ("lower", "upper", "lower_one_sided"):
            out[f"fl_{side}"] = bounds[side]
        out["fl_holds"] = bounds["lower_one_sided"] > 0
        out["draws"] = int(ok.sum())
    return out
