"""Ordinal items: the bivariate normal, thresholds, polychoric correlations and Γ (units, against
lavaan 0.6.14's ``ordinal.json``), and every refusal with the message a user sees."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from semwb.errors import SpecError
from semwb.sem.estimate import fit_model
from semwb.sem.ordinal import bivariate
from semwb.sem.ordinal.thresholds import ordinal_data
from semwb.sem.ordinal.weights import ordinal_stats
from semwb.sem.spec import spec_from_syntax
from semwb.sem.syntax import parse_syntax

REFERENCE = Path(__file__).parent / "reference"
DATA = REFERENCE / "ordinal_mediation" / "data.csv"
CFA = "AR =~ ar1 + ar2 + ar3 + ar4\nIOL =~ iol1 + iol2 + iol3 + iol4\n"
ITEMS = ["ar1", "ar2", "ar3", "ar4", "iol1", "iol2", "iol3", "iol4"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(DATA)


@pytest.mark.parametrize("rho", [-0.9, -0.3, 0.0, 0.45, 0.8, 0.99])
def test_bivariate_cdf_matches_scipy(rho: float) -> None:
    h = np.array([-1.7, -0.4, 0.0, 0.9, 2.2])
    k = np.array([-0.8, 1.3, 0.2, -2.0, 0.6])
    got = bivariate.cdf(h, k, np.full(5, rho))
    mvn = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]])
    want = [mvn.cdf([a, b]) for a, b in zip(h, k, strict=True)]
    assert got == pytest.approx(want, abs=1e-7)  # scipy's own accuracy is ~1e-8
    assert bivariate.cdf(np.array([50.0]), np.array([0.3]), np.array([rho]))[0] == pytest.approx(
        stats.norm.cdf(0.3), abs=1e-14)


@pytest.mark.parametrize("case", ["ordinal_mediation", "ordinal_cfa", "ordinal_mixed",
                                  "ordinal_polyserial"])
def test_sample_statistics_match_lavaan(case: str) -> None:
    ref = json.loads((REFERENCE / case / "ordinal.json").read_text())
    meta = json.loads((REFERENCE / case / "case.json").read_text())
    data = pd.read_csv(REFERENCE / case / meta["data"])
    ordered = meta["args"]["ordered"]
    names = ref["polychoric"]["rows"]
    sample = ordinal_stats(ordinal_data(data[names].to_numpy(float), names, ordered=ordered))
    slots = [f"{v}{t}" if t == "~1" else f"{v}|{t}" for v, t in sample.data.slot_names]
    assert slots == ref["gamma_names"][:len(slots)]
    assert sample.vector[:len(ref["thresholds"])] == pytest.approx(
        list(ref["thresholds"].values()), abs=1e-12)  # ordinal items come first in these cases
    assert sample.covariance == pytest.approx(np.array(ref["polychoric"]["values"]), abs=1e-6)
    assert np.diag(sample.gamma) == pytest.approx(ref["gamma_diag"], rel=1e-5)
    small = ref["small_items"]
    full = ordinal_stats(ordinal_data(data[small].to_numpy(float), small, ordered=ordered)).gamma
    assert full == pytest.approx(np.array(ref["small_gamma"]), abs=1e-5)


def test_threshold_syntax_is_parsed() -> None:
    parsed = parse_syntax("F =~ x1 + x2 + x3\nx1 | t1 + lo*t2 + 0.5*t3\n")
    th = [t for t in parsed.terms if t.op == "|"]
    assert [(t.lhs, t.rhs, t.label, t.fixed) for t in th] == [
        ("x1", "t1", "", None), ("x1", "t2", "lo", None), ("x1", "t3", "", 0.5)]
    assert parsed.observed == ("x1", "x2", "x3")
    assert parsed.threshold_items == ("x1",)
    with pytest.raises(SpecError, match=r"line 2: 'a1' is not a threshold name"):
        parse_syntax("F =~ x1 + x2 + x3\nx1 | a1\n")


def test_a_threshold_line_makes_the_item_ordered_and_the_estimator_wlsmv() -> None:
    spec = spec_from_syntax("F =~ x1 + x2 + x3\nx1 | t1\n", name="m", ordered=["x2", "x3"])
    assert spec.estimator == "WLSMV"
    assert spec.ordered_items == ("x1", "x2", "x3")
    assert spec_from_syntax("F =~ x1 + x2 + x3", name="m", ordered="all").ordered_items == (
        "x1", "x2", "x3")


@pytest.mark.parametrize(("syntax", "options", "message"), [
    ("F =~ x1 + x2 + x3", {"ordered": ["x1", "x9"]}, r"ordered item 'x9' is not an observed"),
    ("F =~ x1 + x2 + x3", {"ordered": "all", "estimator": "ML"},
     r"ordered items are fitted by WLSMV; 'estimator: ML' is not available"),
    ("F =~ x1 + x2 + x3\ny ~ x1", {"ordered": "all"},
     r"line 2: observed variable x1 as a predictor \('y ~ x1'\) that is itself modelled"),
    ("F =~ x1 + x2 + x3\nF ~ size", {"ordered": ["x1", "x2", "x3", "size"]},
     r"covariate size is listed under 'ordered:'; covariates are conditioned on"),
    ("F =~ x1 + x2 + x3 + z\nF ~ size", {"ordered": ["x1", "x2", "x3"]},
     r"continuous variable z beside ordinal items and covariates \(size\) is not available"),
    ("F =~ x1 + x2 + x3\nF ~ size", {"ordered": "all", "fixed_x": False},
     r"'fixed_x: false' is not available with WLSMV"),
    ("F =~ x1 + x2 + x3\nF ~ size\nsize ~~ size", {"ordered": "all"},
     r"line 3: 'size ~~ size' gives a covariate a parameter; with WLSMV covariates are"),
    ("F =~ x1 + x2 + x3\nx3 ~ F", {"ordered": "all"},
     r"line 2: x3 is both an indicator and an outcome"),
    ("F =~ x1 + x2 + x3\nx1 ~~ x1", {"ordered": "all"}, r"line 2: the residual variance of "
     r"ordinal item x1 follows from the parameterization"),
    ("F =~ x1 + x2 + x3", {"parameterization": "theta"},
     r"'parameterization: theta' is for ordinal items"),
    ("F =~ x1 + x2 + x3", {"ordered": "all", "missing": "fiml"}, r"'missing: fiml' is not "),
    ("F =~ x1 + x2 + x3", {"ordered": "all", "bootstrap": {"draws": 200, "ci": "bca"}},
     r"'ci: bca' is not available for a WLSMV bootstrap"),
])
def test_specs_semwb_cannot_fit_by_wlsmv_are_refused(syntax: str, options: dict[str, Any],
                                                     message: str) -> None:
    with pytest.raises(SpecError, match=message):
        spec_from_syntax(syntax, name="m", **options)


def _fit(frame: pd.DataFrame, syntax: str = CFA) -> None:
    fit_model(spec_from_syntax(syntax, name="m", ordered="all"), frame, data_name="resp.csv")


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.assign(ar2=d["ar2"].replace(3, 2)),  # 1, 2, 4, 5: category 3 empty
     r"resp.csv, column ar2: category 3 is empty between used categories 1 and 5"),
    (lambda d: d.assign(ar3=d["ar3"].where(d.index != 0, 7)),  # one respondent says 7
     r"resp.csv, column ar3: category 6 is empty"),
    (lambda d: d.assign(ar3=d["ar3"].where(d.index != 0, 9)),  # a 9: a missing-value code
     r"resp.csv, column ar3: 9 in 1 row is far outside the column's scale 1-5"),
    (lambda d: d.assign(iol1=d["iol1"].where(d.index != 5, 6)),
     r"resp.csv, column iol1: category 6 is used by one respondent only \(row 6\)"),
    (lambda d: d.assign(ar1=d["ar1"] + 0.5 * (d.index == 3)),
     r"resp.csv, row 4, column ar1: ordered items must hold whole numbers .* got 5.5"),
    (lambda d: d.assign(ar4=d.index % 12),
     r"resp.csv, column ar4: 12 distinct values; ordered items may have at most 10"),
])
def test_bad_items_are_named(data: pd.DataFrame, change: Callable[[pd.DataFrame], pd.DataFrame],
                             message: str) -> None:
    with pytest.raises(SpecError, match=message):
        _fit(change(data[ITEMS].copy()))


def test_rows_are_named_as_the_file_shows_them(data: pd.DataFrame) -> None:
    frame = data[ITEMS].astype(float)
    frame.index = frame.index + 2  # rows of a file read by semwb.pipeline.read_data
    frame.loc[2, "ar2"] = None  # dropped (listwise) before the items are checked
    frame.loc[9, "ar1"] = 2.5
    with pytest.raises(SpecError, match=r"resp.csv, row 9, column ar1: .* got 2.5"):
        _fit(frame)


def test_a_threshold_the_data_do_not_have_is_refused(data: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match=r"line 3: item ar1 has 5 categories in the data, so "
                                        r"thresholds t1..t4; there is no 't5'"):
        _fit(data[ITEMS], CFA + "ar1 | t5\n")


def test_fixed_and_labelled_thresholds(data: pd.DataFrame) -> None:
    syntax = CFA + "ar1 | -1.5*t1 + t2\nar2 | t1 + e*t2\nar3 | t1 + e*t2\n"
    fit = fit_model(spec_from_syntax(syntax, name="m", ordered="all"), data[ITEMS])
    th = fit.parameters[fit.parameters["op"] == "|"].set_index(["lhs", "rhs"])
    assert th.loc[("ar1", "t1"), "est"] == -1.5
    assert not th.loc[("ar1", "t1"), "free"]
    assert th.loc[("ar2", "t2"), "est"] == th.loc[("ar3", "t2"), "est"]
    assert th.loc[("ar2", "t2"), "se"] > 0
    # 32 thresholds + 28 correlations; 6 loadings + 3 latent (co)variances + 30 thresholds (one
    # fixed, two equal)
    assert fit.fit.df == (32 + 28) - (9 + 30)
