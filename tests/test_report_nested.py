"""``nested_in:`` in a spec -> the index's comparison, the same test as ``semwb compare``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from semwb.pipeline import read_data, run_analysis
from semwb.report import render_index
from semwb.report.index import build_index_context
from semwb.sem.compare import DIFFERENCE_TESTS
from semwb.sem.estimate import fit_model
from semwb.sem.spec import load_spec
from semwb.survey.instrument_lookup import spec_instrument
from survey_helpers import REPO

HS = REPO / "tests" / "reference" / "holzinger_swineford"
SYNTAX = (HS / "model.lav").read_text("utf-8")


def _spec_file(folder: Path, name: str, estimator: str, extra: str = "") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"model: {name}\ndefaults: cfa\nestimator: {estimator}\nsyntax: |\n"
                    + "".join(f"  {line}\n" for line in SYNTAX.strip().splitlines()) + extra,
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("estimator", ["ML", "MLR", "MLM"])
def test_the_index_tests_nested_specs_as_semwb_compare(tmp_path: Path, estimator: str) -> None:
    data = pd.read_csv(HS / "data.csv")
    general = load_spec(_spec_file(tmp_path, "three", estimator))
    restricted = load_spec(_spec_file(tmp_path, "orthogonal", estimator,
                                      "orthogonal: true\nnested_in: [three]\n"))
    results = [run_analysis(spec, data) for spec in (general, restricted)]
    assert results[1].nested_in == ["three"]
    [row] = build_index_context(results, [None, None], lang="en")["comparisons"]
    expected = DIFFERENCE_TESTS[estimator](fit_model(general, data), fit_model(restricted, data))
    assert (row.restricted, row.general, row.delta_df) == ("orthogonal", "three", expected.df)
    assert row.delta_chisq == pytest.approx(expected.chisq, rel=1e-9)
    assert row.pvalue == pytest.approx(expected.pvalue, rel=1e-9)
    assert ("Satorra-Bentler" in row.method) == (estimator != "ML")
    assert 'id="comparison"' in render_index(results)


SHIPPED = json.loads((REPO / "tests" / "reference" / "reviewer_questions" / "reference.json"
                      ).read_text("utf-8"))["shipped_h1"]


def _syntax_lines(syntax: str) -> list[str]:
    return [" ".join(line.split()) for line in syntax.splitlines()
            if line.strip() and not line.strip().startswith("#") and ":=" not in line]


def test_the_shipped_rival_model_is_tested_in_the_index_as_lavtestlrt() -> None:
    """models/: H1 (`modindices:`) and its full-mediation rival (`nested_in:`) on the example
    data against lavaan 0.6.14: the index's row is lavTestLRT's, H1's report indices are
    modindices()'s."""
    results = []
    for name in ("routines_learning_ambidexterity", "routines_learning_full_mediation"):
        spec = load_spec(REPO / "models" / f"{name}.yaml")
        instrument = spec_instrument(spec)
        assert spec.data is not None
        results.append(run_analysis(spec.model_copy(update={"bootstrap": None}),
                                    read_data(spec.data, instrument=instrument),
                                    instrument=instrument))
    h1, full = results
    assert _syntax_lines(load_spec(REPO / "models" / "routines_learning_ambidexterity.yaml"
                                   ).syntax) == _syntax_lines(SHIPPED["syntax"])
    assert _syntax_lines(load_spec(REPO / "models" / "routines_learning_full_mediation.yaml"
                                   ).syntax) == _syntax_lines(SHIPPED["full_mediation_syntax"])
    assert h1.n_obs == full.n_obs == SHIPPED["n"]
    lrt = SHIPPED["lrt"]
    [row] = build_index_context(results, [None, None], lang="en")["comparisons"]
    assert (row.restricted, row.general) == (full.model, h1.model)
    assert row.delta_chisq == pytest.approx(lrt["chisq_diff"], rel=1e-5)
    assert row.delta_df == lrt["df_diff"]
    assert row.pvalue == pytest.approx(lrt["pvalue"], rel=1e-4)
    assert row.delta_aic == pytest.approx(lrt["aic"][1] - lrt["aic"][0], abs=1e-3)
    assert row.delta_bic == pytest.approx(lrt["bic"][1] - lrt["bic"][0], abs=1e-3)
    assert row.delta_bic2 == pytest.approx(lrt["bic2"][1] - lrt["bic2"][0], abs=1e-3)
    assert h1.modindices is not None
    lavaan = sorted((r for r in SHIPPED["modindices"] if r["mi"] > 3.84),
                    key=lambda r: -r["mi"])[:10]
    assert h1.modindices["candidates"] == len(SHIPPED["modindices"])
    assert [(r["lhs"], r["op"], r["rhs"]) for r in h1.modindices["rows"]] == [
        (r["lhs"], r["op"], r["rhs"]) for r in lavaan]
    for mine, ref in zip(h1.modindices["rows"], lavaan, strict=True):
        for key in ("mi", "epc", "sepc_lv", "sepc_all", "sepc_nox"):
            assert mine[key] == pytest.approx(ref[key], rel=1e-4, abs=2e-4), (key, ref)
    page = render_index(results)
    assert 'id="comparison"' in page
    assert "routines-learning-full-mediation" in page
    assert "<th class=\"num\">BIC2</th>" in page
    assert f"{h1.fit.bic2:.1f}" in page
    assert f"{row.delta_bic2:.2f}" in page
