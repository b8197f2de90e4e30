"""semwb against lavaan 0.6.14 on the replayable reference cases (``case.json`` beside the data).

Each case records lavaan's call (``cfa``/``sem``/``growth`` and its arguments); the test replays
it through a spec and compares every parameter row (est, se, std_all, std_lv, std_nox) and every
fit measure semwb reports, with the tolerances of ``test_parity_lavaan.py``.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from parity_rows import paired_rows
from semwb.errors import OptionError, SemwbWarning, SpecError
from semwb.sem.bootstrap import bootstrap_model
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.spec import spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
#: Cases semwb matches (every replayable case).
CASES = ["chinese_names", "fiml_covariate", "growth_covariates", "growth_linear", "heywood",
         "hs_equality_constraints", "hs_inequality", "hs_intercepts", "hs_orthogonal",
         "hs_second_order", "hs_std_lv", "latent_and_observed_outcome", "multi_lhs",
         "path_exogenous_cov", "path_fixed_x_false", "path_meanstructure_covariates",
         "seed_cfa_92"]
FIT_KEYS = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
            "srmr", "aic", "bic", "bic2", "loglik", "unrestricted_loglik", "baseline_chisq",
            "baseline_df", "npar"]
_ARGS = {"std.lv": "std_lv", "meanstructure": "meanstructure", "fixed.x": "fixed_x",
         "orthogonal": "orthogonal"}


def replay(case: str, **extra: Any) -> tuple[FitResult, dict[str, Any]]:
    """Fit ``case`` as its ``case.json`` says (``extra``: more spec options, e.g. the engine)."""
    folder = REFERENCE / case
    meta = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    ref = json.loads((folder / "lavaan.json").read_text(encoding="utf-8"))
    if meta["args"].get("fixed.x") is False:
        # With random covariates std.nox is std.all: lavaan 0.7 made it so (issue #521, "the
        # exogenous x are then treated (and standardized) as random variables like any
        # other"); 0.6.14, which made the fixture, standardized them half-way.
        for row in ref["parameters"]:
            row["std_nox"] = row.get("std_all")
    options: dict[str, Any] = {"defaults": meta["function"], **extra}
    for key, value in meta["args"].items():
        if key == "missing":
            options["missing"] = "fiml" if value == "ml" else "listwise"
        else:
            options[_ARGS[key]] = value
    spec = spec_from_syntax((folder / "model.lav").read_text(encoding="utf-8"), name=case,
                            **options)
    data = pd.read_csv(folder / meta["data"], encoding="utf-8")
    with pytest.warns() if ref.get("warnings") else _nothing():
        return fit_model(spec, data), ref


class _nothing:  # noqa: N801 - a no-op context manager in place of pytest.warns
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize("case", CASES)
def test_case_matches_lavaan(case: str) -> None:
    fit, ref = replay(case)
    assert fit.n_obs == ref["n_obs"]
    for row, got, where in paired_rows(fit.parameters, ref["parameters"]):
        assert got["est"] == pytest.approx(row["est"], abs=1e-4 * max(1.0, abs(row["est"]))), where
        if row["se"] is not None:
            assert got["se"] == pytest.approx(row["se"], rel=1e-3, abs=1e-6), where
        for col in ("std_all", "std_lv", "std_nox"):
            # as est: 1e-4, relative beyond 1 (hs_intercepts' weakly identified x7 ~ 1 is
            # -2.9923 in semwb against lavaan's -2.9925, at a log-likelihood 3e-9 higher)
            if row.get(col) is not None and not math.isnan(got[col]):
                assert got[col] == pytest.approx(row[col], abs=1e-4 * max(1.0, abs(row[col]))), (
                    where, col)
    for key in FIT_KEYS:
        expected = ref["fit"].get(key)
        if expected is None:
            continue
        value = getattr(fit.fit, key)
        assert value == pytest.approx(expected, rel=1e-6, abs=1e-6), key


def _hs_with(*constraints: str) -> FitResult:
    folder = REFERENCE / "hs_inequality"
    lines = [line for line in (folder / "model.lav").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#") and not line.startswith(("e ", "f "))]
    spec = spec_from_syntax("\n".join([*lines, *constraints]), name="hs", defaults="cfa")
    return fit_model(spec, pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv"))


def test_an_active_inequality_is_fitted_on_its_boundary_as_lavaan() -> None:
    """f > 1.4 holds f at 1.4 (lavaan: 1.39999999625, no SE); it costs no degree of freedom,
    and the note says the constraint is active (the inactive e > 0.5 is not named)."""
    with pytest.warns(SemwbWarning, match=r"'f > 1.4' \(syntax line 6\) is active"):
        fit, ref = replay("hs_inequality")
    row = fit.parameters.query("lhs == 'speed' and rhs == 'x9'").iloc[0]
    assert row["est"] == pytest.approx(1.4, abs=1e-12)
    assert math.isnan(row["se"])
    assert math.isnan(row["pvalue"])
    assert fit.fit.df == ref["fit"]["df"] == 24
    assert not any("e > 0.5" in w for w in fit.warnings)


def test_an_inactive_inequality_changes_nothing() -> None:
    free, held = _hs_with(), _hs_with("e > 0.5", "f < 3")
    pd.testing.assert_frame_equal(free.parameters, held.parameters)
    assert free.fit == held.fit
    assert held.warnings == free.warnings


def test_a_boundary_that_does_not_hold_the_estimate_back_is_released() -> None:
    """Both e > 1.25 and f > 1.4 fail at the unconstrained estimate (e 1.18, f 1.08); with
    f on its boundary e is 1.266 by itself, so e's multiplier has the wrong sign and it is
    released: the answer is lavaan's f > 1.4 fit (lavaan gives the same for both)."""
    with pytest.warns(SemwbWarning):
        both, only_f = _hs_with("e > 1.25", "f > 1.4"), _hs_with("f > 1.4")
    pd.testing.assert_frame_equal(both.parameters, only_f.parameters, atol=1e-7)
    assert not any("e > 1.25" in w for w in both.warnings)


def test_contradictory_inequalities_name_their_lines() -> None:
    with pytest.raises(SpecError, match=r"syntax lines 4, 5: the constraints contradict"):
        _hs_with("f > 1.4", "f < 1.3")


def test_an_active_inequality_refuses_the_bootstrap() -> None:
    with pytest.warns(SemwbWarning):
        fit = _hs_with("f > 1.4")
    with pytest.raises(OptionError, match=r"bootstrap of a model with '<' or '>' constraints"):
        bootstrap_model(fit, draws=10)


def test_fiml_drops_rows_missing_a_covariate_with_lavaans_warning() -> None:
    folder = REFERENCE / "fiml_covariate"
    spec = spec_from_syntax((folder / "model.lav").read_text(encoding="utf-8"),
                            name="fiml_covariate", missing="fiml")
    data = pd.read_csv(folder / "data.csv")
    with pytest.warns(SemwbWarning, match=r"4 cases were deleted due to missing values in "
                      r"exogenous variable\(s\) \(size\), while fixed.x = TRUE"):
        fit = fit_model(spec, data)
    assert fit.n_obs == 296
    assert any("4 cases were deleted" in w for w in fit.warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # all covariates present: no such warning
        fit_model(spec, data[data["size"].notna()])
