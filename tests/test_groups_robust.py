"""MLR and MLM with multiple groups against lavaan 0.6.14 (tests/reference/groups_robust): robust
SEs, the scaled test whose scaling factor is computed over the stacked groups, lavaan's
``.scaled`` / ``.robust`` measures, and the invariance ladder's scaled difference tests."""

from __future__ import annotations

import json
import math
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from markupsafe import escape

from group_reference import lavaan_row
from semwb.report.filters import fmt_est
from semwb.report.invariance import invariance_text, render_invariance
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.invariance import compare, run_ladder
from semwb.sem.invariance_json import ladder_json
from semwb.sem.spec import ModelSpec, spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
LAVAAN = json.loads((REFERENCE / "groups_robust" / "lavaan.json").read_text(encoding="utf-8"))
DATA = {"school": REFERENCE / "hs_multigroup" / "data.csv",
        "own": REFERENCE / "groups_robust" / "mediation.csv"}
#: lavaan's measures semwb computes for a multiple-group MLR / MLM fit.
ROBUST_KEYS = ("chisq_scaled", "pvalue_scaled", "chisq_scaling_factor", "baseline_chisq_scaled",
               "baseline_chisq_scaling_factor", "cfi_scaled", "tli_scaled", "rmsea_scaled",
               "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled", "cfi_robust", "tli_robust",
               "rmsea_robust", "rmsea_ci_lower_robust", "rmsea_ci_upper_robust")


def _equal(args: dict[str, Any]) -> list[str]:
    value = args.get("group.equal", [])
    return [value] if isinstance(value, str) else list(value)


def _spec(case: dict[str, Any], name: str, **changes: Any) -> ModelSpec:
    options = {"group": case["group"], "estimator": case["args"]["estimator"],
               "group_equal": _equal(case["args"]),
               "missing": "fiml" if case["args"].get("missing") == "ml" else "listwise",
               **changes}
    return spec_from_syntax(case["model"], name=name, **options)


