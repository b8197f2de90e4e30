"""Common-method variance: marker correction, CFA marker technique and ULMC against lavaan."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from semwb.cli import app
from semwb.errors import OptionError
from semwb.measurement.cmv import CfaMarker, cfa_marker, cmv_summary, marker_correction, ulmc
from survey_helpers import EXAMPLE_DATA, REPO, SEED_INSTRUMENT

CASE = REPO / "tests" / "reference" / "cmv_marker"
DATA = pd.read_csv(CASE / "data.csv")
REF = json.loads((CASE / "reference.json").read_text("utf-8"))
CONSTRUCTS = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}


NUMBER = re.compile(r"-?\d+\.\d+(?:e-?\d+)?")


def _same_syntax(generated: str, written: str) -> None:
    """The model lavaan fitted (written by write_models.py) is the one semwb generates now:
    every line the same, the fixed values (the CFA's marker estimates) within 1e-6."""
    mine, theirs = generated.strip().splitlines(), written.strip().splitlines()
    assert [NUMBER.sub("#", line) for line in mine] == [NUMBER.sub("#", line) for line in theirs]
    for a, b in zip(mine, theirs, strict=True):
        assert [float(v) for v in NUMBER.findall(a)] == pytest.approx(
            [float(v) for v in NUMBER.findall(b)], rel=1e-6), a


@pytest.fixture(scope="module")
def marker() -> CfaMarker:
    return cfa_marker(DATA, CONSTRUCTS, ["m1", "m2", "m3"])


def test_every_model_is_lavaans_fit_of_the_same_syntax(marker: CfaMarker) -> None:
    """The fixture fits semwb's generated syntax (written by write_models.py) with lavaan."""
    for name, fit in marker.models.items():
        _same_syntax(fit.spec.syntax, (CASE / f"{name}.lav").read_text("utf-8"))
        assert fit.fit.chisq == pytest.approx(REF[name]["chisq"], rel=1e-5), name
        assert fit.fit.df == REF[name]["df"], name
    share = marker.share.set_index("item")["loading"]
    assert list(share.index) == [i for c in CONSTRUCTS.values() for i in c]
    for item in share.index:
        assert share[item] == pytest.approx(REF[marker.chosen]["method_loadings"][item],
                                            abs=1e-4), item


def test_the_williams_comparisons(marker: CfaMarker) -> None:
    m = marker.models
    tests = marker.tests.set_index("comparison")
    base_c = tests.loc["baseline vs method-C"]
    chisq = {name: fit.fit.chisq or 0.0 for name, fit in m.items()}
    assert base_c["chisq_diff"] == pytest.approx(chisq["baseline"] - chisq["method_c"])
    assert base_c["df_diff"] == 1
    assert base_c["pvalue"] < 0.001  # the simulated method factor is found
    c_u = tests.loc["method-C vs method-U"]
    assert c_u["df_diff"] == len([i for c in CONSTRUCTS.values() for i in c]) - 1
    assert c_u["pvalue"] == pytest.approx(stats.chi2.sf(
        REF["method_c"]["chisq"] - REF["method_u"]["chisq"], c_u["df_diff"]), rel=1e-4)
    # make_data.py gives every item the same method loading (0.4): equal method effects, so
    # method-U is no better (lavaan's chi-squares: p = .28) and method-C is the model kept.
    assert marker.chosen == "method_c"
    r = tests.loc["method-C vs method-R"]
    assert r["df_diff"] == 1  # one substantive correlation fixed
    assert r["pvalue"] > 0.05  # method variance does not bias the A-B correlation here
    np.testing.assert_allclose(marker.share["share"], marker.share["loading"] ** 2)
    marker_rows = m["baseline"].parameters.query("lhs == 'METHOD' and op == '=~'")
    assert not marker_rows["free"].any()  # marker loadings fixed at the CFA's values


def test_ulmc_is_lavaans_fit_and_takes_variance() -> None:
    fits, test, share = ulmc(DATA, CONSTRUCTS)
    _same_syntax(fits["ulmc"].spec.syntax, (CASE / "ulmc.lav").read_text("utf-8"))
    assert fits["ulmc"].fit.chisq == pytest.approx(REF["ulmc"]["chisq"], rel=1e-5)
    assert fits["ulmc"].fit.df == REF["ulmc"]["df"] == (fits["cfa"].fit.df or 0) - 1
    assert test["chisq_diff"].iloc[0] == pytest.approx(
        (fits["cfa"].fit.chisq or 0.0) - (fits["ulmc"].fit.chisq or 0.0))
    for item, value in REF["ulmc"]["method_loadings"].items():
        assert float(share.set_index("item").loc[item, "loading"]) == pytest.approx(value,
                                                                                    abs=1e-4)


def test_marker_correction_formula() -> None:
    scores = pd.DataFrame({c: DATA[[f"{c.lower()}{i}" for i in (1, 2, 3)]].mean(axis=1)
                           for c in "ABM"})
    row = marker_correction(scores, "M").iloc[0]
    corr = np.corrcoef(scores.to_numpy(), rowvar=False)
    r_m = min(corr[2, 0], corr[2, 1])
    adjusted = (corr[0, 1] - r_m) / (1 - r_m)
    t = adjusted / np.sqrt((1 - adjusted ** 2) / (len(scores) - 3))
    assert (row["a"], row["b"]) == ("A", "B")
    assert row["r_m"] == pytest.approx(r_m)
    assert row["r_adjusted"] == pytest.approx(adjusted)
    assert row["pvalue"] == pytest.approx(2 * stats.t.sf(abs(t), len(scores) - 3))
    given = marker_correction(scores, "M", r_m=0.2).iloc[0]
    assert given["r_adjusted"] == pytest.approx((corr[0, 1] - 0.2) / 0.8)


def test_a_negative_smallest_marker_correlation_is_refused_not_used() -> None:
    """r_M < 0 would turn the correction into an inflation of every correlation."""
    scores = pd.DataFrame({c: DATA[[f"{c.lower()}{i}" for i in (1, 2, 3)]].mean(axis=1)
                           for c in "ABM"})
    scores["M"] = scores["M"] + 2 * (scores["A"] - scores["B"])  # positive with A, negative B
    corr = scores.corr()
    assert corr.loc["M", "B"] < 0 < corr.loc["M", "A"]
    with pytest.raises(OptionError, match=r"correlates negatively with B \(r = -0\.\d{3}\)"):
        marker_correction(scores, "M")
    given = marker_correction(scores, "M", r_m=0.1).iloc[0]
    assert given["r_adjusted"] == pytest.approx((corr.loc["A", "B"] - 0.1) / 0.9)


def test_bad_requests() -> None:
    with pytest.raises(OptionError, match="no marker column 'Z'"):
        marker_correction(pd.DataFrame({"A": [1.0, 2.0]}), "Z")
    with pytest.raises(OptionError, match="at least 2 items"):
        cfa_marker(DATA, CONSTRUCTS, ["m1"])


def test_one_substantive_construct_is_refused_not_tested_on_nothing() -> None:
    """With one construct besides the marker there is no correlation for method variance to
    inflate: method-R fixed nothing (Δχ²(0), p nan) and the ULMC's method factor duplicated the
    construct's own factor (it took 37 % of the variance on the example data)."""
    one = {"A": CONSTRUCTS["A"]}
    for call in (lambda: cfa_marker(DATA, one, ["m1", "m2", "m3"]), lambda: ulmc(DATA, one),
                 lambda: marker_correction(DATA[["a1", "m1"]], "m1")):
        with pytest.raises(OptionError, match=r"got 1 \((A|a1)\) besides the marker"):
            call()
    result = CliRunner().invoke(app, ["cmv", str(SEED_INSTRUMENT), str(EXAMPLE_DATA),
                                      "--constructs", "AR", "--marker", "TURB"])
    assert result.exit_code != 0
    assert isinstance(result.exception, OptionError)
    assert "name two or more" in str(result.exception)


def test_a_construct_named_like_the_method_factor_is_refused() -> None:
    with pytest.raises(OptionError, match="named METHOD"):
        ulmc(DATA, {"METHOD": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]})


