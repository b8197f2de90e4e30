"""A spec's latent interactions fitted by LMS: start values, the fit, and its JSON block.

Start values are semwb's ML fit (lavaan's, with a mean structure) of the linear model: the
syntax without its nonlinear terms. That fit also gives the likelihood-ratio test of the
nonlinear terms (Klein & Moosbrugger, 2000): ``D = 2 (l_LMS - l_linear)`` on as many degrees of
freedom as there are nonlinear terms, the linear model being LMS with every ``omega`` at 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from semwb.errors import FitError, SpecError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from semwb.conditional.lms import LmsFit
    from semwb.conditional.lms_model import LmsModel
    from semwb.sem.estimate import FitResult
    from semwb.sem.spec import ModelSpec

WHY = ("LMS (latent moderated structural equations, Klein & Moosbrugger, 2000) models the "
       "non-normal distribution the product of two latents has, by ML over a mixture of normals; "
       "it needs no product indicators and is the distribution-analytic method reviewers "
       "prefer. It has no chi-square test of fit: the fit indices shown are those of the "
       "product-indicator model, whose estimates are given beside it.")


def lms_for_spec(spec: ModelSpec, has_latent_product: bool) -> LmsModel | None:
    """The model LMS fits when the spec asks for it (``latent_interaction: lms``), else None.

    Raises
    ------
    SpecError
        When the spec asks for LMS without a product of latents, with options LMS does not
        have here (FIML, groups, an estimator other than ML, ordinal items), or a model it does
        not fit, naming the spec.
    """
    if spec.latent_interaction != "lms":
        return None
    from semwb.conditional.lms_model import lms_model

    fix = "remove 'latent_interaction: lms' or"
    if not has_latent_product:
        raise SpecError(f"{spec.source}: 'latent_interaction: lms' needs a product of latent "
                        f"variables in the syntax (such as 'Y ~ X + W + X:W'); {fix} add one.")
    unsupported = [name for name, used in (
        ("missing: fiml", spec.missing == "fiml"), ("group", spec.group is not None),
        (f"estimator: {spec.estimator}", spec.estimator != "ML"),
        ("ordered", bool(spec.ordered))) if used]
    if unsupported:
        raise SpecError(f"{spec.source}: 'latent_interaction: lms' is fitted by ML on complete "
                        f"rows of one group; it does not combine with {', '.join(unsupported)} "
                        f"({fix} drop those keys).")
    return lms_model(spec.parsed, source=spec.source)


def linear_syntax(model: LmsModel) -> str:
    """The model's linear part in lavaan syntax (no nonlinear terms)."""
    lines = [f"{f} =~ {' + '.join(model.indicators[f])}"
             for f in (*model.latents, model.outcome)]
    predictors = model.predictors or model.latents[:1]
    lines.append(f"{model.outcome} ~ {' + '.join(predictors)}")
    return "\n".join(lines) + "\n"


def _row(parameters: pd.DataFrame, lhs: str, op: str, rhs: str) -> float:
    table = parameters
    hit = table[(table["lhs"] == lhs) & (table["op"] == op) & (table["rhs"] == rhs)]
    if hit.empty and op == "~~":
        hit = table[(table["lhs"] == rhs) & (table["op"] == op) & (table["rhs"] == lhs)]
    return float(hit["est"].iloc[0]) if not hit.empty else 0.0


def fit_linear(model: LmsModel, data: pd.DataFrame, *, source: str) -> FitResult:
    """semwb's ML fit of the linear model (lavaan's ``sem(meanstructure = TRUE)``)."""
    from semwb.sem.estimate import fit_model
    from semwb.sem.spec import spec_from_syntax

    spec = spec_from_syntax(linear_syntax(model), name="lms-start", source=source,
                            meanstructure=True)
    return fit_model(spec, data)


def lms_start(model: LmsModel, linear: FitResult) -> np.ndarray:
    """Start values in the order of ``model.rows()`` from the linear fit (nonlinear terms 0)."""
    import numpy as np

    return np.array([_row(linear.parameters, *row) for row in model.rows()])


