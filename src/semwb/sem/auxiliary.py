"""Auxiliary variables under FIML: Graham's (2003) saturated correlates, as semTools'
``sem.auxiliary()``; the spec side (the lines added to the syntax, the refusals).

An auxiliary variable (``auxiliary: [age, rdint]`` in a spec) is not part of the model's
meaning but tells FIML about the missing values (a cause or correlate of missingness makes
missing at random plausible). As semTools 0.5-6 ``auxiliary()``:

- the auxiliaries covary with each other, have free means, and covary with every observed
  variable of the model (``aux ~~ v``: with an indicator's or an observed outcome's residual,
  with an exogenous covariate itself); covariates are random (``fixed.x = FALSE``). The
  additions are saturated: the model's degrees of freedom do not change;
- chi-square, RMSEA, SRMR, the log-likelihood and AIC/BIC are those of the model with these
  rows (npar counts them), as ``fitMeasures()`` reports them;
- the baseline of CFI and TLI is semTools' ``baseline.model``: the model's observed variables
  uncorrelated with each other (free variances and means), the auxiliaries saturated with
  everything, fitted by FIML (:mod:`semwb.sem.auxiliary_fit`).

Only ``missing: fiml`` with ML: with listwise deletion the auxiliaries would only drop rows,
and semwb's scaled (MLR) baseline does not handle them yet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def correlates_syntax(observed: Sequence[str], auxiliary: Sequence[str]) -> str:
    """The saturated-correlates lines semTools adds: ``aux ~~ aux``, ``aux ~ 1``, ``aux ~~ v``."""
    lines = [f"{a} ~~ {b}" for i, a in enumerate(auxiliary) for b in auxiliary[i:]]
    lines += [f"{a} ~ 1" for a in auxiliary]
    lines += [f"{a} ~~ {v}" for a in auxiliary for v in observed]
    return "\n".join(lines)


def auxiliary_problems(auxiliary: Sequence[str], *, model_variables: Sequence[str],
                       latents: Sequence[str], missing: str, estimator: str, group: str | None,
                       ordinal: bool, source: str) -> list[str]:
    """What stops ``auxiliary:`` in a spec, one message each (empty when none)."""
    problems = []
    named = ", ".join(auxiliary)
    if missing != "fiml":
        problems.append(f"{source}: 'auxiliary' ({named}) needs 'missing: fiml': auxiliary "
                        "variables inform full-information ML about missing values; with "
                        "listwise deletion they would only drop rows. Add 'missing: fiml'.")
    if estimator != "ML" or ordinal:
        problems.append(f"{source}: 'auxiliary' works with 'estimator: ML' (FIML) only; semwb "
                        f"has no auxiliary-variable baseline for {estimator} yet. Use ML, or "
                        "drop 'auxiliary'.")
    if group is not None:
        problems.append(f"{source}: 'auxiliary' is not available with 'group:' yet; fit the "
                        "groups one at a time, or drop 'auxiliary'.")
    for a in auxiliary:
        if not re.fullmatch(r"[^\s~=+*:<>|()#,;\"']+", a):
            problems.append(f"{source}: 'auxiliary' entry {a!r} is not a variable name (a data "
                            "column without spaces or lavaan operators).")
    duplicates = sorted({a for a in auxiliary if list(auxiliary).count(a) > 1})
    if duplicates:
        problems.append(f"{source}: 'auxiliary' names {', '.join(duplicates)} more than once.")
    for a in dict.fromkeys(auxiliary):
        if a in model_variables or a in latents:
            problems.append(f"{source}: '{a}' is in the model's syntax, so it cannot be an "
                            "auxiliary variable (an auxiliary is a variable the model does not "
                            "use); drop it from 'auxiliary' or from the syntax.")
    return problems
