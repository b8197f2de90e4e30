"""The invariance ladder and its score tests against lavaan 0.6.14, and `semwb invariance`."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from semwb.cli import app
from semwb.errors import SpecError
from semwb.results import FitIndices
from semwb.sem.estimate import fit_model
from semwb.sem.groupcompare import path_differences
from semwb.sem.invariance import Ladder, compare, run_ladder
from semwb.sem.scoretest import score_tests
from semwb.sem.spec import spec_from_syntax
from survey_helpers import REPO
from test_multigroup import CASE, HS, MEDIATION, MEDIATION_REFERENCE, REFERENCE, case_spec


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(CASE / "data.csv")


@pytest.fixture(scope="module")
def ladder(data: pd.DataFrame) -> Ladder:
    spec = spec_from_syntax(HS, name="hs", group="school", defaults="cfa")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_ladder(spec, data)


def test_steps_and_differences_match_lavtestlrt(ladder: Ladder) -> None:
    lrt = REFERENCE["lrt"]
    # the scalar step fails, so strict is not fitted
    assert [s.name for s in ladder.steps] == ["configural", "metric", "scalar"]
    assert ladder.failed == "scalar"
    for i, step in enumerate(ladder.steps):
        assert step.fit.chisq == pytest.approx(lrt["chisq"][i], rel=1e-7)
        assert step.fit.df == lrt["df"][i]
        if i == 0:
            assert step.comparison is None
            continue
        c = step.comparison
        assert c is not None
        assert c.chisq_diff == pytest.approx(lrt["chisq_diff"][i], rel=1e-6)
        assert c.df_diff == lrt["df_diff"][i]
        assert c.pvalue == pytest.approx(lrt["pvalue"][i], rel=1e-5)
    metric, scalar = REFERENCE["cases"]["metric"]["fit"], REFERENCE["cases"]["scalar"]["fit"]
    c = ladder.steps[2].comparison
    assert c is not None
    assert c.delta_cfi == pytest.approx(scalar["cfi"] - metric["cfi"], abs=1e-7)
    assert c.delta_rmsea == pytest.approx(scalar["rmsea"] - metric["rmsea"], abs=1e-7)
    assert c.delta_srmr == pytest.approx(scalar["srmr"] - metric["srmr"], abs=1e-7)
    assert ladder.steps[1].comparison is not None
    assert ladder.steps[1].comparison.holds


def test_partial_scalar_releases_by_score_test_and_matches_lavaan(ladder: Ladder) -> None:
    assert [t.partial for t in ladder.scores[:2]] == ["x3~1", "x7~1"]
    assert all(t.op == "~1" for t in ladder.scores)  # only the scalar step's own constraints
    partial = ladder.partial
    assert partial is not None
    assert partial.partial == ("x3~1", "x7~1")
    expected = REFERENCE["cases"]["partial"]["fit"]  # lavaan with group.partial = x3~1, x7~1
    assert partial.fit.chisq == pytest.approx(expected["chisq"], rel=1e-7)
    assert partial.fit.df == expected["df"]
    assert partial.comparison is not None
    assert partial.comparison.holds
    means = ladder.latent_means.set_index("lhs")
    lavaan = {r["lhs"]: r for r in REFERENCE["cases"]["partial"]["parameters"]
              if r["op"] == "~1" and r["group"] == 2 and r["lhs"] in ("visual", "textual",
                                                                       "speed")}
    assert set(means.index) == set(lavaan)
    for latent, row in lavaan.items():
        assert means.loc[latent, "est"] == pytest.approx(row["est"], abs=1e-4)
        assert means.loc[latent, "se"] == pytest.approx(row["se"], rel=1e-3)
        assert means.loc[latent, "group"] == "Grant-White"


def test_score_tests_match_lavtestscore(data: pd.DataFrame) -> None:
    total, tests = score_tests(case_spec("scalar"), data)
    reference = REFERENCE["score_test"]
    assert total.df == reference["total"]["df"]
    assert total.chisq == pytest.approx(reference["total"]["X2"], rel=1e-5)
    expected = {(u["par_lhs"], u["par_op"], u["par_rhs"]): u["X2"] for u in reference["uni"]}
    assert len(tests) == len(expected)
    for t in tests:
        assert t.chisq == pytest.approx(expected[(t.lhs, t.op, t.rhs)], rel=1e-4, abs=1e-5)
    assert [t.chisq for t in tests] == sorted((t.chisq for t in tests), reverse=True)


def _indices(cfi: float, rmsea: float, srmr: float) -> FitIndices:
    return FitIndices(chisq=100.0, df=50, cfi=cfi, rmsea=rmsea, srmr=srmr)


@pytest.mark.parametrize(("loadings", "after", "cr", "chen"), [
    (True, (0.945, 0.050, 0.060), True, True),     # CFI drop 0.005: holds
    (True, (0.935, 0.070, 0.060), False, False),   # CFI drop 0.015 and RMSEA +0.020
    (True, (0.935, 0.055, 0.075), False, True),    # SRMR +0.025 < 0.030 for loadings
    (False, (0.935, 0.055, 0.075), False, False),  # ... but >= 0.010 for intercepts
    (False, (0.945, 0.080, 0.100), True, True),    # no CFI drop: Chen needs one
])
def test_cutoffs_of_cheung_rensvold_and_chen(loadings: bool, after: tuple[float, float, float],
                                             cr: bool, chen: bool) -> None:
    c = compare(_indices(*after), _indices(0.950, 0.050, 0.050), loadings=loadings)
    assert (c.cheung_rensvold, c.chen, c.holds) == (cr, chen, cr and chen)


def test_ladder_needs_a_group(data: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match=r"the invariance ladder compares groups; add 'group:"):
        run_ladder(spec_from_syntax(HS, name="hs"), data)


def test_command_writes_the_ladder(tmp_path: Path) -> None:
    syntax = tmp_path / "hs.lav"
    syntax.write_text(HS + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["invariance", str(syntax), "--data",
                                      str(CASE / "data.csv"), "--group", "school",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.exception
    assert "scalar: chisq 164.10 (df 60)" in result.stdout
    assert "fails" in result.stdout
    assert "x3~1 19.19" in result.stdout
    written = json.loads((out / "invariance.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in written["steps"]] == ["configural", "metric", "scalar"]
    assert written["partial"]["group_partial"] == ["x3~1", "x7~1"]
    page = (out / "invariance.html").read_text(encoding="utf-8")
    assert "Cheung &amp; Rensvold" in page
    assert "Grant-White" in page
    assert "<script" not in page
    assert "http" not in page.split("</head>")[1]


def test_command_without_group_is_one_line_error(tmp_path: Path) -> None:
    syntax = tmp_path / "hs.lav"
    syntax.write_text(HS + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["invariance", str(syntax), "--data",
                                      str(CASE / "data.csv")])
    assert result.exit_code != 0
    assert isinstance(result.exception, SpecError)
    assert "add 'group: COLUMN'" in str(result.exception)


def test_shipped_group_spec_runs_the_ladder(tmp_path: Path) -> None:
    spec = REPO / "models" / "routines_learning_ownership_groups.yaml"
    result = CliRunner().invoke(app, ["invariance", str(spec), "--out", str(tmp_path),
                                      "--lang", "zh"])
    assert result.exit_code == 0, result.exception
    written = json.loads((tmp_path / "invariance.json").read_text(encoding="utf-8"))
    assert written["groups"] == ["3", "2", "1"]  # ownership codes, in order of appearance
    # readers see the instrument's value labels, as in the model report; the page in Chinese
    page = (tmp_path / "invariance.html").read_text(encoding="utf-8")
    assert "组别" in page
    n = written["group_n"]
    sizes = (f"外资（own = 3）（n = {n['3']}）、民营（own = 2）（n = {n['2']}）、"
             f"国有（own = 1）（n = {n['1']}）")  # as the Chinese model report writes them
    assert f"{sizes} (<i>N</i> = {written['n_obs']})" in page
    assert f"{sizes}; N = {written['n_obs']}" in " ".join(result.stdout.split())
    # per group: 14 items give 105 + 14 moments; 11 loadings, 14 residuals, 3 + 3 latent
    # (co)variances and 14 intercepts are free: df 74 per group
    assert written["steps"][0]["fit"]["df"] == 3 * 74


def test_paths_are_compared_in_the_most_constrained_model_that_holds(ladder: Ladder) -> None:
    assert ladder.paths == ()  # the HS CFA has no regressions
    assert ladder.paths_step == "scalar (partial)"
    data = pd.read_csv(MEDIATION / "data.csv")
    syntax = MEDIATION_REFERENCE["cases"]["fiml"]["model"]  # AR -> IOL -> AI, unlabelled
    spec = spec_from_syntax(syntax, name="med", group="own")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mediation = run_ladder(spec, data)
        strict = fit_model(spec.model_copy(update={
            "group_equal": ["loadings", "intercepts", "residuals"]}), data)
    assert mediation.failed is None
    assert mediation.paths_step == "strict"
    assert mediation.paths == tuple(path_differences(strict))
    assert [(p.lhs, p.rhs, p.df) for p in mediation.paths] == [
        ("IOL", "AR", 2), ("AI", "IOL", 2), ("AI", "AR", 2)]


def test_section_speaks_chinese(ladder: Ladder) -> None:
    from semwb.report.invariance import render_invariance
    from semwb.sem.invariance_json import ladder_json

    page = render_invariance(ladder_json(ladder), lang="zh")
    assert "不变性在此步骤不成立： <b>强不变（截距）</b>" in page
    assert "强不变（截距） (部分; 放开: x3~1, x7~1)" in page
    assert "Measurement invariance" not in page
    assert "<title>测量不变性: hs</title>" in page


def test_every_word_the_section_reads_exists_in_both_languages() -> None:
    import re

    from semwb.report.invariance import invariance_text

    templates = Path(__file__).parents[1] / "src" / "semwb" / "report" / "templates"
    text = "".join((templates / name).read_text(encoding="utf-8")
                   for name in ("_invariance.html", "invariance.html"))
    used = set(re.findall(r"\bit\.(\w+)", text))
    assert used <= invariance_text("en").keys()
    assert invariance_text("en").keys() == invariance_text("zh").keys()


def test_every_model_of_the_ladder_is_fitted_once(data: pd.DataFrame, ladder: Ladder,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The score tests are taken at the fits the ladder made: configural, metric, scalar and
    each partial model are fitted once (before: the scalar model three times, each partial
    model twice), and the answers are the same."""
    from semwb.sem.estimators.ml import fit_ml as real

    calls = []

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("semwb.sem.multigroup.fit_ml", counted)
    spec = spec_from_syntax(HS, name="hs", group="school", defaults="cfa")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = run_ladder(spec, data)
    assert again.partial is not None
    assert len(calls) == len(again.steps) + len(again.partial.partial) == 5
    assert again.scores == ladder.scores
    assert again.score_total == ladder.score_total
    assert again.partial == ladder.partial


def test_score_tests_at_a_given_fit_equal_those_that_fit_the_model(data: pd.DataFrame) -> None:
    spec = case_spec("scalar")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = fit_model(spec, data)
    assert score_tests(spec, data, fitted=fitted) == score_tests(spec, data)
