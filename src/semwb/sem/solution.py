"""The parameter table of a fitted model, in lavaan's ``parameterEstimates()`` form.

From the model at its estimate and the sampling covariance of the free parameters: every row's
estimate (fixed rows their value, fixed.x rows the sample moment), standard error (0 for fixed
rows), Wald z, p and 95 % interval, the standardized values ``std_lv``, ``std_all`` and
``std_nox``, then the ``:=`` rows with delta-method standard errors and their standardized
values (the definition evaluated at the standardized labels), as lavaan 0.6.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd

from semwb.distributions import norm_ppf, norm_sf
from semwb.sem.effects import DefinedEffect, delta_method
from semwb.sem.model.standardized import row_values, standardized_rows
from semwb.sem.model.structure import Array, ModelMatrices

#: lavaan ``parameterEstimates()`` columns of a parameter table (``param`` is semwb's index of
#: a free row's parameter, -1 for a fixed row).
COLUMNS = ["lhs", "op", "rhs", "label", "group", "free", "est", "se", "z", "pvalue",
           "ci_lower", "ci_upper", "std_all"]
STANDARDIZED = ("std_lv", "std_all", "std_nox")


def wald(est: Array, se: Array, level: float = 0.95) -> dict[str, Array]:
    """Wald z, two-sided p and the normal-theory interval (NaN where ``se`` is 0)."""
    q = norm_ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    return {"z": z, "pvalue": np.where(se > 0, 2 * norm_sf(np.abs(z)), np.nan),
            "ci_lower": est - q * se, "ci_upper": est + q * se}


def parameter_table(mm: ModelMatrices, vcov: Array, labels: Sequence[str],
                    effects: Sequence[DefinedEffect], *,
                    covariates: Collection[str] = ()) -> pd.DataFrame:
    """Rows of lavaan's ``parameterEstimates(standardized = TRUE)`` for a fitted model.

    Parameters
    ----------
    mm
        The model at its estimate (``mm.rows`` in table order).
    vcov
        ``(q, q)`` sampling covariance of the free parameters.
    labels
        The label of each row (``""`` when unlabelled), parallel to ``mm.rows``.
    effects
        The compiled ``:=`` definitions.
    covariates
        Exogenous observed covariates (left unstandardized by ``std_nox``).

    Returns
    -------
    pandas.DataFrame
        Columns ``lhs op rhs label group free est se z pvalue ci_lower ci_upper std_lv std_all
        std_nox param``; ``:=`` rows last.
    """
    theta = mm.estimate[None]
    est = row_values(mm, theta)[0]
    param = np.array([r.param for r in mm.rows], dtype=int)
    free = param >= 0
    se = np.where(free, np.sqrt(np.abs(np.diag(vcov)))[np.maximum(param, 0)], 0.0)
    table = pd.DataFrame({  # one constructor from arrays: column by column costs ms per fit
        "lhs": [r.lhs for r in mm.rows], "op": [r.op for r in mm.rows],
        "rhs": [r.rhs for r in mm.rows], "label": list(labels), "group": None, "free": free,
        "est": est, "se": se, **wald(est, se),  # z and p NaN: fixed rows have se 0
        **{kind: standardized_rows(mm, theta, kind=kind.replace("_", "."),
                                   covariates=covariates)[0] for kind in STANDARDIZED},
        "param": param,
    })
    if effects:
        table = pd.concat([table, defined_rows(table, effects, vcov)], ignore_index=True)
    return table


def defined_rows(table: pd.DataFrame, effects: Sequence[DefinedEffect],
                 vcov: Array) -> pd.DataFrame:
    """The ``:=`` rows: estimates, delta-method SEs and the standardized values."""
    label, op = table["label"].to_numpy(), table["op"].to_numpy()
    first: dict[str, int] = {}  # each label's first row (a label shared by rows is one parameter)
    for i in np.flatnonzero((label != "") & (op != ":=")):
        first.setdefault(label[i], int(i))
    names, rows = list(first), list(first.values())
    param = table["param"].to_numpy()[rows]
    cov = np.zeros((len(names), len(names)))
    free = np.flatnonzero(param >= 0)  # a labelled fixed parameter has no sampling variance
    cov[np.ix_(free, free)] = vcov[np.ix_(param[free], param[free])]
    # Python floats, as the table's rows give them
    by_label = dict(zip(names, table["est"].to_numpy()[rows].tolist(), strict=True))
    delta = delta_method(effects, by_label, pd.DataFrame(cov, index=names, columns=names))
    standardized = {kind: dict(zip(names, table[kind].to_numpy()[rows].tolist(), strict=True))
                    for kind in STANDARDIZED}
    return pd.DataFrame({
        "lhs": [e.name for e in effects], "op": ":=",
        "rhs": [e.expression.replace(" ", "") for e in effects],
        "label": [e.name for e in effects], "group": None, "free": False,
        **{c: delta[c].to_numpy() for c in ["est", "se", "z", "pvalue", "ci_lower", "ci_upper"]},
        **{kind: [float(e.evaluate(standardized[kind])) for e in effects]
           for kind in STANDARDIZED},
        "param": -1,
    })
