"""Joint models of the groups' thresholds and correlations for ordinal items (delta
parameterization): Wu & Estabrook's (2016) invariance steps and lavaan's ``group.equal``.

Every group has loadings ``Λ_g``, thresholds ``τ_g``, latent-response intercepts ``ν_g`` and
scales ``Δ_g``, factor (co)variances ``Ψ_g`` and means ``α_g``; group ``g``'s statistics are
``Δ_i (τ_ik - ν_i - (Λα)_i)`` and ``Δ_i Δ_j (ΛΨΛᵀ)_ij``, its residual variances
``1/Δ_i² - (ΛΨΛᵀ)_ii``. A :class:`StepModel` maps every cell of every group to a parameter (a
shared parameter is an equality across groups) or a fixed value.

:func:`step_model`, the invariance ladder, as lavaan 0.6.14 fits the syntax of semTools'
``measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", parameterization = "delta")``
(factor variances 1 and means 0, ``ν = 0``, ``Δ = 1`` unless freed):

- ``configural``: every loading, threshold and factor covariance free in every group;
- ``thresholds``: thresholds equal; groups 2..G's intercepts ``ν`` and scales ``Δ`` free;
- ``metric``: + loadings equal; groups 2..G's factor variances free;
- ``scalar``: + intercepts equal (so 0 in every group); groups 2..G's factor means free.

Residual variances are not parameters under the delta parameterization; semTools refuses their
invariance there (Wu & Estabrook 2016 test them under theta), so the ladder stops at scalar.

:func:`lavaan_model`, lavaan 0.6.14's ``cfa(..., group.equal =, group.partial =)`` of a CFA of
ordinal items with marker loadings: the first group's scales 1 and means 0; with
``thresholds`` equal, groups 2..G's scales free and their factor means free unless ``means``
are equal; ``loadings``, ``thresholds``, ``lv.variances``, ``lv.covariances`` and ``means``
equal across groups but for the ``group.partial`` rows; ``intercepts``, ``residuals``,
``residual.covariances`` and ``regressions`` change nothing in such a model (the items'
intercepts are 0, their residual variances not parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from semwb.sem.ordinal.polychoric import pairs

Array = NDArray[np.float64]
Index = NDArray[np.intp]
#: A parameter: its row ``(lhs, op, rhs)`` and group index (-1: one value for every group).
Key = tuple[tuple[str, str, str], int]

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
    lam: list[Index]  # (p, m); -1 fixed at ``lam_fixed``
    tau: list[Index]
    nu: list[Index]  # -1 fixed at 0
    delta: list[Index]  # -1 fixed at 1
    psi: list[Index]  # (m, m) symmetric; -1 fixed at 1 (diagonal)
    alpha: list[Index]  # -1 fixed at 0
    keys: tuple[Key, ...]
    lam_fixed: Array  # the fixed loadings (markers 1, absent 0)

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
        return (fill(self.lam[g], self.lam_fixed), fill(self.tau[g], 0.0), fill(self.nu[g], 0.0),
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


Row = tuple[str, str, str]
#: ``(part, row, group) -> free?`` and ``(part, row) -> one value for every group?``
Free = Callable[[str, Row, int], bool]
Shared = Callable[[str, Row], bool]


def _assemble(items: Sequence[str], latents: Sequence[str], loadings: Sequence[tuple[int, int]],
              thresholds: Sequence[tuple[int, str]], n_groups: int, free: Free,
              shared: Shared, lam_fixed: Array) -> StepModel:
    """The map of every group's cells: ``free`` says which are parameters, ``shared`` which
    parameters are one across the groups (parts ``lam``, ``tau``, ``nu``, ``delta``, ``psi``,
    ``alpha``)."""
    p, m = len(items), len(latents)
    keys = _Keys()
    out: dict[str, list[Index]] = {k: [] for k in ("lam", "tau", "nu", "delta", "psi", "alpha")}

    def cell(part: str, row: Row, g: int) -> int:
        if not free(part, row, g):
            return -1
        return keys.index((row, -1 if shared(part, row) else g))

    def vector(part: str, rows: Sequence[Row], g: int) -> Index:
        return np.array([cell(part, r, g) for r in rows], dtype=np.intp)

    for g in range(n_groups):
        lam = np.full((p, m), -1, dtype=np.intp)
        for i, f in loadings:
            lam[i, f] = cell("lam", (latents[f], "=~", items[i]), g)
        psi = np.full((m, m), -1, dtype=np.intp)
        for a in range(m):
            for b in range(a + 1):
                psi[a, b] = psi[b, a] = cell("psi", (latents[b], "~~", latents[a]), g)
        parts = (lam, vector("tau", [(items[i], "|", t) for i, t in thresholds], g),
                 vector("nu", [(v, "~1", "") for v in items], g),
                 vector("delta", [(v, "~*~", v) for v in items], g), psi,
                 vector("alpha", [(f, "~1", "") for f in latents], g))
        for name, value in zip(out, parts, strict=True):
            out[name].append(value)
    return StepModel(tuple(items), tuple(latents), list(thresholds), out["lam"], out["tau"],
                     out["nu"], out["delta"], out["psi"], out["alpha"], tuple(keys.keys),
                     lam_fixed)


def step_model(items: Sequence[str], latents: Sequence[str], loadings: Sequence[tuple[int, int]],
               thresholds: Sequence[tuple[int, str]], n_groups: int,
               equal: Sequence[str]) -> StepModel:
    """The ladder step whose ``group_equal`` kinds are ``equal`` (Wu & Estabrook, module notes)."""
    kinds = set(equal)

    def free(part: str, row: Row, g: int) -> bool:
        later = g > 0
        return {"lam": True, "tau": True,
                "nu": later and "thresholds" in kinds and "intercepts" not in kinds,
                "delta": later and "thresholds" in kinds,
                "psi": row[0] != row[2] or (later and "loadings" in kinds),
                "alpha": later and "intercepts" in kinds}[part]

    def shared(part: str, row: Row) -> bool:
        return (part == "lam" and "loadings" in kinds) or (part == "tau" and "thresholds" in kinds)

    return _assemble(items, latents, loadings, thresholds, n_groups, free, shared,
                     np.zeros((len(items), len(latents))))


def lavaan_model(items: Sequence[str], latents: Sequence[str],
                 loadings: Sequence[tuple[int, int]], markers: Sequence[tuple[int, int]],
                 thresholds: Sequence[tuple[int, str]], n_groups: int, equal: Sequence[str],
                 partial: Sequence[Row]) -> StepModel:
    """lavaan's ``group.equal`` / ``group.partial`` model of a CFA with ``markers`` (loadings
    fixed at 1; module notes)."""
    kinds, released = set(equal), set(partial)
    equal_kind = {"lam": "loadings", "tau": "thresholds", "alpha": "means"}

    def shared(part: str, row: Row) -> bool:
        kind = equal_kind.get(part) or ("lv.variances" if row[0] == row[2] else
                                        "lv.covariances")
        return kind in kinds and row not in released

    def free(part: str, row: Row, g: int) -> bool:
        scaled = g > 0 and "thresholds" in kinds
        if part == "lam":
            return (items.index(row[2]), latents.index(row[0])) not in markers
        return {"tau": True, "nu": False, "delta": scaled, "psi": True,
                "alpha": scaled and not shared("alpha", row)}[part]

    fixed = np.zeros((len(items), len(latents)))
    for i, f in markers:
        fixed[i, f] = 1.0
    return _assemble(items, latents, loadings, thresholds, n_groups, free, shared, fixed)


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
