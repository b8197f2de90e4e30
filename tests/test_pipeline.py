"""run_analysis / write_results through the library API."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from semwb.errors import InstrumentError
from semwb.files import sha256_bytes, sha256_file
from semwb.pipeline import read_data, recorded_instrument, run_analysis, write_results
from semwb.results import Results, read_results
from semwb.sem.spec import load_spec, spec_from_syntax
from survey_helpers import SMALL_YAML

CASE = Path(__file__).parent / "reference" / "regression_observed"


def test_run_analysis_builds_results_with_provenance(tmp_path: Path) -> None:
    spec = load_spec(CASE / "model.lav")
    data = read_data(CASE / "data.csv")
    results = run_analysis(spec, data, data_path=CASE / "data.csv", command="semwb fit x")
    assert (results.model, results.n_obs, results.estimator, results.missing) == (
        "model", 200, "ML", "listwise")
    assert results.provenance.spec_sha256 == sha256_file(CASE / "model.lav")
    assert results.provenance.data_sha256 == sha256_file(CASE / "data.csv")
    assert results.provenance.command == "semwb fit x"
    assert results.syntax == spec.syntax
    fixed_x = [r for r in results.parameters if r.lhs == "x1" and r.op == "~~"]
    assert all(not r.free and r.z is None and r.pvalue is None for r in fixed_x)
    ind = next(r for r in results.parameters if r.op == ":=")
    assert (ind.lhs, ind.rhs, ind.free) == ("ind", "a*b", False)
    assert set(results.r2) == {"m", "y"}

    path = write_results(results, tmp_path / "out")
    assert path == tmp_path / "out" / "results.json"
    assert read_results(path) == results
    assert "NaN" not in path.read_text(encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8"))["fit"]["df"] == 1


def test_provenance_hashes_the_syntax_and_data_without_files() -> None:
    data = pd.read_csv(CASE / "data.csv")
    syntax = (CASE / "model.lav").read_text(encoding="utf-8")
    results = run_analysis(spec_from_syntax(syntax, name="inline"), data)
    assert results.provenance.spec_sha256 == sha256_bytes(syntax.encode("utf-8"))
    assert results.provenance.data_sha256 == sha256_bytes(
        data.to_csv(index=False).encode("utf-8"))
    assert results.provenance.spec_path is None


def test_excluded_rows_are_counted(tmp_path: Path) -> None:
    data = pd.read_csv(CASE / "data.csv")
    data.loc[[1, 2, 3], "m"] = None
    results = run_analysis(load_spec(CASE / "model.lav"), data)
    assert (results.n_obs, results.n_excluded) == (197, 3)
    assert [e["row"] for e in results.exclusions] == [2, 3, 4]


def test_read_data_reads_spreadsheets_indexed_by_file_row(tmp_path: Path) -> None:
    data = pd.read_csv(CASE / "data.csv")
    data.to_excel(tmp_path / "d.xlsx", index=False)
    read = read_data(tmp_path / "d.xlsx")
    assert list(read.index[:2]) == [2, 3]  # the header is row 1, as a spreadsheet shows it
    pd.testing.assert_frame_equal(read.reset_index(drop=True), data, check_dtype=False)


def test_with_an_instrument_every_face_reads_through_its_rules(tmp_path: Path) -> None:
    from semwb.errors import ResponseDataError
    from semwb.survey.instrument import load_instrument

    root = Path(__file__).parent.parent
    instrument = load_instrument(root / "surveys" / "alliance_portfolio_innovation.yaml")
    text = (root / "surveys" / "examples" / "alliance.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[4].split(",")
    cells[header.index("ar2")] = "8"  # outside the 1-7 scale
    lines[4] = ",".join(cells)
    (tmp_path / "bad.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ResponseDataError, match=r"bad.csv, row 5, column ar2: '8' is outside"):
        read_data(tmp_path / "bad.csv", instrument=instrument)


def _results_of_spec(spec_path: str | None) -> Results:
    results = run_analysis(load_spec(CASE / "model.lav"), read_data(CASE / "data.csv"))
    return results.model_copy(update={"provenance": results.provenance.model_copy(
        update={"spec_path": spec_path})})


def _spec_naming(folder: Path, instrument_text: str) -> Path:
    (folder / "surveys").mkdir()
    (folder / "surveys" / "demo.yaml").write_text(instrument_text, encoding="utf-8")
    (folder / "models").mkdir()
    spec = folder / "models" / "m.yaml"
    spec.write_text("model: m\ninstrument: demo\nsyntax: |\n  y ~ x\n", encoding="utf-8")
    return spec


def test_recorded_instrument_is_read_again_from_the_recorded_spec(tmp_path: Path) -> None:
    spec = _spec_naming(tmp_path, SMALL_YAML.replace("instrument: small", "instrument: demo"))
    found = recorded_instrument(_results_of_spec(str(spec)))
    assert found is not None
    assert list(found.constructs) == ["TR", "KS"]


@pytest.mark.parametrize("spec_path", [None, "gone/model.yaml"])
def test_recorded_instrument_is_none_without_the_spec(spec_path: str | None) -> None:
    assert recorded_instrument(_results_of_spec(spec_path)) is None


def test_recorded_instrument_reports_a_broken_instrument(tmp_path: Path) -> None:
    broken = SMALL_YAML.replace("instrument: small", "instrument: demo").replace(
        "reverse: true", "revers: true")
    spec = _spec_naming(tmp_path, broken)
    with pytest.raises(InstrumentError, match="revers"):
        recorded_instrument(_results_of_spec(str(spec)))
