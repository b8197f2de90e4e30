"""The score statistic on a singular information (unidentified parameters of the free model)."""

from __future__ import annotations

import numpy as np
import pytest

from semwb.sem.scoretest import _statistic


def test_an_unidentified_direction_adds_nothing_and_does_not_fail() -> None:
    info = np.diag([2.0, 3.0, 0.0])  # the third parameter is not identified
    grad = np.array([0.4, -0.3, 0.0])  # and the score has no component along it
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.solve(info, grad)
    expected = 0.5 * 100 * (0.4**2 / 2.0 + 0.3**2 / 3.0)
    assert _statistic(grad, info, np.eye(3), 100) == pytest.approx(expected, rel=1e-12)


def test_a_regular_information_is_inverted() -> None:
    info = np.array([[2.0, 0.5], [0.5, 1.0]])
    grad = np.array([0.2, 0.1])
    expected = 0.5 * 50 * grad @ np.linalg.inv(info) @ grad
    assert _statistic(grad, info, np.eye(2), 50) == pytest.approx(expected, rel=1e-12)
