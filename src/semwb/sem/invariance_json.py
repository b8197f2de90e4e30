"""The invariance ladder as JSON-ready data: ``invariance.json`` and ``Results.invariance``.

The one shape the JSON file, ``results.json`` and the report section
(``report/templates/_invariance.html``) read.
"""

from __future__ import annotations

import math
from typing import Any

from semwb.sem.invariance import (
    CFI_DROP,
    CITATIONS,
    ORDINAL_CITATIONS,
    RMSEA_RISE,
    SRMR_RISE_LOADINGS,
    SRMR_RISE_OTHER,
    Ladder,
    Step,
)
from semwb.sem.scoretest import ScoreTest


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _step(step: Step) -> dict[str, Any]:
    c = step.comparison
    return {
        "name": step.name, "group_equal": list(step.group_equal),
        "group_partial": list(step.partial),
        "fit": {k: _number(v) for k, v in step.fit.model_dump().items()},
        "comparison": None if c is None else {
            "chisq_diff": _number(c.chisq_diff), "df_diff": c.df_diff, "pvalue": c.pvalue,
            "delta_cfi": c.delta_cfi, "delta_rmsea": c.delta_rmsea, "delta_srmr": c.delta_srmr,
            "cheung_rensvold": c.cheung_rensvold, "chen": c.chen, "holds": c.holds,
            "method": c.method,
        },
    }


def _score(test: ScoreTest) -> dict[str, Any]:
    return {"lhs": test.lhs, "op": test.op, "rhs": test.rhs, "group": test.group,
            "chisq": test.chisq, "df": test.df, "pvalue": test.pvalue,
            "group_partial": test.partial}


def ladder_json(ladder: Ladder) -> dict[str, Any]:
    """The ladder as JSON-ready data: steps, comparisons, score tests, latent means."""
    means = ladder.latent_means
    return {
        "model": ladder.model, "group": ladder.group, "groups": list(ladder.groups),
        "estimator": ladder.estimator,
        "n_obs": ladder.n_obs,
        "group_n": dict(zip(ladder.groups, ladder.group_n, strict=False)),
        "steps": [_step(s) for s in ladder.steps],
        "failed": ladder.failed,
        "score_total": None if ladder.score_total is None else _score(ladder.score_total),
        "scores": [_score(t) for t in ladder.scores],
        "partial": None if ladder.partial is None else _step(ladder.partial),
        "paths": [{"lhs": p.lhs, "rhs": p.rhs, "estimates": p.estimates, "chisq": p.chisq,
                   "df": p.df, "pvalue": p.pvalue} for p in ladder.paths],
        "paths_step": ladder.paths_step,
        "latent_means": [{k: _number(v) for k, v in row.items()}
                         for row in means.to_dict(orient="records")],
        "cutoffs": {"cfi_drop": CFI_DROP, "rmsea_rise": RMSEA_RISE,
                    "srmr_rise_loadings": SRMR_RISE_LOADINGS, "srmr_rise_other": SRMR_RISE_OTHER},
        "citations": list(CITATIONS) + (list(ORDINAL_CITATIONS) if ladder.estimator == "WLSMV"
                                         else []),
    }
