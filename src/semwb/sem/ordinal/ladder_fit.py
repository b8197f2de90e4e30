"""The WLSMV invariance ladder's fits and lavaan's ``lavTestLRT`` between them.

Each step of :data:`ORDINAL_STEPS` (:func:`semwb.sem.ordinal.group_model.step_model`) is
fitted jointly over the groups (:func:`semwb.sem.ordinal.groups_equal.fit_equal`), starting
from the step below; the baseline of CFI/TLI is the configural fit's (lavaan's, each group's
independence model).

Two steps are compared as lavaan 0.6.14's ``lavTestLRT`` does for WLSMV (``method =
"satorra.2000"``, ``scaled.shifted = TRUE``; Satorra 2000, Asparouhov & Muthén 2010): with
``Δ₁``, ``Δ₀`` the stacked Jacobians of the statistics at each model's estimate, ``A`` spans the
orthogonal complement of ``H = Δ₁⁺ Δ₀`` (the constraints of the restricted model in the general
model's parameters), ``P = Σ_g f_g Δ₁gᵀ W_g Δ₁g`` (``f_g = n_g / N``) and
``M = P⁻¹Aᵀ (A P⁻¹ Aᵀ)⁺ A P⁻¹``: ``tr = Σ_g f_g tr(W_g Γ_g W_g Δ₁g M Δ₁gᵀ)``, ``tr₂`` the
trace of ``(U Γ)²`` with ``U = V Δ₁ M Δ₁ᵀ V`` over the stacked groups (``V = ⊕ W_g``,
``Γ = ⊕ f_g Γ_g``); ``a = sqrt(m / tr₂)``, ``b = m - a·tr`` and the statistic
``a (T₀ - T₁) + b`` on ``m = df₀ - df₁`` degrees of freedom, ``T`` the unscaled statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.linalg import block_diag, null_space

from semwb.chisq_difference import DifferenceTest
from semwb.distributions import chi2_sf
from semwb.errors import SpecError, join_problems
from semwb.results import FitIndices
from semwb.sem.estimate import FitResult
from semwb.sem.ordinal.group_model import StepModel, start_values, step_model
from semwb.sem.ordinal.groups_equal import EqualFit, equal_indices, fit_equal
from semwb.sem.ordinal.weights import OrdinalStats
from semwb.sem.solution import wald
from semwb.sem.spec import ModelSpec

Array = NDArray[np.float64]

#: The ladder under WLSMV: step name and the ``group_equal`` kinds it adds.
ORDINAL_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("configural", ()),
    ("thresholds", ("thresholds",)),
    ("metric", ("loadings",)),
    ("scalar", ("intercepts",)),
)
#: lavaan's name of the difference test the ladder uses under WLSMV.
METHOD = "satorra.2000"


@dataclass(frozen=True)
class OrdinalStep:
    """One fitted step: its map, the joint fit, lavaan's fit measures and its rows."""

    name: str
    group_equal: tuple[str, ...]
    model: StepModel
    fit: EqualFit
    indices: FitIndices
    parameters: pd.DataFrame


@dataclass(frozen=True)
class OrdinalLadder:
    """The groups' statistics and every step fitted (configural first)."""

    levels: tuple[str, ...]
    samples: tuple[OrdinalStats, ...]
    steps: tuple[OrdinalStep, ...]

    @property
    def n_obs(self) -> int:
        return sum(s.data.n_obs for s in self.samples)