def test_summary_in_both_languages(marker: CfaMarker) -> None:
    scores = pd.DataFrame({c: DATA[[f"{c.lower()}{i}" for i in (1, 2, 3)]].mean(axis=1)
                           for c in "ABM"})
    corrected = marker_correction(scores, "M")
    _, test, share = ulmc(DATA, CONSTRUCTS)
    english = cmv_summary(marker_name="M", corrected=corrected, marker=marker,
                          latent=(test, share))
    first = marker.tests.iloc[0]
    assert f"Δχ²(1) = {first['chisq_diff']:.2f}, p < .001" in english
    assert "method-C fitted significantly better than the baseline" in english
    assert f"{marker.share['share'].mean():.1%}" in english
    assert "1 of 1 substantive correlations remain significant" in english
    chinese = cmv_summary(lang="zh", marker_name="M", marker=marker)
    assert "显著优于基线模型" in chinese
    assert "标记变量法（Lindell" not in chinese  # only what was run
    assert "未测量潜在方法因子" not in chinese
    failed = cmv_summary(marker_name="M", marker=marker, latent_failed=True)
    assert failed.endswith("Unmeasured latent method construct: not estimable on these data; its "
                           "equal method loading is not identified (an estimate at zero, i.e. no "
                           "common method factor beyond the substantive factors, or one the "
                           "factor correlations absorb).")


def test_cli_on_the_example_survey(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["cmv", str(SEED_INSTRUMENT), str(EXAMPLE_DATA),
                                      "--constructs", "AR,IOL,AI", "--marker", "TURB",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "cmv.json").read_text("utf-8"))
    assert saved["marker"] == "TURB"
    assert len(saved["marker_correction"]) == 3
    assert saved["cfa_marker"]["tests"][0]["comparison"] == "baseline vs method-C"
    # lavaan agrees: on these data the ULMC's equal loading estimates at 0 with a singular
    # information matrix; the summary says so instead of leaving the ULMC out silently
    assert "not identified" in saved["ulmc"]["error"]
    text = (tmp_path / "cmv.txt").read_text("utf-8")
    assert text.startswith("Marker variable")
    assert "Unmeasured latent method construct: not estimable on these data" in text


def test_cli_summary_in_chinese_says_why_the_ulmc_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["cmv", str(SEED_INSTRUMENT), str(EXAMPLE_DATA),
                                      "--constructs", "AR,IOL,AI", "--marker", "TURB",
                                      "--out", str(tmp_path), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "cmv.txt").read_text("utf-8")
    assert text.startswith("标记变量法（Lindell & Whitney 2001）")
    assert "CFA 标记变量法" in text
    assert "未测量潜在方法因子：在本数据上无法估计" in text
    assert "not identified" not in result.stdout
    assert "ULMC not estimated" not in result.stdout


def test_cli_unknown_marker() -> None:
    result = CliRunner().invoke(app, ["cmv", str(SEED_INSTRUMENT), str(EXAMPLE_DATA),
                                      "--constructs", "AR,IOL", "--marker", "NOPE"])
    assert result.exit_code != 0
