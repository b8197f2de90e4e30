"""semwb's own model core against semopy, the second, independent engine (``engine: semopy``).

Both engines fit the same parameter table to the same complete data (no mean structure, which
is what semopy fits); the core is held to lavaan by the parity tests, so agreement here checks
that the cross-check engine still says the same thing. semopy stops its optimiser earlier than
the core (SLSQP, ``ftol`` about 1e-8 on ``F``), hence tolerances looser than against lavaan.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.spec import load_spec

REFERENCE = Path(__file__).parent / "reference"
CASES = ["holzinger_swineford", "political_democracy", "mediation_single", "regression_observed"]
#: est within 2e-3 (relative beyond 1), SE within 2 % and chi-square within 0.1 %.
EST_TOL, SE_REL, CHISQ_REL = 2e-3, 2e-2, 1e-3


def _fit(case: str, engine: str) -> FitResult:
    spec = load_spec(REFERENCE / case / "model.lav", engine=engine)
    return fit_model(spec, pd.read_csv(REFERENCE / case / "data.csv"), data_name="data.csv")


@pytest.mark.parametrize("case", CASES)
def test_semopy_engine_agrees_with_the_core(case: str) -> None:
    core, semopy = _fit(case, "semwb"), _fit(case, "semopy")
    keys = ["lhs", "op", "rhs"]
    merged = core.parameters.merge(semopy.parameters, on=keys, suffixes=("_core", "_semopy"))
    assert len(merged) == len(core.parameters) == len(semopy.parameters)
    for _, row in merged.iterrows():
        where = (row["lhs"], row["op"], row["rhs"])
        assert row["est_semopy"] == pytest.approx(
            row["est_core"], abs=EST_TOL * max(1.0, abs(row["est_core"]))), where
        if row["op"] != ":=" and row["se_core"] > 0:
            assert row["se_semopy"] == pytest.approx(row["se_core"], rel=SE_REL), where
    assert semopy.fit.df == core.fit.df
    assert semopy.fit.npar == core.fit.npar
    assert semopy.fit.chisq == pytest.approx(core.fit.chisq, rel=CHISQ_REL)
    assert semopy.fit.cfi == pytest.approx(core.fit.cfi, abs=1e-4)
