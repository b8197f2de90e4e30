"""Multiple imputation beside FIML: m imputed data sets, one fit each, pooled by Rubin's rules.

Imputation is scikit-learn's ``IterativeImputer`` (chained equations with Bayesian ridge
regressions) with ``sample_posterior=True``, so each imputed value is a draw, not a prediction;
each of the m data sets runs its own chain from its own seed, as ``mice`` does. Draws are kept
within their instrument's Likert scale (truncated normal draws); other columns (firm age, size,
portfolio diversity, auxiliary variables) are left on their own scale. Rounding items to whole
scale points is offered but off by default, because rounding biases means and variances (Horton,
Lipsitz & Parzen, 2003).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from semwb.errors import FitError, OptionError
from semwb.explore.pooling import pool_chisq_d2, pool_scalars
from semwb.progress import Progress, counter
from semwb.rng import as_generator
from semwb.sem.spec import ModelSpec

#: Smallest and largest value per column: the instrument's scale for its items.
Bounds = Mapping[str, tuple[float, float]]


def item_bounds(columns: Sequence[str], *, items: Collection[str],
                scale: tuple[float, float] | None) -> dict[str, tuple[float, float]]:
    """The scale bounds of those ``columns`` that are Likert ``items`` (an instrument's
    ``likert_items`` and ``scale``; no bounds without a scale).

    Columns that are not items (firm age, size, product terms, auxiliary variables) get none, so
    :func:`impute` neither truncates nor rounds them.
    """
    if scale is None:
        return {}
    low, high = float(scale[0]), float(scale[1])
    return {column: (low, high) for column in columns if column in set(items)}


def impute(data: pd.DataFrame, columns: Sequence[str], *, m: int = 20,
           bounds: Bounds | None = None, round_values: bool = False,
           max_iter: int = 10, rng: int | np.random.Generator | None = None,
           progress: Callable[[int], None] | None = None) -> list[pd.DataFrame]:
    """Draw ``m`` imputed copies of ``data``.

    Parameters
    ----------
    data
        The data; only ``columns`` are imputed (and used to predict each other).
    columns
        Numeric columns to impute: the model's items plus any auxiliary variables.
    m
        Number of imputations (20 or more is the usual advice for SEM; Graham et al., 2007).
    bounds
        Smallest and largest allowed value per column (:func:`item_bounds`: the Likert scale of
        the instrument's items); draws are truncated to them. Other columns are unbounded.
    round_values
        Round the imputed values of the bounded columns (the items) to whole scale points (off
        by default, see the module notes); other columns are never rounded.
    max_iter
        Chained-equation rounds per imputation.
    rng
        Seed or generator (each imputation gets its own seed drawn from it).
    progress
        ``progress(1)`` after each imputation.

    Returns
    -------
    list of pandas.DataFrame
        ``m`` copies of ``data`` with the missing values of ``columns`` filled.
    """
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (needed first)
    from sklearn.impute import IterativeImputer

    if m < 2:
        raise OptionError(f"Multiple imputation needs at least 2 imputations; got {m}.")
    absent = [c for c in columns if c not in data.columns]
    if absent:
        raise OptionError(f"No column(s) {', '.join(absent)} in the data to impute.")
    block = data[list(columns)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    empty = [c for c, n in zip(columns, np.isnan(block).all(axis=0), strict=True) if n]
    if empty:
        raise OptionError(f"Column(s) {', '.join(empty)} have no values to impute from.")
    limits = bounds or {}
    low = np.array([limits.get(c, (-np.inf, np.inf))[0] for c in columns], dtype=float)
    high = np.array([limits.get(c, (-np.inf, np.inf))[1] for c in columns], dtype=float)
    rounded = np.isnan(block) & np.array([c in limits for c in columns]) & round_values
    seeds = as_generator(rng).integers(2**31 - 1, size=m)
    out = []
    for seed in seeds:
        imputer = IterativeImputer(sample_posterior=True, max_iter=max_iter,
                                   random_state=int(seed), min_value=low, max_value=high)
        filled = imputer.fit_transform(block)
        filled = np.where(rounded, np.round(filled), filled)
        copy = data.copy()
        copy[list(columns)] = filled
        out.append(copy)
        if progress is not None:
            progress(1)
    return out


@dataclass(frozen=True)
class PooledFit:
    """A model fitted to each imputed data set and pooled.

    Attributes
    ----------
    parameters
        Free parameters and ``:=`` effects: ``lhs op rhs label est se t df pvalue ci_lower
        ci_upper fmi riv std_all`` (``std_all`` the mean over imputations).
    chisq
        The D2 pooled test of model fit (:func:`~semwb.explore.pooling.pool_chisq_d2`).
    m
        Imputations fitted.
    dfcom
        Complete-data degrees of freedom of the Barnard-Rubin df (N minus free parameters).
    n_obs
        Rows of each imputed data set.
    warnings
        Distinct warnings of the single fits, with how many imputations gave each.
    """

    parameters: pd.DataFrame
    chisq: dict[str, float]
    m: int
    dfcom: int
    n_obs: int
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        from semwb.measurement.assessment import json_ready

        out: dict[str, Any] = json_ready({
            "m": self.m, "dfcom": self.dfcom, "n_obs": self.n_obs, "chisq": self.chisq,
            "warnings": list(self.warnings),
            "parameters": self.parameters.to_dict(orient="records")})
        return out


KEYS = ["lhs", "op", "rhs"]


def fit_imputed(spec: ModelSpec, data: pd.DataFrame, *, m: int = 20,
                auxiliary: Sequence[str] = (), bounds: Bounds | None = None,
                round_values: bool = False, level: float = 0.95,
                rng: int | np.random.Generator | None = None,
                progress: Progress | None = None) -> PooledFit:
    """Impute ``m`` times, fit ``spec`` to each with ``fit_model`` and pool the results.

    Parameters
    ----------
    spec
        The model; fitted to complete data, so its ``missing`` setting does not apply.
    data
        The data with missing values (already reverse-coded).
    m, bounds, round_values, rng
        See :func:`impute`.
    auxiliary
        Further columns that help predict the missing values (not in the model).
    level
        Confidence level of the pooled intervals.
    progress
        ``progress(done, 2 * m)`` after each imputation and after each fit.

    Returns
    -------
    PooledFit
    """
    if spec.group is not None or spec.estimator == "WLSMV":
        raise OptionError(f"{spec.source}: multiple imputation pools one-group ML fits; remove "
                          "'group:' / 'ordered:' (or compare with FIML in the model's own fit).")
    observed = list(spec.parsed.observed)
    step = counter(progress, 2 * m)
    imputed = impute(data, [*observed, *auxiliary], m=m, bounds=bounds,
                     round_values=round_values, rng=rng, progress=step)
    return pool_fits(spec, imputed, level=level, progress=step)


def pool_fits(spec: ModelSpec, imputed: Sequence[pd.DataFrame], *,
              level: float = 0.95, progress: Callable[[int], None] | None = None) -> PooledFit:
    """Fit ``spec`` to each completed data set with ``fit_model`` and pool by Rubin's rules.

    Parameters
    ----------
    spec
        The model; fitted to complete data (its ``missing`` and ``bootstrap`` do not apply).
    imputed
        The completed data sets (:func:`impute`, or imputations made elsewhere).
    level
        Confidence level of the pooled intervals.
    progress
        ``progress(1)`` after each fit.

    Returns
    -------
    PooledFit

    Notes
    -----
    The df are Barnard and Rubin's (1999) small-sample df with the complete-data df taken as
    N minus the number of free parameters (``mice::pool.scalar(n = N, k = npar)``): management
    surveys of 150-300 firms are where the large-sample ``(m - 1) / lambda^2`` overstates them.
    The pooled estimates, standard errors, t, df and FMI of every free parameter and ``:=``
    effect match lavaan 0.6.14 fits pooled by ``mice::pool.scalar`` and semTools' ``runMI`` on
    the same five imputed data sets (``tests/reference/mi_lavaan``).
    """
    from semwb.sem.estimate import fit_model

    m = len(imputed)
    complete = spec.model_copy(update={"missing": "listwise", "bootstrap": None})
    tables, chisq = [], []
    notes: dict[str, int] = {}
    for number, frame in enumerate(imputed, start=1):
        fit = fit_model(complete, frame, data_name=f"imputation {number}")
        if not fit.converged:
            raise FitError(f"The model did not converge on imputation {number} of {m}; "
                           "check the model on the complete cases first.")
        rows = fit.parameters[fit.parameters["free"] | (fit.parameters["op"] == ":=")]
        tables.append(rows.reset_index(drop=True))
        chisq.append(fit.fit.chisq)
        for warning in fit.warnings:
            notes[warning] = notes.get(warning, 0) + 1
        if progress is not None:
            progress(1)
    first = tables[0]
    estimates = np.array([t["est"].to_numpy(dtype=float) for t in tables])
    variances = np.array([t["se"].to_numpy(dtype=float) ** 2 for t in tables])
    dfcom = len(imputed[0]) - (fit.fit.npar or 0)
    pooled = pool_scalars(estimates, variances, level=level, dfcom=dfcom)
    std = np.mean([t["std_all"].to_numpy(dtype=float) for t in tables], axis=0)
    parameters = pd.concat([first[[*KEYS, "label"]], pooled[
        ["est", "se", "t", "df", "pvalue", "ci_lower", "ci_upper", "fmi", "riv"]]], axis=1)
    parameters["std_all"] = std
    df = fit.fit.df
    test = pool_chisq_d2(np.array(chisq, dtype=float), df) if df else {}
    return PooledFit(parameters=parameters, chisq=test, m=m, dfcom=dfcom, n_obs=len(imputed[0]),
                     warnings=tuple(f"{w} ({n} of {m} imputations)" for w, n in notes.items()))


def compare_with_fiml(pooled: PooledFit, fiml: pd.DataFrame) -> pd.DataFrame:
    """The pooled MI estimates beside a FIML fit's, per parameter.

    Parameters
    ----------
    pooled
        From :func:`fit_imputed`.
    fiml
        ``fit_model(spec with missing: fiml, data).parameters``.

    Returns
    -------
    pandas.DataFrame
        ``lhs op rhs label est_mi se_mi fmi est_fiml se_fiml diff_se`` (the difference of the
        estimates in FIML standard errors), one row per pooled parameter.
    """
    mi = pooled.parameters.rename(columns={"est": "est_mi", "se": "se_mi"})
    other = fiml[[*KEYS, "est", "se"]].rename(columns={"est": "est_fiml", "se": "se_fiml"})
    table = mi[[*KEYS, "label", "est_mi", "se_mi", "fmi"]].merge(other, on=KEYS, how="left")
    table["diff_se"] = (table["est_mi"] - table["est_fiml"]) / table["se_fiml"]
    return table
