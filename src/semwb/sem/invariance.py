"""The measurement-invariance ladder: configural, metric, scalar, strict.

Each step adds lavaan ``group.equal`` kinds to the previous one (metric: ``loadings``; scalar:
``+ intercepts``; strict: ``+ residuals``) and is compared with the step below it:

- the chi-square difference test (lavaan's ``lavTestLRT``: for ML the difference of the two
  chi-squares on the difference of their df; for MLR and MLM the Satorra-Bentler (2001) scaled
  difference, with the robust CFI and RMSEA's changes);
- the changes in CFI, RMSEA and SRMR against published cut-offs. Cheung & Rensvold (2002,
  *Structural Equation Modeling* 9(2), 233-255): a drop of CFI of more than 0.01 signals
  non-invariance. Chen (2007, *Structural Equation Modeling* 14(3), 464-504): non-invariance is
  a CFI drop of at least 0.010 together with an RMSEA rise of at least 0.015 or an SRMR rise of
  at least 0.030 (loadings) or 0.010 (intercepts, residuals).

A step *holds* when neither rule signals non-invariance (the CFI rule is then binding, Chen's adds
RMSEA and SRMR); the chi-square difference is reported, not used for the verdict (with hundreds of
respondents it rejects trivial differences; Chen 2007). The first step that fails gets the score
tests of its new constraints (:mod:`semwb.sem.scoretest`) and a partial model: the constraint with
the largest score test is released (``group_partial``) and the step refitted, one constraint at a
time, until it holds or :data:`MAX_RELEASES` are released. Latent mean differences are reported
from the scalar model (or its partial version) when it holds: the means of groups 2..G with the
first group's at 0. Structural paths are compared across groups
(:func:`semwb.sem.groupcompare.path_differences`, Wald tests) in the most constrained model that
holds, once metric invariance holds (without equal loadings the paths are on different scales).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from semwb.chisq_difference import scaled_difference
from semwb.distributions import chi2_sf
from semwb.errors import SpecError
from semwb.results import FitIndices
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.groupcompare import PathDifference, path_differences
from semwb.sem.scoretest import ScoreTest, score_tests
from semwb.sem.spec import ModelSpec

#: The ladder: step name and the ``group_equal`` kinds it adds.
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("configural", ()),
    ("metric", ("loadings",)),
    ("scalar", ("intercepts",)),
    ("strict", ("residuals",)),
)
#: Cut-offs: Cheung & Rensvold (2002) for CFI; Chen (2007) for CFI with RMSEA or SRMR.
CFI_DROP = 0.010
RMSEA_RISE = 0.015
SRMR_RISE_LOADINGS = 0.030
SRMR_RISE_OTHER = 0.010
MAX_RELEASES = 5
CITATIONS = (
    "Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing "
    "measurement invariance. Structural Equation Modeling, 9(2), 233-255.",
    "Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement "
    "invariance. Structural Equation Modeling, 14(3), 464-504.",
)
#: The ordinal (WLSMV) ladder's sources: its steps and its difference test.
ORDINAL_CITATIONS = (
    "Wu, H., & Estabrook, R. (2016). Identification of confirmatory factor analysis models of "
    "different levels of invariance for ordered categorical outcomes. Psychometrika, 81(4), "
    "1014-1045.",
    "Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample analysis of "
    "moment structures. In Innovations in multivariate statistical analysis (pp. 233-247). "
    "Kluwer.",
)


@dataclass(frozen=True)
class Comparison:
    """One step against the step below it."""

    chisq_diff: float
    df_diff: int
    pvalue: float | None
    delta_cfi: float
    delta_rmsea: float
    delta_srmr: float
    cheung_rensvold: bool
    chen: bool
    #: ``""`` for the plain difference, ``"satorra.bentler.2001"`` for the scaled one.
    method: str = ""

    @property
    def holds(self) -> bool:
        """Whether the step holds by both rules (Cheung & Rensvold's and Chen's)."""
        return self.cheung_rensvold and self.chen


@dataclass(frozen=True)
class Step:
    """One fitted step of the ladder (``partial`` lists released constraints, if any)."""

    name: str
    group_equal: tuple[str, ...]
    fit: FitIndices
    comparison: Comparison | None
    partial: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ladder:
    """The ladder of one spec: the steps fitted, the score tests and the latent means."""

    model: str
    group: str
    groups: tuple[str, ...]
    n_obs: int
    steps: tuple[Step, ...]
    failed: str | None
    score_total: ScoreTest | None
    scores: tuple[ScoreTest, ...]
    partial: Step | None
    latent_means: pd.DataFrame
    paths: tuple[PathDifference, ...] = ()
    paths_step: str | None = None
    estimator: str = "ML"
    #: The rows fitted in each group, in the order of ``groups`` (empty when not known).
    group_n: tuple[int, ...] = ()


def compare(fit: FitIndices, below: FitIndices, *, loadings: bool) -> Comparison:
    """``fit`` (more constrained) against ``below``: chi-square difference and index changes.

    Fits by a robust estimator (MLR, MLM: a scaling factor) get lavaan's ``lavTestLRT`` default,
    the Satorra-Bentler (2001) scaled difference, and their changes in CFI and RMSEA are those
    of the robust CFI and RMSEA (the values the report judges such fits by).
    """
    chisq = (fit.chisq or 0.0) - (below.chisq or 0.0)
    df = (fit.df or 0) - (below.df or 0)
    pvalue = float(chi2_sf(max(chisq, 0.0), df)) if df > 0 else None
    cfi, rmsea = "cfi", "rmsea"
    method = ""
    if fit.chisq_scaling_factor is not None and below.chisq_scaling_factor is not None \
            and df > 0:
        method = "satorra.bentler.2001"
        test = scaled_difference((fit.chisq or 0.0, fit.df or 0, fit.chisq_scaling_factor),
                                 (below.chisq or 0.0, below.df or 0,
                                  below.chisq_scaling_factor), method=method)
        chisq, pvalue = (test.chisq_diff, test.pvalue) if test.chisq_diff is not None \
            else (float("nan"), None)
        cfi, rmsea = "cfi_robust", "rmsea_robust"
    return judged(fit, below, (chisq, df, pvalue, method), loadings=loadings,
                  indices=(cfi, rmsea))


def judged(fit: FitIndices, below: FitIndices, test: tuple[float, int, float | None, str], *,
           loadings: bool, indices: tuple[str, str] = ("cfi", "rmsea")) -> Comparison:
    """The comparison with the difference ``test`` (statistic, df, p, method) and the changes
    of the ``indices`` (CFI and RMSEA measures) and SRMR judged against the cut-offs."""
    cfi, rmsea = indices
    d_cfi = (getattr(fit, cfi) or 0.0) - (getattr(below, cfi) or 0.0)
    d_rmsea = (getattr(fit, rmsea) or 0.0) - (getattr(below, rmsea) or 0.0)
    d_srmr = (fit.srmr or 0.0) - (below.srmr or 0.0)
    srmr_cut = SRMR_RISE_LOADINGS if loadings else SRMR_RISE_OTHER
    cfi_drop = d_cfi <= -CFI_DROP
    chen_fails = cfi_drop and (d_rmsea >= RMSEA_RISE or d_srmr >= srmr_cut)
    chisq, df, pvalue, method = test
    return Comparison(
        chisq_diff=chisq, df_diff=df, pvalue=pvalue,
        delta_cfi=d_cfi, delta_rmsea=d_rmsea, delta_srmr=d_srmr,
        cheung_rensvold=not (d_cfi < -CFI_DROP), chen=not chen_fails, method=method,
    )


def _fit(spec: ModelSpec, data: pd.DataFrame, data_name: str, equal: tuple[str, ...],
         partial: tuple[str, ...] = ()) -> FitResult:
    step = spec.model_copy(update={"group_equal": list(equal), "group_partial": list(partial)})
    return fit_model(step, data, data_name=data_name)


def _latent_means(fit: FitResult) -> pd.DataFrame:
    """The latent means of groups 2..G (the first group's fixed at 0) with Wald tests."""
    table = fit.parameters
    latents = set(fit.spec.parsed.latents)
    rows = table[(table["op"] == "~1") & table["lhs"].isin(latents) & table["free"]]
    return rows[["lhs", "group", "est", "se", "z", "pvalue", "ci_lower", "ci_upper",
                 "std_all"]].reset_index(drop=True)


def run_ladder(spec: ModelSpec, data: pd.DataFrame, *, data_name: str = "data") -> Ladder:
    """Fit the invariance ladder of a multiple-group ``spec`` (its ``group_equal`` is ignored).

    With WLSMV the ladder is Wu & Estabrook's for ordinal items
    (:func:`semwb.sem.invariance_ordinal.ordinal_ladder`).

    Raises
    ------
    SpecError
        When the spec has no ``group:``, or the data do not fit it (see
        :func:`semwb.sem.multigroup.split_groups`).
    """
    if spec.group is None:
        raise SpecError(f"{spec.source}: the invariance ladder compares groups; add "
                        "'group: COLUMN' (the column that holds each respondent's group).")
    if spec.estimator == "WLSMV":
        return _ordinal_ladder(spec, data, data_name)
    steps: list[Step] = []
    fits: list[FitResult] = []
    equal: tuple[str, ...] = ()
    failed = None
    for name, added in STEPS:
        equal = equal + added
        fit = _fit(spec, data, data_name, equal)
        comparison = (compare(fit.fit, fits[-1].fit, loadings="loadings" in added)
                      if fits else None)
        fits.append(fit)
        steps.append(Step(name, equal, fit.fit, comparison))
        if comparison is not None and not comparison.holds:
            failed = name
            break
    total: ScoreTest | None = None
    scores: tuple[ScoreTest, ...] = ()
    partial: Step | None = None
    scalar_fit = fits[2] if len(fits) > 2 and steps[2].comparison and steps[2].comparison.holds \
        else None
    holding = [(s.name, f) for s, f in zip(steps[1:], fits[1:], strict=True)
               if s.comparison is not None and s.comparison.holds]
    if failed is not None:
        index = [s.name for s in steps].index(failed)
        failing = spec.model_copy(update={"group_equal": list(steps[index].group_equal)})
        total, ranked = score_tests(failing, data, data_name=data_name, fitted=fits[index])
        new_kinds = dict(STEPS)[failed]
        scores = tuple(t for t in ranked if _kind_of(t, spec) in new_kinds)
        partial, partial_fit = _release(spec, data, data_name, steps[index], fits[index - 1],
                                        ranked)
        if partial is not None and partial.comparison is not None and partial.comparison.holds \
                and partial_fit is not None:
            holding.append((partial.name, partial_fit))
            if failed == "scalar":
                scalar_fit = partial_fit
    return Ladder(
        model=spec.name, group=spec.group, groups=fits[0].groups, n_obs=fits[0].n_obs,
        steps=tuple(steps), failed=failed, score_total=total, scores=scores, partial=partial,
        latent_means=_latent_means(scalar_fit) if scalar_fit is not None
        else pd.DataFrame(),
        paths=tuple(path_differences(holding[-1][1])) if holding else (),
        paths_step=holding[-1][0] if holding else None, estimator=spec.estimator,
        group_n=fits[0].group_n,
    )


def _ordinal_ladder(spec: ModelSpec, data: pd.DataFrame, data_name: str) -> Ladder:
    """Wu & Estabrook's (2016) ladder for ordinal items by WLSMV
    (:mod:`semwb.sem.ordinal.ladder_fit`): configural, thresholds, metric, scalar, each against the
    step below by lavaan's ``lavTestLRT`` (satorra.2000), the changes of the scaled CFI and
    RMSEA judged. No score tests or partial step (lavaan's ``lavTestScore`` of WLSMV fits is not
    matched); latent means from the scalar step when it holds."""
    from semwb.sem.ordinal.ladder_fit import check_ladder, difference_test, fit_ladder

    check_ladder(spec)
    configural = fit_model(spec.model_copy(update={"group_equal": [], "group_partial": [],
                                                   "std_lv": True}), data, data_name=data_name)
    ladder = fit_ladder(spec, data, configural, data_name=data_name)
    steps: list[Step] = []
    failed = None
    for below, step in zip((None, *ladder.steps), ladder.steps, strict=False):
        comparison = None
        if below is not None:
            test = difference_test(below, step, ladder.samples)
            comparison = judged(step.indices, below.indices,
                                (test.chisq_diff or 0.0, test.df_diff, test.pvalue, test.method),
                                loadings="loadings" in step.group_equal[-1:],
                                indices=("cfi_scaled", "rmsea_scaled"))
        steps.append(Step(step.name, step.group_equal, step.indices, comparison))
        if comparison is not None and not comparison.holds:
            failed = step.name
            break
    means = pd.DataFrame()
    if failed is None:
        table = ladder.steps[-1].parameters
        latents = set(spec.parsed.latents)
        means = table[(table["op"] == "~1") & table["lhs"].isin(latents) & table["free"]][
            ["lhs", "group", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"]
        ].reset_index(drop=True)
    return Ladder(model=spec.name, group=str(spec.group), groups=ladder.levels,
                  n_obs=ladder.n_obs, steps=tuple(steps), failed=failed, score_total=None,
                  scores=(), partial=None, latent_means=means, estimator="WLSMV")


def _kind_of(test: ScoreTest, spec: ModelSpec) -> str:
    """The ``group_equal`` kind of a tested constraint."""
    latents = set(spec.parsed.latents)
    if test.op == "=~":
        return "loadings"
    if test.op == "~1":
        return "means" if test.lhs in latents else "intercepts"
    if test.op == "~":
        return "regressions"
    if test.lhs in latents:
        return "lv.variances" if test.lhs == test.rhs else "lv.covariances"
    return "residuals" if test.lhs == test.rhs else "residual.covariances"


def _release(spec: ModelSpec, data: pd.DataFrame, data_name: str, step: Step,
             below: FitResult, ranked: list[ScoreTest]) -> tuple[Step | None, FitResult | None]:
    """Release the failing step's constraints one at a time, by score test, until it holds.

    ``ranked``: the failing step's score tests; each later ranking is scored at the partial fit
    just made, so every model is fitted once.
    """
    new_kinds = dict(STEPS)[step.name]
    released: tuple[str, ...] = ()
    result: tuple[Step | None, FitResult | None] = (None, None)
    for _ in range(MAX_RELEASES):
        if result[1] is not None:
            current = spec.model_copy(update={"group_equal": list(step.group_equal),
                                              "group_partial": list(released)})
            _, ranked = score_tests(current, data, data_name=data_name, fitted=result[1])
        candidates = [t for t in ranked if _kind_of(t, spec) in new_kinds]
        if not candidates:
            break
        released = (*released, candidates[0].partial)
        fit = _fit(spec, data, data_name, step.group_equal, released)
        comparison = compare(fit.fit, below.fit, loadings="loadings" in new_kinds)
        result = (Step(f"{step.name} (partial)", step.group_equal, fit.fit, comparison,
                       partial=released), fit)
        if comparison.holds:
            break
    return result
