"""From a fitted model's parameter table to ``results.json -> conditional``: find what to probe.

For every outcome of the model, a two-way product ``x:w`` whose two variables are also main
effects is probed as a moderation of ``x`` by ``w`` (the first variable is the focal one); a
power ``I(x^2)`` with ``x`` as a main effect is a curve, moderated when ``x:w`` and ``I(x^2):w``
are there too. Interactions of three or more variables are left to the caller (the library probes
them; the report shows two-way ones).

Inputs are the contract shapes of ``semwb.sem.estimate.FitResult``: ``parameters`` (lavaan's
``lhs op rhs est`` plus a column naming each free row in ``vcov``) and ``vcov``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from semwb.conditional.coefficients import Coefficients
from semwb.conditional.curvilinear import Curve
from semwb.conditional.products import ProductData
from semwb.conditional.summary import probe_curve, probe_moderation
from semwb.sem.terms import ProductTerm

if TYPE_CHECKING:
    import pandas as pd


def regression_coefficients(parameters: pd.DataFrame, vcov: pd.DataFrame, outcome: str, *,
                            key: str = "semopy", df: float | None = None) -> Coefficients:
    """The free regression coefficients of ``outcome``, named by predictor, with their covariance.

    Parameters
    ----------
    parameters
        A parameter table with ``lhs, op, rhs, est`` and ``key``.
    vcov
        The free parameters' covariance, rows and columns named as ``parameters[key]``.
    outcome
        The dependent variable.
    key
        The column of ``parameters`` that names rows of ``vcov``.
    df
        Degrees of freedom for t tests, or None for z (SEM).
    """
    rows = parameters[(parameters["op"] == "~") & (parameters["lhs"] == outcome)
                      & parameters[key].notna()]
    names = [str(n) for n in rows["rhs"]]
    matrix = vcov.loc[list(rows[key]), list(rows[key])]
    matrix.index, matrix.columns = names, names
    return Coefficients.from_mapping(dict(zip(names, rows["est"].astype(float), strict=True)),
                                     matrix, df=df)


def _find(terms: list[ProductTerm], factors: Counter[str]) -> str | None:
    return next((t.name for t in terms if Counter(t.factors) == factors), None)


def _curves(outcome: str, predictors: set[str], terms: list[ProductTerm], coefs: Coefficients,
            products: ProductData, level: float) -> tuple[list[dict[str, Any]], set[str]]:
    """Curve blocks of ``outcome`` and the names of the terms they use."""
    blocks, used = [], set()
    for term in terms:
        x = term.factors[0]
        if len(term.factors) != 2 or term.factors[1] != x or x not in predictors:
            continue
        curve = Curve(x, term.name)
        moderators = [f for t in terms if len(t.factors) == 3 and t.factors.count(x) == 2
                      for f in t.factors if f != x]
        w = moderators[0] if len(moderators) == 1 and moderators[0] in predictors else None
        if w is not None:
            curve = Curve(x, term.name, moderator=w,
                          linear_by=_find(terms, Counter([x, w])),
                          quadratic_by=_find(terms, Counter([x, x, w])))
        used |= {n for n in (term.name, curve.linear_by, curve.quadratic_by) if n}
        blocks.append({**probe_curve(
            coefs, curve, x=products.data[x], center=products.center_of(x).center,
            w=None if w is None else products.data[w],
            w_center=0.0 if w is None else products.center_of(w).center,
            level=level, outcome=outcome, predictor=x, moderator=w or ""),
            "terms": {"linear": curve.linear, "quadratic": curve.quadratic,
                      "linear_by": curve.linear_by, "quadratic_by": curve.quadratic_by}})
    return blocks, used


def conditional_block(parameters: pd.DataFrame, vcov: pd.DataFrame, products: ProductData, *,
                      key: str = "semopy", level: float = 0.95, df: float | None = None,
                      rule: Literal["sd", "percentile", "values"] = "sd",
                      given: Mapping[str, Sequence[float]] | None = None,
                      ) -> dict[str, Any] | None:
    """Probe every two-way interaction and every quadratic term of a fitted model.

    Parameters
    ----------
    parameters, vcov, key, df
        As for :func:`regression_coefficients`.
    products
        The product data the model was fitted on (:func:`add_product_terms`): the centered
        variables (observed ranges, probing values) and the centering record.
    level
        Confidence level of the intervals.
    rule, given
        How simple slopes pick moderator values (:func:`probe_moderation`); ``given`` holds the
        values of ``rule="values"`` per moderator, on the data's scale. A moderator without
        given values is probed at the mean and +-1 SD.

    Returns
    -------
    dict or None
        ``{"centering": ..., "moderations": [...], "curves": [...]}`` (the blocks of
        :mod:`semwb.conditional.summary`), or None when the model has no product term.
    """
    if not products.terms:
        return None
    moderations: list[dict[str, Any]] = []
    curves: list[dict[str, Any]] = []
    regressions = parameters[(parameters["op"] == "~") & parameters[key].notna()]
    for outcome in dict.fromkeys(regressions["lhs"]):
        predictors = set(regressions.loc[regressions["lhs"] == outcome, "rhs"])
        terms = [t for t in products.terms if t.name in predictors]
        if not terms:
            continue
        coefs = regression_coefficients(parameters, vcov, outcome, key=key, df=df)
        found, used = _curves(outcome, predictors, terms, coefs, products, level)
        curves += found
        for term in terms:
            x, *rest = term.factors
            if term.name in used or len(rest) != 1 or rest[0] == x:
                continue
            w = rest[0]
            if {x, w} <= predictors:
                values = list((given or {}).get(w, ()))
                moderations.append(probe_moderation(
                    coefs, focal=x, moderator=w, interaction=term.name,
                    observed=products.data[w], center=products.center_of(w).center,
                    rule=rule if values or rule != "values" else "sd", given=values,
                    level=level, outcome=outcome))
    return {**products.to_dict(), "moderations": moderations, "curves": curves}
