"""Missing answers handled as psych / semTools do (tests/reference/measurement_alliance_missing)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from semwb.measurement import item_descriptives
from semwb.measurement.cfa import measure_constructs
from semwb.survey.instrument import load_instrument
from semwb.survey.scoring import reverse_code
from survey_helpers import REPO, SEED_INSTRUMENT

CASE = REPO / "tests" / "reference" / "measurement_alliance_missing"
CLOSED_FORM, OPTIMIZER = 1e-8, 1e-5

Compared = tuple[dict[str, Any], dict[str, Any]]  # (R's reference, semwb's to_dict())


@pytest.fixture(scope="module")
def compared() -> Compared:
    ref = json.loads((CASE / "measurement.json").read_text(encoding="utf-8"))
    instrument = load_instrument(SEED_INSTRUMENT)
    assert ref["reverse_coded"] == instrument.reverse_items
    items = reverse_code(pd.read_csv((CASE / ref["data"]).resolve()), instrument)
    assert int(items[instrument.likert_items].isna().sum().sum()) > 0
    quality = measure_constructs(items, instrument, constructs=list(ref["constructs"]))
    return ref, quality.to_dict()


def test_alpha_uses_pairwise_covariances_like_psych(compared: Compared) -> None:
    ref, ours = compared
    for construct, expected in ref["constructs"].items():
        got = ours["constructs"][construct]
        assert expected["n_missing"] > 0
        assert got["alpha"] == pytest.approx(expected["alpha_raw"], abs=CLOSED_FORM)
        assert got["alpha_ci"][0] == pytest.approx(expected["alpha_feldt_ci_lower"],
                                                   abs=CLOSED_FORM)
        assert got["alpha_ci"][1] == pytest.approx(expected["alpha_feldt_ci_upper"],
                                                   abs=CLOSED_FORM)


def test_listwise_cfa_matches_lavaan(compared: Compared) -> None:
    ref, ours = compared
    assert ours["n_obs"] == ref["n_complete"]
    for construct, expected in ref["constructs"].items():
        got = ours["constructs"][construct]
        assert got["cr"] == pytest.approx(expected["CR_fornell_larcker"], abs=OPTIMIZER)
        assert got["ave"] == pytest.approx(expected["AVE_fornell_larcker"], abs=OPTIMIZER)
        assert got["omega"] == pytest.approx(expected["compRelSEM_kfactor_implied"],
                                             abs=OPTIMIZER)
    for pair in ref["latent_correlations"]:
        assert ours["fornell_larcker"][pair["row"]][pair["col"]] == pytest.approx(
            pair["value"], abs=OPTIMIZER)


@pytest.mark.parametrize("key", ["htmt", "htmt2"])
def test_htmt_is_listwise_like_semtools(compared: Compared, key: str) -> None:
    ref, ours = compared
    assert ref[key]
    for pair in ref[key]:
        table = ours[key]
        value = table.get(pair["col"], {}).get(pair["row"], table.get(pair["row"], {}).get(
            pair["col"]))
        assert value == pytest.approx(pair["value"], abs=CLOSED_FORM)


def test_kmo_bartlett_harman_use_pairwise_correlations(compared: Compared) -> None:
    ref, ours = compared
    assert ours["kmo"] == pytest.approx(ref["kmo_overall_msa"], abs=CLOSED_FORM)
    for key in ("chisq", "df", "pvalue"):
        assert ours["bartlett"][key] == pytest.approx(ref["bartlett"][key], abs=CLOSED_FORM,
                                                      rel=1e-9)
    assert ours["harman"]["first_factor_share"] == pytest.approx(ref["harman_eigen_share"],
                                                                 abs=CLOSED_FORM)


def test_item_statistics_match_psych() -> None:
    ref = json.loads((CASE / "measurement.json").read_text(encoding="utf-8"))
    instrument = load_instrument(SEED_INSTRUMENT)
    items = reverse_code(pd.read_csv((CASE / ref["data"]).resolve()), instrument)
    table = item_descriptives(items, instrument).set_index("item")
    for construct in ref["constructs"].values():
        for key, column in [("item_r_drop", "citc"), ("item_alpha_drop", "alpha_if_deleted"),
                            ("item_mean", "mean"), ("item_sd", "sd")]:
            assert set(construct[key]) == set(construct["items"])
            for item, value in construct[key].items():
                assert table.loc[item, column] == pytest.approx(value, abs=CLOSED_FORM)
