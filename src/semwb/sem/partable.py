"""The full parameter table of a model: what the user wrote plus lavaan's ``sem()`` defaults.

lavaan's ``sem()`` / ``cfa()`` add parameters the user does not write; semwb adds the same ones so
that its table, its degrees of freedom and its fit match lavaan's:

- the first loading of each latent fixed at 1 (unless the user fixed or freed it with a modifier);
- a (residual) variance for every variable, except exogenous observed covariates under
  ``fixed.x`` (their variances and covariances are fixed at the sample values, ``free = False``);
- covariances among exogenous latents (``auto.cov.lv.x``) and among pure outcomes, latent or
  observed (``auto.cov.y``);
- with a mean structure, an intercept for every observed and a fixed-at-0 mean for every latent.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from semwb.sem.syntax import ParsedSyntax, Term


@dataclass(frozen=True)
class ParRow:
    """One row of the parameter table, before estimation.

    ``value`` is the fixed value of a fixed row (None for fixed.x rows, filled from the data).
    ``fixed_x`` marks the (co)variances of exogenous covariates under lavaan's ``fixed.x``.
    ``line`` is the syntax line of a user-written row, None for a default.
    """

    lhs: str
    op: str
    rhs: str
    free: bool
    label: str = ""
    value: float | None = None
    start: float | None = None
    line: int | None = None
    fixed_x: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        """The row's identity; ``~~`` rows are keyed with their two sides in sorted order."""
        if self.op == "~~":
            a, b = sorted((self.lhs, self.rhs))
            return a, "~~", b
        return self.lhs, self.op, self.rhs


@dataclass(frozen=True)
class ModelStructure:
    """The variables of a model, classified as lavaan does."""

    latents: tuple[str, ...]
    observed: tuple[str, ...]
    covariates: tuple[str, ...]
    exogenous_x: tuple[str, ...]


def classify(parsed: ParsedSyntax, *, fixed_x: bool = True) -> ModelStructure:
    """Classify the variables of ``parsed``: latents, observed, covariates (observed, only ever
    predictors), and the covariates treated as fixed.x (all of them when ``fixed_x``)."""
    latents = parsed.latents
    observed = parsed.observed
    lhs_regression = {t.lhs for t in parsed.terms if t.op == "~"}
    indicators = {t.rhs for t in parsed.terms if t.op == "=~"}
    in_covariance = {v for t in parsed.terms if t.op in ("~~", "~1") for v in (t.lhs, t.rhs)}
    covariates = tuple(
        v for v in observed
        if v not in lhs_regression and v not in indicators and v not in in_covariance
        and any(t.op == "~" and t.rhs == v for t in parsed.terms)
    )
    return ModelStructure(latents=latents, observed=observed, covariates=covariates,
                          exogenous_x=covariates if fixed_x else ())


def _user_row(term: Term, first_loading: bool) -> ParRow:
    if term.fixed is not None:
        return ParRow(term.lhs, term.op, term.rhs, free=False, label=term.label,
                      value=term.fixed, line=term.line)
    if first_loading and not term.free:
        return ParRow(term.lhs, term.op, term.rhs, free=False, label=term.label, value=1.0,
                      line=term.line)
    return ParRow(term.lhs, term.op, term.rhs, free=True, label=term.label, start=term.start,
                  line=term.line)


def build_partable(
    parsed: ParsedSyntax, *, meanstructure: bool = False, fixed_x: bool = True
) -> tuple[ParRow, ...]:
    """Return the full parameter table of ``parsed`` in lavaan's order.

    Parameters
    ----------
    parsed
        The parsed syntax.
    meanstructure
        Add intercepts of observed variables and (fixed at 0) means of latents.
    fixed_x
        Treat exogenous observed covariates as lavaan's ``fixed.x = TRUE`` does.

    Returns
    -------
    tuple of ParRow
        User rows first (in the order written, repeated rows kept once), then the defaults.
    """
    structure = classify(parsed, fixed_x=fixed_x)
    rows: dict[tuple[str, str, str], ParRow] = {}
    seen_latent: set[str] = set()
    for term in parsed.terms:
        first = term.op == "=~" and term.lhs not in seen_latent
        if term.op == "=~":
            seen_latent.add(term.lhs)
        row = _user_row(term, first)
        rows.setdefault(row.key, row)

    def add(row: ParRow) -> None:
        rows.setdefault(row.key, row)

    exo_x = set(structure.exogenous_x)
    for v in structure.observed:
        if v not in exo_x:
            add(ParRow(v, "~~", v, free=True))
    for v in structure.latents:
        add(ParRow(v, "~~", v, free=True))

    lhs_regression = {t.lhs for t in parsed.terms if t.op == "~"}
    rhs_regression = {t.rhs for t in parsed.terms if t.op == "~"}
    indicators = {t.rhs for t in parsed.terms if t.op == "=~"}
    latent_x = [v for v in structure.latents if v not in lhs_regression and v not in indicators]
    pure_y = [v for v in parsed.variables
              if v in lhs_regression and v not in rhs_regression and v not in indicators]
    for group in (latent_x, pure_y):
        for a, b in combinations(group, 2):
            add(ParRow(a, "~~", b, free=True))
    for i, a in enumerate(structure.covariates):
        for b in structure.covariates[i:]:
            add(ParRow(a, "~~", b, free=not fixed_x, fixed_x=fixed_x))
    if meanstructure or any(t.op == "~1" for t in parsed.terms):
        for v in structure.observed:
            add(ParRow(v, "~1", "", free=v not in exo_x, fixed_x=v in exo_x))
        for v in structure.latents:
            add(ParRow(v, "~1", "", free=False, value=0.0))
    return tuple(rows.values())
