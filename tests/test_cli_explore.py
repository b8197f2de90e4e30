"""`semwb efa`, `semwb aggregate` and `semwb score --robust-outliers` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from semwb.survey.outliers import robust_mahalanobis
from survey_helpers import EXAMPLE_DATA, REPO, SEED_INSTRUMENT
from test_cli_survey import run_semwb

REFERENCE = REPO / "tests" / "reference"
FIVE_POINT = """\
instrument: firms
version: 1
title: {en: Firms, zh: 企业}
scale: {min: 1, max: 5}
constructs:
  A:
    name: {en: A, zh: 甲}
    source: test
    items:
      - {id: a1, text: {en: a1, zh: a1}}
      - {id: a2, text: {en: a2, zh: a2}}
      - {id: a3, text: {en: a3, zh: a3}}
  B:
    name: {en: B, zh: 乙}
    source: test
    items:
      - {id: b1, text: {en: b1, zh: b1}}
      - {id: b2, text: {en: b2, zh: b2}}
      - {id: b3, text: {en: b3, zh: b3}}
      - {id: b4, text: {en: b4, zh: b4}}
"""


@pytest.mark.slow
def test_efa_reproduces_psych_on_the_example_data(tmp_path: Path) -> None:
    """The seed's AR, IOL, AI items, reverse-coded by the instrument: psych's oblimin solution."""
    done = run_semwb("efa", SEED_INSTRUMENT, EXAMPLE_DATA, "--constructs", "AR,IOL,AI",
                     "--draws", "20", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "parallel analysis 3" in done.stdout
    assert "low_communality" in done.stdout  # ar4
    got = json.loads((tmp_path / "efa.json").read_text(encoding="utf-8"))
    ref = json.loads((REFERENCE / "efa_alliance" / "psych.json").read_text(encoding="utf-8"))
    loadings = np.array([list(got["loadings"][item].values()) for item in ref["items"]])
    np.testing.assert_allclose(loadings, ref["solutions"]["minres_oblimin"]["loadings"],
                               atol=5e-5)
    table = pd.read_csv(tmp_path / "loadings.csv", index_col="item")
    assert bool(table.loc["ar4", "low_communality"])


def test_efa_bad_rotation_is_one_line(tmp_path: Path) -> None:
    done = run_semwb("efa", SEED_INSTRUMENT, EXAMPLE_DATA, "--constructs", "AR,IOL",
                     "--rotation", "quartimax", "--draws", "2", "--out", tmp_path)
    assert done.returncode == 1
    assert "Unknown rotation 'quartimax'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_aggregate_matches_multilevel_and_writes_one_row_per_firm(tmp_path: Path) -> None:
    instrument = tmp_path / "firms.yaml"
    instrument.write_text(FIVE_POINT, encoding="utf-8")
    data = REFERENCE / "aggregation_firms" / "data.csv"
    done = run_semwb("aggregate", instrument, data, "--unit", "firm_id", "--firm-level", "age",
                     "--null", "slight_skew", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    ref = json.loads((REFERENCE / "aggregation_firms" / "multilevel.json").read_text("utf-8"))
    table = pd.read_csv(tmp_path / "out" / "agreement.csv", index_col="construct")
    for cid in ("A", "B"):
        assert table.loc[cid, "icc1"] == pytest.approx(ref["constructs"][cid]["icc1"], rel=1e-9)
        rwg = [v for v in ref["constructs"][cid]["rwg_slight_skew"].values() if v is not None]
        assert table.loc[cid, "rwg_mean"] == pytest.approx(np.mean(rwg), rel=1e-9)
    firms = pd.read_csv(tmp_path / "out" / "firms.csv")
    raw = pd.read_csv(data)
    assert len(firms) == raw["firm_id"].nunique() == 60
    assert firms["n_respondents"].sum() == len(raw)
    assert list(firms.columns[:3]) == ["firm_id", "n_respondents", "age"]


def test_aggregate_unknown_unit_column_is_named(tmp_path: Path) -> None:
    instrument = tmp_path / "firms.yaml"
    instrument.write_text(FIVE_POINT, encoding="utf-8")
    done = run_semwb("aggregate", instrument, REFERENCE / "aggregation_firms" / "data.csv",
                     "--unit", "company", "--out", tmp_path / "out")
    assert done.returncode == 1
    assert "data.csv: no column 'company' for --unit" in done.stderr


@pytest.mark.slow
def test_score_robust_outliers_flags_beside_the_classical_rule(tmp_path: Path) -> None:
    done = run_semwb("score", SEED_INSTRUMENT, EXAMPLE_DATA, "--constructs", "AR,IOL,AI",
                     "--robust-outliers", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert {"mahalanobis_mcd_d2", "mahalanobis_mcd"} <= set(scores.columns)
    items = json.loads((REFERENCE / "efa_alliance" / "psych.json").read_text("utf-8"))["items"]
    expected = robust_mahalanobis(pd.read_csv(EXAMPLE_DATA)[items].to_numpy(dtype=float))
    np.testing.assert_allclose(scores["mahalanobis_mcd_d2"], expected, rtol=1e-10)
    assert scores["mahalanobis_mcd"].sum() == (expected > stats.chi2.ppf(0.999, 14)).sum() > 0
    assert not scores["excluded"].any()  # flagged, never deleted


@pytest.mark.slow
def test_impute_pools_and_sets_fiml_beside(tmp_path: Path) -> None:
    case = REFERENCE / "mediation_missing_fiml"
    done = run_semwb("impute", case / "model.lav", "--data", case / "data.csv", "--m", "3",
                     "--seed", "4", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "3 imputations of 320 rows (seed 4)" in done.stdout
    got = json.loads((tmp_path / "mi.json").read_text(encoding="utf-8"))
    ref = json.loads((case / "lavaan.json").read_text(encoding="utf-8"))
    assert got["fiml"]["chisq"] == pytest.approx(ref["fit"]["chisq"], rel=1e-4)
    effect = next(r for r in got["comparison"] if r["op"] == ":=" and r["lhs"] == "ind")
    lavaan = next(r for r in ref["parameters"] if r["lhs"] == "ind")
    assert effect["est_fiml"] == pytest.approx(lavaan["est"], abs=1e-4)
    assert abs(effect["diff_se"]) < 0.5


def test_predict_writes_the_plspredict_table(tmp_path: Path) -> None:
    case = REFERENCE / "mediation_single"
    done = run_semwb("predict", case / "model.lav", "--data", case / "data.csv", "--folds", "3",
                     "--repeats", "1", "--seed", "2", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    got = json.loads((tmp_path / "prediction.json").read_text(encoding="utf-8"))
    assert got["exogenous"] == ["ar1", "ar2", "ar3", "ar4"]
    assert set(got["indicators"]) == {"iol1", "iol2", "iol3", "iol4", "ai1", "ai2", "ai3", "ai4",
                                      "ai5", "ai6"}
    assert (got["folds"], got["repeats"], got["seed"]) == (3, 1, 2)
    assert "indicators with a lower RMSE than the linear benchmark" in done.stdout


def test_predict_compares_two_models(tmp_path: Path) -> None:
    case = REFERENCE / "mediation_single"
    direct = tmp_path / "direct.lav"
    direct.write_text("AR =~ ar1 + ar2 + ar3 + ar4\nIOL =~ iol1 + iol2 + iol3 + iol4\n"
                      "AI =~ ai1 + ai2 + ai3 + ai4 + ai5 + ai6\nIOL ~ AR\nAI ~ AR\n",
                      encoding="utf-8")
    done = run_semwb("predict", case / "model.lav", "--data", case / "data.csv", "--folds", "3",
                     "--repeats", "1", "--compare", direct, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    got = json.loads((tmp_path / "out" / "prediction.json").read_text(encoding="utf-8"))
    cvpat = got["cvpat"]
    assert cvpat["second"] == "direct"
    assert cvpat["indicators"][:4] == ["iol1", "iol2", "iol3", "iol4"]
    assert "CVPAT, model against direct" in done.stdout
    assert cvpat["difference"] == pytest.approx(cvpat["loss_second"] - cvpat["loss_first"])


@pytest.mark.slow
def test_correlate_partials_out_dummy_coded_controls(tmp_path: Path) -> None:
    done = run_semwb("correlate", SEED_INSTRUMENT, EXAMPLE_DATA, "--constructs", "AR,IOL",
                     "--variables", "age", "--partial", "size,ind", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Partial correlations controlling for size, ind" in done.stdout
    pairs = pd.read_csv(tmp_path / "pairs.csv").set_index(["x", "y"])
    raw = pd.read_csv(EXAMPLE_DATA)
    raw["ar4"] = 8 - raw["ar4"]
    scores = pd.DataFrame({"AR": raw[["ar1", "ar2", "ar3", "ar4"]].mean(axis=1),
                           "IOL": raw[["iol1", "iol2", "iol3", "iol4"]].mean(axis=1)})
    design = pd.get_dummies(raw[["size", "ind"]].astype(str), drop_first=True, dtype=float)
    design.insert(0, "one", 1.0)
    keep = scores.notna().all(axis=1)
    x, z = design[keep].to_numpy(), scores[keep].to_numpy()
    residual = z - x @ np.linalg.lstsq(x, z, rcond=None)[0]
    expected = np.corrcoef(residual.T)[0, 1]
    assert pairs.loc[("AR", "IOL"), "r"] == pytest.approx(expected, abs=1e-10)
    table = pd.read_csv(tmp_path / "correlations.csv", index_col="variable")
    assert table.loc["IOL", "AR"].endswith("***")


def test_fit_sets_imputation_and_prediction_beside_the_fit(tmp_path: Path) -> None:
    case = REFERENCE / "mediation_missing_fiml"
    done = run_semwb("fit", case / "model.lav", "--data", case / "data.csv", "--missing", "fiml",
                     "--imputations", "3", "--predict", "--folds", "3", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    got = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert got["imputation"]["m"] == 3
    assert got["imputation"]["fiml"]["chisq"] == got["fit"]["chisq"]
    assert (got["prediction"]["folds"], got["prediction"]["repeats"]) == (3, 10)
    assert "multiple imputation: 3 imputations (seed 1) pooled by Rubin's rules" in done.stdout
    assert "better than the linear benchmark" in done.stdout
    # FIML fits every row; the prediction says it used the complete cases only
    assert f"on the {got['prediction']['n_obs']} complete cases" in " ".join(done.stdout.split())
    assert got["prediction"]["n_obs"] < got["n_obs"]
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Multiple imputation beside FIML" in report
    assert "Out-of-sample prediction" in report


@pytest.mark.parametrize(("args", "message"), [
    (("--imputations", "3", "--group", "ar1"), "multiple imputation (imputation:) pools "
                                                "one-group fits; remove 'group:'."),
    (("--folds", "3"), "--folds needs --predict (or a 'prediction:' block in the spec)."),
    (("--imputations", "1"), "Invalid value for '--imputations'"),
])
def test_fit_refuses_bad_beside_options_in_one_line(tmp_path: Path, args: tuple[str, ...],
                                                    message: str) -> None:
    case = REFERENCE / "mediation_missing_fiml"
    done = run_semwb("fit", case / "model.lav", "--data", case / "data.csv", *args,
                     "--out", tmp_path)
    assert done.returncode != 0
    assert message in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "results.json").exists()


def test_impute_keeps_a_covariate_on_its_own_scale(tmp_path: Path) -> None:
    """Firm age (1-60 years) missing for a quarter of the firms is imputed as age, not as a
    1-7 answer: its pooled variance agrees with FIML's. Truncating it to the instrument's scale
    (as semwb did before) gave 179.5 against FIML's 103.9, eight SEs away, with FMI 0."""
    data = pd.read_csv(EXAMPLE_DATA)
    data.loc[np.random.default_rng(7).random(len(data)) < 0.25, "age"] = np.nan
    data.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "m.yaml").write_text(
        f"model: age\ninstrument: {SEED_INSTRUMENT}\ndata: data.csv\nfixed_x: false\n"
        "syntax: |\n  AR =~ ar1 + ar2 + ar3\n  AR ~ age\n", encoding="utf-8")
    done = run_semwb("impute", tmp_path / "m.yaml", "--m", "5", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    rows = json.loads((tmp_path / "mi.json").read_text(encoding="utf-8"))["comparison"]
    age = next(r for r in rows if (r["lhs"], r["op"], r["rhs"]) == ("age", "~~", "age"))
    # A quarter of the values missing: FMI near .25-.4, so sqrt(B / m) is about 0.35 FIML SEs;
    # 1.5 SEs is four times that.
    assert age["fmi"] > 0.1
    assert abs(age["diff_se"]) < 1.5
