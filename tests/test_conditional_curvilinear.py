"""Turning point, Fieller interval, Lind-Mehlum U-test and moderated curves against R lm."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from conditional_reference import coefficients, data, reference
from semwb.conditional.coefficients import Coefficients
from semwb.conditional.curvilinear import (
    Curve,
    curve_band,
    curve_verdict,
    fieller_interval,
    turning_point,
    turning_point_shift,
    u_test,
)

QUAD = Curve("u", "I(u^2)", intercept="(Intercept)")
MODERATED = Curve("u", "I(u^2)", intercept="(Intercept)", moderator="w", linear_by="u:w",
                  quadratic_by="I(u^2):w")


def _known(b1: float = 2.0, b2: float = -0.5, df: float | None = None) -> Coefficients:
    """Slopes 2 - x with var 0.25 - 0.16 x + 0.04 x^2: se 0.5 at x = 0 and at x = 4."""
    return Coefficients(("x", "I(x^2)"), np.array([b1, b2]),
                        np.array([[0.25, -0.04], [-0.04, 0.01]]), df)


def test_u_test_on_a_case_with_a_known_answer() -> None:
    test = u_test(_known(), Curve("x", "I(x^2)"), low=0.0, high=4.0)
    assert test.shape == "inverted_u"
    assert (test.slope_low, test.se_low, test.t_low) == pytest.approx((2.0, 0.5, 4.0))
    assert (test.slope_high, test.se_high, test.t_high) == pytest.approx((-2.0, 0.5, -4.0))
    assert test.stat == pytest.approx(4.0)
    assert test.pvalue == pytest.approx(stats.norm.sf(4.0), rel=1e-12)
    assert test.turning_point == pytest.approx(2.0)
    assert test.inside
    with_t = u_test(_known(df=50), Curve("x", "I(x^2)"), low=0.0, high=4.0)
    assert with_t.pvalue == pytest.approx(stats.t.sf(4.0, 50), rel=1e-12)


def test_u_test_fails_trivially_when_the_extremum_is_outside_the_range() -> None:
    test = u_test(_known(), Curve("x", "I(x^2)"), low=2.5, high=4.0)
    assert not test.inside
    assert test.slope_low < 0
    assert test.stat < 0
    assert test.pvalue > 0.5


def test_u_shape_uses_the_mirrored_statistic() -> None:
    mirrored = _known(b1=-2.0, b2=0.5)
    test = u_test(mirrored, Curve("x", "I(x^2)"), low=0.0, high=4.0)
    assert test.shape == "u"
    assert test.stat == pytest.approx(4.0)


def test_quadratic_equals_r_lm_formulas() -> None:
    ref = reference()["quadratic"]
    coefs = coefficients(ref)
    frame = data()
    low, high = float(frame["u"].min()), float(frame["u"].max())
    assert (low, high) == (ref["low"], ref["high"])
    test = u_test(coefs, QUAD, low=low, high=high)
    for key in ("slope_low", "se_low", "t_low", "slope_high", "se_high", "t_high", "stat"):
        assert getattr(test, key) == pytest.approx(ref[key], rel=1e-10), key
    assert test.pvalue == pytest.approx(ref["pvalue"], rel=1e-6)
    assert test.pvalue == pytest.approx(ref["pvalue_max_one_sided"], rel=1e-6)
    point = turning_point(coefs, QUAD)
    assert point["est"] == pytest.approx(ref["turning_point"], rel=1e-12)
    assert point["se"] == pytest.approx(ref["turning_point_se"], rel=1e-9)
    assert (point["ci_lower"], point["ci_upper"]) == pytest.approx(ref["delta_ci"], rel=1e-9)
    fieller = fieller_interval(coefs, QUAD)
    assert fieller.kind == "bounded"
    assert (fieller.lower, fieller.upper) == pytest.approx(ref["fieller"], rel=1e-10)


def test_verdict_follows_the_three_steps() -> None:
    ref = reference()["quadratic"]
    coefs = coefficients(ref)
    test = u_test(coefs, QUAD, low=ref["low"], high=ref["high"])
    verdict = curve_verdict(coefs, QUAD, test, fieller_interval(coefs, QUAD))
    assert verdict.supported
    # the same curve over a range that ends before its turning point: step 3 fails
    short = u_test(coefs, QUAD, low=ref["low"], high=5.0)
    failed = curve_verdict(coefs, QUAD, short, fieller_interval(coefs, QUAD))
    assert (failed.quadratic_significant, failed.slopes_opposite, failed.point_inside) == (
        True, False, False)
    assert not failed.supported


def test_fieller_set_is_unbounded_when_the_curvature_is_not_significant() -> None:
    weak = Coefficients(("x", "I(x^2)"), np.array([0.2, -0.01]),
                        np.array([[0.01, 0.0], [0.0, 0.01]]))
    fieller = fieller_interval(weak, Curve("x", "I(x^2)"))
    assert fieller.kind in ("exclusive", "whole_line")


def test_moderated_turning_point_and_its_shift_equal_r() -> None:
    ref = reference()["quadratic_moderated"]
    coefs = coefficients(ref)
    for row in ref["at"]:
        point = turning_point(coefs, MODERATED, w=row["w"])
        assert point["est"] == pytest.approx(row["turning_point"], rel=1e-12)
        assert point["se"] == pytest.approx(row["turning_point_se"], rel=1e-9)
        shift = turning_point_shift(coefs, MODERATED, w=row["w"])
        assert shift["est"] == pytest.approx(row["shift"], rel=1e-12)
        assert shift["se"] == pytest.approx(row["shift_se"], rel=1e-9)


def test_curve_band_equals_predict_se_fit() -> None:
    ref = reference()["quadratic_moderated"]
    coefs = coefficients(ref)
    low = reference()["quadratic"]["low"]
    at = [(str(i), row["w"]) for i, row in enumerate(ref["at"])]
    band = curve_band(coefs, MODERATED, span=(low, 7.0), at=at, points=5)
    assert len(band) == 15
    first = band[band["x"] == low]
    np.testing.assert_allclose(first["est"], [r["fitted_at_low"] for r in ref["at"]], rtol=1e-10)
    half = (first["ci_upper"] - first["ci_lower"]) / 2 / stats.t.ppf(0.975, coefs.df)
    np.testing.assert_allclose(half, [r["fitted_se_at_low"] for r in ref["at"]], rtol=1e-9)
