"""Auxiliary variables under FIML (semwb.sem.auxiliary) against semTools' sem.auxiliary()."""

from __future__ import annotations

import functools
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from parity_rows import paired_rows
from semwb.errors import SpecError
from semwb.results import read_results
from semwb.sem.auxiliary import correlates_syntax
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.spec import load_spec, spec_from_syntax

CASE = Path(__file__).parent / "reference" / "fiml_auxiliary"
AUX = ["age", "rdint"]
FIT_KEYS = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
            "srmr", "aic", "bic", "loglik", "baseline_chisq", "baseline_df", "npar"]


def _reference(name: str = "lavaan.json") -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CASE / name).read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _fit(auxiliary: tuple[str, ...] = tuple(AUX)) -> FitResult:
    options: dict[str, Any] = {"auxiliary": list(auxiliary)} if auxiliary else {
        "fixed_x": False}
    spec = spec_from_syntax((CASE / "model.lav").read_text(encoding="utf-8"), name="aux",
                            missing="fiml", **options)
    return fit_model(spec, pd.read_csv(CASE / "data.csv"))


def _check(fit: FitResult, ref: dict[str, Any]) -> None:
    assert fit.n_obs == ref["n_obs"]
    for row, got, where in paired_rows(fit.parameters, ref["parameters"]):
        # lavaan stops up to 2.2e-4 short in the auxiliaries' covariances (README)
        tol = 5e-4 if {row["lhs"], row["rhs"]} & set(AUX) else 1e-4 * max(1.0, abs(row["est"]))
        assert got["est"] == pytest.approx(row["est"], abs=tol), where
        if row["se"] is not None:
            assert got["se"] == pytest.approx(row["se"], rel=1e-3, abs=1e-6), where
        if row.get("std_all") is not None and not math.isnan(got["std_all"]):
            assert got["std_all"] == pytest.approx(row["std_all"], abs=1e-4), where
    assert fit.fit.loglik >= ref["fit"]["loglik"] - 1e-9  # semwb's optimum is not lower
    for key in FIT_KEYS:
        expected = ref["fit"][key]
        assert getattr(fit.fit, key) == pytest.approx(expected, rel=1e-6, abs=1e-6), key


def test_estimates_ses_and_fit_match_semtools() -> None:
    """Every row (the auxiliaries' covariances and means too) and semTools' fit measures,
    CFI/TLI on its baseline (the model's variables independent, auxiliaries saturated)."""
    _check(_fit(), _reference())


def test_without_auxiliaries_the_answer_is_lavaans_plain_fiml() -> None:
    """The same data without ``auxiliary``: lavaan's plain FIML, and a different answer."""
    _check(_fit(()), _reference("lavaan_no_auxiliary.json"))
    with_aux, without = _fit().fit, _fit(()).fit
    assert with_aux.df == without.df  # saturated correlates cost no degrees of freedom
    assert with_aux.chisq != pytest.approx(without.chisq, rel=1e-3)


def test_yaml_key_names_the_auxiliaries_and_the_syntax_stays_as_written(tmp_path: Path) -> None:
    path = tmp_path / "aux.yaml"
    path.write_text(yaml.safe_dump({"model": "aux", "missing": "fiml", "auxiliary": AUX,
                                    "syntax": (CASE / "model.lav").read_text()}))
    spec = load_spec(path)
    assert spec.auxiliary == AUX
    assert "age" not in spec.syntax
    assert {"age", "rdint"} <= set(spec.parsed.observed)
    assert not spec.lavaan_options()[0].fixed_x  # covariates random, as semTools


def test_correlates_are_the_semtools_lines() -> None:
    assert correlates_syntax(["y1", "x"], ["a", "b"]).splitlines() == [
        "a ~~ a", "a ~~ b", "b ~~ b", "a ~ 1", "b ~ 1", "a ~~ y1", "a ~~ x", "b ~~ y1", "b ~~ x"]


@pytest.mark.parametrize(("options", "message"), [
    ({}, r"'auxiliary' \(age\) needs 'missing: fiml'"),
    ({"missing": "fiml", "estimator": "MLR"}, r"'estimator: ML' \(FIML\) only"),
    ({"missing": "fiml", "auxiliary": ["ar1"]}, r"'ar1' is in the model's syntax"),
    ({"missing": "fiml", "auxiliary": ["age", "age"]}, r"names age more than once"),
    ({"missing": "fiml", "group": "own"}, r"not available with 'group:'"),
    ({"missing": "fiml", "auxiliary": ["age + x"]}, r"'age \+ x' is not a variable name"),
])
def test_unusable_auxiliaries_are_refused(options: dict[str, Any], message: str) -> None:
    options = {"auxiliary": ["age"], **options}
    with pytest.raises(SpecError, match=message):
        spec_from_syntax((CASE / "model.lav").read_text(), name="aux", source="aux.yaml",
                         **options)


def test_an_auxiliary_missing_from_the_data_is_named() -> None:
    spec = spec_from_syntax((CASE / "model.lav").read_text(), name="aux", missing="fiml",
                            auxiliary=["tenure"])
    with pytest.raises(SpecError, match=r"'auxiliary': 'tenure' is not a column of data"):
        fit_model(spec, pd.read_csv(CASE / "data.csv"))


def _run_semwb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", *args],
        capture_output=True, text=True, check=False,
        env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin",
             "COLUMNS": "200"})


def _spec_file(folder: Path, **options: Any) -> Path:
    path = folder / "aux.yaml"
    path.write_text(yaml.safe_dump({"model": "aux", "data": str(CASE / "data.csv"),
                                    "syntax": (CASE / "model.lav").read_text(), **options}))
    return path


def test_fit_command_records_and_reports_the_auxiliaries(tmp_path: Path) -> None:
    spec = _spec_file(tmp_path, missing="fiml", auxiliary=AUX)
    done = _run_semwb("fit", str(spec), "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    results = read_results(tmp_path / "o")
    assert results.auxiliary == AUX
    assert results.fit.cfi == pytest.approx(_reference()["fit"]["cfi"], rel=1e-6)
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "auxiliary variables (saturated correlates, Graham 2003): age, rdint" in html


def test_fit_command_refuses_auxiliaries_with_listwise_deletion(tmp_path: Path) -> None:
    done = _run_semwb("fit", str(_spec_file(tmp_path, auxiliary=AUX)), "--out",
                      str(tmp_path / "o"))
    assert done.returncode == 1
    assert "'auxiliary' (age, rdint) needs 'missing: fiml'" in done.stderr
    assert "Traceback" not in done.stderr
