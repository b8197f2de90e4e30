"""semwb's own model core against semopy, the second, independent engine (``engine: semopy``).

Both engines fit the same parameter table to the same complete data (no mean structure, no
``==``: what the semopy engine fits). semopy's solution comes from its own optimiser, polished
by scoring on semopy's own discrepancy and gradient, and its SEs from semopy's own information
matrix, so nothing but the answer is shared: both reach the exact ML optimum and agree to about
1e-9. The tolerances (est 1e-6, SE and chi-square 1e-5 relative) leave room for optimiser
stopping rules, not for a wrong answer. Every ML reference case semopy can fit is here, except
the 92-item seed CFA (a minute in semopy; the parity test holds the core to lavaan on it);
semopy cannot fit ``latent_and_observed_outcome`` and ``multi_lhs`` ("'visual' is not in list").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.spec import load_spec
from test_parity_cases import replay

REFERENCE = Path(__file__).parent / "reference"
TUTORIAL = ["holzinger_swineford", "political_democracy", "mediation_single",
            "regression_observed"]
REPLAYED = ["chinese_names", "heywood", "hs_orthogonal", "hs_second_order", "hs_std_lv",
            "path_exogenous_cov", "path_fixed_x_false"]
EST_TOL, SE_REL, CHISQ_REL = 1e-6, 1e-5, 1e-5


def _fit(case: str, engine: str) -> FitResult:
    if case in REPLAYED:
        return replay(case, engine=engine)[0]
    spec = load_spec(REFERENCE / case / "model.lav", engine=engine)
    return fit_model(spec, pd.read_csv(REFERENCE / case / "data.csv"), data_name="data.csv")


@pytest.mark.parametrize("case", TUTORIAL + REPLAYED)
def test_semopy_engine_agrees_with_the_core(case: str) -> None:
    core, semopy = _fit(case, "semwb"), _fit(case, "semopy")
    keys = ["lhs", "op", "rhs"]
    merged = core.parameters.merge(semopy.parameters, on=keys, suffixes=("_core", "_semopy"))
    assert len(merged) == len(core.parameters) == len(semopy.parameters)
    for _, row in merged.iterrows():
        where = (row["lhs"], row["op"], row["rhs"])
        for col in ("est", "std_all"):
            assert row[f"{col}_semopy"] == pytest.approx(
                row[f"{col}_core"], abs=EST_TOL * max(1.0, abs(row[f"{col}_core"]))), (where, col)
        if row["se_core"] > 0:
            assert row["se_semopy"] == pytest.approx(row["se_core"], rel=SE_REL), where
    assert (semopy.fit.df, semopy.fit.npar) == (core.fit.df, core.fit.npar)
    assert semopy.fit.chisq == pytest.approx(core.fit.chisq, rel=CHISQ_REL, abs=1e-8)