@cache
def _fit(name: str) -> FitResult:
    case = LAVAAN["cases"][name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_model(_spec(case, name), pd.read_csv(DATA[case["group"]]))


@pytest.mark.parametrize("name", sorted(LAVAAN["cases"]))
def test_every_parameter_and_robust_se_equals_lavaans(name: str) -> None:
    case = LAVAAN["cases"][name]
    fit = _fit(name)
    table = fit.parameters
    assert list(fit.groups) == [str(g) for g in case["group_labels"]]
    for row in case["parameters"]:
        got = lavaan_row(table, row, fit.groups)
        assert got["est"] == pytest.approx(row["est"], rel=5e-5, abs=5e-5), row
        assert got["se"] == pytest.approx(row["se"] or 0.0, abs=5e-5), row


@pytest.mark.parametrize("name", sorted(LAVAAN["cases"]))
def test_scaled_and_robust_measures_equal_lavaans(name: str) -> None:
    reference = LAVAAN["cases"][name]["fit"]
    got = _fit(name).fit.model_dump()
    for key in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", *ROBUST_KEYS):
        assert reference[key] is not None, key
        assert got[key] == pytest.approx(reference[key], rel=2e-5, abs=1e-7), key


def test_the_scaling_factor_is_the_stacked_groups_not_one_groups() -> None:
    """c = (Σ_g tr(A₁,g⁻¹ B₁,g) - tr(A⁻¹ B₀)) / df over both groups: a factor from one group's
    share alone would be far off lavaan's (the mutation this guards against)."""
    fit = _fit("mediation_mlr").fit
    reference = LAVAAN["cases"]["mediation_mlr"]["fit"]
    assert fit.chisq_scaling_factor == pytest.approx(reference["chisq_scaling_factor"],
                                                     rel=1e-6)
    assert fit.chisq is not None
    assert fit.chisq_scaling_factor is not None
    assert fit.chisq_scaled == pytest.approx(fit.chisq / fit.chisq_scaling_factor, rel=1e-12)


@cache
def _ladder_fits() -> dict[str, FitResult]:
    case = {"model": LAVAAN["cases"]["hs_scalar_mlr"]["model"], "group": "school",
            "args": {"estimator": "MLR"}}
    data = pd.read_csv(DATA["school"])
    equal = {"configural": [], "metric": ["loadings"], "scalar": ["loadings", "intercepts"],
             "strict": ["loadings", "intercepts", "residuals"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {k: fit_model(_spec(case, k, group_equal=v), data) for k, v in equal.items()}


def test_ladder_steps_use_lavaans_scaled_difference_test() -> None:
    fits = _ladder_fits()
    for step, reference in LAVAAN["ladder"]["fit"].items():
        assert fits[step].fit.chisq_scaled == pytest.approx(reference["chisq_scaled"], rel=2e-6)
    for test in LAVAAN["ladder"]["lrt"]:
        general, restricted = fits[test["general"]].fit, fits[test["restricted"]].fit
        result = compare(restricted, general, loadings=test["restricted"] == "metric")
        assert result.method == "satorra.bentler.2001"
        assert result.df_diff == test["df_diff"]
        assert result.chisq_diff == pytest.approx(test["chisq_diff"], rel=1e-5)
        assert result.pvalue == pytest.approx(test["pvalue"], rel=1e-4, abs=1e-12)
        robust = [(f.cfi_robust or 0.0, f.rmsea_robust or 0.0) for f in (restricted, general)]
        assert result.delta_cfi == pytest.approx(robust[0][0] - robust[1][0])
        assert result.delta_rmsea == pytest.approx(robust[0][1] - robust[1][1])


def test_ml_ladder_keeps_the_plain_difference() -> None:
    fits = _ladder_fits()
    plain = {k: f.fit.model_copy(update={"chisq_scaling_factor": None}) for k, f in fits.items()}
    result = compare(plain["metric"], plain["configural"], loadings=True)
    assert result.method == ""
    chisq = [plain[k].chisq or 0.0 for k in ("metric", "configural")]
    assert result.chisq_diff == pytest.approx(chisq[0] - chisq[1])


def test_run_ladder_under_mlr_records_the_method() -> None:
    spec = spec_from_syntax(LAVAAN["cases"]["hs_scalar_mlr"]["model"], name="hs",
                            group="school", estimator="MLR")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ladder = ladder_json(run_ladder(spec, pd.read_csv(DATA["school"])))
    compared = [s["comparison"] for s in ladder["steps"] if s["comparison"]]
    assert compared
    assert {c["method"] for c in compared} == {"satorra.bentler.2001"}
    metric = next(t for t in LAVAAN["ladder"]["lrt"] if t["restricted"] == "metric")
    assert compared[0]["chisq_diff"] == pytest.approx(metric["chisq_diff"], rel=1e-5)
    assert all(math.isfinite(c["delta_cfi"]) for c in compared)
    for lang in ("en", "zh"):  # the page shows what the verdicts judged: scaled and robust
        page = render_invariance(ladder, lang=lang)
        assert str(escape(invariance_text(lang)["robust_note"])) in page
        for step in ladder["steps"]:
            assert fmt_est(step["fit"]["chisq_scaled"], 2) in page
            assert fmt_est(step["fit"]["cfi_robust"], 3) in page
    plain = {**ladder, "steps": [{**s, "fit": {**s["fit"], "chisq_scaling_factor": None}}
                                 for s in ladder["steps"]]}
    assert str(escape(invariance_text("en")["robust_note"])) not in render_invariance(plain,
                                                                                      lang="en")


def test_fiml_mlr_keeps_the_incomplete_rows_and_corrects_the_robust_measures() -> None:
    """Savalei's FIML-corrected robust CFI and RMSEA differ from the uncorrected formula."""
    fit = _fit("mediation_fiml_mlr")
    reference = LAVAAN["cases"]["mediation_fiml_mlr"]
    assert fit.n_obs == sum(reference["n_obs"])
    assert fit.n_obs > len(pd.read_csv(DATA["own"]).dropna())
    assert fit.fit.cfi_robust == pytest.approx(reference["fit"]["cfi_robust"], rel=1e-6)
