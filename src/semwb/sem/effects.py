"""Defined parameters (lavaan's ``:=``): a safe expression language, evaluation and delta method.

An expression is parsed with Python's :mod:`ast` and checked against a strict whitelist (numbers,
labels, ``+ - * / ^`` and ``sqrt``, ``exp``, ``log``); it is then evaluated by walking the tree
with numpy, never with ``eval``. lavaan's ``^`` is power. A definition may use labels of free
parameters and the names of earlier definitions (which are inlined).

Evaluation is vectorised: pass arrays (one value per bootstrap draw) and get an array back.
Gradients use the complex step (``Im f(x + ih) / h``), exact to rounding for these analytic
functions, as lavaan's ``lav_func_jacobian_complex`` does.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from semwb.distributions import norm_ppf, norm_sf
from semwb.errors import SpecError, join_problems
from semwb.sem.syntax import Definition

_FUNCTIONS = {"sqrt": np.sqrt, "exp": np.exp, "log": np.log}
_BINARY = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
    ast.Div: np.divide, ast.Pow: np.power,
}
_STEP = 1e-20


class _RejectedError(ValueError):
    """An expression element outside the whitelist (message says which)."""


def _names(node: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]


def _check(node: ast.AST) -> None:
    """Raise :class:`_RejectedError` for anything but the whitelisted expression elements."""
    if isinstance(node, ast.Expression):
        _check(node.body)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise _RejectedError(f"operator '{ast.unparse(node)}' is not allowed; use + - * / ^")
        _check(node.left)
        _check(node.right)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise _RejectedError(f"'{ast.unparse(node)}' is not allowed")
        _check(node.operand)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise _RejectedError(f"{node.value!r} is not a number")
    elif isinstance(node, ast.Name):
        return
    elif isinstance(node, ast.Call):
        if (not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS
                or len(node.args) != 1 or node.keywords):
            raise _RejectedError(f"'{ast.unparse(node)}' is not allowed; the functions are "
                          + ", ".join(f"{f}(x)" for f in _FUNCTIONS))
        _check(node.args[0])
    else:
        raise _RejectedError(f"'{ast.unparse(node)}' is not allowed in a definition")


#: Limits on one definition, checked before any recursive walk: characters as written, and
#: nodes and nesting depth once earlier definitions are inlined (``d2 := d1*d1`` doubles).
MAX_EXPRESSION_CHARS = 2_000
MAX_INLINED_NODES = 10_000
MAX_INLINED_DEPTH = 100


def _inlined_size(tree: ast.expr, earlier: Mapping[str, tuple[int, int]]) -> tuple[int, int]:
    """Nodes and depth of ``tree`` with earlier definitions (name -> nodes, depth) inlined.

    Iterative, and linear in the tree as written, however large the inlined tree would be.
    """
    nodes, deepest = 0, 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        inlined = earlier.get(node.id) if isinstance(node, ast.Name) else None
        size, below = inlined if inlined is not None else (1, 0)
        nodes += size
        deepest = max(deepest, depth + below)
        if nodes > MAX_INLINED_NODES or deepest > MAX_INLINED_DEPTH:
            break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, ast.expr_context | ast.operator | ast.unaryop))
    return nodes, deepest


class _Inline(ast.NodeTransformer):
    """Replace names of earlier definitions by their expression trees."""

    def __init__(self, earlier: Mapping[str, ast.expr]) -> None:
        self.earlier = earlier

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return self.earlier.get(node.id, node)


def _evaluate(node: ast.AST, values: Mapping[str, np.ndarray]) -> np.ndarray:
    if isinstance(node, ast.BinOp):
        operator = _BINARY[type(node.op)]
        return np.asarray(operator(_evaluate(node.left, values), _evaluate(node.right, values)))
    if isinstance(node, ast.UnaryOp):
        inner = _evaluate(node.operand, values)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Constant):
        return np.asarray(node.value, dtype=float)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _FUNCTIONS[node.func.id](_evaluate(node.args[0], values))  # type: ignore[no-any-return]
    raise _RejectedError(ast.unparse(node))  # unreachable after _check


@dataclass(frozen=True)
class DefinedEffect:
    """One ``name := expression`` definition, compiled.

    Attributes
    ----------
    name, expression, line
        As written (``expression`` in lavaan's form, e.g. ``a*b``).
    labels
        The parameter labels it depends on (earlier definitions inlined), sorted.
    """

    name: str
    expression: str
    line: int
    labels: tuple[str, ...]
    _tree: ast.expr = field(repr=False, compare=False)

    def evaluate(self, values: Mapping[str, np.ndarray | float]) -> np.ndarray:
        """Evaluate for label values (scalars, or arrays over bootstrap draws, broadcast)."""
        arrays = {k: np.asarray(values[k]) for k in self.labels}
        with np.errstate(all="ignore"):
            return np.asarray(_evaluate(self._tree, arrays), dtype=float)

    def gradient(self, values: Mapping[str, float]) -> dict[str, float]:
        """Partial derivatives with respect to each label, by the complex step."""
        out: dict[str, float] = {}
        base = {k: complex(values[k]) for k in self.labels}
        for label in self.labels:
            shifted = dict(base)
            shifted[label] = base[label] + 1j * _STEP
            arrays = {k: np.asarray(v) for k, v in shifted.items()}
            with np.errstate(all="ignore"):
                out[label] = float(np.imag(_evaluate(self._tree, arrays)) / _STEP)
        return out


def compile_definitions(
    definitions: Iterable[Definition], *, labels: Iterable[str], source: str = "<string>"
) -> tuple[DefinedEffect, ...]:
    """Check and compile ``:=`` definitions.

    Parameters
    ----------
    definitions
        From :func:`semwb.sem.syntax.parse_syntax`.
    labels
        The labels of the model's parameters.
    source
        File name for error messages.

    Raises
    ------
    SpecError
        Listing every bad definition at once (syntax, forbidden element, unknown label), each
        with its syntax line.
    """
    known = set(labels)
    problems: list[str] = []
    earlier: dict[str, ast.expr] = {}
    measured: dict[str, tuple[int, int]] = {}
    compiled: list[DefinedEffect] = []
    for d in definitions:
        where = f"{source}, syntax line {d.line}"
        if len(d.expression) > MAX_EXPRESSION_CHARS:
            problems.append(f"{where}: the definition of '{d.name}' has {len(d.expression):,} "
                            f"characters, more than the limit of {MAX_EXPRESSION_CHARS:,}; "
                            "split it into shorter definitions.")
            continue
        try:
            tree = ast.parse(d.expression.replace("^", "**"), mode="eval")
            size = _inlined_size(tree.body, measured)
            if size[0] > MAX_INLINED_NODES or size[1] > MAX_INLINED_DEPTH:
                problems.append(
                    f"{where}: '{d.name}', with the definitions it uses written out, has more "
                    f"than {MAX_INLINED_NODES:,} terms or is nested more than "
                    f"{MAX_INLINED_DEPTH} levels deep; define it from labels more directly.")
                continue
            _check(tree)
        except (SyntaxError, RecursionError, MemoryError):
            problems.append(f"{where}: '{d.expression}' is not an expression; expected labels "
                            "and numbers joined by + - * / ^, as in 'ind := a*b'.")
            continue
        except _RejectedError as exc:
            problems.append(f"{where}: in '{d.name} := {d.expression}', {exc}.")
            continue
        if d.name in known or d.name in earlier:
            problems.append(f"{where}: '{d.name}' is already a parameter label or a definition; "
                            "give the defined parameter a new name.")
            continue
        unknown = sorted({n for n in _names(tree) if n not in known and n not in earlier
                          and n not in _FUNCTIONS})
        if unknown:
            have = ", ".join(sorted(known)) or "none"
            problems.append(f"{where}: '{d.name} := {d.expression}' uses "
                            f"{', '.join(repr(u) for u in unknown)}, not a label of the model "
                            f"(labels: {have}); label a path first, as in 'IOL ~ a*AR'.")
            continue
        body = _Inline(earlier).visit(tree.body)
        earlier[d.name] = body
        measured[d.name] = size
        used = tuple(sorted({n for n in _names(body) if n in known}))
        compiled.append(DefinedEffect(d.name, d.expression, d.line, used, body))
    if problems:
        raise SpecError(join_problems(f"{source} has {len(problems)} problems in ':=' definitions",
                                      problems))
    return tuple(compiled)


def delta_method(
    effects: Iterable[DefinedEffect],
    estimates: Mapping[str, float],
    covariance: pd.DataFrame,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """Estimates, delta-method standard errors and Wald intervals of defined effects.

    Parameters
    ----------
    effects
        Compiled definitions.
    estimates
        Label -> estimate.
    covariance
        Sampling covariance of the labelled estimates (index and columns are labels).
    level
        Confidence level of the Wald interval.

    Returns
    -------
    pandas.DataFrame
        One row per effect, indexed by name, columns ``est se z pvalue ci_lower ci_upper``.

    Notes
    -----
    ``se = sqrt(g' V g)`` with ``g`` the gradient at the estimates, as lavaan's
    ``parameterEstimates()`` for ``:=`` rows.
    """
    quantile = norm_ppf(0.5 + level / 2)
    rows = {}
    where = {label: pos for pos, label in enumerate(covariance.index)}  # positions: no .loc
    values = covariance.to_numpy()
    for effect in effects:
        est = float(effect.evaluate(estimates))
        grad = effect.gradient(estimates)
        g = np.array([grad[k] for k in effect.labels])
        at = [where[k] for k in effect.labels]
        v = values[np.ix_(at, at)]
        se = float(np.sqrt(max(g @ v @ g, 0.0))) if len(g) else 0.0
        z = est / se if se > 0 else np.nan
        rows[effect.name] = {
            "est": est, "se": se, "z": z,
            "pvalue": 2 * norm_sf(abs(z)) if se > 0 else np.nan,
            "ci_lower": est - quantile * se, "ci_upper": est + quantile * se,
        }
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["est", "se", "z", "pvalue", "ci_lower", "ci_upper"]
    )
