"""Wu & Estabrook's (2016) invariance models for ordinal items, fitted by WLSMV as lavaan 0.6.14
fits the syntax of semTools' ``measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
parameterization = "delta")``.

Every group has loadings ``Λ_g``, thresholds ``τ_g``, latent-response intercepts ``ν_g`` and
scales ``Δ_g``, factor (co)variances ``Ψ_g`` and means ``α_g``; group ``g``'s statistics are
``Δ_i (τ_ik - ν_i - (Λα)_i)`` and ``Δ_i Δ_j (ΛΨΛᵀ)_ij``, its residual variances
``1/Δ_i² - (ΛΨΛᵀ)_ii`` (delta parameterization). The steps (factor variances 1 and means 0,
``ν = 0``, ``Δ = 1`` unless freed):

- ``configural``: every loading, threshold and factor covariance free in every group;
- ``thresholds``: thresholds equal; groups 2..G's intercepts ``ν`` and scales ``Δ`` free;
- ``metric``: + loadings equal; groups 2..G's factor variances free;
- ``scalar``: + intercepts equal (so 0 in every group); groups 2..G's factor means free.

Residual variances are not parameters under the delta parameterization; semTools refuses their
invariance there (Wu & Estabrook 2016 test them under theta), so the ladder stops at scalar.
The fit itself is :func:`semwb.sem.ordinal.groups_equal.fit_equal` (lavaan's weights, sandwich
and scaled-shifted test).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from semwb.sem.ordinal.groups_equal import EqualFit
from semwb.sem.ordinal.polychoric import pairs

Array = NDArray[np.float64]
Index = NDArray[np.intp]
#: A parameter: its row ``(lhs, op, rhs)`` and group index (-1: one value for every group).
Key = tuple[tuple[str, str, str], int]

#: The ladder under WLSMV: step name and the ``group_equal`` kinds it adds.
ORDINAL_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("configural", ()),
    ("thresholds", ("thresholds",)),
    ("metric", ("loadings",)),
    ("scalar", ("intercepts",)),
)


@dataclass
class _Keys:
    """Parameter keys in order of first use (a shared key is one parameter)."""

    keys: dict[Key, int] = field(default_factory=dict)

    def index(self, key: Key) -> int:
        return self.keys.setdefault(key, len(self.keys))


@dataclass(frozen=True)
class StepModel:
    """One step's parameter map: for every group each matrix cell's parameter (-1: fixed)."""

    items: tuple[str, ...]
    latents: tuple[str, ...]
    thresholds: list[tuple[int, str]]  # (item index, "t1") in the statistics' order
    lam: list[Index]  # (p, m); -1 fixed at 0
    tau: list[Index]
    nu: list[Index]  # -1 fixed at 0
    delta: list[Index]  # -1 fixed at 1
    psi: list[Index]  # (m, m) symmetric; -1 fixed at 1 (diagonal)
    alpha: list[Index]  # -1 fixed at 0
    keys: tuple[Key, ...]

    @property
    def n_groups(self) -> int:
        return len(self.lam)

    @property
    def n_params(self) -> int:
        return len(self.keys)

    def parts(self, phi: Array, g: int) -> tuple[Array, Array, Array, Array, Array, Array]:
        """``Λ``, ``τ``, ``ν``, ``Δ``, ``Ψ`` and ``α`` of group ``g`` at ``φ``."""
        def fill(idx: Index, fixed: Array | float) -> Array:
            return np.where(idx >= 0, phi[np.maximum(idx, 0)], fixed)

        m = len(self.latents)
        return (fill(self.lam[g], 0.0), fill(self.tau[g], 0.0), fill(self.nu[g], 0.0),
                fill(self.delta[g], 1.0), fill(self.psi[g], np.eye(m)),
                fill(self.alpha[g], 0.0))

    @property
    def _rows(self) -> tuple[Index, Index, Index]:
        """Each threshold's item and each correlation's pair ``(i, j)``."""
        item = np.array([i for i, _ in self.thresholds], dtype=np.intp)
        i, j = np.array(pairs(len(self.items)), dtype=np.intp).reshape(-1, 2).T
        return item, i, j

    def statistics(self, phi: Array, g: int) -> Array:
        """Group ``g``'s thresholds and correlations at ``φ``."""
        lam, tau, nu, delta, psi, alpha = self.parts(phi, g)
        item, i, j = self._rows
        mean = nu + lam @ alpha
        cov = lam @ psi @ lam.T
        return np.concatenate([delta[item] * (tau - mean[item]),
                               delta[i] * delta[j] * cov[i, j]])

    def jacobian(self, phi: Array, g: int) -> Array:
        """The analytic Jacobian of :meth:`statistics` (columns: every parameter)."""
        lam, tau, nu, delta, psi, alpha = self.parts(phi, g)
        item, i, j = self._rows
        mean, cov, lp = nu + lam @ alpha, lam @ psi @ lam.T, lam @ psi
        nt, nc = item.size, i.size
        out = np.zeros((nt + nc, phi.size))
        rows_t, rows_c = np.arange(nt), nt + np.arange(nc)

        def put(rows: Index, cols: Index, values: Array) -> None:
            keep = cols >= 0
            np.add.at(out, (rows[keep], cols[keep]), values[keep])

        dd = delta[i] * delta[j]
        put(rows_t, self.tau[g], delta[item])
        put(rows_t, self.nu[g][item], -delta[item])
        put(rows_t, self.delta[g][item], tau - mean[item])
        put(rows_c, self.delta[g][i], delta[j] * cov[i, j])
        put(rows_c, self.delta[g][j], delta[i] * cov[i, j])
        for f in range(len(self.latents)):
            put(rows_t, np.full(nt, self.alpha[g][f]), -delta[item] * lam[item, f])
            put(rows_t, self.lam[g][item, f], -delta[item] * alpha[f])
            put(rows_c, self.lam[g][i, f], dd * lp[j, f])
            put(rows_c, self.lam[g][j, f], dd * lp[i, f])
            for b in range(f + 1):
                both = lam[i, f] * lam[j, b] + (lam[i, b] * lam[j, f] if b != f else 0.0)
                put(rows_c, np.full(nc, self.psi[g][f, b]), dd * both)
        return out


