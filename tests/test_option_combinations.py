"""Combinations of options no single feature's tests meet: each gives lavaan's answer through
the same data path as ``semwb fit``, or a one-line refusal naming the spec, never a silent
other answer (found by a review of the estimators, groups and data keys landing together)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semwb.cli.modindices import fit_spec_file
from semwb.errors import FitError, OptionError, SpecError
from semwb.explore.imputation import fit_imputed
from semwb.explore.prediction import predict_cv
from semwb.pipeline import run_analysis
from semwb.report.index import compare_nested
from semwb.sem.compare import compare_models
from semwb.sem.estimate import fit_model
from semwb.sem.modindices import modification_indices
from semwb.sem.power import simulate_power
from semwb.sem.spec import load_spec, spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
MEDIATION = (REFERENCE / "mediation_single" / "model.lav").read_text(encoding="utf-8")
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"


@pytest.fixture(scope="module")
def firms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mediation_single's respondents, two per firm, with a group column, and a spec."""
    folder = tmp_path_factory.mktemp("firms")
    data = pd.read_csv(REFERENCE / "mediation_single" / "data.csv").drop(columns="note")
    data["firm"] = np.arange(len(data)) // 2
    data["own"] = (data["firm"] % 2) + 1
    data.to_csv(folder / "data.csv", index=False)
    body = "".join(f"  {line}\n" for line in MEDIATION.splitlines())
    (folder / "unit.yaml").write_text(f"model: unit\ndata: data.csv\nunit: firm\nsyntax: |\n{body}",
                                      encoding="utf-8")
    return folder


def test_commands_that_refit_a_spec_use_its_data_keys_as_fit_does(firms: Path) -> None:
    """modindices, compare, power, reliability and `fit --modindices` fit through fit_spec_file."""
    refit = fit_spec_file(firms / "unit.yaml", None, None)
    analysis = run_analysis(load_spec(firms / "unit.yaml"), pd.read_csv(firms / "data.csv"))
    assert refit.n_obs == analysis.n_obs == 160  # firms, not 320 respondents
    assert refit.fit.chisq == pytest.approx(analysis.fit.chisq, rel=1e-12)


def test_groups_refuse_what_they_cannot_do_yet(firms: Path) -> None:
    data = pd.read_csv(firms / "data.csv")
    base = {"name": "g", "group": "own"}
    with pytest.raises(SpecError, match=r"'unit:' aggregates respondents before 'group:'"):
        spec_from_syntax(MEDIATION, unit="firm", **base)
    with pytest.raises(SpecError, match=r"product and power terms \(ar1:iol1\) are probed"):
        spec_from_syntax("ai1 ~ ar1 + iol1 + ar1:iol1", **base)
    spec = spec_from_syntax(MEDIATION, **base)
    for call in (lambda: fit_imputed(spec, data, m=2),
                 lambda: predict_cv(spec, data, folds=2, repeats=1)):
        with pytest.raises(OptionError, match="'group:'"):
            call()
    fit = fit_model(spec, data)
    with pytest.raises(FitError, match="without 'group:'"):
        modification_indices(fit)
    with pytest.raises(OptionError, match="compare takes one-group models; g has groups"):
        compare_models([fit, fit_model(spec_from_syntax(MEDIATION, name="one"), data)])


def test_ordinal_items_refuse_a_mean_structure_and_ml_only_tools() -> None:
    with pytest.raises(SpecError, match="'meanstructure: true' is not available with WLSMV"):
        spec_from_syntax(HS, name="o", ordered="all", meanstructure=True)
    data = pd.read_csv(REFERENCE / "ordinal_mediation" / "data.csv")
    syntax = (REFERENCE / "ordinal_mediation" / "model.lav").read_text(encoding="utf-8")
    fit = fit_model(spec_from_syntax(syntax, name="o", ordered="all"), data)
    with pytest.raises(FitError, match="without 'ordered:'"):
        modification_indices(fit)


def test_power_refuses_what_it_would_not_simulate() -> None:
    sigma = pd.DataFrame(np.eye(3), index=["y", "x1", "x2"], columns=["y", "x1", "x2"])
    spec = spec_from_syntax("y ~ b1*x1 + b2*x2\nb1 == b2", name="p")
    with pytest.raises(OptionError, match=r"remove '==', '<' or '>' constraints"):
        simulate_power(spec, sigma, [50], reps=20, seed=1)


def test_a_probe_value_for_no_moderator_is_an_error_not_a_default() -> None:
    data = pd.read_csv(REFERENCE / "mediation_single" / "data.csv")
    spec = spec_from_syntax("ai1 ~ ar1 + iol1 + ar1:iol1", name="m",
                            probe={"rule": "values", "values": {"iol": [3, 5]}})
    with pytest.raises(SpecError, match=r"'probe.values' names iol, which no product term"):
        run_analysis(spec, data)


def test_the_index_gives_no_satorra_bentler_p_for_wlsmv() -> None:
    data = pd.read_csv(REFERENCE / "ordinal_mediation" / "data.csv")
    syntax = (REFERENCE / "ordinal_mediation" / "model.lav").read_text(encoding="utf-8")
    general = run_analysis(spec_from_syntax(syntax, name="general", ordered="all"), data)
    restricted = run_analysis(spec_from_syntax(syntax.replace("cp*AR", "0*AR").replace(
                                                   "total := cp + a*b", ""),
                                               name="restricted", ordered="all"), data)
    comparison = compare_nested(restricted, general, lang="en")
    assert comparison.pvalue is None
    assert comparison.method == ""
    assert "WLSMV" in comparison.note


def test_fiml_groups_warn_as_lavaan_when_a_covariate_is_missing(firms: Path) -> None:
    data = pd.read_csv(firms / "data.csv")
    data["size"] = np.random.default_rng(1).normal(size=len(data))
    data.loc[[3, 10, 200], "size"] = np.nan
    spec = spec_from_syntax(MEDIATION.replace("IOL ~ a*AR", "IOL ~ a*AR + size"), name="g",
                            group="own", missing="fiml")
    with pytest.warns(UserWarning, match=r"3 cases were deleted due to missing values in "
                                         r"exogenous variable\(s\) \(size\)"):
        fit = fit_model(spec, data)
    assert fit.n_obs == len(data) - 3
