"""A single ML/FIML fit's Anderson-accelerated steps reach the plain chord method's estimate.

The acceleration changes the path, never the fixed point: from the same start, the accelerated
fit and the plain one agree to the step tolerance on complete data, FIML, groups, ``==``
constraints, a mean structure and a Heywood case.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from semwb.sem.bootstrap_groups import group_rows
from semwb.sem.bootstrap_rows import fiml_rows
from semwb.sem.estimate import fit_model
from semwb.sem.estimators import ml
from semwb.sem.model.fitting import BatchFit, fit_batch
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.spec import spec_from_syntax
from test_draw_engine import REFERENCE, _fitted

CASES = ["political_democracy", "mediation_missing_fiml", "hs_groups", "hs_equality_constraints",
         "growth_linear", "heywood", "hs_second_order"]


def _case(case: str) -> tuple[ModelMatrices, np.ndarray]:
    if case != "hs_groups":
        return _fitted(case)
    syntax = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
    data = pd.read_csv(REFERENCE / "hs_multigroup" / "data.csv")
    fit = fit_model(spec_from_syntax(syntax, name=case, group="school"), data)
    rows, _ = fiml_rows(fit.model, group_rows(fit).to_numpy())
    return fit.model, rows


@pytest.mark.parametrize("case", CASES)
def test_accelerated_fit_reaches_the_plain_estimate(case: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    mm, X = _case(case)
    fiml = not np.isfinite(X).all()
    start = mm.estimate + 0.1 * np.where(np.abs(mm.estimate) > 0, mm.estimate, 1.0)
    accelerated = ml.fit_ml(mm, X, start, fiml=fiml)
    plain_batch = fit_batch

    def plain(*args: Any, **kwargs: Any) -> BatchFit:
        kwargs.pop("steering", None)
        return plain_batch(*args, **kwargs)

    monkeypatch.setattr(ml, "fit_batch", plain)
    reference = ml.fit_ml(mm, X, start, fiml=fiml)
    assert accelerated.converged
    assert reference.converged
    np.testing.assert_allclose(accelerated.mm.estimate, reference.mm.estimate, rtol=0,
                               atol=1e-8)
    np.testing.assert_allclose(accelerated.vcov, reference.vcov, rtol=1e-6, atol=1e-12)
