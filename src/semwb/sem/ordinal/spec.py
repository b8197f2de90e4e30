"""What a spec with ordered items may ask for, checked when the spec is loaded.

A spec with ``ordered:`` (or a threshold line ``x1 | t1 + t2``) is fitted by WLSMV, lavaan's
default for ordinal data, unless it names another estimator (then it is refused: semwb has no ML
for ordinal items). A spec with ``estimator: WLSMV`` and no ``ordered:`` takes the items its
instrument marks ordinal (:func:`with_instrument_items`, once the instrument is read). semwb's
WLSMV covers CFA and SEM whose observed variables are indicators of latents or outcomes of
regressions (ordinal items, and continuous variables beside them), in the delta or theta
parameterization, on complete data; everything else is refused here with the reason, before any
data are read.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from semwb.errors import SpecError, join_problems
from semwb.sem.partable import classify, covariate_terms

if TYPE_CHECKING:
    from semwb.sem.spec import ModelSpec


def _covariate_problems(spec: ModelSpec, items: tuple[str, ...],
                        covariates: set[str]) -> list[str]:
    """Observed covariates are conditioned on (lavaan's ``conditional.x``): fixed, continuous
    columns beside ordinal items only."""
    if not covariates:
        return []
    source, problems = spec.source, []
    named = sorted(covariates & set(spec.ordered if isinstance(spec.ordered, list) else ()))
    if named:
        problems.append(f"{source}: covariate {named[0]} is listed under 'ordered:'; covariates "
                        "are conditioned on as they are (lavaan's conditional.x), so remove it.")
    others = [v for v in spec.parsed.observed if v not in covariates and v not in set(items)]
    if items and others:
        problems.append(f"{source}: continuous variable {others[0]} beside ordinal items and "
                        f"covariates ({', '.join(sorted(covariates))}) is not available with "
                        "WLSMV in semwb yet; list it under 'ordered:' or drop the covariates.")
    if not spec.fixed_x:
        problems.append(f"{source}: 'fixed_x: false' is not available with WLSMV: covariates are "
                        "conditioned on (lavaan's conditional.x); remove the key.")
    problems += [f"{source}, syntax line {t.line}: '{t.lhs} {t.op} {t.rhs}'".rstrip()
                 + " gives a covariate a parameter; with WLSMV covariates are conditioned on "
                 "(lavaan's conditional.x): remove the line." for t in covariate_terms(spec.parsed)]
    return problems


def ordinal_spec(spec: ModelSpec, *, estimator_given: bool) -> ModelSpec:
    """``spec`` with WLSMV as its estimator when it has ordered items and named none.

    Raises
    ------
    SpecError
        Listing every reason semwb cannot fit the spec by WLSMV.
    """
    source, parsed = spec.source, spec.parsed
    observed = set(parsed.observed)
    problems = []
    if isinstance(spec.ordered, list):
        for name in spec.ordered:
            if name not in observed:
                problems.append(f"{source}: ordered item '{name}' is not an observed variable of "
                                "the syntax; list the items the model uses (or 'ordered: all').")
    items = spec.ordered_items
    if items and estimator_given and spec.estimator != "WLSMV":
        problems.append(f"{source}: ordered items are fitted by WLSMV; 'estimator: "
                        f"{spec.estimator}' is not available for them (remove the key or write "
                        "'estimator: WLSMV').")
    elif not items and spec.estimator != "WLSMV":  # WLSMV: the instrument may mark them
        problems.append(f"{source}: 'parameterization: {spec.parameterization}' is for ordinal "
                        "items; list them under 'ordered:' (or 'ordered: all').")
    problems += _scope_problems(spec, items)
    if problems:
        raise SpecError(join_problems(f"{source} has {len(problems)} problems", problems))
    return spec.model_copy(update={"estimator": "WLSMV"})


def with_instrument_items(spec: ModelSpec, marked: Collection[str], *,
                          instrument: str | None) -> ModelSpec:
    """``spec`` with ``ordered:`` set to the model's items among ``marked`` (those the instrument
    named ``instrument`` marks ordinal) when it asks for WLSMV and lists none itself; ``spec``
    unchanged otherwise.

    Raises
    ------
    SpecError
        When the spec asks for WLSMV and neither it nor the instrument names an ordinal item of
        the model, or (as at loading) when the items make a model semwb's WLSMV cannot fit.
    """
    if spec.estimator != "WLSMV" or spec.ordered_items:
        return spec
    covariates = set(classify(spec.parsed).covariates)  # conditioned on, never ordinal
    items = [v for v in spec.parsed.observed if v in set(marked) and v not in covariates]
    if not items:
        where = (f"instrument {instrument} marks none of the model's items ordinal"
                 if instrument is not None else "no instrument read for this command marks them")
        raise SpecError(f"{spec.source}: 'estimator: WLSMV' is for ordinal items, but the spec "
                        f"lists none under 'ordered:' and {where}; write 'ordered: all' (or the "
                        "items), or mark them 'ordinal: true' in the instrument (on the scale, "
                        "a construct or an item).")
    return ordinal_spec(spec.model_copy(update={"ordered": items}), estimator_given=True)


def _scope_problems(spec: ModelSpec, items: tuple[str, ...]) -> list[str]:
    """What semwb's WLSMV does not cover yet, each with the syntax line."""

    source, parsed = spec.source, spec.parsed
    ordinal = set(items)
    problems = []
    observed = set(parsed.observed)
    covariates = set(classify(parsed).covariates)
    indicators = {t.rhs for t in parsed.terms if t.op == "=~"}
    for t in parsed.terms:
        where = f"{source}, syntax line {t.line}"
        if t.op == "~" and t.rhs in observed and t.rhs not in covariates:
            problems.append(f"{where}: observed variable {t.rhs} as a predictor ('{t.lhs} ~ "
                            f"{t.rhs}') that is itself modelled; semwb's WLSMV takes observed "
                            "predictors only as covariates (predictors and nothing else).")
        elif t.op == "~" and t.lhs in indicators:
            problems.append(f"{where}: {t.lhs} is both an indicator and an outcome; semwb's "
                            "WLSMV takes an observed variable as one or the other.")
        elif t.op == "~~" and t.lhs == t.rhs and t.lhs in ordinal:
            problems.append(f"{where}: the residual variance of ordinal item {t.lhs} follows from "
                            "the parameterization (delta: 1 - explained variance; theta: 1); "
                            "remove the line.")
        elif t.op == "~1":
            problems.append(f"{where}: intercepts and means ('~ 1') are not available with "
                            "WLSMV in semwb; remove the line.")
    problems += _covariate_problems(spec, items, covariates)
    if parsed.constraints:
        problems.append(f"{source}, syntax line {parsed.constraints[0].line}: '==', '<' and '>' "
                        "constraints are not available with WLSMV in semwb; use a shared label.")
    if spec.meanstructure or spec.defaults == "growth":
        asked = "'defaults: growth'" if spec.defaults == "growth" else "'meanstructure: true'"
        problems.append(f"{source}: {asked} is not available with WLSMV in semwb (thresholds "
                        "take the place of intercepts); remove it.")
    if spec.missing != "listwise":
        problems.append(f"{source}: 'missing: {spec.missing}' is not available with WLSMV; semwb "
                        "uses complete rows (listwise) for ordinal items.")
    if spec.bootstrap is not None and spec.bootstrap.ci not in ("percentile", "bc"):
        problems.append(f"{source}: 'ci: {spec.bootstrap.ci}' is not available for a WLSMV "
                        "bootstrap yet; use 'percentile' or 'bc'.")
    if spec.engine != "semwb":
        problems.append(f"{source}: 'engine: {spec.engine}' cannot fit ordinal items; remove "
                        "the key.")
    return problems
