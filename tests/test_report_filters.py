"""APA number formatting: the filters the report templates use."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from semwb.report.filters import (
    fmt_ci,
    fmt_est,
    fmt_int,
    fmt_level,
    fmt_p,
    fmt_p_eq,
    fmt_pct,
    fmt_std,
    stars,
)


@pytest.mark.parametrize(("value", "digits", "shown"), [
    (0.12345, 3, "0.123"), (-0.12345, 3, "−0.123"), (12.5, 2, "12.50"), (1.0, 3, "1.000"),
    (-0.0001, 3, "0.000"), (None, 3, "–"), (math.nan, 3, "–"), (math.inf, 3, "–"),
])
def test_fmt_est_keeps_the_leading_zero(value: float | None, digits: int, shown: str) -> None:
    assert fmt_est(value, digits) == shown


@pytest.mark.parametrize(("value", "digits", "shown"), [
    (0.456, 2, ".46"), (-0.456, 2, "−.46"), (0.978, 3, ".978"), (1.0, 2, "1.00"),
    (1.07, 2, "1.07"), (0.004, 2, ".00"), (-0.004, 2, ".00"), (None, 2, "–"),
])
def test_fmt_std_drops_the_leading_zero(value: float | None, digits: int, shown: str) -> None:
    assert fmt_std(value, digits) == shown


@pytest.mark.parametrize(("p", "shown", "inline", "mark"), [
    (0.0004, "< .001", "< .001", "***"), (0.001, ".001", "= .001", "**"),
    (0.0099, ".010", "= .010", "**"), (0.0312, ".031", "= .031", "*"),
    (0.05, ".050", "= .050", ""), (0.61, ".610", "= .610", ""), (0.9996, "> .999", "> .999", ""),
    (None, "–", "–", ""),
])
def test_fmt_p_and_stars_follow_apa(p: float | None, shown: str, inline: str, mark: str) -> None:
    assert (fmt_p(p), fmt_p_eq(p), stars(p)) == (shown, inline, mark)


def test_a_nonzero_bound_never_prints_as_zero() -> None:
    assert fmt_ci((0.00036, 0.378)) == "[0.0004, 0.378]"
    assert fmt_ci((-0.0000042, 0.2)) == "[−0.000004, 0.200]"
    assert fmt_ci((0.0, 0.2)) == "[0.000, 0.200]"
    assert fmt_ci((1e-9, 0.2)) == "[0.000000, 0.200]"  # at most 6 decimals


def test_fmt_ci_formats_both_bounds_or_none() -> None:
    assert fmt_ci((0.12, 0.3456)) == "[0.120, 0.346]"
    assert fmt_ci((-0.005, 0.241)) == "[−0.005, 0.241]"
    assert fmt_ci((0.021, 0.048), 3, bounded=True) == "[.021, .048]"
    assert fmt_ci((None, 0.2)) == "–"
    assert fmt_ci(None) == "–"


def test_counts_percentages_and_levels() -> None:
    assert fmt_int(5000) == "5,000"
    assert fmt_pct(0.3127) == "31.3%"
    assert fmt_level(0.95) == "95%"
    assert fmt_level(0.9) == "90%"


@given(st.floats(min_value=-1, max_value=1, allow_nan=False))
def test_bounded_values_never_show_a_leading_zero(value: float) -> None:
    shown = fmt_std(value)
    assert not shown.lstrip("−").startswith("0")
    assert not shown.startswith("-")


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_p_values_are_never_shown_as_zero(p: float) -> None:
    assert fmt_p(p) not in (".000", "0.000")