def check_ladder(spec: ModelSpec) -> None:
    """Refuse a WLSMV spec the ladder does not fit: it must be a CFA of ordinal items (factors
    measured by items, their covariances), no labels or fixed values, delta parameterization.

    Raises
    ------
    SpecError
        Naming each syntax line (or key) beyond that, and what to do instead.
    """
    parsed = spec.parsed
    latents, items = set(parsed.latents), set(spec.ordered_items)
    where = f"{spec.source}, syntax line"
    problems = [f"{where} {t.line}: '{t.lhs} {t.op} {t.rhs}'".rstrip() + " is beyond a CFA of "
                "ordinal items, which is what semwb's WLSMV invariance ladder fits; remove the "
                "line, or run the ladder with ML/MLR on the items."
                for t in parsed.terms
                if not ((t.op == "=~" and t.rhs in items)
                        or (t.op == "~~" and {t.lhs, t.rhs} <= latents))]
    problems += [f"{where} {t.line}: the ladder sets the identification itself (factor "
                 f"variances 1, Wu & Estabrook 2016); remove the modifier of '{t.lhs} {t.op} "
                 f"{t.rhs}'." for t in parsed.terms
                 if t.label or t.by_group or t.fixed is not None or t.free or t.start is not None]
    if spec.parameterization != "delta":
        problems.append(f"{spec.source}: the WLSMV invariance ladder uses the delta "
                        "parameterization (semTools' measEq.syntax); remove "
                        "'parameterization: theta'.")
    if problems:
        raise SpecError(join_problems(f"{spec.source}: {len(problems)} problems", problems))


def _samples(spec: ModelSpec, frames: Sequence[pd.DataFrame]) -> list[OrdinalStats]:
    from semwb.sem.ordinal.fit import prepare

    single = spec.model_copy(update={"group": None, "group_levels": []})
    samples = [prepare(single, f).sample for f in frames]
    binary = [v for v, t in zip(samples[0].data.names, samples[0].data.thresholds, strict=True)
              if len(t) < 2]
    if binary:
        raise SpecError(f"{spec.source}: item {binary[0]} has two categories; the WLSMV "
                        "invariance ladder (Wu & Estabrook 2016, delta parameterization) needs "
                        "three or more (binary items need the theta parameterization and other "
                        "identification constraints); drop the item or fit ML/MLR.")
    return samples


def fit_ladder(spec: ModelSpec, data: pd.DataFrame, configural: FitResult, *,
               data_name: str = "data") -> OrdinalLadder:
    """Fit every step of the WLSMV ladder of ``spec``; ``configural`` is its configural fit
    (:func:`semwb.sem.ordinal.groups.fit_ordinal_groups` with ``std_lv``: the start values and
    the baseline).

    Raises
    ------
    SpecError
        When the spec is beyond a CFA of ordinal items with three or more categories.
    FitError
        When a step does not converge.
    """
    from semwb.sem.multigroup import split_groups

    check_ladder(spec)
    levels, frames, _ = split_groups(spec, data, data_name=data_name)
    samples = _samples(spec, frames)
    items = tuple(samples[0].data.names)
    latents = tuple(spec.parsed.latents)
    loadings = [(items.index(t.rhs), latents.index(t.lhs)) for t in spec.parsed.terms
                if t.op == "=~"]
    thresholds = [(items.index(v), t) for v, t in samples[0].data.threshold_names]
    sizes = [s.data.n_obs for s in samples]
    known = {(str(r.lhs), str(r.op), str(r.rhs), levels.index(r.group)): float(r.est)
             for r in configural.parameters.itertuples()}
    steps: list[OrdinalStep] = []
    equal: tuple[str, ...] = ()
    for name, added in ORDINAL_STEPS:
        equal = equal + added
        model = step_model(items, latents, loadings, thresholds, len(samples), equal)
        fit = fit_equal(model, samples, start_values(model, known))
        table = step_rows(model, fit, [str(v) for v in levels])
        known = {(str(r.lhs), str(r.op), str(r.rhs), levels.index(r.group)): float(r.est)
                 for r in table.itertuples()}
        indices = configural.fit if name == "configural" else \
            equal_indices(model, fit, configural.fit, sizes)  # the former has .robust measures
        steps.append(OrdinalStep(name, equal, model, fit, indices, table))
    return OrdinalLadder(tuple(str(v) for v in levels), tuple(samples), tuple(steps))


