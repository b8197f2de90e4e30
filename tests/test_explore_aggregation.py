"""Firm-level agreement and aggregation against multilevel 2.7 (case aggregation_firms)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin
import pytest

from semwb.errors import OptionError
from semwb.explore.aggregation import aggregate, agreement, icc_oneway, null_variance, rwg_j

CASE = Path(__file__).parent / "reference" / "aggregation_firms"
REF = json.loads((CASE / "multilevel.json").read_text(encoding="utf-8"))
DATA = pd.read_csv(CASE / "data.csv")
CONSTRUCTS = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3", "b4"]}


@pytest.mark.parametrize("cid", sorted(CONSTRUCTS))
def test_icc_matches_multilevel(cid: str) -> None:
    ref = REF["constructs"][cid]
    got = icc_oneway(DATA[CONSTRUCTS[cid]].mean(axis=1), DATA["firm_id"])
    for key in ("icc1", "icc2", "f", "df1", "df2", "pvalue"):
        assert got[key] == pytest.approx(ref[key], rel=1e-10, abs=1e-14), key


@pytest.mark.parametrize(("cid", "null", "key"), [
    ("A", "uniform", "rwg_uniform"), ("B", "uniform", "rwg_uniform"),
    ("A", "slight_skew", "rwg_slight_skew"), ("B", "slight_skew", "rwg_slight_skew")])
def test_rwg_j_matches_multilevel(cid: str, null: str, key: str) -> None:
    ref = REF["constructs"][cid]
    got = rwg_j(DATA[CONSTRUCTS[cid]], DATA["firm_id"], null_var=null_variance(null, points=5))
    assert list(got.index) == list(ref[key])
    expected = np.array([np.nan if v is None else v for v in ref[key].values()])
    np.testing.assert_allclose(got["rwg_j"].to_numpy(), expected, atol=1e-12)
    assert got["n"].tolist() == list(ref["gsize"].values())


def test_icc_equals_pingouin_on_balanced_firms() -> None:
    rng = np.random.default_rng(5)
    firms = np.repeat(np.arange(30), 3)
    score = rng.normal(size=30)[firms] + rng.normal(size=90)
    frame = pd.DataFrame({"firm": firms, "rater": np.tile([1, 2, 3], 30), "score": score})
    ours = icc_oneway(frame["score"], frame["firm"])
    theirs = pingouin.intraclass_corr(frame, targets="firm", raters="rater", ratings="score")
    theirs = theirs.set_index("Type")["ICC"]
    assert ours["icc1"] == pytest.approx(theirs["ICC(1,1)"], abs=1e-12)
    assert ours["icc2"] == pytest.approx(theirs["ICC(1,k)"], abs=1e-12)


def test_null_variances() -> None:
    assert null_variance("uniform", points=5) == pytest.approx(2.0)
    assert null_variance("uniform", points=7) == pytest.approx(4.0)
    assert null_variance("slight_skew", points=5) == pytest.approx(1.34)
    with pytest.raises(OptionError, match="5-point items only; this scale has 7"):
        null_variance("slight_skew", points=7)
    with pytest.raises(OptionError, match="Unknown null distribution 'skewed'"):
        null_variance("skewed", points=5)


def test_agreement_table() -> None:
    table = agreement(DATA, "firm_id", CONSTRUCTS, points=5)
    assert table.loc["A", "icc1"] == pytest.approx(REF["constructs"]["A"]["icc1"])
    rwg = [v for v in REF["constructs"]["B"]["rwg_uniform"].values() if v is not None]
    assert table.loc["B", "rwg_mean"] == pytest.approx(np.mean(rwg))
    assert table.loc["B", "firms"] == len(rwg)
    assert table.loc["B", "rwg_share"] == pytest.approx(np.mean(np.array(rwg) >= 0.70))


def test_aggregate_keeps_counts_and_firm_level_columns() -> None:
    firms = aggregate(DATA, "firm_id", ["a1", "a2"], firm_level=["age"])
    assert len(firms) == DATA["firm_id"].nunique()
    first = firms.set_index("firm_id").loc["F001"]
    rows = DATA[DATA["firm_id"] == "F001"]
    assert first["n_respondents"] == len(rows)
    assert first["a1"] == pytest.approx(rows["a1"].mean())
    assert first["age"] == rows["age"].iloc[0]
    assert firms["n_respondents"].sum() == len(DATA)


def test_aggregate_names_a_firm_whose_firm_level_value_differs() -> None:
    data = DATA.copy()
    data.loc[1, "age"] = 99  # the second respondent of F001
    with pytest.raises(OptionError, match="firm F001, column age: 6, 99"):
        aggregate(data, "firm_id", ["a1"], firm_level=["age"])


def test_aggregate_names_missing_and_text_columns() -> None:
    with pytest.raises(OptionError, match="No column\\(s\\) zz"):
        aggregate(DATA, "firm_id", ["zz"])
    with pytest.raises(OptionError, match="rid hold text"):
        aggregate(DATA, "firm_id", ["rid"])
