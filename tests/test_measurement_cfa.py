"""CFA-based measurement quality (omega, CR, AVE, Fornell-Larcker, single-factor CFA) against R."""

from __future__ import annotations

from typing import Any

import pytest

from semwb.measurement.cfa import cfa_syntax, measure_constructs
from semwb.survey.instrument import Instrument, parse_instrument
from semwb.survey.scoring import reverse_code
from survey_helpers import small_instrument, small_responses
from test_measurement import CASES, load_case

OPTIMIZER = 1e-5  # semopy + Fisher scoring vs lavaan: the largest difference seen is 1.5e-6

PAIRS = [("cr", "CR_fornell_larcker"), ("ave", "AVE_fornell_larcker"),
         ("sqrt_ave", "sqrt_AVE_fornell_larcker"), ("omega", "compRelSEM_kfactor_implied"),
         ("omega_observed", "compRelSEM_kfactor_obsvar"), ("ave_observed", "AVE_semTools")]

Compared = tuple[dict[str, Any], dict[str, Any]]  # (R's reference, semwb's to_dict())


def case_instrument(groups: dict[str, list[str]]) -> Instrument:
    lines = ["instrument: reference", "title: {en: R reference}", "scale: {min: 1, max: 7}",
             "constructs:"]
    for construct, items in groups.items():
        lines += [f"  {construct}:", f"    name: {{en: {construct}}}", "    source: fixture",
                  "    items:", *(f"      - {{id: {i}, text: {{en: {i}}}}}" for i in items)]
    return parse_instrument("\n".join(lines), source="reference.yaml")


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> Compared:
    ref, data, groups = load_case(request.param)
    return ref, measure_constructs(data, case_instrument(groups)).to_dict()


def test_cr_ave_omega_and_loadings_match_semtools(case: Compared) -> None:
    ref, ours = case
    assert set(ours["constructs"]) == set(ref["constructs"])
    for construct, expected in ref["constructs"].items():
        got = ours["constructs"][construct]
        for key, ref_key in PAIRS:
            assert got[key] == pytest.approx(expected[ref_key], abs=OPTIMIZER), (construct, key)
        assert set(got["loadings"]) == set(expected["std_loadings"])
        for item, value in expected["std_loadings"].items():
            assert got["loadings"][item] == pytest.approx(value, abs=OPTIMIZER)


def test_fornell_larcker_table_matches_lavaan(case: Compared) -> None:
    ref, ours = case
    table = ours["fornell_larcker"]
    assert ref["latent_correlations"]
    for pair in ref["latent_correlations"]:
        assert table[pair["row"]][pair["col"]] == pytest.approx(pair["r"], abs=OPTIMIZER)
        assert table[pair["col"]][pair["row"]] == table[pair["row"]][pair["col"]]
    for construct, expected in ref["constructs"].items():
        assert table[construct][construct] == pytest.approx(
            expected["sqrt_AVE_fornell_larcker"], abs=OPTIMIZER)


def test_single_factor_cfa_matches_lavaan(case: Compared) -> None:
    ref, ours = case
    comparison = ours["harman"]["single_factor_cfa"]
    expected = ref["single_factor_cfa"]
    for key in ("chisq", "df", "cfi", "tli", "rmsea", "srmr"):
        assert comparison["single_factor"][key] == pytest.approx(expected[key], abs=OPTIMIZER)
    lrt = expected["lrt_vs_kfactor"]
    assert comparison["chisq_diff"] == pytest.approx(lrt["chisq_diff"], abs=OPTIMIZER)
    assert comparison["df_diff"] == lrt["df_diff"]
    assert comparison["pvalue"] == pytest.approx(lrt["pvalue"], abs=OPTIMIZER)


def test_cfa_syntax_and_subset_of_constructs() -> None:
    assert cfa_syntax({"A": ["a1", "a2"], "B": ["b1", "b2"]}) == "A =~ a1 + a2\nB =~ b1 + b2"
    inst = small_instrument()
    items = reverse_code(small_responses(n=150), inst)
    quality = measure_constructs(items, inst, constructs=["TR"]).to_dict()
    assert list(quality["constructs"]) == ["TR"]
    assert "single_factor_cfa" not in quality["harman"]  # one construct: nothing to compare
    assert 0 < quality["constructs"]["TR"]["ave"] < 1


def test_kfactor_cfa_fit_and_eigenvalues_match_lavaan_and_r(case: Compared) -> None:
    ref, ours = case
    expected = ref["kfactor_cfa_fit"]
    for key in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic"):
        assert ours["cfa_fit"][key] == pytest.approx(expected[key], abs=OPTIMIZER, rel=1e-8), key
    assert ours["harman"]["eigenvalues"] == pytest.approx(ref["harman"]["eigenvalues"],
                                                          abs=1e-8)
