"""Monte Carlo power and sample-size planning for a model (simsem's approach, on the model core).

The population is a covariance matrix of the observed variables: implied by lavaan syntax with
values (``IOL ~ 0.3*AR``, ``AR =~ 0.8*ar1 + ...``; every (residual) variance not given is set so
that the variable's total variance is 1, so the given values are standardized), or by a fitted
model at its estimate. For each sample size ``N`` of a grid, ``reps`` samples are drawn from
``N(0, Σ)`` and the analysis model is fitted to all of them at once (batched Fisher scoring,
warm-started at the population fit; a replication it does not converge is refitted by full
Fisher scoring). Per replication: convergence, admissibility (no negative variance estimate),
the Wald test of every regression path, and the Monte Carlo CI (Selig & Preacher 2008) of
every ``:=`` effect. Power is the share of converged, admissible
replications in which the path's two-sided p is below ``alpha`` (the effect's CI excludes 0).
Each N is one task (:func:`power_at`), run here or on a Dask cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from semwb.distributions import norm_ppf
from semwb.errors import OptionError
from semwb.sem.estimators.start import start_values
from semwb.sem.model.algebra import Pattern, implied, information, objective
from semwb.sem.model.fitting import fit_batch
from semwb.sem.model.standardized import row_values
from semwb.sem.model.structure import PSI, THETA, ModelMatrices, build_matrices
from semwb.sem.partable import build_partable

if TYPE_CHECKING:
    from semwb.sem.spec import ModelSpec

__all__ = ["PowerResult", "check_analysis", "population_covariance", "power_at", "simulate_power"]

_MC_DRAWS = 1000


def population_covariance(population: ModelSpec) -> pd.DataFrame:
    """The covariance matrix implied by lavaan syntax with values (standardized fill-in).

    Rows with a value are fixed at it; every other (residual) variance is chosen so that the
    variable's model-implied variance is 1, other free rows are 0.
    """
    parsed = population.parsed
    options, _ = population.lavaan_options()
    rows = build_partable(parsed, replace(options, fixed_x=False, meanstructure=False))
    mm = build_matrices(rows, latents=parsed.latents, observed=parsed.observed,
                        meanstructure=False)
    theta = np.zeros(mm.n_params)
    variances = [(r.kind, r.row, r.param) for r in mm.rows
                 if r.param >= 0 and r.kind in (PSI, THETA) and r.row == r.col]
    for _, _, k in variances:
        theta[k] = 1.0
    for _ in range(len(mm.inner) + 2):  # each pass settles one more level of the model
        imp = implied(mm, theta[None])
        total_inner = np.einsum("ij,jk,ik->i", imp.c[0], imp.psi[0], imp.c[0])
        total_obs = np.diagonal(imp.sigma[0])
        for kind, i, k in variances:
            total = total_inner[i] if kind == PSI else total_obs[i]
            theta[k] = theta[k] + 1.0 - total
    sigma = implied(mm, theta[None]).sigma[0]
    if np.linalg.eigvalsh(sigma)[0] <= 0 or any(theta[k] < 0 for _, _, k in variances):
        raise OptionError(f"{population.source}: the population values leave a negative "
                          "residual variance (explained variance above 1); lower them.")
    return pd.DataFrame(sigma, index=list(mm.observed), columns=list(mm.observed))


@dataclass(frozen=True)
class PowerResult:
    """Power per sample size: one row per ``n`` and target (a path ``lhs~rhs`` or an effect).

    ``table`` columns: ``n``, ``target``, ``kind`` (``path`` / ``effect``), ``population``
    (the value in the population fit), ``power``, ``mean_estimate``; ``rates`` per ``n``:
    ``converged`` and ``admissible`` shares and ``reps``.
    """

    table: pd.DataFrame
    rates: pd.DataFrame


def _labels(spec: ModelSpec, mm: ModelMatrices, theta: np.ndarray) -> dict[str, np.ndarray]:
    """Label -> value for each row of ``theta`` (fixed labelled rows repeat their value)."""
    values = row_values(mm, theta)
    out: dict[str, np.ndarray] = {}
    for j, row in enumerate(spec.partable()):
        if row.label and row.label not in out:
            out[row.label] = values[:, j]
    return out


def _effect_significant(spec: ModelSpec, mm: ModelMatrices, theta: np.ndarray,
                        vcov: np.ndarray, alpha: float, rng: np.random.Generator
                        ) -> np.ndarray:
    """Whether each effect's Monte Carlo CI excludes 0, ``(reps, effects)``."""
    out = np.zeros((len(theta), len(spec.effects)), dtype=bool)
    for b in range(len(theta)):
        try:
            L = np.linalg.cholesky(vcov[b])
        except np.linalg.LinAlgError:
            continue
        draws = theta[b][None] + rng.standard_normal((_MC_DRAWS, theta.shape[1])) @ L.T
        values = _labels(spec, mm, draws)
        for e, effect in enumerate(spec.effects):
            lo, hi = np.quantile(effect.evaluate(values), [alpha / 2, 1 - alpha / 2])
            out[b, e] = lo > 0 or hi < 0
    return out


