"""PROCESS model numbers (Hayes, 2022) as lavaan syntax with labels and ``:=`` effects.

A user who thinks in PROCESS writes ``process: {model: 7, x: AR, m: IOL, w: TURB, y: AI}``; semwb
writes the equivalent lavaan syntax, shows it, and fits it like any other model. Product terms are
written ``X:W`` (the model core computes them through :mod:`semwb.conditional.products`).

Supported: 1 and 2 (moderation by W, or W and Z), 4 (parallel mediation), 5 (mediation with the
direct effect moderated), 7 (first stage), 8 (first stage and direct), 14 (second stage),
15 (second stage and direct), 58 (both stages), 59 (both stages and direct). Labels follow Hayes's
templates: ``a1`` X -> M, ``a2`` W -> M, ``a3`` X:W -> M, ``b1`` M -> Y, ``b2`` W -> Y,
``b3`` M:W -> Y, ``cp1`` X -> Y, ``cp3`` X:W -> Y; with several mediators each label of a
mediator's paths ends in ``_<number>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from semwb.errors import SpecError
from semwb.sem.conditional_process import ConditionalIndirect, ModeratedPath

MODELS = (1, 2, 4, 5, 7, 8, 14, 15, 58, 59)
#: Which paths W moderates: first stage (X -> M), second stage (M -> Y), direct (X -> Y).
_MODERATED = {4: (False, False, False), 5: (False, False, True), 7: (True, False, False),
              8: (True, False, True), 14: (False, True, False), 15: (False, True, True),
              58: (True, True, False), 59: (True, True, True)}


@dataclass(frozen=True)
class ProcessModel:
    """A PROCESS model written as lavaan syntax.

    Attributes
    ----------
    number
        The PROCESS model number.
    syntax
        The lavaan syntax, with labels and ``:=`` lines (shown to the user).
    product_terms
        The product terms the syntax uses (``"X:W"``), for :func:`add_product_terms`.
    indirect
        Each indirect effect as a :class:`ConditionalIndirect`, by mediator.
    """

    number: int
    syntax: str
    product_terms: tuple[str, ...]
    indirect: dict[str, ConditionalIndirect]


def _num(value: float) -> str:
    text = f"{value:.6g}"
    return f"({text})" if text.startswith("-") else text


def _rhs(terms: Sequence[tuple[str | None, str]]) -> str:
    return " + ".join(f"{label}*{name}" if label else name for label, name in terms)


def _moderation(number: int, x: str, y: str, w: str, z: str | None,
                covariates: Sequence[str], values: Sequence[tuple[str, float]],
                z_values: Sequence[tuple[str, float]]) -> tuple[list[str], list[str]]:
    terms: list[tuple[str | None, str]] = [("b1", x), ("b2", w), ("b3", f"{x}:{w}")]
    if number == 2:
        if z is None:
            raise SpecError("PROCESS model 2 needs a second moderator z.")
        terms += [("b4", z), ("b5", f"{x}:{z}")]
    lines = [f"{y} ~ {_rhs(terms + [(None, c) for c in covariates])}"]
    for label, value in values:
        if number == 1:
            lines.append(f"slope_{label} := b1 + b3*{_num(value)}")
        for z_label, z_value in z_values:
            lines.append(f"slope_{label}_{z_label} := b1 + b3*{_num(value)} + b5*{_num(z_value)}")
    return lines, [name for _, name in terms if ":" in name]


def process_syntax(
    number: int,
    *,
    x: str,
    y: str,
    m: Sequence[str] = (),
    w: str | None = None,
    z: str | None = None,
    covariates: Sequence[str] = (),
    w_values: Sequence[tuple[str, float]] = (),
    z_values: Sequence[tuple[str, float]] = (),
) -> ProcessModel:
    """Write the lavaan syntax of PROCESS model ``number``.

    Parameters
    ----------
    number
        One of :data:`MODELS`.
    x, y, m, w, z
        Variable names: predictor, outcome, mediators (parallel), moderators.
    covariates
        Entered in every equation, unlabelled (as PROCESS does).
    w_values, z_values
        ``(label, value)`` moderator values (model scale) at which ``:=`` lines probe slopes,
        conditional indirect and direct effects; labels must be names (``low``, ``mean``, ...).

    Raises
    ------
    SpecError
        For an unsupported model number or a missing variable role.
    """
    if number not in MODELS:
        raise SpecError(f"PROCESS model {number} is not supported; choose one of "
                        f"{', '.join(map(str, MODELS))}.")
    if number != 4 and w is None:
        raise SpecError(f"PROCESS model {number} needs a moderator w.")
    if number in (1, 2):
        equation, interactions = _moderation(number, x, y, str(w), z, covariates, w_values,
                                             z_values if number == 2 else ())
        return ProcessModel(number, "\n".join(equation) + "\n", tuple(interactions), {})
    if not m:
        raise SpecError(f"PROCESS model {number} needs at least one mediator m.")
    first, second, direct = _MODERATED[number]
    lines: list[str] = []
    used: list[str] = []
    y_terms: list[tuple[str | None, str]] = [("cp1", x)]
    if w is not None and (second or direct):
        y_terms.append(("b2", w))
    if direct:
        y_terms.append(("cp3", f"{x}:{w}"))
    indirect: dict[str, ConditionalIndirect] = {}
    for i, mediator in enumerate(m, start=1):
        tag = f"_{i}" if len(m) > 1 else ""
        m_terms: list[tuple[str | None, str]] = [(f"a1{tag}", x)]
        if first:
            m_terms += [(f"a2{tag}", str(w)), (f"a3{tag}", f"{x}:{w}")]
        lines.append(f"{mediator} ~ {_rhs(m_terms + [(None, c) for c in covariates])}")
        used += [name for _, name in m_terms]
        y_terms.append((f"b1{tag}", mediator))
        if second:
            y_terms.append((f"b3{tag}", f"{mediator}:{w}"))
        indirect[mediator] = ConditionalIndirect((
            ModeratedPath(f"a1{tag}", f"a3{tag}" if first else None),
            ModeratedPath(f"b1{tag}", f"b3{tag}" if second else None)))
    lines.append(f"{y} ~ {_rhs(y_terms + [(None, c) for c in covariates])}")
    products = tuple(dict.fromkeys(n for n in used + [n for _, n in y_terms] if ":" in n))
    lines += _effect_lines(indirect, m, direct, w_values)
    return ProcessModel(number, "\n".join(lines) + "\n", products, indirect)


def _path(path: ModeratedPath, value: float) -> str:
    return path.base if path.by is None else f"({path.base} + {path.by}*{_num(value)})"


def _effect_lines(indirect: dict[str, ConditionalIndirect], m: Sequence[str], direct: bool,
                  values: Sequence[tuple[str, float]]) -> list[str]:
    lines = []
    for i, mediator in enumerate(m, start=1):
        effect = indirect[mediator]
        tag = f"_{i}" if len(m) > 1 else ""
        first, second = effect.paths
        if first.by is None and second.by is None:
            lines.append(f"ind{tag} := {first.base}*{second.base}")
            continue
        if effect.is_linear:
            index = (f"{first.by}*{second.base}" if first.by is not None
                     else f"{first.base}*{second.by}")
            lines.append(f"imm{tag} := {index}")
        for label, value in values:
            lines.append(f"ind{tag}_{label} := {_path(first, value)}*{_path(second, value)}")
    if direct:
        lines += [f"dir_{label} := cp1 + cp3*{_num(value)}" for label, value in values]
    elif all(e.paths[0].by is None and e.paths[1].by is None for e in indirect.values()):
        tags = [f"_{i}" if len(m) > 1 else "" for i in range(1, len(m) + 1)]
        lines.append("total := cp1 + " + " + ".join(f"a1{t}*b1{t}" for t in tags))
    return lines
