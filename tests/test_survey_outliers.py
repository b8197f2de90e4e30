"""Robust (MCD) Mahalanobis distances and their careless-responding flag."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from semwb.errors import OptionError
from semwb.survey.outliers import robust_mahalanobis
from semwb.survey.responses import Responses
from semwb.survey.scoring import _mahalanobis, score_constructs, scores_table
from survey_helpers import ITEMS, small_instrument, small_responses


def _masked_sample() -> tuple[np.ndarray, np.ndarray]:
    """200 coherent respondents and a cluster of 30 who answer one pattern far from them."""
    rng = np.random.default_rng(4)
    factor = rng.standard_normal((200, 1))
    good = 4 + factor @ np.full((1, 6), 0.8) + 0.6 * rng.standard_normal((200, 6))
    bad = np.array([1.0, 7, 1, 7, 1, 7]) + 0.3 * rng.standard_normal((30, 6))
    return np.vstack([good, bad]), np.r_[np.zeros(200, bool), np.ones(30, bool)]


def test_robust_distance_finds_the_cluster_the_classical_one_misses() -> None:
    block, planted = _masked_sample()
    cutoff = stats.chi2.ppf(0.999, df=6)
    robust = robust_mahalanobis(block) > cutoff
    classical = _mahalanobis(block) > cutoff
    assert robust[planted].all()
    assert robust[~planted].mean() < 0.03
    assert classical[planted].mean() < 0.5  # masked: the cluster pulls the mean and covariance


def test_robust_distance_is_reproducible_and_fills_missing_answers() -> None:
    block, _ = _masked_sample()
    block[0, 2] = np.nan
    first, again = robust_mahalanobis(block, rng=3), robust_mahalanobis(block, rng=3)
    np.testing.assert_array_equal(first, again)
    assert np.isfinite(first).all()


def test_too_few_complete_respondents_is_a_clear_error() -> None:
    block, _ = _masked_sample()
    with pytest.raises(OptionError, match="at least 30 respondents who answered all 6 items; 20"):
        robust_mahalanobis(block[:20])


def test_scoring_flags_and_excludes_by_the_robust_rule() -> None:
    frame = small_responses(n=80)
    frame.loc[5, ITEMS] = [1, 5, 5, 1, 5, 1]
    responses = Responses(data=frame, source="test.csv", id_column="rid",
                          duration_column="duration")
    instrument = small_instrument()
    plain = score_constructs(responses, instrument)
    assert "mahalanobis_mcd" not in plain.flags.columns
    scores = score_constructs(responses, instrument, exclude=["mahalanobis_mcd"])
    assert bool(scores.flags.loc[5, "mahalanobis_mcd"])
    assert 5 in scores.exclusions.index
    assert "mahalanobis_mcd" in scores.exclusions.loc[5, "reasons"]
    table = scores_table(scores, responses)
    assert "mahalanobis_mcd" in table.loc[table["row"] == 5, "reasons"].iloc[0]
    assert bool(table.loc[table["row"] == 5, "any"].iloc[0])
    only_ks = score_constructs(responses, instrument, robust=["ks1", "ks2", "ks3"])
    expected = robust_mahalanobis(frame[["ks1", "ks2", "ks3"]].to_numpy(dtype=float))
    np.testing.assert_allclose(only_ks.flags["mahalanobis_mcd_d2"], expected)
