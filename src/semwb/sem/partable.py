"""The full parameter table of a model: what the user wrote plus lavaan's defaults.

lavaan's ``sem()`` / ``cfa()`` / ``growth()`` add parameters the user does not write; semwb adds
the same ones so that its table, its degrees of freedom and its fit match lavaan's:

- the first loading of each latent fixed at 1 (unless the user fixed or freed it with a modifier,
  or ``std.lv`` fixes the latent's (residual) variance at 1 instead);
- a (residual) variance for every variable, except exogenous observed covariates under
  ``fixed.x`` (their variances and covariances are fixed at the sample values, ``fixed_x``); the
  residual variance of a latent's single indicator fixed at 0 (``auto.fix.single``);
- covariances among exogenous latents (``auto.cov.lv.x``, unless ``orthogonal``) and among pure
  outcomes, latent or observed (``auto.cov.y``);
- with a mean structure, an intercept for every observed variable (free, or fixed at 0 by
  ``growth()``) and a mean for every latent (fixed at 0, or free by ``growth()``).

When the user writes a (co)variance or intercept of an exogenous covariate, lavaan switches the
whole model to ``fixed.x = FALSE`` with a warning; :func:`lavaan_options` does the same.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import combinations

from semwb.sem.syntax import ParsedSyntax, Term


@dataclass(frozen=True)
class ParRow:
    """One row of the parameter table, before estimation.

    ``value`` is the fixed value of a fixed row (None for fixed.x rows, filled from the data).
    ``fixed_x`` marks the (co)variances and means of exogenous covariates under ``fixed.x``.
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
class LavaanOptions:
    """The lavaan options that shape the parameter table (lavaan's names, snake case)."""

    meanstructure: bool = False
    fixed_x: bool = True
    std_lv: bool = False
    orthogonal: bool = False
    int_ov_free: bool = True
    int_lv_free: bool = False


@dataclass(frozen=True)
class ModelStructure:
    """The variables of a model, classified as lavaan does."""

    latents: tuple[str, ...]
    observed: tuple[str, ...]
    covariates: tuple[str, ...]
    exogenous_x: tuple[str, ...]


def classify(parsed: ParsedSyntax, *, fixed_x: bool = True) -> ModelStructure:
    """Classify the variables of ``parsed``: latents, observed, covariates (observed variables
    that are only ever predictors), and those treated as fixed.x (all of them when ``fixed_x``)."""
    latents = parsed.latents
    observed = parsed.observed
    lhs_regression = {t.lhs for t in parsed.terms if t.op == "~"}
    indicators = {t.rhs for t in parsed.terms if t.op == "=~"}
    covariates = tuple(
        v for v in observed
        if v not in lhs_regression and v not in indicators
        and any(t.op == "~" and t.rhs == v for t in parsed.terms)
    )
    return ModelStructure(latents=latents, observed=observed, covariates=covariates,
                          exogenous_x=covariates if fixed_x else ())


def covariate_terms(parsed: ParsedSyntax) -> tuple[Term, ...]:
    """User terms that make exogenous covariates random: their (co)variances and intercepts."""
    covariates = set(classify(parsed).covariates)
    return tuple(t for t in parsed.terms
                 if (t.op == "~~" and (t.lhs in covariates or t.rhs in covariates))
                 or (t.op == "~1" and t.lhs in covariates))


def lavaan_options(parsed: ParsedSyntax, options: LavaanOptions) -> tuple[LavaanOptions, str]:
    """The options lavaan actually uses for ``parsed``, and its warning when it changed one.

    A ``~ 1`` term turns the mean structure on; a user-written parameter of an exogenous
    covariate switches ``fixed.x`` off, as lavaan 0.6 does ("syntax contains parameters involving
    exogenous covariates; switching to fixed.x = FALSE").
    """
    note = ""
    if any(t.op == "~1" for t in parsed.terms):
        options = replace(options, meanstructure=True)
    if options.fixed_x:
        involved = covariate_terms(parsed)
        if involved:
            lines = ", ".join(str(t.line) for t in involved)
            options = replace(options, fixed_x=False)
            note = (f"the syntax contains parameters of exogenous covariates (line {lines}); "
                    "they are treated as random variables (fixed.x = FALSE), as lavaan does.")
    return options, note