def difference_test(general: OrdinalStep, restricted: OrdinalStep,
                    samples: Sequence[OrdinalStats]) -> DifferenceTest:
    """lavaan's ``lavTestLRT(general, restricted)`` for WLSMV (see the module notes)."""
    n = np.array([s.data.n_obs for s in samples], dtype=float)
    f = n / n.sum()
    g_range = range(len(samples))
    d1 = [general.model.jacobian(general.fit.phi, g) for g in g_range]
    d0 = [restricted.model.jacobian(restricted.fit.phi, g) for g in g_range]
    m = restricted.fit.df - general.fit.df
    t_diff = restricted.fit.chisq - general.fit.chisq
    if m <= 0:
        return DifferenceTest(METHOD, t_diff, m, None, None, t_diff)
    stacked1, stacked0 = np.vstack(d1), np.vstack(d0)
    h = np.linalg.pinv(stacked1) @ stacked0
    a = null_space(h.T, rcond=1e-7).T
    p = sum(fg * (d.T * s.weight) @ d for fg, d, s in zip(f, d1, samples, strict=True))
    p_inv = np.linalg.inv(p)
    m_mat = p_inv @ a.T @ np.linalg.pinv(a @ p_inv @ a.T) @ a @ p_inv
    trace = sum(fg * float(np.trace((s.weight[:, None] * s.gamma * s.weight) @ d @ m_mat @ d.T))
                for fg, d, s in zip(f, d1, samples, strict=True))
    v_all = np.concatenate([s.weight for s in samples])
    gamma = block_diag(*[fg * s.gamma for fg, s in zip(f, samples, strict=True)])
    u = (v_all[:, None] * stacked1) @ m_mat @ (stacked1.T * v_all)
    ug = u @ gamma
    trace2 = float(np.sum(ug * ug.T))
    scale = float(np.sqrt(m / trace2))
    stat = scale * t_diff + (m - scale * trace)
    return DifferenceTest(METHOD, stat, m, float(chi2_sf(max(stat, 0.0), m)), None, t_diff)


def step_rows(model: StepModel, fit: EqualFit, levels: Sequence[str]) -> pd.DataFrame:
    """The rows of every group (lavaan's ``parameterEstimates`` layout): est, se, free."""
    se_all = np.sqrt(np.diag(fit.vcov))
    rows: list[tuple[str, str, str, str, float, float, bool]] = []

    def add(lhs: str, op: str, rhs: str, level: str, value: float, k: int) -> None:
        rows.append((lhs, op, rhs, level, float(value), float(se_all[k]) if k >= 0 else 0.0,
                     k >= 0))

    for g, level in enumerate(levels):
        lam, tau, nu, delta, psi, alpha = model.parts(fit.phi, g)
        for i, f in zip(*np.nonzero(model.lam[g] >= 0), strict=True):
            add(model.latents[f], "=~", model.items[i], level, lam[i, f], model.lam[g][i, f])
        for k, (i, t) in enumerate(model.thresholds):
            add(model.items[i], "|", t, level, tau[k], model.tau[g][k])
        cov = lam @ psi @ lam.T
        for i, v in enumerate(model.items):
            add(v, "~~", v, level, 1.0 / delta[i] ** 2 - cov[i, i], -1)
            add(v, "~1", "", level, nu[i], model.nu[g][i])
            add(v, "~*~", v, level, delta[i], model.delta[g][i])
        for a, f in enumerate(model.latents):
            add(f, "~1", "", level, alpha[a], model.alpha[g][a])
            for b in range(a, len(model.latents)):
                add(f, "~~", model.latents[b], level, psi[a, b], model.psi[g][a, b])
    table = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "group", "est", "se", "free"])
    table["std_all"] = np.nan  # only the latent means' (in factor SD units) are filled
    for g, level in enumerate(levels):
        psi = model.parts(fit.phi, g)[4]
        for a, f in enumerate(model.latents):
            at = (table["lhs"] == f) & (table["op"] == "~1") & (table["group"] == level)
            table.loc[at, "std_all"] = table.loc[at, "est"] / np.sqrt(psi[a, a])
    for column, values in wald(table["est"].to_numpy(dtype=float),
                               table["se"].to_numpy(dtype=float)).items():
        table[column] = values
    return table
