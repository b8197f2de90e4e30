"""The parameter table as model matrices: where every free and fixed value sits.

semwb writes every model in one LISREL-like form (as lavaan's ``lav_model`` does, with the
observed variables that take part in regressions carried as inner variables, the RAM-like
choice semopy also makes):

- inner variables ``η``: the latents, then every observed variable that is regressed on or
  predicts another variable (or covaries with such a variable);
- ``B`` (``m × m``) regressions among inner variables, ``Λ`` (``p × m``) loadings (an observed
  inner variable loads 1 on itself), ``Ψ`` (``m × m``) (residual) covariances of inner variables,
  ``Θ`` (``p × p``) residual covariances of the other observed variables, ``ν`` (``p``) intercepts
  of observed variables and ``α`` (``m``) intercepts / means of inner variables;
- ``Σ = Λ C Ψ Cᵀ Λᵀ + Θ`` and ``μ = ν + Λ C α`` with ``C = (I - B)⁻¹``.

Free parameters are numbered once per label, so rows sharing a label are one parameter
(lavaan's equality by labels). Linear ``==`` constraints reparameterise the free vector as
``θ = θ₀ + K x`` (:class:`Reparam`). Cells of exogenous covariates under ``fixed.x`` take the
sample moments of whatever data are fitted (:class:`XCells`), so bootstrap draws condition on
their own covariates as a lavaan refit does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from semwb.sem.partable import ParRow

Array = NDArray[np.float64]
Index = NDArray[np.intp]

#: The matrices, in this order; a location's ``kind`` indexes it.
KINDS = ("beta", "lambda", "psi", "theta", "nu", "alpha")
BETA, LAMBDA, PSI, THETA, NU, ALPHA = range(6)


@dataclass(frozen=True)
class Locations:
    """Where free parameters sit in one matrix (symmetric matrices list both triangles)."""

    rows: Index
    cols: Index
    params: Index

    @staticmethod
    def of(cells: Sequence[tuple[int, int, int]]) -> Locations:
        """Locations from ``(row, col, param)`` triples."""
        if not cells:
            empty = np.zeros(0, dtype=np.intp)
            return Locations(empty, empty, empty)
        r, c, k = (np.array(col, dtype=np.intp) for col in zip(*cells, strict=True))
        return Locations(r, c, k)


@dataclass(frozen=True)
class MatrixRow:
    """One row of the parameter table as a matrix cell: lavaan's ``lhs op rhs`` and its place.

    ``param`` is the index into the free-parameter vector, or ``-1`` for a fixed value.
    """

    lhs: str
    op: str
    rhs: str
    kind: int
    row: int
    col: int
    param: int
    name: str


@dataclass(frozen=True)
class Cells:
    """The pieces of one matrix cell paired: ``∂Σ/∂θ_k = Σ_c scale_c (x_c y_cᵀ + y_c x_cᵀ)``.

    A loading or regression cell is the pieces ``x yᵀ`` and ``y xᵀ`` (scale 1), an off-diagonal
    ``Ψ``/``Θ`` cell its two triangles (scale 1), a variance the one piece ``x xᵀ`` (scale 1/2);
    ``x``, ``y`` index rows of ``Z`` as :class:`Pieces` do, ``param`` the parameter.
    """

    x: Index
    y: Index
    scale: Array
    param: Index


@dataclass(frozen=True)
class Pieces:
    """Each ``∂Σ/∂θ_k`` written as a sum of rank-one pieces ``x yᵀ``.

    The vectors are rows of ``Z = [I_p; H; Aᵀ]`` (``H = C Ψ Aᵀ``, ``A = ΛC``): piece ``i`` is
    ``Z[x[i]] Z[y[i]]ᵀ`` and belongs to parameter ``param[i]``; ``cells`` pairs them by cell.
    """

    x: Index
    y: Index
    param: Index
    cells: Cells


@dataclass(frozen=True)
class XCells:
    """Cells fixed at sample moments of exogenous covariates (lavaan's ``fixed.x``).

    Cell ``(kind[i], row[i], col[i])`` takes ``S[var_a[i], var_b[i]]`` (``Ψ``), or the sample
    mean of ``var_a[i]`` (``α``, where ``var_b[i]`` is ``-1``).
    """

    kind: Index
    row: Index
    col: Index
    var_a: Index
    var_b: Index


@dataclass(frozen=True)
class Reparam:
    """Linear equality constraints as a reparameterisation ``θ = θ₀ + K x``.

    ``K`` has orthonormal columns spanning the null space of the constraint matrix; ``count``
    is the number of independent constraints (lavaan subtracts them from the free parameters).
    """

    theta0: Array
    K: Array
    count: int

    def to_theta(self, x: Array) -> Array:
        """Free parameters from reduced ones, for a stack ``(n, r)``."""
        return np.asarray(self.theta0 + x @ self.K.T)

    def to_x(self, theta: Array) -> Array:
        """Reduced parameters of a stack of free parameter vectors (projection)."""
        return np.asarray((theta - self.theta0) @ self.K)


@dataclass(frozen=True)
class ModelMatrices:
    """The fixed structure of a model: names, fixed values and where the free parameters go.

    Attributes
    ----------
    observed, inner
        Variable names of the rows of ``Λ`` and of the rows of ``B``/``Ψ``.
    names
        The free parameters (a label, or ``lhs op rhs``), in the order of the parameter vector.
    estimate
        The free-parameter vector (the estimate once fitted; start values before).
    fixed
        The six matrices with their fixed values and zeros at free positions (``ν`` and ``α``
        as one-column matrices).
    free
        Free-parameter locations per matrix (both triangles for ``Ψ`` and ``Θ``).
    rows
        Every parameter-table row (free and fixed, one triangle), in table order.
    pieces
        The rank-one pieces of ``∂Σ/∂θ``.
    xcells
        Cells taken from the data's covariate moments.
    reparam
        Linear equality constraints, or None.
    meanstructure
        Whether ``μ`` is modelled.
    blocks
        Multiple groups as one block-diagonal model: each group's observed columns and its
        share of the rows ``n_g / N`` (None for one group); the expected information is then
        ``Σ_g (n_g / N) I_g`` (:mod:`semwb.sem.model.groups`).
    """

    observed: tuple[str, ...]
    inner: tuple[str, ...]
    names: tuple[str, ...]
    estimate: Array
    fixed: tuple[Array, Array, Array, Array, Array, Array]
    free: tuple[Locations, Locations, Locations, Locations, Locations, Locations]
    rows: tuple[MatrixRow, ...]
    pieces: Pieces
    xcells: XCells
    reparam: Reparam | None
    meanstructure: bool
    blocks: tuple[tuple[Index, float], ...] | None = None

    @property
    def n_params(self) -> int:
        """Number of free parameters ``q``."""
        return len(self.names)


def inner_variables(rows: Sequence[ParRow], latents: Sequence[str],
                    observed: Sequence[str]) -> tuple[str, ...]:
    """Latents, then observed variables in regressions or covarying with an inner variable."""
    inner = set(latents)
    for r in rows:
        if r.op == "~":
            inner |= {r.lhs, r.rhs}
    changed = True
    while changed:  # residual covariances between an inner and an outer variable
        changed = False
        for r in rows:
            if r.op == "~~" and r.lhs != r.rhs and (r.lhs in inner) != (r.rhs in inner):
                inner |= {r.lhs, r.rhs}
                changed = True
    return tuple(latents) + tuple(v for v in observed if v in inner and v not in latents)


def _cell(row: ParRow, inner: dict[str, int], obs: dict[str, int]) -> tuple[int, int, int]:
    """The (kind, row, col) cell of a parameter-table row."""
    if row.op == "=~":
        if row.rhs in inner:
            return BETA, inner[row.rhs], inner[row.lhs]
        return LAMBDA, obs[row.rhs], inner[row.lhs]
    if row.op == "~":
        return BETA, inner[row.lhs], inner[row.rhs]
    if row.op == "~~":
        if row.lhs in inner:
            return PSI, inner[row.lhs], inner[row.rhs]
        return THETA, obs[row.lhs], obs[row.rhs]
    if row.lhs in inner:  # "~1"
        return ALPHA, inner[row.lhs], 0
    return NU, obs[row.lhs], 0


def parameter_names(rows: Sequence[ParRow]) -> tuple[list[int], list[str]]:
    """Index of each row in the free vector (-1 when fixed) and the name of each parameter.

    Free rows sharing a label share one parameter (lavaan's equality constraint by label).
    """
    index: list[int] = []
    names: list[str] = []
    by_label: dict[str, int] = {}
    for r in rows:
        if not r.free:
            index.append(-1)
            continue
        if r.label and r.label in by_label:
            index.append(by_label[r.label])
            continue
        k = len(names)
        names.append(r.label or f"{r.lhs}{r.op}{r.rhs}")
        if r.label:
            by_label[r.label] = k
        index.append(k)
    return index, names


def build_matrices(rows: Sequence[ParRow], *, latents: Sequence[str], observed: Sequence[str],
                   meanstructure: bool, start: Array | None = None,
                   reparam: Reparam | None = None) -> ModelMatrices:
    """Place every parameter-table row in the model matrices.

    Parameters
    ----------
    rows
        The full parameter table.
    latents, observed
        Latent variables and observed variables (the data columns, in this order).
    meanstructure
        Whether the model has intercepts and means.
    start
        The free-parameter vector to store as ``estimate`` (zeros when None).
    reparam
        Linear equality constraints among the free parameters.
    """
    inner = inner_variables(rows, latents, observed)
    p, m = len(observed), len(inner)
    obs_at = {v: i for i, v in enumerate(observed)}
    inner_at = {v: i for i, v in enumerate(inner)}
    shapes = ((m, m), (p, m), (m, m), (p, p), (p, 1), (m, 1))
    fixed = [np.zeros(s) for s in shapes]
    for v in inner:
        if v in obs_at:
            fixed[LAMBDA][obs_at[v], inner_at[v]] = 1.0
    index, names = parameter_names(rows)
    cells: list[list[tuple[int, int, int]]] = [[] for _ in KINDS]
    xcells: list[tuple[int, int, int, int, int]] = []
    table: list[MatrixRow] = []
    for row, k in zip(rows, index, strict=True):
        kind, r, c = _cell(row, inner_at, obs_at)
        table.append(MatrixRow(row.lhs, row.op, row.rhs, kind, r, c, k,
                               names[k] if k >= 0 else ""))
        pairs = [(r, c), (c, r)] if kind in (PSI, THETA) and r != c else [(r, c)]
        for rr, cc in pairs:
            if k >= 0:
                cells[kind].append((rr, cc, k))
            elif row.fixed_x:
                b = obs_at[row.rhs] if row.op == "~~" else -1
                xcells.append((kind, rr, cc, obs_at[row.lhs], b))
            else:
                fixed[kind][rr, cc] = row.value if row.value is not None else 0.0
    free = tuple(Locations.of(c) for c in cells)
    x = np.array(xcells, dtype=np.intp).reshape(-1, 5)
    return ModelMatrices(
        observed=tuple(observed), inner=inner, names=tuple(names),
        estimate=np.zeros(len(names)) if start is None else np.asarray(start, dtype=float),
        fixed=(fixed[0], fixed[1], fixed[2], fixed[3], fixed[4], fixed[5]),
        free=(free[0], free[1], free[2], free[3], free[4], free[5]),
        rows=tuple(table), pieces=_pieces(free, p, m),
        xcells=XCells(*(x[:, i] for i in range(5))), reparam=reparam,
        meanstructure=meanstructure,
    )


def _pieces(free: Sequence[Locations], p: int, m: int) -> Pieces:
    """Rank-one pieces of ``∂Σ/∂θ`` (see :func:`semwb.sem.model.algebra.sigma_jacobian`)."""
    e, h, a = 0, p, p + m  # offsets of I_p, H and Aᵀ in Z
    xs: list[int] = []
    ys: list[int] = []
    ks: list[int] = []
    for kind, loc in enumerate(free):
        for r, c, k in zip(loc.rows, loc.cols, loc.params, strict=True):
            if kind == LAMBDA:
                pairs = [(e + r, h + c), (h + c, e + r)]
            elif kind == BETA:
                pairs = [(a + r, h + c), (h + c, a + r)]
            elif kind == PSI:
                pairs = [(a + r, a + c)]
            elif kind == THETA:
                pairs = [(e + r, e + c)]
            else:
                pairs = []
            for x, y in pairs:
                xs.append(x)
                ys.append(y)
                ks.append(int(k))
    return Pieces(np.array(xs, dtype=np.intp), np.array(ys, dtype=np.intp),
                  np.array(ks, dtype=np.intp), _cells(xs, ys, ks))


def _cells(xs: Sequence[int], ys: Sequence[int], ks: Sequence[int]) -> Cells:
    """Pair the pieces of each cell (its two orientations, or triangles) into :class:`Cells`.

    Every off-diagonal cell's pieces come as mirrored pairs (``x yᵀ`` and ``y xᵀ``), so a cell
    with ``count`` pieces is ``count / 2`` times ``x yᵀ + y xᵀ``.
    """
    count: dict[tuple[int, int, int], int] = {}
    for x, y, k in zip(xs, ys, ks, strict=True):
        key = (min(x, y), max(x, y), k)
        count[key] = count.get(key, 0) + 1
    keys = sorted(count, key=lambda key: (key[2], key[0], key[1]))
    return Cells(np.array([key[0] for key in keys], dtype=np.intp),
                 np.array([key[1] for key in keys], dtype=np.intp),
                 np.array([count[key] / 2.0 for key in keys]),
                 np.array([key[2] for key in keys], dtype=np.intp))
