"""``nested_in:`` in a spec -> the index's comparison, the same test as ``semwb compare``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from semwb.pipeline import run_analysis
from semwb.report import render_index
from semwb.report.index import build_index_context
from semwb.sem.compare import DIFFERENCE_TESTS
from semwb.sem.estimate import fit_model
from semwb.sem.spec import load_spec
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