def _user_row(term: Term, first_loading: bool, std_lv: bool) -> ParRow:
    if term.fixed is not None:
        return ParRow(term.lhs, term.op, term.rhs, free=False, label=term.label,
                      value=term.fixed, line=term.line)
    if first_loading and not term.free and not std_lv:
        return ParRow(term.lhs, term.op, term.rhs, free=False, label=term.label, value=1.0,
                      line=term.line)
    return ParRow(term.lhs, term.op, term.rhs, free=True, label=term.label, start=term.start,
                  line=term.line)


def build_partable(
    parsed: ParsedSyntax, options: LavaanOptions | None = None
) -> tuple[ParRow, ...]:
    """Return the full parameter table of ``parsed`` in lavaan's order.

    Parameters
    ----------
    parsed
        The parsed syntax.
    options
        lavaan's options, already resolved by :func:`lavaan_options` (default: ``sem()``'s).

    Returns
    -------
    tuple of ParRow
        User rows first (in the order written, repeated rows kept once), then the defaults.
    """
    options = options or LavaanOptions()
    structure = classify(parsed, fixed_x=options.fixed_x)
    rows: dict[tuple[str, str, str], ParRow] = {}
    seen_latent: set[str] = set()
    for term in parsed.terms:
        first = term.op == "=~" and term.lhs not in seen_latent
        if term.op == "=~":
            seen_latent.add(term.lhs)
        row = _user_row(term, first, options.std_lv)
        rows.setdefault(row.key, row)

    def add(row: ParRow) -> None:
        rows.setdefault(row.key, row)

    exo_x = set(structure.exogenous_x)
    single = _single_indicators(parsed)
    for v in structure.observed:
        if v not in exo_x:
            add(ParRow(v, "~~", v, free=v not in single, value=None if v not in single else 0.0))
    for v in structure.latents:
        add(ParRow(v, "~~", v, free=not options.std_lv,
                   value=1.0 if options.std_lv else None))

    lhs_regression = {t.lhs for t in parsed.terms if t.op == "~"}
    rhs_regression = {t.rhs for t in parsed.terms if t.op == "~"}
    indicators = {t.rhs for t in parsed.terms if t.op == "=~"}
    latent_x = [v for v in structure.latents if v not in lhs_regression and v not in indicators]
    pure_y = [v for v in parsed.variables
              if v in lhs_regression and v not in rhs_regression and v not in indicators]
    for a, b in combinations(latent_x, 2):
        add(ParRow(a, "~~", b, free=not options.orthogonal,
                   value=0.0 if options.orthogonal else None))
    for a, b in combinations(pure_y, 2):
        add(ParRow(a, "~~", b, free=True))
    for i, a in enumerate(structure.covariates):
        for b in structure.covariates[i:]:
            add(ParRow(a, "~~", b, free=not options.fixed_x, fixed_x=options.fixed_x))
    if options.meanstructure:
        for v in structure.observed:
            if v in exo_x:
                add(ParRow(v, "~1", "", free=False, fixed_x=True))
            else:
                add(ParRow(v, "~1", "", free=options.int_ov_free,
                           value=None if options.int_ov_free else 0.0))
        for v in structure.latents:
            add(ParRow(v, "~1", "", free=options.int_lv_free,
                       value=None if options.int_lv_free else 0.0))
    return tuple(rows.values())


def _single_indicators(parsed: ParsedSyntax) -> set[str]:
    """Observed indicators that are the only indicator of their latent (``auto.fix.single``)."""
    observed = set(parsed.observed)
    out = set()
    for latent in parsed.latents:
        items = {t.rhs for t in parsed.terms if t.op == "=~" and t.lhs == latent}
        if len(items) == 1 and items <= observed:
            out |= items
    return out