def step_model(items: Sequence[str], latents: Sequence[str], loadings: Sequence[tuple[int, int]],
               thresholds: Sequence[tuple[int, str]], n_groups: int,
               equal: Sequence[str]) -> StepModel:
    """The parameter map of the step whose ``group_equal`` kinds are ``equal`` (module notes)."""
    p, m = len(items), len(latents)
    keys = _Keys()
    kinds = set(equal)
    out: dict[str, list[Index]] = {k: [] for k in ("lam", "tau", "nu", "delta", "psi", "alpha")}

    def key(kind: str, row: tuple[str, str, str], g: int) -> int:
        return keys.index((row, -1 if kind in kinds else g))

    for g in range(n_groups):
        lam = np.full((p, m), -1, dtype=np.intp)
        for i, f in loadings:
            lam[i, f] = key("loadings", (latents[f], "=~", items[i]), g)
        tau = np.array([key("thresholds", (items[i], "|", t), g) for i, t in thresholds],
                       dtype=np.intp)
        free_nu = g > 0 and "thresholds" in kinds and "intercepts" not in kinds
        nu = np.array([key("", (v, "~1", ""), g) if free_nu else -1 for v in items],
                      dtype=np.intp)
        delta = np.array([key("", (v, "~*~", v), g) if g and "thresholds" in kinds else -1
                          for v in items], dtype=np.intp)
        psi = np.full((m, m), -1, dtype=np.intp)
        for a in range(m):
            for b in range(a + 1):
                if a != b or (g and "loadings" in kinds):
                    psi[a, b] = psi[b, a] = key("", (latents[b], "~~", latents[a]), g)
        alpha = np.array([key("", (f, "~1", ""), g) if g and "intercepts" in kinds else -1
                          for f in latents], dtype=np.intp)
        for name, value in zip(out, (lam, tau, nu, delta, psi, alpha), strict=True):
            out[name].append(value)
    return StepModel(tuple(items), tuple(latents), list(thresholds), out["lam"], out["tau"],
                     out["nu"], out["delta"], out["psi"], out["alpha"], tuple(keys.keys))


def start_values(model: StepModel, known: Mapping[tuple[str, str, str, int], float]) -> Array:
    """Start values: each parameter's value in ``known`` (rows of an earlier fit, by
    ``(lhs, op, rhs, group index)``), else 1 for scales and variances, 0.5 for loadings,
    0 for the rest."""
    out = np.zeros(model.n_params)
    for k, key in enumerate(model.keys):
        (lhs, op, rhs), g = key[0], max(key[1], 0)
        default = 1.0 if op == "~*~" or (op == "~~" and lhs == rhs) else \
            0.5 if op == "=~" else 0.0
        out[k] = known.get((lhs, op, rhs, g), default)
    return out


def step_rows(model: StepModel, fit: EqualFit, levels: Sequence[str]) -> pd.DataFrame:
    """The rows of every group (lavaan's ``parameterEstimates`` layout): est, se, free."""
    from semwb.sem.solution import wald

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
