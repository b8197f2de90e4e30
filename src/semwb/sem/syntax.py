"""The lavaan model syntax, parsed into plain terms (no semopy here).

Supported: ``=~`` (measurement), ``~`` (regression), ``~~`` (variance / covariance), ``~ 1``
(intercept or mean), ``:=`` (defined parameter), ``==`` / ``<`` / ``>`` (constraints on labels),
modifiers ``a*x`` (label), ``1*x`` / ``0*x`` (fixed value), ``NA*x`` (free), ``start(0.5)*x``
(starting value), ``label("a")*x``, chains of them (``a*start(0.5)*x``), several left-hand sides
(``y1 + y2 ~ x``), per-group modifier vectors for multiple groups (``c(a1, a2)*x``, each
element a label, a number or ``NA``), thresholds of ordinal items (``x1 | t1 + t2``, with
modifiers as ``x1 | a*t1``; the item becomes ordered), interaction and power terms right of
``~`` (``x:w``, ``I(x^2)``: names of data columns the caller computes), names in any script
(``组织间学习 ~ 联盟惯例``), comments (``#`` and ``!``), statements split by ``;``, and formulas
continued on the next line when a line ends with ``+`` or an operator (or the next line starts
with ``+``).

Not supported (a clear error names the line): formative ``<~``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from semwb.errors import SpecError, join_problems

#: lavaan operators, longest first so ``=~`` wins over ``~``.
_OPERATORS = ("=~", "~~", ":=", "<~", "==", "~", "<", ">", "|")
_CONSTRAINT_OPS = ("==", "<", ">")
_UNSUPPORTED = {
    "<~": "formative indicators ('<~') are not supported; model the construct reflectively "
          "with '=~'",
}
#: A threshold name right of ``|``: t1, t2, ...
_THRESHOLD = re.compile(r"t[1-9]\d*\Z")
#: What users type for a lavaan operator, and the operator they meant.
_TYPOS = {"=>": "=~", "~=": "=~", "->": "~", "<-": "~", "=": "=~", "~~~": "~~", ":": ":=",
          "=~~": "=~", "=<": "<", ">=": ">", "<=": "<", "!=": "=="}
#: A name: letters of any script, digits, '_' and '.', not starting with a digit.
_WORD = r"[^\W\d][\w.]*|\.[\w.]*"
_NAME = re.compile(rf"(?:{_WORD})\Z")
#: A regressor may also be an interaction (``x:w``), a power term (``I(x^2)``) or both
#: (``I(x^2):w``, a moderated quadratic term).
_FACTOR = rf"(?:{_WORD}|I\(\s*(?:{_WORD})\s*\^\s*\d+\s*\))"
_REGRESSOR = re.compile(rf"(?:{_FACTOR}(?::{_FACTOR})+|I\(\s*(?:{_WORD})\s*\^\s*\d+\s*\))\Z")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z")
_CALL = re.compile(r"(start|label|equal)\((.*)\)\Z")


@dataclass(frozen=True)
class Term:
    """One parameter the user wrote: ``lhs op rhs`` with its modifiers.

    ``op`` is one of ``=~``, ``~``, ``~~``, ``|`` (a threshold: ``rhs`` is ``t1``, ``t2``, ...)
    or ``~1`` (then ``rhs`` is ``""``). ``fixed`` is the
    value a numeric modifier fixes it to, ``free`` is True when ``NA*`` freed it explicitly,
    ``line`` is the 1-based line of the syntax where the term is written.
    """

    lhs: str
    op: str
    rhs: str
    line: int
    label: str = ""
    fixed: float | None = None
    start: float | None = None
    free: bool = False
    by_group: tuple[str, ...] = ()


@dataclass(frozen=True)
class Definition:
    """A defined parameter ``name := expression`` (evaluated by :mod:`semwb.sem.effects`)."""

    name: str
    expression: str
    line: int


@dataclass(frozen=True)
class Constraint:
    """A constraint ``lhs op rhs`` between labels (``op`` is ``==``, ``<`` or ``>``)."""

    lhs: str
    op: str
    rhs: str
    line: int


@dataclass(frozen=True)
class ParsedSyntax:
    """The terms, definitions and constraints of a lavaan model, in the order written.

    The variable lists are computed once per parse (``cached_property``: a fit reads them
    hundreds of times; the fields they come from are frozen).
    """

    terms: tuple[Term, ...]
    definitions: tuple[Definition, ...]
    constraints: tuple[Constraint, ...] = ()

    @functools.cached_property
    def latents(self) -> tuple[str, ...]:
        """Latent variables (left of ``=~``), in order of first appearance."""
        return tuple(dict.fromkeys(t.lhs for t in self.terms if t.op == "=~"))

    @functools.cached_property
    def variables(self) -> tuple[str, ...]:
        """Every variable named by a term, in order of first appearance."""
        names: dict[str, None] = {}
        for t in self.terms:
            names[t.lhs] = None
            if t.rhs and t.op != "|":
                names[t.rhs] = None
        return tuple(names)

    @functools.cached_property
    def observed(self) -> tuple[str, ...]:
        """Variables that must be data columns (every variable that is not a latent)."""
        latents = set(self.latents)
        return tuple(v for v in self.variables if v not in latents)

    @property
    def threshold_items(self) -> tuple[str, ...]:
        """Items with a threshold line (``x1 | t1 + t2``), which makes them ordered."""
        return tuple(dict.fromkeys(t.lhs for t in self.terms if t.op == "|"))

    @property
    def labels(self) -> tuple[str, ...]:
        """Parameter labels (those of ``c(...)`` vectors too), in order of first appearance."""
        found = [name for t in self.terms
                 for name in (t.label, *t.by_group) if _NAME.match(name) and name != "NA"]
        return tuple(dict.fromkeys(found))


def _statements(text: str) -> list[tuple[list[int], str]]:
    """Split the syntax into statements: comments out, continuation lines joined.

    Each statement comes with the line numbers of its physical lines; the lines are joined with
    ``\n`` so that a position in the statement tells its line.
    """
    statements: list[tuple[list[int], str]] = []
    pending = ""
    lines: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.split(r"[#!]", raw, maxsplit=1)[0].strip()
        for part in (p.strip() for p in line.split(";")):
            if not part:
                continue
            if pending and (pending.endswith(("+", "*", "=~", "~", ":=")) or part.startswith("+")):
                pending = f"{pending}\n{part}"
                lines.append(number)
                continue
            if pending:
                statements.append((lines, pending))
            pending, lines = part, [number]
    if pending:
        statements.append((lines, pending))
    return statements


def _split_operator(statement: str) -> tuple[str, str, str] | None:
    """Return (lhs, op, rhs) at the first lavaan operator, or None when there is none."""
    best: tuple[int, str] | None = None
    for op in _OPERATORS:
        at = statement.find(op)
        if at >= 0 and (best is None or at < best[0] or (at == best[0] and len(op) > len(best[1]))):
            best = (at, op)
    if best is None:
        return None
    at, op = best
    return statement[:at].strip(), op, statement[at + len(op):].strip()


def _split_plus(rhs: str) -> list[tuple[int, str]]:
    """Split a right-hand side at ``+`` outside parentheses and quotes: (offset, term) pairs."""
    parts: list[tuple[int, str]] = []
    depth, current, quote, start = 0, "", "", 0
    for at, ch in enumerate(rhs):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "+" and depth == 0:
            parts.append((start + len(current) - len(current.lstrip()), current.strip()))
            current, start = "", at + 1
            continue
        current += ch
    parts.append((start + len(current) - len(current.lstrip()), current.strip()))
    return parts


def _parse_modifier(text: str, where: str, problems: list[str]) -> dict[str, object]:
    """Read one modifier (before a ``*``) into Term keyword arguments."""
    text = text.strip()
    if text == "NA":
        return {"free": True}
    if _NUMBER.match(text):
        return {"fixed": float(text)}
    call = _CALL.match(text)
    if call:
        kind, arg = call.group(1), call.group(2).strip()
        if kind == "start":
            if _NUMBER.match(arg):
                return {"start": float(arg)}
            problems.append(f"{where}: start() needs one number, as in start(0.5)*x; got '{text}'.")
            return {}
        name = arg.strip("\"'")
        if _NAME.match(name):
            return {"label": name}
        problems.append(f"{where}: {kind}() needs a quoted label, as in label(\"a\")*x; "
                        f"got '{text}'.")
        return {}
    if _NAME.match(text):
        return {"label": text}
    vector = re.fullmatch(r"c\((.*)\)", text)
    if vector:
        items = tuple(item.strip().strip("\"'") for item in vector.group(1).split(","))
        if len(items) < 2 or not all(i == "NA" or _NAME.match(i) or _NUMBER.match(i)
                                     for i in items):
            problems.append(f"{where}: a modifier vector needs one label, number or NA per "
                            f"group, as in c(a1, a2)*x; got '{text}'.")
            return {}
        return {"by_group": items}
    problems.append(f"{where}: '{text}' is not a modifier; expected a label (a*x), a number "
                    "(1*x), NA*x or start(0.5)*x.")
    return {}


def _parse_rhs_term(
    lhs: str, op: str, text: str, line: int, where: str, problems: list[str]
) -> Term | None:
    pieces = [p.strip() for p in text.split("*")]
    variable = pieces[-1]
    if not text:
        problems.append(f"{where}: an empty term after '{op}'; expected a variable name "
                        "(a line ending with '+' continues on the next line).")
        return None
    options: dict[str, object] = {}
    for modifier in pieces[:-1]:
        options.update(_parse_modifier(modifier, where, problems))
    if variable == "1" and op == "~":
        return Term(lhs=lhs, op="~1", rhs="", line=line, **options)  # type: ignore[arg-type]
    if op == "|" and not _THRESHOLD.match(variable):
        problems.append(f"{where}: '{variable}' is not a threshold name; right of '|' write "
                        "t1 + t2 + ... (one per category boundary).")
        return None
    if op == "~" and _REGRESSOR.match(variable):
        variable = re.sub(r"\s+", "", variable)
    elif not _NAME.match(variable):
        problems.append(f"{where}: '{variable}' is not a variable name; names start with a letter "
                        "and hold letters, digits, '_' or '.'.")
        return None
    return Term(lhs=lhs, op=op, rhs=variable, line=line, **options)  # type: ignore[arg-type]


def parse_syntax(text: str, *, source: str = "<string>") -> ParsedSyntax:
    """Parse lavaan model syntax.

    Parameters
    ----------
    text
        The model syntax.
    source
        Where the syntax comes from (a file name), used in error messages.

    Returns
    -------
    ParsedSyntax
        The terms and ``:=`` definitions in the order written.

    Raises
    ------
    SpecError
        Listing every syntax problem at once, each with its line number and what was expected.
    """
    problems: list[str] = []
    terms: list[Term] = []
    definitions: list[Definition] = []
    constraints: list[Constraint] = []
    for lines, statement in _statements(text):
        line = lines[0]
        where = f"{source}, syntax line {line}"
        split = _split_operator(statement)
        if split is None:
            problems.append(f"{where}: '{statement}' has no lavaan operator; expected one of "
                            "'=~', '~', '~~', ':=' (as in 'F =~ x1 + x2').")
            continue
        typo = _typo(statement)
        if typo:
            problems.append(f"{where}: {typo}")
            continue
        lhs, op, rhs = split
        if op in _UNSUPPORTED:
            problems.append(f"{where}: {_UNSUPPORTED[op]}.")
            continue
        if op in _CONSTRAINT_OPS:
            if not lhs or not rhs:
                problems.append(f"{where}: a constraint needs an expression on both sides of "
                                f"'{op}', as in 'a == b'; got '{statement}'.")
            else:
                constraints.append(Constraint(" ".join(lhs.split()), op,
                                              " ".join(rhs.split()), line))
            continue
        lhs_names = [part.strip() for part in lhs.split("+")] if op == "~" else [lhs]
        bad = [name for name in lhs_names if not _NAME.match(name)]
        if bad:
            problems.append(f"{where}: '{lhs}' left of '{op}' is not a variable name; expected one "
                            "name, as in 'F =~ x1 + x2'.")
            continue
        if op == ":=":
            if not rhs:
                problems.append(f"{where}: nothing right of ':='; expected an expression of "
                                "labels, as in 'ind := a*b'.")
            else:
                expression = " ".join(rhs.split())  # a continued line joins with a space
                definitions.append(Definition(name=lhs, expression=expression, line=line))
            continue
        rhs_at = len(statement) - len(rhs)
        for name in lhs_names:
            for offset, piece in _split_plus(rhs):
                piece_line = lines[statement[:rhs_at + offset].count("\n")]
                term = _parse_rhs_term(name, op, piece, piece_line,
                                       f"{source}, syntax line {piece_line}", problems)
                if term is not None:
                    terms.append(term)
    if not terms and not problems:
        problems.append(f"{source}: the syntax has no model terms; expected lines such as "
                        "'F =~ x1 + x2 + x3'.")
    if problems:
        raise SpecError(join_problems(f"{source} has {len(problems)} syntax problems", problems))
    return ParsedSyntax(terms=tuple(terms), definitions=tuple(definitions),
                        constraints=tuple(constraints))


def _typo(statement: str) -> str:
    """A message when the statement holds something that is not a lavaan operator, else ``""``."""
    plain = re.sub(r"(?<=[\w)]):(?=\w)", "", statement)  # interaction terms x:w, I(x^2):w
    for token in re.findall(r"<-|->|[=~<>:|]+", plain):
        if token in _OPERATORS:
            continue
        hint = f"; did you mean '{_TYPOS[token]}'?" if token in _TYPOS else ""
        return (f"'{token}' is not a lavaan operator{hint} (in '{' '.join(statement.split())}'; "
                "the operators are =~ ~ ~~ ~1 | := == < >).")
    return ""
