"""The bootstrap of a WLSMV fit: rows drawn, thresholds and polychorics recomputed, DWLS refitted.

As lavaan's ``se = "bootstrap"`` with (D)WLS: each draw resamples the respondents
(:func:`semwb.sem.resampling.resample_indices`, so a seed gives the same draws as an ML
bootstrap of the same rows), recomputes every statistic and its weights ``diag(Γ)⁻¹`` from the
drawn rows (conditional on the covariates' drawn values where there are covariates, whose
fixed.x moments are the draw's own) and refits by DWLS from the full-sample estimate. A draw
that leaves a category of an item empty has no threshold there and fails (listed, as lavaan
drops it); so does a draw whose fit does not converge. Every row of the table (thresholds
included), ``:=`` effect and std_all value (with the draw's own delta residual variances) is
summarised by :func:`semwb.sem.bootstrap_table.summarize_values`. Percentile and BC intervals;
BCa would need N jackknife refits and Monte Carlo draws no refit, neither is offered yet.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from semwb.distributions import norm_ppf
from semwb.errors import OptionError
from semwb.sem.bootstrap_draws import Progress
from semwb.sem.bootstrap_table import BootstrapResult, merge_into_parameters, summarize_values
from semwb.sem.estimators.dwls import DwlsModel, fit_dwls
from semwb.sem.model.algebra import implied, with_sample_moments
from semwb.sem.model.standardized import row_values, standardized_rows
from semwb.sem.ordinal.fit import Prepared, prepare, sample_statistics
from semwb.sem.ordinal.thresholds import OrdinalData
from semwb.sem.resampling import resample_indices

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult

Array = NDArray[np.float64]

#: The rule for WLSMV draws, stated in results.json and the report.
RULE = ("Each draw's thresholds, polychoric correlations and weights are recomputed from the "
        "drawn rows and the model refitted by DWLS. Draws that leave a category of an item "
        "empty (no threshold there) or whose fit does not converge are dropped and listed with "
        "the reason; intervals use the remaining draws.")


def _drawn(items: OrdinalData, rows: NDArray[np.intp]) -> OrdinalData | str:
    """The items of the drawn ``rows`` with their thresholds, or why the draw cannot be fitted."""
    codes = items.codes[rows]
    thresholds = []
    for j, name in enumerate(items.names):
        if items.numeric[j]:
            thresholds.append(np.zeros(0))
            continue
        counts = np.bincount(codes[:, j], minlength=len(items.levels[j]))
        if not counts.all():
            return f"category {items.levels[j][int(np.argmin(counts))]:g} of {name} not drawn"
        thresholds.append(norm_ppf(np.cumsum(counts)[:-1] / rows.size))
    return dataclasses.replace(items, codes=codes, thresholds=tuple(thresholds),
                               values=items.values[rows])


def _values(prepared: Prepared, model: DwlsModel, theta: Array) -> tuple[Array, Array]:
    """Raw and standardized values of every row (the matrices' rows, then the thresholds')."""
    mm = prepared.matrices(model, theta)
    estimate = mm.estimate[None]
    sd = np.sqrt(np.diag(implied(mm, estimate).sigma[0]))
    free = model.th_param >= 0
    taus = theta[model.th_param[free]]
    with np.errstate(invalid="ignore", divide="ignore"):
        std = standardized_rows(mm, estimate)[0]
    return (np.concatenate([row_values(mm, estimate)[0], taus]),
            np.concatenate([std, taus / sd[model.th_item[free]]]))


def bootstrap_ordinal(fit: FitResult, *, draws: int, ci: str, level: float,
                      rng: int | np.random.Generator, seed: int | None,
                      progress: Progress | None = None) -> BootstrapResult:
    """Bootstrap every row, ``:=`` effect and std_all of a WLSMV fit (see the module notes);
    the options are checked, ``seed`` is recorded.

    Raises
    ------
    OptionError
        For ``ci`` other than ``percentile`` or ``bc``.
    """
    if ci not in ("percentile", "bc"):
        raise OptionError(f"{fit.spec.source}: 'ci: {ci}' is not available for a WLSMV "
                          "bootstrap yet; use 'percentile' or 'bc'.")
    prepared = prepare(fit.spec, fit.data)
    model, sample = prepared.model, prepared.sample
    centre = fit_dwls(model, sample.vector, sample.gamma, sample.data.n_obs,
                      _start_of(fit, model))
    point = _values(prepared, model, centre.theta)
    indices = resample_indices(sample.data.n_obs, draws, rng=rng)
    raw, std, failed = [], [], []
    for b, rows in enumerate(indices):
        items = _drawn(sample.data, rows)
        if isinstance(items, str):
            failed.append({"draw": b + 1, "reason": items})
            continue
        values = prepared.values[rows]
        stats_b, moments = sample_statistics(items, values, model.covariates)
        model_b = dataclasses.replace(model, mm=with_sample_moments(model.mm, *moments))
        fit_b = fit_dwls(model_b, stats_b.vector, stats_b.gamma, rows.size, centre.theta)
        if not fit_b.converged:
            failed.append({"draw": b + 1, "reason": "the DWLS fit did not converge"})
        else:
            r, s = _values(prepared, model_b, fit_b.theta)
            raw.append(r)
            std.append(s)
        if progress is not None:
            progress(b + 1, draws)
    return _summary(fit, prepared, model, point, np.array(raw), np.array(std), ci=ci,
                    level=level, seed=seed, failed=failed, draws=draws)


def _start_of(fit: FitResult, model: DwlsModel) -> Array:
    """The fitted θ, read back from the parameter table's free rows."""
    theta = np.zeros(model.n_params)
    free = fit.parameters[fit.parameters["param"] >= 0]
    theta[free["param"].to_numpy(dtype=int)] = free["est"].to_numpy(dtype=float)
    return theta


def _summary(fit: FitResult, prepared: Prepared, model: DwlsModel, point: tuple[Array, Array],
             raw: Array, std: Array, **options: Any) -> BootstrapResult:
    """Rows and ``:=`` effects summarised, laid over the fit's parameter table."""
    mm = model.mm
    th_rows = {(r.lhs, r.rhs): r for r in prepared.rows if r.op == "|"}
    free = model.th_param >= 0
    keys = [key for key, f in zip(prepared.sample.data.threshold_names, free, strict=True) if f]
    rows = [(r.lhs, r.op, r.rhs, r.name if not r.name.startswith("_") else "", r.param < 0)
            for r in mm.rows]
    rows += [(item, "|", t, th_rows[(item, t)].label, False) for item, t in keys]
    names = list(mm.names) + [model.names[k] for k in model.th_param[free]]
    effects = fit.effects
    column = {n: len(mm.rows) + k for k, n in enumerate(names[len(mm.names):])}
    for j, r in enumerate(mm.rows):
        if r.param >= 0:
            column.setdefault(mm.names[r.param], j)

    def with_effects(values: Array) -> Array:
        """``values (draws, rows)`` with the ``:=`` effects of their labels appended."""
        values = np.atleast_2d(values)
        if not effects:
            return values
        labels = {n: values[:, k] for n, k in column.items()}
        return np.column_stack([values, *(np.asarray(e.evaluate(labels), dtype=float)
                                          for e in effects)])

    summary = summarize_values(
        rows, with_effects(raw), with_effects(std),
        (with_effects(point[0])[0], with_effects(point[1])[0]),
        defined=[(e.name, e.expression) for e in effects], rule=RULE, **options)
    return dataclasses.replace(summary, table=merge_into_parameters(fit.parameters,
                                                                    summary.table))
