"""Diversity and distance indices against hand-computed values."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from semwb.portfolio.indices import (
    blau,
    cosine_distance,
    entropy,
    mean_pairwise_distance,
    normalized_entropy,
)


@pytest.mark.parametrize(("counts", "expected"), [
    ([2, 1, 1], 1 - (0.5**2 + 0.25**2 + 0.25**2)),   # 0.625
    ([3, 3, 3, 3], 0.75),                            # 1 - 1/K
    ([5], 0.0),
    ([2, 1, 1, 0], 0.625),                           # an empty category changes nothing
])
def test_blau_by_hand(counts: list[int], expected: float) -> None:
    assert blau(counts) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("counts", "expected"), [
    ([2, 1, 1], 1.5 * math.log(2)),    # -(.5 ln .5 + 2 x .25 ln .25)
    ([1, 1, 1], math.log(3)),
    ([4], 0.0),
    ([2, 1, 1, 0], 1.5 * math.log(2)),
])
def test_entropy_by_hand(counts: list[int], expected: float) -> None:
    assert entropy(counts) == pytest.approx(expected, abs=1e-12)


def test_normalized_entropy_divides_by_ln_k() -> None:
    assert normalized_entropy([2, 1, 1], 4) == pytest.approx(0.75)    # 1.5 ln 2 / ln 4
    assert normalized_entropy([1, 1, 1], 3) == pytest.approx(1.0)
    assert normalized_entropy([1, 1, 1], 6) == pytest.approx(math.log(3) / math.log(6))
    assert math.isnan(normalized_entropy([3], 1))


def test_empty_portfolio_is_nan_not_zero() -> None:
    for value in (blau([]), entropy([]), blau([0, 0]), normalized_entropy([], 3)):
        assert math.isnan(value)


@pytest.mark.parametrize(("a", "b", "expected"), [
    ([1, 0], [0, 1], 1.0),              # no shared class
    ([1, 2], [2, 4], 0.0),              # proportional profiles
    ([1, 1, 0], [1, 0, 1], 0.5),        # cos = 1 / (sqrt 2 sqrt 2)
    ([0, 0, 1], [2, 1, 1], 1 - 1 / math.sqrt(6)),
])
def test_jaffe_distance_by_hand(a: list[int], b: list[int], expected: float) -> None:
    assert cosine_distance(a, b) == pytest.approx(expected, abs=1e-12)
    assert cosine_distance(b, a) == pytest.approx(expected, abs=1e-12)


def test_jaffe_distance_of_proportional_profiles_is_never_below_zero() -> None:
    # 1 - a.b/(|a||b|) is -2.2e-16 here in floating point; a distance cannot be negative
    assert cosine_distance([1, 1, 1], [2, 2, 2]) == 0.0


def test_jaffe_distance_of_a_zero_profile_is_nan() -> None:
    assert math.isnan(cosine_distance([0, 0], [1, 2]))


def test_mean_pairwise_distance_by_hand() -> None:
    # pairs: (1,0)-(0,1) = 1; (1,0)-(1,1) = (0,1)-(1,1) = 1 - 1/sqrt 2
    profiles = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    assert mean_pairwise_distance(profiles) == pytest.approx((3 - math.sqrt(2)) / 3)
    assert math.isnan(mean_pairwise_distance(np.array([[1, 0], [0, 0]])))


counts_lists = st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=8).filter(
    lambda c: sum(c) > 0)


@given(counts_lists, st.randoms(use_true_random=False), st.integers(min_value=1, max_value=9))
def test_diversity_bounds_and_invariances(counts: list[int], order: random.Random,
                                          scale: int) -> None:
    k = len(counts)
    shuffled = list(counts)
    order.shuffle(shuffled)
    for index in (blau, entropy):
        value = index(counts)
        assert value == pytest.approx(index(shuffled), abs=1e-12)           # order of categories
        assert value == pytest.approx(index([c * scale for c in counts]), abs=1e-12)  # shares only
    assert -1e-12 <= blau(counts) <= 1 - 1 / k + 1e-12
    assert -1e-12 <= entropy(counts) <= math.log(k) + 1e-12
    if k >= 2:
        assert 0 <= normalized_entropy(counts, k) <= 1 + 1e-12


@given(st.lists(st.integers(min_value=0, max_value=9), min_size=3, max_size=3),
       st.lists(st.integers(min_value=0, max_value=9), min_size=3, max_size=3))
def test_jaffe_distance_is_between_0_and_1(a: list[int], b: list[int]) -> None:
    value = cosine_distance(a, b)
    if sum(a) and sum(b):
        assert 0.0 <= value <= 1 + 1e-12
    else:
        assert math.isnan(value)
