"""Scoring: reverse coding, composites, missing summary, careless flags and logged exclusions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from semwb.errors import OptionError
from semwb.survey.responses import Responses
from semwb.survey.scoring import (
    compute_composites,
    flag_careless,
    reverse_code,
    score_constructs,
    summarize_missing,
)
from survey_helpers import ITEMS, small_instrument, small_responses

INSTRUMENT = small_instrument()
answers = arrays(np.float64, st.tuples(st.integers(1, 30), st.just(len(ITEMS))),
                 elements=st.one_of(st.integers(1, 5).map(float), st.just(np.nan)))


def _responses(frame: pd.DataFrame, **kwargs: Any) -> Responses:
    return Responses(data=frame, source="test.csv", id_column="rid",
                     duration_column="duration", **kwargs)


def test_reverse_code_recodes_only_reverse_items_and_copies() -> None:
    raw = small_responses()
    coded = reverse_code(raw, INSTRUMENT)
    assert (coded["tr3"] == 6 - raw["tr3"]).all()
    pd.testing.assert_frame_equal(coded.drop(columns="tr3"), raw.drop(columns="tr3"))
    assert not raw.equals(coded)  # the input is left as it was


@settings(max_examples=50, deadline=None)
@given(answers)
def test_reverse_coding_twice_is_the_identity(block: np.ndarray) -> None:
    frame = pd.DataFrame(block, columns=ITEMS)
    pd.testing.assert_frame_equal(reverse_code(reverse_code(frame, INSTRUMENT), INSTRUMENT), frame)


@settings(max_examples=50, deadline=None)
@given(answers, st.floats(0.1, 1.0))
def test_composites_stay_within_the_scale(block: np.ndarray, share: float) -> None:
    scores = compute_composites(pd.DataFrame(block, columns=ITEMS), INSTRUMENT, min_share=share)
    values = scores.to_numpy().ravel()
    values = values[~np.isnan(values)]
    assert ((values >= 1) & (values <= 5)).all()


def test_composite_needs_the_minimum_share_of_answers() -> None:
    frame = pd.DataFrame([[1, np.nan, np.nan, 2, 4, np.nan]], columns=ITEMS)
    half = compute_composites(frame, INSTRUMENT, min_share=0.5)
    assert np.isnan(half.loc[0, "TR"])  # 1 of 3 answered < ceil(1.5) = 2
    assert half.loc[0, "KS"] == 3.0
    assert compute_composites(frame, INSTRUMENT, min_share=0.3).loc[0, "TR"] == 1.0
    with pytest.raises(OptionError, match=r"min_share must be in \(0, 1\]; got 0"):
        compute_composites(frame, INSTRUMENT, min_share=0)


def test_composites_of_some_constructs_are_those_of_all() -> None:
    frame = small_responses().astype(float, errors="ignore")
    every = compute_composites(frame, INSTRUMENT)
    some = compute_composites(frame, INSTRUMENT, constructs=["KS"])
    assert list(some.columns) == ["KS"]
    pd.testing.assert_frame_equal(some, every[["KS"]])


def test_missing_summary_counts_per_item() -> None:
    frame = small_responses().astype(float, errors="ignore")
    frame.loc[[0, 1], "ks2"] = np.nan
    summary = summarize_missing(frame, INSTRUMENT).set_index("item")
    assert summary.loc["ks2", "n_missing"] == 2
    assert summary.loc["ks2", "share_missing"] == pytest.approx(2 / 60)
    assert summary["n_missing"].sum() == 2


def _with_careless() -> pd.DataFrame:
    frame = small_responses(n=200).astype(dict.fromkeys([*ITEMS, "att1"], float))
    frame.loc[0, ITEMS] = 3.0                      # straight-liner
    frame.loc[1, "att1"] = 4.0                     # failed attention check
    frame.loc[2, "duration"] = 5                   # 5 s for 6 items: too fast
    frame.loc[3, ITEMS] = [5.0, 5.0, 1.0, 1.0, 1.0, 5.0]   # far from everyone (tr3 raw)
    return frame


def test_careless_flags_find_each_planted_respondent() -> None:
    flags = flag_careless(_responses(_with_careless()), INSTRUMENT, long_string=6)
    assert flags.loc[0, "long_string"]
    assert flags.loc[1, "attention"]
    assert flags.loc[2, "too_fast"]
    assert flags.loc[3, "mahalanobis"]
    assert flags["longest_run"].iloc[0] == 6
    raw = _with_careless()
    all_same = raw[ITEMS].nunique(axis=1) == 1
    assert flags["long_string"].equals(all_same)
    assert flags.loc[4:, ["attention", "too_fast"]].sum().sum() == 0


def test_exclusion_is_logged_and_keeps_raw_answers() -> None:
    raw = _with_careless()
    scores = score_constructs(_responses(raw), INSTRUMENT, exclude=["attention", "too_fast"],
                              long_string=6)
    assert list(scores.exclusions.index) == [1, 2]
    assert scores.exclusions["reasons"].tolist() == ["attention", "too_fast"]
    assert len(scores.items) == 200
    assert len(scores.analysis_items) == 198
    assert "excluded 2 of 200 respondents from analysis (rules: attention, too_fast); raw " \
           "answers kept" in scores.log
    assert scores.items.loc[0, "tr3"] == 3.0
    assert scores.items.loc[3, "tr3"] == 5.0
    with pytest.raises(OptionError, match=r"Unknown exclusion rule\(s\) \['speed'\]"):
        score_constructs(_responses(raw), INSTRUMENT, exclude=["speed"])


def test_no_duration_column_means_no_speed_flag() -> None:
    raw = _with_careless()
    flags = flag_careless(Responses(data=raw, source="t.csv"), INSTRUMENT)
    assert not flags["too_fast"].any()


def test_without_an_id_column_respondents_are_named_by_file_row() -> None:
    raw = _with_careless()
    raw.index = raw.index + 2  # as read_responses numbers rows: the header is row 1
    scores = score_constructs(Responses(data=raw, source="t.csv"), INSTRUMENT,
                              exclude=["attention"])
    assert scores.exclusions["respondent"].tolist() == ["3"]
    assert list(scores.exclusions.index) == [3]