@dataclass(frozen=True)
class _Setup:
    """What every sample size needs: the analysis structure, population, warm start."""

    analysis: ModelSpec
    mm: ModelMatrices
    pop: np.ndarray
    center: np.ndarray
    reps: int
    alpha: float


def check_analysis(analysis: ModelSpec) -> None:
    """Refuse (one line) an analysis model the simulation does not fit.

    Called by :func:`simulate_power` and, before it fits the spec to its data for the
    population, by ``semwb power``.

    Raises
    ------
    OptionError
        For latent product terms, ``==``/``<``/``>`` constraints, groups, ordinal items, an
        estimator other than ML, FIML or a mean structure.
    """
    from semwb.sem.terms import parse_term

    parsed = analysis.parsed
    products = [t.rhs for t in parsed.terms if t.op == "~" and (term := parse_term(t.rhs))
                is not None and set(term.factors) & set(parsed.latents)]
    unsupported = [what for what, asked in (
        (f"latent product terms ({', '.join(dict.fromkeys(products))}: normal draws cannot "
         "build their product indicators)", bool(products)),
        ("'==', '<' or '>' constraints", bool(parsed.constraints)),
        ("'group:'", analysis.group is not None),
        ("ordinal items", bool(analysis.ordered or parsed.threshold_items)),
        (f"'estimator: {analysis.estimator}'", analysis.estimator != "ML"),
        ("'missing: fiml'", analysis.missing == "fiml"),
        ("a mean structure", analysis.has_means)) if asked]
    if unsupported:
        raise OptionError(f"{analysis.source}: the power simulation fits complete-data ML of one "
                          f"group without constraints or means; remove {', '.join(unsupported)} "
                          "from the analysis model.")


def _setup(analysis: ModelSpec, sigma: pd.DataFrame, ns: Sequence[int], reps: int,
           alpha: float) -> _Setup:
    """Check the request, build the analysis model and fit it to the population."""
    check_analysis(analysis)
    parsed = analysis.parsed
    observed = [v for v in sigma.columns if v in set(parsed.observed)]
    missing = sorted(set(parsed.observed) - set(observed))
    if missing:
        raise OptionError(f"{analysis.source}: the population has no variable(s) "
                          f"{', '.join(missing)}.")
    if reps < 10 or any(n < len(observed) + 2 for n in ns):
        raise OptionError(f"power needs reps >= 10 and every N above the number of observed "
                          f"variables + 1 ({len(observed) + 1}).")
    rows = analysis.partable()
    mm = build_matrices(rows, latents=parsed.latents, observed=observed, meanstructure=False)
    pop = sigma.loc[observed, observed].to_numpy(dtype=float)
    zeros = np.zeros((1, len(observed)))
    start = start_values(mm, rows, np.random.default_rng(0).multivariate_normal(
        np.zeros(len(observed)), pop, size=200))
    pop_fit = fit_batch(mm, [Pattern(np.arange(len(observed)), 1.0, pop[None], zeros)],
                        start=start, S_full=pop[None], mean_full=zeros, tol=1e-10,
                        max_iter=500, refresh_every=1)
    return _Setup(analysis, mm, pop, pop_fit.theta[0], reps, alpha)


