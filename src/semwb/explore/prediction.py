"""Out-of-sample predictive power of a fitted model, PLSpredict-style (Shmueli et al., 2016, 2019).

Repeated k-fold cross-validation (scikit-learn ``RepeatedKFold``): the model is fitted on the
training folds with ``fit_model``; each held-out case's endogenous indicators are predicted from
its exogenous indicators through the model-implied covariance matrix (the CB-SEM predictor of
Evermann & Tate, 2016: ``y_hat = mu_y + Sigma_yx inv(Sigma_xx) (x - mu_x)``), and against a linear
regression of each endogenous indicator on all exogenous ones (scikit-learn ``LinearRegression``)
as the benchmark. Reported per indicator as SmartPLS's PLSpredict does: Q²_predict (against the
training mean), RMSE and MAE of the model and of the benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from semwb.distributions import t_sf
from semwb.errors import OptionError
from semwb.progress import counter
from semwb.sem.spec import ModelSpec
from semwb.sem.spec_extras import indicator_roles, prediction_roles

__all__ = ["Prediction", "compare_predictions", "implied_covariance", "indicator_roles",
           "predict_cv"]


def implied_covariance(parameters: pd.DataFrame, observed: list[str]) -> np.ndarray:
    """Model-implied covariance of ``observed`` from a lavaan-style parameter table.

    Notes
    -----
    RAM form: ``A`` holds loadings (``=~``, latent -> item) and regressions (``~``), ``S`` the
    (co)variances (``~~``); ``Sigma = F (I - A)^-1 S (I - A)^-T F'`` with ``F`` selecting the
    observed variables. The test recomputes the model chi-square from it.
    """
    rows = parameters[parameters["op"].isin(["=~", "~", "~~"])]
    names = list(dict.fromkeys([*observed, *rows["lhs"], *rows["rhs"]]))
    where = {name: i for i, name in enumerate(names)}
    v = len(names)
    a, s = np.zeros((v, v)), np.zeros((v, v))
    for lhs, op, rhs, est in rows[["lhs", "op", "rhs", "est"]].itertuples(index=False):
        if op == "=~":
            a[where[rhs], where[lhs]] = est
        elif op == "~":
            a[where[lhs], where[rhs]] = est
        else:
            s[where[lhs], where[rhs]] = s[where[rhs], where[lhs]] = est
    inverse = np.linalg.inv(np.eye(v) - a)
    full = inverse @ s @ inverse.T
    pick = [where[name] for name in observed]
    return np.asarray(full[np.ix_(pick, pick)])


def _metrics(actual: np.ndarray, predicted: np.ndarray, train_mean: np.ndarray
             ) -> dict[str, np.ndarray]:
    error = actual - predicted
    return {"rmse": np.sqrt((error**2).mean(axis=0)), "mae": np.abs(error).mean(axis=0),
            "q2": 1 - (error**2).sum(axis=0) / ((actual - train_mean) ** 2).sum(axis=0)}


@dataclass(frozen=True)
class Prediction:
    """Cross-validated prediction of the endogenous indicators.

    Attributes
    ----------
    table
        One row per endogenous indicator: ``q2_predict``, ``rmse``, ``mae`` (the model),
        ``lm_rmse``, ``lm_mae`` (the linear benchmark), ``model_better`` (RMSE below the
        benchmark's), averaged over the repetitions.
    folds, repeats, seed, n_obs
        The design (recorded for the report).
    exogenous, endogenous
        The predictors and the predicted indicators.
    """

    table: pd.DataFrame
    folds: int
    repeats: int
    seed: int | None
    n_obs: int
    exogenous: tuple[str, ...]
    endogenous: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        from semwb.measurement.assessment import json_ready

        out: dict[str, Any] = json_ready({
            "folds": self.folds, "repeats": self.repeats, "seed": self.seed,
            "n_obs": self.n_obs, "exogenous": list(self.exogenous),
            "endogenous": list(self.endogenous),
            "indicators": self.table.to_dict(orient="index")})
        return out


def _complete(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows complete on ``columns``, numbered from 0 (the cross-validation's cases)."""
    return data[columns].apply(pd.to_numeric, errors="coerce").dropna().reset_index(drop=True)


def _cross_predict(spec: ModelSpec, frame: pd.DataFrame, *, folds: int, repeats: int,
                   rng: int | None, progress: Callable[[int], None] | None = None
                   ) -> dict[str, np.ndarray]:
    """Held-out predictions of the endogenous indicators, repeats x cases x indicators.

    ``model`` through the implied covariance, ``lm`` by linear regression, ``mean`` the training
    mean. The splits depend only on the number of cases and ``rng``, so two models predicted on
    the same frame with the same seed share them (what CVPAT needs). ``progress(1)`` after each
    training fold.
    """
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import RepeatedKFold

    from semwb.sem.estimate import fit_model

    if folds < 2:
        raise OptionError(f"folds must be at least 2; got {folds}.")
    exogenous, endogenous = prediction_roles(spec)
    x, y = frame[exogenous].to_numpy(float), frame[endogenous].to_numpy(float)
    complete = spec.model_copy(update={"missing": "listwise", "bootstrap": None})
    out = {kind: np.empty((repeats, *y.shape)) for kind in ("model", "lm", "mean")}
    splitter = RepeatedKFold(n_splits=folds, n_repeats=repeats, random_state=rng)
    for number, (train, test) in enumerate(splitter.split(frame)):
        fit = fit_model(complete, frame.iloc[train], data_name=f"training fold {number + 1}")
        order = list(fit.observed)
        sigma = pd.DataFrame(implied_covariance(fit.parameters, order), index=order,
                             columns=order)
        beta = np.linalg.solve(sigma.loc[exogenous, exogenous].to_numpy(),
                               sigma.loc[exogenous, endogenous].to_numpy())
        mean_x, mean_y = x[train].mean(axis=0), y[train].mean(axis=0)
        rep = number // folds
        out["model"][rep, test] = mean_y + (x[test] - mean_x) @ beta
        out["lm"][rep, test] = LinearRegression().fit(x[train], y[train]).predict(x[test])
        out["mean"][rep, test] = mean_y
        if progress is not None:
            progress(1)
    return out


def predict_cv(spec: ModelSpec, data: pd.DataFrame, *, folds: int = 10, repeats: int = 10,
               rng: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> Prediction:
    """PLSpredict-style k-fold cross-validation of a model's endogenous indicators.

    Parameters
    ----------
    spec
        A model with at least one regression (``~``).
    data
        The data (reverse-coded); rows missing any model variable are left out.
    folds, repeats
        k of the k-fold split and how often it is repeated with new random splits (SmartPLS
        uses 10 and 10).
    rng
        Seed of the splits.
    progress
        ``progress(done, total)`` after each of the ``folds * repeats`` training folds.

    Returns
    -------
    Prediction
    """
    if spec.group is not None:
        raise OptionError(f"{spec.source}: out-of-sample prediction fits one group; remove "
                          "'group:' (or predict each group's data alone).")
    exogenous, endogenous = prediction_roles(spec)
    frame = _complete(data, [*exogenous, *endogenous])
    predicted = _cross_predict(spec, frame, folds=folds, repeats=repeats, rng=rng,
                               progress=counter(progress, folds * repeats))
    y = frame[endogenous].to_numpy(float)
    columns = {}
    for kind, prefix in (("model", ""), ("lm", "lm_")):
        per_repeat = [_metrics(y, predicted[kind][r], predicted["mean"][r])
                      for r in range(repeats)]
        for key, name in (("q2", "q2_predict"), ("rmse", "rmse"), ("mae", "mae")):
            columns[prefix + name] = np.mean([m[key] for m in per_repeat], axis=0)
    table = pd.DataFrame(columns, index=endogenous)
    table["model_better"] = table["rmse"] < table["lm_rmse"]
    return Prediction(table=table, folds=folds, repeats=repeats, seed=rng, n_obs=len(frame),
                      exogenous=tuple(exogenous), endogenous=tuple(endogenous))


def compare_predictions(first: ModelSpec, second: ModelSpec, data: pd.DataFrame, *,
                        folds: int = 10, repeats: int = 10, rng: int | None = None,
                        progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """CVPAT-style test of whether two models predict their shared endogenous items equally well.

    Both models are cross-validated on the same cases with the same splits; each case's loss is
    its squared prediction error averaged over the shared endogenous indicators and the
    repetitions, and the mean difference of the losses (second minus first: positive when the
    first predicts better) is tested with a paired t-test on n - 1 degrees of freedom
    (Liengaard et al., 2021). ``progress(done, total)`` after each of the two models' training
    folds.

    Returns
    -------
    dict
        ``indicators``, ``n_obs``, ``loss_first``, ``loss_second``, ``difference``, ``t``,
        ``df``, ``pvalue`` (two-sided), ``folds``, ``repeats``, ``seed``.
    """
    _, end_first = prediction_roles(first)
    _, end_second = prediction_roles(second)
    shared = [item for item in end_first if item in end_second]
    if not shared:
        raise OptionError("The two models share no endogenous indicator to compare "
                          "predictions on.")
    columns = list(dict.fromkeys([*first.parsed.observed, *second.parsed.observed]))
    frame = _complete(data, columns)
    losses = []
    step = counter(progress, 2 * folds * repeats)
    for spec, endogenous in ((first, end_first), (second, end_second)):
        got = _cross_predict(spec, frame, folds=folds, repeats=repeats, rng=rng,
                             progress=step)["model"]
        pick = [endogenous.index(item) for item in shared]
        error = got[:, :, pick] - frame[shared].to_numpy(float)
        losses.append((error**2).mean(axis=(0, 2)))
    difference = losses[1] - losses[0]
    n = len(difference)
    spread = float(difference.std(ddof=1))
    t = float(difference.mean() / (spread / np.sqrt(n))) if spread > 0 else 0.0
    return {"indicators": shared, "n_obs": n, "loss_first": float(losses[0].mean()),
            "loss_second": float(losses[1].mean()), "difference": float(difference.mean()),
            "t": t, "df": n - 1, "pvalue": float(2 * t_sf(abs(t), n - 1)),
            "folds": folds, "repeats": repeats, "seed": rng}
