"""A spec's ``imputation:`` and ``prediction:`` blocks, run beside its own fit (docs/explore.md).

The JSON forms here are what ``semwb impute`` and ``semwb predict`` write (``mi.json``,
``prediction.json``) and what ``results.json`` holds under ``imputation`` and ``prediction``,
so the report's "Exploratory analyses" section reads one shape from either.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from semwb.errors import OptionError
from semwb.sem.spec import ModelSpec
from semwb.sem.spec_extras import ImputationOptions, PredictionOptions

if TYPE_CHECKING:
    import pandas as pd

    from semwb.progress import Progress
    from semwb.sem.estimate import FitResult

#: Shmueli et al. (2019): predictive power by the share of indicators the model predicts with a
#: lower RMSE than the linear benchmark.
POWER_LEVELS = ("none", "low", "medium", "high")


def imputation_results(spec: ModelSpec, data: pd.DataFrame, options: ImputationOptions, *,
                       items: Collection[str] = (), scale: tuple[float, float] | None = None,
                       fiml: FitResult | None = None, compare: bool = True,
                       data_name: str = "data",
                       progress: Progress | None = None) -> dict[str, Any]:
    """Multiple imputation of ``spec`` on ``data``, pooled, beside a FIML fit of the same model.

    Parameters
    ----------
    spec, data
        The model and its (reverse-coded) data with missing values.
    options
        The ``imputation:`` block: ``m``, ``seed``, ``auxiliary``, ``round``.
    items, scale
        The instrument's Likert items and scale: only they are truncated (and rounded).
    fiml
        The model's own FIML fit when it has one (else one is fitted here).
    compare
        Set the pooled estimates beside FIML's (``semwb impute --no-fiml`` skips it).
    data_name
        How messages name the data.
    progress
        ``progress(done, total)`` after each imputation and each fit to one
        (:func:`~semwb.explore.imputation.fit_imputed`).

    Returns
    -------
    dict
        ``m seed round auxiliary n_obs chisq warnings parameters`` (the pooled table,
        :meth:`~semwb.explore.imputation.PooledFit.to_dict`), and with ``compare`` also ``fiml``
        (``chisq``, ``df``), ``comparison`` (per parameter ``est_mi se_mi fmi est_fiml se_fiml
        diff_se``) and ``largest_difference`` (the parameter furthest from FIML, in FIML SEs).
    """
    from semwb.explore.imputation import compare_with_fiml, fit_imputed, item_bounds
    from semwb.measurement.assessment import json_ready
    from semwb.sem.estimate import fit_model

    absent = [name for name in options.auxiliary if name not in data.columns]
    if absent:
        raise OptionError(f"{spec.source}, key 'imputation.auxiliary': no column(s) "
                          f"{', '.join(absent)} in the data; name columns of the data file.")
    columns = [*spec.parsed.observed, *options.auxiliary]
    pooled = fit_imputed(spec, data, m=options.m, auxiliary=options.auxiliary,
                         bounds=item_bounds(columns, items=items, scale=scale),
                         round_values=options.round, rng=options.seed, progress=progress)
    out: dict[str, Any] = {"seed": options.seed, "round": options.round,
                           "auxiliary": list(options.auxiliary), **pooled.to_dict()}
    if not compare:
        return out
    if fiml is None:
        fiml = fit_model(spec.model_copy(update={"missing": "fiml", "bootstrap": None}), data,
                         data_name=data_name)
    table = compare_with_fiml(pooled, fiml.parameters)
    out["fiml"] = {"chisq": fiml.fit.chisq, "df": fiml.fit.df}
    out["comparison"] = json_ready(table.to_dict(orient="records"))
    gap = table["diff_se"].abs()
    if gap.notna().any():
        worst = table.loc[gap.idxmax()]
        out["largest_difference"] = {"parameter": f"{worst['lhs']} {worst['op']} {worst['rhs']}",
                                     "diff_se": float(worst["diff_se"])}
    return out


def prediction_results(spec: ModelSpec, data: pd.DataFrame, options: PredictionOptions, *,
                       progress: Progress | None = None) -> dict[str, Any]:
    """PLSpredict-style cross-validation of ``spec`` (:func:`~semwb.explore.prediction.predict_cv`).

    ``progress(done, total)`` after each training fold.

    Returns
    -------
    dict
        :meth:`~semwb.explore.prediction.Prediction.to_dict` (``folds repeats seed n_obs
        exogenous endogenous indicators``) with ``better`` (indicators the model predicts with a
        lower RMSE than the linear benchmark) and ``power`` (``none``, ``low``, ``medium`` or
        ``high``: none, a minority, a majority (or half) or all of them; Shmueli et al., 2019).
    """
    from semwb.explore.prediction import predict_cv  # a spec's own fit never needs it

    result = predict_cv(spec, data, folds=options.folds, repeats=options.repeats,
                        rng=options.seed, progress=progress)
    better = int(result.table["model_better"].sum())
    return {**result.to_dict(), "better": better,
            "power": predictive_power(better, len(result.table))}


def predictive_power(better: int, total: int) -> str:
    """Shmueli et al.'s (2019) verdict from how many of ``total`` indicators the model predicts
    with a lower RMSE than the linear benchmark: all ``high``, a majority or half ``medium``, a
    minority ``low``, none ``none``."""
    level = 3 if better == total else 2 if 2 * better >= total else 1 if better else 0
    return POWER_LEVELS[level]


def beside_results(spec: ModelSpec, data: pd.DataFrame, *, fit: FitResult,
                   items: Collection[str] = (), scale: tuple[float, float] | None = None,
                   data_name: str = "data", progress: Progress | None = None,
                   ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The ``imputation`` and ``prediction`` of ``results.json`` (None for an absent block).

    ``fit`` is the model's own fit, reused as the FIML side of the comparison when it is one.
    ``progress(done, total)`` runs over the imputations and fits, then over the training folds.
    """
    imputation = None if spec.imputation is None else imputation_results(
        spec, data, spec.imputation, items=items, scale=scale,
        fiml=fit if spec.missing == "fiml" else None, data_name=data_name, progress=progress)
    prediction = (None if spec.prediction is None
                  else prediction_results(spec, data, spec.prediction, progress=progress))
    return imputation, prediction
