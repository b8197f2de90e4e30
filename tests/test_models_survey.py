"""Every models/ spec for hypotheses 2-10 fits the example data, and the data carry the effects."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from semwb.model_data import model_data
from semwb.pipeline import run_analysis
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.spec import load_spec, spec_from_syntax
from semwb.survey.instrument import load_instrument
from semwb.survey.scoring import reverse_code
from survey_helpers import EXAMPLE_DATA, REPO, SEED_INSTRUMENT

SPECS = {
    "social_capital_knowledge_sharing": ["ind_structural", "ind_relational", "ind_cognitive"],
    "fairness_knowledge_sharing": ["ind_distributive", "ind_procedural"],
    "partner_selection_learning_innovation": ["ind_market", "ind_relational"],
    "routines_parallel_learning_ambidexterity": ["ind_exploratory", "ind_exploitative"],
    "partner_diversity_inverted_u": [],
    "partner_portfolio_inverted_u": [],
    "turbulence_moderated_mediation": ["ind_mean", "ind_m1sd", "ind_p1sd"],
    "apmc_learning_climate_breakthrough": ["ind"],
    "policy_trust_knowledge_sharing": ["ind_policy", "ind_trust"],
    "commitment_learning_collaborative_innovation": [],
    "flexibility_search_breakthrough": ["ind_resource", "ind_coordination"],
    "routines_learning_full_mediation": ["ind"],
}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return reverse_code(pd.read_csv(EXAMPLE_DATA), load_instrument(SEED_INSTRUMENT))


def _rows(fit: FitResult, op: str) -> pd.DataFrame:
    return fit.parameters[fit.parameters["op"] == op].set_index("lhs")


def test_the_spec_list_is_complete() -> None:
    mine = {p.stem for p in (REPO / "models").glob("*.yaml")} - {
        "routines_learning_ambidexterity", "routines_learning_ownership_groups"}
    assert mine == set(SPECS)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_spec_fits_the_example_data(name: str, data: pd.DataFrame) -> None:
    spec = load_spec(REPO / "models" / f"{name}.yaml")
    assert spec.instrument == "alliance-portfolio-innovation"
    assert Path(spec.data or "").resolve() == EXAMPLE_DATA.resolve()
    built = model_data(spec, data, instrument=load_instrument(SEED_INSTRUMENT))
    fit = fit_model(built.spec, built.data)
    assert fit.converged
    assert not fit.warnings
    assert fit.n_obs > 280
    assert fit.fit.cfi is not None
    assert fit.fit.cfi > 0.95
    labels = set(fit.parameters["label"])
    assert spec.hypotheses
    for hypothesis in spec.hypotheses:
        assert hypothesis.effect in labels, hypothesis.id
    defined = _rows(fit, ":=")
    for effect in SPECS[name]:
        assert defined.loc[effect, "est"] > 0, effect
        assert defined.loc[effect, "pvalue"] < 0.05, effect


@pytest.mark.parametrize(("name", "x"), [("partner_diversity_inverted_u", "pdiv"),
                                         ("partner_portfolio_inverted_u", "partner_type_blau")])
def test_inverted_u_is_supported_over_the_datas_own_range(name: str, x: str) -> None:
    spec = load_spec(REPO / "models" / f"{name}.yaml")
    raw = pd.read_csv(EXAMPLE_DATA)
    results = run_analysis(spec, raw, instrument=load_instrument(SEED_INSTRUMENT),
                           bootstrap=None if spec.bootstrap is None else
                           spec.bootstrap.model_copy(update={"draws": 100}))
    assert results.conditional is not None
    (curve,) = results.conditional["curves"]
    assert curve["predictor"] == x
    for block in curve["at"]:
        test = block["u_test"]
        assert block["verdict"]["supported"], block["label"]
        assert test["slope_low"] > 0 > test["slope_high"]
        assert test["low"] < block["turning_point"]["est"] < test["high"]
    if x == "pdiv":
        assert (curve["at"][0]["u_test"]["low"], curve["at"][0]["u_test"]["high"]) == \
            pytest.approx((raw["pdiv"].min(), raw["pdiv"].max()))


def test_hypothesis_one_mediation_is_clearly_present(data: pd.DataFrame) -> None:
    syntax = """
    AR  =~ ar1 + ar2 + ar3 + ar4
    IOL =~ iol1 + iol2 + iol3 + iol4
    AI  =~ ai1 + ai2 + ai3 + ai4 + ai5 + ai6
    IOL ~ a*AR
    AI  ~ b*IOL + cp*AR
    """
    fit = fit_model(spec_from_syntax(syntax, name="h1-check"), data)
    paths = fit.parameters[fit.parameters["op"] == "~"].set_index("label")
    assert paths.loc["a", "std_all"] == pytest.approx(0.5, abs=0.1)
    assert paths.loc["b", "std_all"] == pytest.approx(0.4, abs=0.1)
    assert paths.loc["a", "pvalue"] < 0.001
    assert paths.loc["b", "pvalue"] < 0.001
