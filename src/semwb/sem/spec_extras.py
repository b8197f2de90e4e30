"""The spec keys of analyses run beside the model's own fit (docs/explore.md).

``imputation:`` fits the model to ``m`` multiply imputed data sets, pools them by Rubin's rules
and sets them beside FIML; ``prediction:`` cross-validates the model's out-of-sample prediction
of its endogenous indicators (PLSpredict). Both are plain schemas checked when the spec is
loaded, so ``semwb fit``, the web run form and ``semwb batch`` refuse the same combinations with
the same one-line messages; :mod:`semwb.explore.beside` carries them out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from semwb.errors import OptionError

if TYPE_CHECKING:
    from semwb.sem.spec import ModelSpec

BLOCK_HELP = "imputation: m, seed, auxiliary, round; prediction: folds, repeats, seed"


class ImputationOptions(BaseModel):
    """The ``imputation:`` block: multiple imputation beside FIML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    m: int = Field(20, ge=2, le=1000, description="number of imputations (2 to 1000)")
    seed: int = 1
    auxiliary: list[str] = Field(default_factory=list)
    round: bool = False


class PredictionOptions(BaseModel):
    """The ``prediction:`` block: k-fold cross-validated prediction (PLSpredict)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    folds: int = Field(10, ge=2, le=100, description="k of the k-fold split (2 to 100)")
    repeats: int = Field(10, ge=1, le=100, description="repetitions (1 to 100)")
    seed: int = 1


def indicator_roles(spec: ModelSpec) -> tuple[list[str], list[str]]:
    """Exogenous and endogenous observed variables of a model.

    An observed variable is endogenous when it, or the latent it indicates, is the outcome of a
    regression (``~``); the others are exogenous.
    """
    terms = [t for t in spec.parsed.terms if t.op in ("=~", "~")]
    outcomes = {t.lhs for t in terms if t.op == "~"}
    indicated = {t.rhs: t.lhs for t in terms if t.op == "=~"}
    endogenous: list[str] = []
    exogenous: list[str] = []
    for name in spec.parsed.observed:
        (endogenous if name in outcomes or indicated.get(name) in outcomes
         else exogenous).append(name)
    return exogenous, endogenous


def prediction_roles(spec: ModelSpec) -> tuple[list[str], list[str]]:
    """:func:`indicator_roles`, refused when either side is empty.

    Raises
    ------
    OptionError
        When the model has no regression with observed exogenous and endogenous indicators.
    """
    exogenous, endogenous = indicator_roles(spec)
    if not endogenous or not exogenous:
        raise OptionError(f"{spec.source}: prediction needs a regression (~) with observed "
                          "exogenous and endogenous indicators; this model has none.")
    return exogenous, endogenous


def extras_problems(spec: ModelSpec) -> list[str]:
    """What ``imputation:`` and ``prediction:`` cannot do with this spec, one sentence each."""
    from semwb.sem.terms import parse_term

    source = spec.source
    problems = []
    wlsmv = spec.estimator == "WLSMV" or bool(spec.ordered)
    if spec.imputation is not None:
        products = list(dict.fromkeys(t.rhs for t in spec.parsed.terms
                                      if t.op == "~" and parse_term(t.rhs) is not None))
        for refused, why in (
                (spec.group is not None, "pools one-group fits; remove 'group:'"),
                (wlsmv, "pools ML fits of continuous items; remove 'ordered:' / WLSMV"),
                (spec.estimator == "MLM", "is set beside FIML, which has no MLM; use MLR"),
                (spec.engine == "semopy", "fits with semwb's own engine; remove 'engine: "
                                          "semopy'"),
                (bool(products), f"does not impute models with product terms yet "
                                 f"({', '.join(products)}): the products would have to be "
                                 "formed after each imputation; use 'missing: fiml'")):
            if refused:
                problems.append(f"{source}: multiple imputation (imputation:) {why}.")
    if spec.prediction is not None:
        for refused, why in ((spec.group is not None, "fits one group; remove 'group:'"),
                             (wlsmv, "predicts continuous items; remove 'ordered:' / WLSMV")):
            if refused:
                problems.append(f"{source}: out-of-sample prediction (prediction:) {why}.")
        try:
            prediction_roles(spec)
        except OptionError as exc:
            problems.append(str(exc))
    return problems
