"""Scaled chi-square difference tests against lavaan 0.6.14's lavTestLRT."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from semwb.chisq_difference import scaled_difference
from semwb.errors import OptionError
from semwb.sem.compare import compare_models
from semwb.sem.difference_test import scaled_difference_test
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.spec import spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
EXPECTED = json.loads((REFERENCE / "robust_difference" / "lavaan_difference.json").read_text())
COMPARISONS = {c["name"]: c for c in EXPECTED["comparisons"]}


def _pair(name: str, estimator: str) -> tuple[FitResult, FitResult]:
    """The general and the restricted fit of a comparison of the fixture."""
    if name.startswith("hs_"):
        data = pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv")
        general = restricted = (REFERENCE / "hs_orthogonal" / "model.lav").read_text()
        options: dict[str, Any] = {"defaults": "cfa"}
        extra: dict[str, Any] = {"orthogonal": True}
    else:
        data = pd.read_csv(REFERENCE / "mediation_single" / "data.csv")
        general = (REFERENCE / "mediation_single" / "model.lav").read_text()
        restricted = (REFERENCE / "robust_difference" / "model_mediation_no_direct.lav"
                      ).read_text()
        options, extra = {}, {}
    fit1 = fit_model(spec_from_syntax(general, name="general", estimator=estimator, **options),
                     data)
    fit0 = fit_model(spec_from_syntax(restricted, name="restricted", estimator=estimator,
                                      **options, **extra), data)
    return fit1, fit0


@pytest.fixture(scope="module", params=sorted(COMPARISONS))
def comparison(request: pytest.FixtureRequest) -> tuple[dict[str, Any], FitResult, FitResult]:
    ref = COMPARISONS[request.param]
    return (ref, *_pair(ref["name"], ref["estimator"]))


@pytest.mark.parametrize("method", ["satorra.bentler.2001", "satorra.bentler.2010"])
def test_scaled_difference_matches_lavtestlrt(
        comparison: tuple[dict[str, Any], FitResult, FitResult], method: str) -> None:
    ref, general, restricted = comparison
    expected = ref[method.replace(".", "_")]
    test = scaled_difference_test(general, restricted, method=method)  # type: ignore[arg-type]
    assert test.df_diff == expected["df_diff"]
    assert test.scaling_factor == pytest.approx(expected["scaling_factor"], rel=1e-5)
    assert test.chisq_diff == pytest.approx(expected["chisq_diff"], rel=1e-5)
    assert test.pvalue == pytest.approx(expected["pvalue"], rel=1e-4, abs=1e-12)


def test_a_negative_scaling_factor_gives_no_test() -> None:
    test = scaled_difference((10.0, 5, 0.5), (5.0, 4, 2.0))
    assert (test.chisq_diff, test.pvalue, test.scaling_factor) == (None, None, None)
    assert test.chisq_diff_unscaled == 5.0


def test_fits_that_cannot_be_compared_are_refused() -> None:
    general, restricted = _pair("hs_orthogonal_mlr", "MLR")
    ml_general, ml_restricted = _pair("hs_orthogonal_mlr", "ML")
    with pytest.raises(OptionError, match=r"same robust estimator.*plain chi-square difference"):
        scaled_difference_test(ml_general, ml_restricted)
    with pytest.raises(OptionError, match=r"more degrees of freedom than the general one; got "
                                          r"24 and 27"):
        scaled_difference_test(restricted, general)
    with pytest.raises(OptionError, match=r"'satorra\.bentler\.2001' or 'satorra\.bentler\.2010'"):
        scaled_difference_test(general, restricted, method="satorra.2000")  # type: ignore[arg-type]


def test_model_comparison_of_robust_fits_uses_the_scaled_difference(
        comparison: tuple[dict[str, Any], FitResult, FitResult]) -> None:
    ref, general, restricted = comparison
    table = compare_models([general, restricted])
    expected = ref["satorra_bentler_2001"]
    assert table.method == "scaled chi-square difference (satorra.bentler.2001)"
    assert table.table["chisq_diff"].iloc[1] == pytest.approx(expected["chisq_diff"], rel=1e-5)
    assert table.table["pvalue_diff"].iloc[1] == pytest.approx(expected["pvalue"], rel=1e-4)
    unscaled = ref["restricted"]["chisq"] - ref["general"]["chisq"]
    n, df = restricted.n_obs, expected["df_diff"]
    rmsea = max(unscaled / n / df - expected["scaling_factor"] / n, 0.0) ** 0.5
    assert table.table["rmsea_diff"].iloc[1] == pytest.approx(rmsea, rel=1e-5)