def power_at(setup: _Setup, n: int, seed: np.random.SeedSequence
             ) -> tuple[list[dict[str, object]], dict[str, object]]:
    """The power rows and the rates of one sample size (one task, locally or on Dask)."""
    mm, analysis, reps, alpha = setup.mm, setup.analysis, setup.reps, setup.alpha
    rng = np.random.default_rng(seed)
    p = setup.pop.shape[0]
    paths = [(j, r) for j, r in enumerate(mm.rows) if r.op == "~" and r.param >= 0]
    variances = [r.param for r in mm.rows if r.param >= 0 and r.kind in (PSI, THETA)
                 and r.row == r.col]
    population_values = row_values(mm, setup.center[None])[0]
    labels = _labels(analysis, mm, setup.center[None])
    crit = norm_ppf(1 - alpha / 2)
    X = rng.multivariate_normal(np.zeros(p), setup.pop, size=(reps, n))
    mean = X.mean(axis=1)
    Xc = X - mean[:, None, :]
    S = Xc.transpose(0, 2, 1) @ Xc / n
    pattern = Pattern(np.arange(p), 1.0, S, mean)
    batch = fit_batch(mm, [pattern], start=setup.center, S_full=S, mean_full=mean, tol=1e-8,
                      max_iter=200)
    theta, converged = batch.theta.copy(), batch.converged.copy()
    todo = np.flatnonzero(~converged)
    if todo.size:  # full Fisher scoring from the population values before giving up
        again = fit_batch(mm, [Pattern(np.arange(p), 1.0, S[todo], mean[todo])],
                          start=setup.center, S_full=S[todo], mean_full=mean[todo], tol=1e-8,
                          max_iter=100, refresh_every=1)
        theta[todo[again.converged]] = again.theta[again.converged]
        converged[todo] = again.converged
    ev = objective(mm, theta, [pattern], S, mean)
    info = information(mm, ev.imp, ev.sigma_inv) * (n / 2)
    ok = converged & ev.ok
    use = ok & (theta[:, variances] >= 0).all(axis=1)  # converged and admissible
    vcov = np.full_like(info, np.nan)
    vcov[ok] = np.linalg.pinv(info[ok])
    se = np.sqrt(np.abs(np.diagonal(vcov, axis1=1, axis2=2)))
    values = row_values(mm, theta)
    table: list[dict[str, object]] = []
    for j, row in paths:
        z = values[:, j] / se[:, row.param]
        table.append({"n": n, "target": f"{row.lhs}~{row.rhs}", "kind": "path",
                      "population": float(population_values[j]),
                      "power": float(np.mean(np.abs(z[use]) > crit)) if use.any() else
                      float("nan"), "mean_estimate": float(np.mean(values[use, j]))})
    if analysis.effects:
        sig = _effect_significant(analysis, mm, theta[use], vcov[use], alpha, rng)
        est = _labels(analysis, mm, theta[use])
        for e, effect in enumerate(analysis.effects):
            table.append({"n": n, "target": effect.name, "kind": "effect",
                          "population": float(effect.evaluate(labels)[0]),
                          "power": float(sig[:, e].mean()) if use.any() else float("nan"),
                          "mean_estimate": float(np.mean(effect.evaluate(est)))})
    return table, {"n": n, "reps": reps, "converged": float(ok.mean()),
                   "admissible": float(use.mean())}


def simulate_power(analysis: ModelSpec, sigma: pd.DataFrame, ns: Sequence[int], *,
                   reps: int = 500, alpha: float = 0.05, seed: int = 1,
                   scheduler: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> PowerResult:
    """Monte Carlo power of every regression path and ``:=`` effect of ``analysis``.

    Parameters
    ----------
    analysis
        The model to fit (complete data, ML; no ``==`` constraints).
    sigma
        Population covariance of (at least) the analysis model's observed variables.
    ns
        Sample sizes.
    reps, alpha, seed
        Replications per sample size, test level, seed of the samples (each N draws from its
        own stream spawned from ``seed``, so results do not depend on where N runs).
    scheduler
        Address of a Dask distributed scheduler: one task per N on its workers.
    progress
        ``progress(done, total)`` after each sample size.
    """
    setup = _setup(analysis, sigma, ns, reps, alpha)
    seeds = np.random.SeedSequence(seed).spawn(len(ns))
    parts: dict[int, tuple[list[dict[str, object]], dict[str, object]]] = {}
    if scheduler is None:
        for k, n in enumerate(ns):
            parts[k] = power_at(setup, n, seeds[k])
            if progress is not None:
                progress(k + 1, len(ns))
    else:
        for k, part in _on_dask(scheduler, setup, ns, seeds):
            parts[k] = part
            if progress is not None:
                progress(len(parts), len(ns))
    table = [row for k in range(len(ns)) for row in parts[k][0]]
    return PowerResult(pd.DataFrame(table), pd.DataFrame([parts[k][1] for k in range(len(ns))]))


def _on_dask(address: str, setup: _Setup, ns: Sequence[int],
             seeds: list[np.random.SeedSequence]
             ) -> Iterator[tuple[int, tuple[list[dict[str, object]], dict[str, object]]]]:
    """Run :func:`power_at` for each N on a Dask cluster; yield ``(index, result)`` as done."""
    from distributed import Client, as_completed

    try:
        client = Client(address, timeout=10)  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        raise OptionError(f"--scheduler {address}: cannot reach a Dask scheduler there "
                          f"({exc}); drop --scheduler to simulate on this machine.") from exc
    with client:
        futures = {client.submit(power_at, setup, n, seeds[k], pure=False): k
                   for k, n in enumerate(ns)}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            yield futures[future], future.result()