def fit_latent_interactions(model: LmsModel, data: pd.DataFrame, *, source: str,
                            nodes: int | None = None, level: float = 0.95,
                            ) -> tuple[LmsFit, dict[str, Any]]:
    """Fit ``model`` by LMS and test its nonlinear terms against the linear model.

    Returns
    -------
    (LmsFit, dict)
        The fit, and the block for ``results.json -> conditional -> lms``: ``method``, ``why``,
        ``nodes``, ``level`` (of the Wald intervals), ``n_obs``, ``loglik``, ``aic``, ``bic``,
        ``terms`` (per nonlinear term ``est, se, z, pvalue, ci_lower, ci_upper``), ``paths``
        (the outcome's linear paths, same keys), ``lr_test`` (``chisq, df, pvalue`` against the
        linear model), ``converged`` and ``probes`` (:func:`lms_probes`).
    """
    from semwb.conditional.lms import METHOD, NODES, fit_lms
    from semwb.distributions import chi2_sf

    nodes = NODES if nodes is None else nodes
    frame = data[list(model.observed)].dropna()
    linear = fit_linear(model, frame, source=source)
    fit = fit_lms(model, frame, lms_start(model, linear), nodes=nodes, level=level)
    keys = ("est", "se", "z", "pvalue", "ci_lower", "ci_upper")
    regressions = fit.parameters[fit.parameters["op"] == "~"]

    def rows(names: tuple[str, ...]) -> dict[str, dict[str, float]]:
        picked = regressions[regressions["rhs"].isin(names)]
        return {str(r["rhs"]): {k: float(r[k]) for k in keys} for _, r in picked.iterrows()}

    linear_loglik = linear.fit.loglik
    if linear_loglik is None:  # complete-data ML always has one
        raise FitError(f"{source}: the linear model's log-likelihood is missing.")
    chisq = max(2 * (fit.loglik - linear_loglik), 0.0)
    df = len(model.terms)
    block = {"method": METHOD, "why": WHY, "outcome": model.outcome, "nodes": nodes,
             "level": level,
             "n_obs": fit.n_obs, "loglik": fit.loglik, **fit.information_criteria(),
             "converged": fit.converged, "terms": rows(model.terms),
             "paths": rows(model.predictors),
             "lr_test": {"chisq": chisq, "df": df, "pvalue": float(chi2_sf(chisq, df)),
                         "linear_loglik": float(linear_loglik)},
             "probes": lms_probes(fit, level=level)}
    return fit, block


def lms_probes(fit: LmsFit, *, level: float = 0.95) -> list[dict[str, Any]]:
    """Per two-way term ``X:W``: the slope of ``X`` at ``W``'s mean and +-1 SD and the
    Johnson-Neyman region over +-2 SD (:func:`semwb.conditional.latent_probe.probe_latent`);
    per square ``X:X``: ``{"interaction": term, "turning_point": ...}``
    (:func:`~semwb.conditional.latent_probe.latent_turning_point`); from the LMS estimates and
    their covariance, for terms whose first latent also has a linear path."""
    import math

    import pandas as pd

    from semwb.conditional.coefficients import Coefficients
    from semwb.conditional.latent_probe import latent_turning_point, probe_latent

    table = fit.parameters
    names = [f"{lhs}{op}{rhs}" for lhs, op, rhs in zip(table["lhs"], table["op"], table["rhs"],
                                                          strict=True)]
    vcov = pd.DataFrame(fit.vcov, index=names, columns=names)
    model = fit.model
    est = dict(zip(names, table["est"], strict=True))
    probes: list[dict[str, Any]] = []
    for term, (a, b) in zip(model.terms, model.products, strict=True):
        focal, moderator = model.latents[a], model.latents[b]
        if focal not in model.predictors:
            continue  # without its linear path the slope and turning point are not probed
        keys = {focal: f"{model.outcome}~{focal}", term: f"{model.outcome}~{term}"}
        coefs = Coefficients.from_mapping({k: est[v] for k, v in keys.items()},
                                          vcov.rename(index={v: k for k, v in keys.items()},
                                                      columns={v: k for k, v in keys.items()}))
        sd = math.sqrt(est[f"{moderator}~~{moderator}"])
        probes.append(
            {"interaction": term, "turning_point": latent_turning_point(
                coefs, predictor=focal, quadratic=term, sd=sd, level=level)} if a == b else
            probe_latent(coefs, focal=focal, moderator=moderator, interaction=term, sd=sd,
                         level=level, outcome=model.outcome))
    return probes
