"""A spec's imputation: and prediction: blocks run beside its fit: results, report, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from semwb.cli.beside import beside_options
from semwb.errors import OptionError, SpecError
from semwb.explore.beside import predictive_power
from semwb.pipeline import run_analysis
from semwb.report import render_report
from semwb.results import Results
from semwb.sem.estimate import fit_model
from semwb.sem.spec import spec_from_syntax

CASE = Path(__file__).parent / "reference" / "mediation_missing_fiml"
SYNTAX = (CASE / "model.lav").read_text(encoding="utf-8")
BLOCKS: dict[str, Any] = {"imputation": {"m": 3, "seed": 2},
                          "prediction": {"folds": 3, "repeats": 1}}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(CASE / "data.csv")


@pytest.fixture(scope="module")
def fiml_results(data: pd.DataFrame) -> Results:
    return run_analysis(spec_from_syntax(SYNTAX, name="mi", missing="fiml", **BLOCKS), data)


def test_fiml_fit_carries_mi_beside_itself_and_prediction(fiml_results: Results,
                                                          data: pd.DataFrame) -> None:
    mi, prediction = fiml_results.imputation, fiml_results.prediction
    assert mi is not None
    assert prediction is not None
    assert (mi["m"], mi["seed"], mi["n_obs"], mi["dfcom"]) == (3, 2, 320, 320 - 31)
    assert mi["fiml"]["chisq"] == fiml_results.fit.chisq  # the model's own FIML fit, reused
    own = {(p.lhs, p.op, p.rhs): p for p in fiml_results.parameters}
    assert len(mi["comparison"]) == 33
    for row in mi["comparison"]:
        assert row["est_fiml"] == own[(row["lhs"], row["op"], row["rhs"])].est
        assert row["diff_se"] == pytest.approx((row["est_mi"] - row["est_fiml"]) / row["se_fiml"])
    largest = max(mi["comparison"], key=lambda r: abs(r["diff_se"]))
    assert mi["largest_difference"]["diff_se"] == largest["diff_se"]
    complete = len(data.drop(columns=["resp_id", "note"]).dropna())
    assert (prediction["folds"], prediction["repeats"], prediction["n_obs"]) == (3, 1, complete)
    assert prediction["power"] == predictive_power(prediction["better"], 10)
    again = Results.model_validate_json(fiml_results.to_json())
    assert again.imputation == json.loads(json.dumps(mi))


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["Multiple imputation beside FIML", "3 imputations (seed 2)", "FIML standard errors "
            "away", "Out-of-sample prediction", "3-fold cross-validation repeated 1 times"]),
    ("zh", ["多重插补与 FIML 对照", "插补 3 次（随机种子 2）", "样本外预测"]),
])
def test_report_shows_both(fiml_results: Results, lang: str, words: list[str]) -> None:
    html = render_report(fiml_results, lang=lang)
    for word in words:
        assert word in html


def test_listwise_fit_gets_its_own_fiml_fit(data: pd.DataFrame) -> None:
    spec = spec_from_syntax(SYNTAX, name="mi", imputation={"m": 2})
    results = run_analysis(spec, data)
    assert results.prediction is None
    assert results.imputation is not None
    fiml = fit_model(spec.model_copy(update={"missing": "fiml"}), data)
    assert results.n_obs == len(data.drop(columns=["resp_id", "note"]).dropna())  # listwise
    assert results.imputation["fiml"]["chisq"] == pytest.approx(fiml.fit.chisq, rel=1e-10)


@pytest.mark.parametrize(("better", "total", "level"), [
    (10, 10, "high"), (6, 10, "medium"), (5, 10, "medium"), (4, 10, "low"), (1, 3, "low"),
    (0, 4, "none")])
def test_predictive_power_follows_shmueli(better: int, total: int, level: str) -> None:
    assert predictive_power(better, total) == level


@pytest.mark.parametrize(("syntax", "options", "message"), [
    (SYNTAX, {"group": "g", "imputation": {}}, r"multiple imputation \(imputation:\) pools "
                                               "one-group fits; remove 'group:'"),
    (SYNTAX, {"ordered": "all", "imputation": {}}, "pools ML fits of continuous items"),
    (SYNTAX, {"estimator": "MLM", "imputation": {}}, "FIML, which has no MLM; use MLR"),
    (SYNTAX, {"engine": "semopy", "imputation": {}}, "remove 'engine: semopy'"),
    ("y ~ x + w + x:w", {"imputation": {}}, r"product terms yet \(x:w\)"),
    (SYNTAX, {"group": "g", "prediction": {}}, r"prediction \(prediction:\) fits one group"),
    ("F =~ a + b + c", {"prediction": {}}, r"prediction needs a regression \(~\)"),
])
def test_combinations_refused_when_the_spec_is_read(syntax: str, options: dict[str, object],
                                                    message: str) -> None:
    with pytest.raises(OptionError, match=message):
        spec_from_syntax(syntax, name="x", source="models/x.yaml", **options)


@pytest.mark.parametrize(("block", "message"), [
    ({"imputation": {"m": 1}}, "imputation.m' .*greater than or equal to 2"),
    ({"imputation": {"n": 5}}, "unknown key 'imputation.n'"),
    ({"prediction": {"folds": 1}}, "prediction.folds' .*greater than or equal to 2"),
])
def test_bad_blocks_are_named(block: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        spec_from_syntax(SYNTAX, name="x", **block)


def test_an_auxiliary_not_in_the_data_names_the_spec_and_key() -> None:
    spec = spec_from_syntax(SYNTAX, name="x", imputation={"m": 2, "auxiliary": ["nosuch"]})
    with pytest.raises(OptionError, match=r"key 'imputation.auxiliary': no column\(s\) nosuch"):
        run_analysis(spec, pd.read_csv(CASE / "data.csv"))


def test_fit_options_keep_the_spec_blocks_other_keys(tmp_path: Path) -> None:
    body = "".join(f"  {line}\n" for line in SYNTAX.splitlines())
    spec = tmp_path / "m.yaml"
    spec.write_text("model: m\nimputation: {m: 40, auxiliary: [age], round: true}\n"
                    f"prediction: {{repeats: 2}}\nsyntax: |\n{body}", encoding="utf-8")
    got = beside_options(spec, imputations=5, predict=False, folds=4)
    assert got == {"imputation": {"m": 5, "seed": 1, "auxiliary": ["age"], "round": True},
                   "prediction": {"folds": 4, "repeats": 2, "seed": 1}}
    assert beside_options(spec, imputations=None, predict=False, folds=None) == {}
    plain = tmp_path / "plain.lav"
    plain.write_text(SYNTAX, encoding="utf-8")
    with pytest.raises(OptionError, match="--folds needs --predict"):
        beside_options(plain, imputations=None, predict=False, folds=4)
    assert beside_options(plain, imputations=None, predict=True, folds=None) == {
        "prediction": {}}
