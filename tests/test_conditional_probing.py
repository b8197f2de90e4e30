"""Simple slopes and Johnson-Neyman bounds against R lm (base-R formulas and rockchalk)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conditional_reference import coefficients, data, reference
from semwb.conditional.coefficients import Coefficients
from semwb.conditional.probing import (
    Moderation,
    johnson_neyman,
    moderator_values,
    simple_slopes,
    slope_band,
)
from semwb.errors import OptionError

TWO_WAY = Moderation.two_way("x", "w", "x:w")
THREE_WAY = Moderation("x", (("x:w", ("w",)), ("x:z", ("z",)), ("x:w:z", ("w", "z"))))
COLUMNS = ("est", "se", "stat", "pvalue", "ci_lower", "ci_upper")


def test_moderator_values_match_r_mean_sd_and_percentiles() -> None:
    ref = reference()["two_way"]
    w = data()["w"]
    sd = moderator_values(w, rule="sd")
    assert [label for label, _ in sd] == ["-1 SD", "mean", "+1 SD"]
    np.testing.assert_allclose([v for _, v in sd], [s["w"] for s in ref["slopes"]], rtol=1e-12)
    pct = moderator_values(w, rule="percentile")
    np.testing.assert_allclose([v for _, v in pct], [ref["w_p16"], ref["w_p50"], ref["w_p84"]],
                               rtol=1e-12)
    assert moderator_values(w, rule="values", given=[2, 5.5]) == [("2", 2.0), ("5.5", 5.5)]


@pytest.mark.parametrize(("rule", "given", "match"), [
    ("values", (), "at least one"), ("quartile", (), "sd, percentile, values"),
])
def test_moderator_values_reject_bad_rules(rule: str, given: tuple[float, ...],
                                           match: str) -> None:
    with pytest.raises(OptionError, match=match):
        moderator_values([1.0, 2.0, 3.0], rule=rule, given=given)  # type: ignore[arg-type]


def test_two_way_simple_slopes_equal_lm() -> None:
    ref = reference()["two_way"]
    table = simple_slopes(coefficients(ref), TWO_WAY, {"w": [s["w"] for s in ref["slopes"]]})
    expected = pd.DataFrame(ref["slopes"])
    for column in COLUMNS:
        np.testing.assert_allclose(table[column], expected[column], rtol=1e-9, atol=1e-15,
                                   err_msg=column)


def test_two_way_simple_slopes_equal_rockchalk() -> None:
    rock = reference()["two_way"]["rockchalk"]
    table = simple_slopes(coefficients(reference()["two_way"]), TWO_WAY, {"w": rock["w"]})
    np.testing.assert_allclose(table["est"], rock["slope"], rtol=1e-10)
    np.testing.assert_allclose(table["se"], rock["se"], rtol=1e-10)


def test_johnson_neyman_equals_r_and_rockchalk() -> None:
    ref = reference()["two_way"]
    jn = johnson_neyman(coefficients(ref), TWO_WAY, "w", observed=(ref["w_min"], ref["w_max"]))
    np.testing.assert_allclose(jn.bounds, ref["jn"]["roots"], rtol=1e-10)
    np.testing.assert_allclose(jn.bounds, ref["rockchalk"]["roots"], rtol=1e-10)
    assert jn.region == ref["jn"]["region"] == "outside"
    assert jn.bounds_in_range == jn.bounds
    low, high = jn.bounds
    assert jn.significant == ((ref["w_min"], low), (high, ref["w_max"]))
    # at a bound the slope's interval just touches zero
    at_bounds = simple_slopes(coefficients(ref), TWO_WAY, {"w": list(jn.bounds)})
    np.testing.assert_allclose(at_bounds["pvalue"], 0.05, rtol=1e-9)


def test_three_way_slopes_and_bounds_equal_lm() -> None:
    ref = reference()["three_way"]
    coefs = coefficients(ref)
    rows = pd.DataFrame(ref["slopes"])
    table = simple_slopes(coefs, THREE_WAY, {"w": rows["w"].unique(), "z": rows["z"].unique()})
    merged = table.merge(rows, on=["w", "z"], suffixes=("", "_r"))
    assert len(merged) == len(rows) == 6
    for column in COLUMNS:
        np.testing.assert_allclose(merged[column], merged[f"{column}_r"], rtol=1e-9,
                                   err_msg=column)
    jn = johnson_neyman(coefs, THREE_WAY, "w", observed=(1.0, 7.0),
                        fixed={"z": ref["z_mean"]})
    np.testing.assert_allclose(jn.bounds, ref["jn_w_at_z_mean"]["roots"], rtol=1e-10)
    assert jn.region == ref["jn_w_at_z_mean"]["region"]


def _coefs(b_x: float, b_xw: float, v: list[list[float]]) -> Coefficients:
    return Coefficients(("x", "x:w"), np.array([b_x, b_xw]), np.array(v))


@pytest.mark.parametrize(("coefs", "region", "n_bounds", "parts"), [
    # tiny SEs: the slope b_x + b_xw w is significant except near its zero at w = -2
    (_coefs(1.0, 0.5, [[1e-4, 0], [0, 1e-6]]), "outside", 2, 2),
    # no interaction at all (b_xw fixed at 0): a precise slope is significant everywhere
    (_coefs(5.0, 0.0, [[0.01, 0], [0, 0]]), "everywhere", 0, 1),
    # a non-zero b_xw means the slope crosses zero somewhere: never "everywhere"
    (_coefs(5.0, 1e-6, [[0.01, 0], [0, 1e-8]]), "inside", 2, 1),
    # imprecise everywhere
    (_coefs(0.1, 0.01, [[1.0, 0], [0, 1.0]]), "nowhere", 0, 0),
    # significant only between the bounds (the interaction itself is not significant)
    (_coefs(1.0, 0.0, [[0.01, 0], [0, 0.01]]), "inside", 2, 1),
])
def test_johnson_neyman_regions(coefs: Coefficients, region: str, n_bounds: int,
                                parts: int) -> None:
    jn = johnson_neyman(coefs, TWO_WAY, "w", observed=(-5.0, 5.0))
    assert jn.region == region
    assert len(jn.bounds) == n_bounds
    assert len(jn.significant) == parts
    # every part is significant at its midpoint, every gap is not
    for low, high in jn.significant:
        mid = simple_slopes(coefs, TWO_WAY, {"w": [(low + high) / 2]})
        assert mid["pvalue"].iloc[0] < 0.05


def test_bounds_outside_the_observed_range_are_kept_but_flagged() -> None:
    coefs = _coefs(1.0, 0.5, [[1e-4, 0], [0, 1e-6]])
    jn = johnson_neyman(coefs, TWO_WAY, "w", observed=(0.0, 5.0))
    assert len(jn.bounds) == 2
    assert jn.bounds_in_range == ()
    assert jn.significant == ((0.0, 5.0),)
    assert jn.to_dict()["region"] == "outside"


def test_slope_band_matches_simple_slopes() -> None:
    ref = reference()["two_way"]
    coefs = coefficients(ref)
    band = slope_band(coefs, TWO_WAY, "w", span=(1.0, 7.0), points=13)
    direct = simple_slopes(coefs, TWO_WAY, {"w": band["moderator"]})
    np.testing.assert_allclose(band["ci_lower"], direct["ci_lower"])
    assert band["moderator"].iloc[0] == 1.0
    assert band["moderator"].iloc[-1] == 7.0


def test_errors_name_the_missing_piece() -> None:
    coefs = coefficients(reference()["two_way"])
    with pytest.raises(OptionError, match="'x:v' is not among"):
        simple_slopes(coefs, Moderation.two_way("x", "v", "x:v"), {"v": [1.0]})
    with pytest.raises(OptionError, match=r"moderator\(s\) z of 'x'"):
        simple_slopes(coefficients(reference()["three_way"]), THREE_WAY, {"w": [1.0]})
    with pytest.raises(OptionError, match="does not moderate"):
        johnson_neyman(coefs, TWO_WAY, "z", observed=(0.0, 1.0))
