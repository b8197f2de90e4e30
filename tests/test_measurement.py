"""Measurement statistics against psych / semTools (tests/reference/measurement_*); invariants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from semwb.errors import OptionError
from semwb.measurement import (
    alpha_variants,
    assess_measurement,
    bartlett_sphericity,
    composite_reliability,
    cronbach_alpha,
    harman_share,
    htmt,
    kmo,
    latent_correlations,
)
from semwb.survey.scoring import reverse_code
from survey_helpers import REPO, small_instrument, small_responses

REFERENCE = REPO / "tests" / "reference"
CASES = sorted(p.name for p in REFERENCE.glob("measurement_mediation_*")
               if (p / "measurement.json").is_file())
CLOSED_FORM = 1e-8  # same data, same closed formula: only floating-point noise


def load_case(case: str) -> tuple[dict[str, Any], pd.DataFrame, dict[str, list[str]]]:
    ref = json.loads((REFERENCE / case / "measurement.json").read_text(encoding="utf-8"))
    data = pd.read_csv((REFERENCE / case / ref["data"]).resolve())
    groups = {c: v["items"] for c, v in ref["constructs"].items()}
    return ref, data, groups


def pair_value(table: dict[str, dict[str, float]], a: str, b: str) -> float:
    if b in table.get(a, {}):
        return table[a][b]
    if a in table.get(b, {}):
        return table[b][a]
    raise AssertionError(f"pair {a}-{b} missing from semwb's table")


def test_reference_cases_exist() -> None:
    assert CASES == ["measurement_mediation_parallel", "measurement_mediation_single"]


@pytest.mark.parametrize("case", CASES)
def test_alpha_and_feldt_ci_match_psych(case: str) -> None:
    ref, data, groups = load_case(case)
    for construct, items in groups.items():
        expected = ref["constructs"][construct]
        alpha, (lower, upper) = cronbach_alpha(data[items].to_numpy(float))
        assert alpha == pytest.approx(expected["alpha_raw"], abs=CLOSED_FORM)
        assert lower == pytest.approx(expected["alpha_feldt_ci_lower"], abs=CLOSED_FORM)
        assert upper == pytest.approx(expected["alpha_feldt_ci_upper"], abs=CLOSED_FORM)
        assert alpha == pytest.approx(pg.cronbach_alpha(data[items])[0], abs=CLOSED_FORM)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(("key", "geometric"), [("htmt", False), ("htmt2", True)])
def test_htmt_matches_semtools(case: str, key: str, geometric: bool) -> None:
    ref, data, groups = load_case(case)
    ours = htmt(data, groups, geometric=geometric)
    assert len(ref[key]) == len(groups) * (len(groups) - 1) // 2
    for pair in ref[key]:
        assert pair_value(ours, pair["row"], pair["col"]) == pytest.approx(pair["value"],
                                                                           abs=CLOSED_FORM)


@pytest.mark.parametrize("case", CASES)
def test_kmo_bartlett_harman_match_psych(case: str) -> None:
    ref, data, groups = load_case(case)
    items = data[[i for g in groups.values() for i in g]]
    overall, per_item = kmo(items)
    assert overall == pytest.approx(ref["kmo_overall_msa"], abs=CLOSED_FORM)
    assert set(per_item) == set(ref["kmo_item_msa"])
    for item, value in ref["kmo_item_msa"].items():
        assert per_item[item] == pytest.approx(value, abs=CLOSED_FORM)
    bartlett = bartlett_sphericity(items)
    for key in ("chisq", "df", "pvalue"):
        assert bartlett[key] == pytest.approx(ref["bartlett"][key], abs=CLOSED_FORM, rel=1e-9)
    assert harman_share(items) == pytest.approx(ref["harman"]["harman_eigen_share"],
                                                abs=CLOSED_FORM)


@pytest.mark.parametrize("case", CASES)
def test_fornell_larcker_formulas_on_lavaan_loadings(case: str) -> None:
    ref, _, _ = load_case(case)
    for expected in ref["constructs"].values():
        cr, ave = composite_reliability(list(expected["std_loadings"].values()))
        assert cr == pytest.approx(expected["CR_fornell_larcker"], abs=CLOSED_FORM)
        assert ave == pytest.approx(expected["AVE_fornell_larcker"], abs=CLOSED_FORM)


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(3))), st.integers(0, 10_000))
def test_alpha_is_invariant_to_item_order(order: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    block = rng.integers(1, 8, (40, 3)).astype(float) + rng.standard_normal((40, 1)).round()
    base_alpha, base_ci = cronbach_alpha(block)
    alpha, ci = cronbach_alpha(block[:, order])
    assert alpha == pytest.approx(base_alpha, abs=1e-12)
    assert ci == pytest.approx(base_ci, abs=1e-12)


def test_alpha_with_missing_answers_uses_pairwise_covariances() -> None:
    frame = reverse_code(small_responses(n=80), small_instrument())[["ks1", "ks2", "ks3"]]
    frame = frame.astype(float)
    frame.iloc[[1, 5, 9], 0] = np.nan
    frame.iloc[[2, 5], 2] = np.nan
    alpha, _ = cronbach_alpha(frame.to_numpy())
    assert alpha == pytest.approx(pg.cronbach_alpha(frame, nan_policy="pairwise")[0], abs=1e-12)


def test_alpha_rejects_too_little_data() -> None:
    with pytest.raises(OptionError, match=r"at least 2 items and 3 respondents; got 1 item"):
        cronbach_alpha(np.ones((10, 1)))


def test_assess_without_cfa_gives_json_shape_with_nulls(tmp_path: Path) -> None:
    inst = small_instrument()
    items = reverse_code(small_responses(n=120), inst)
    quality = assess_measurement(items, inst).to_dict()
    assert set(quality["constructs"]) == {"TR", "KS"}
    tr = quality["constructs"]["TR"]
    assert tr["items"] == ["tr1", "tr2", "tr3"]
    assert tr["cr"] is None
    assert tr["ave"] is None
    assert tr["omega"] is None
    assert tr["alpha_ci"][0] < tr["alpha"] < tr["alpha_ci"][1]
    assert set(quality["htmt"]) == {"TR"}
    assert set(quality["htmt"]["TR"]) == {"KS"}
    assert {"kmo", "bartlett", "harman", "formulas", "htmt2", "fornell_larcker"} <= set(quality)
    json.dumps(quality, allow_nan=False)
    with pytest.raises(OptionError, match=r"Unknown construct\(s\) \['XX'\]"):
        assess_measurement(items, inst, constructs=["XX"])


def test_latent_correlations_missing_from_the_table_are_nan_not_zero() -> None:
    table = pd.DataFrame([
        {"lhs": "A", "op": "~~", "rhs": "B", "std_all": 0.4},
        {"lhs": "C", "op": "~", "rhs": "A", "std_all": 0.5}])
    corr = latent_correlations(table, ["A", "B", "C"])
    assert corr.loc["B", "A"] == 0.4
    assert corr.loc["C", "C"] == 1.0
    assert np.isnan(corr.loc["A", "C"])


@pytest.mark.parametrize("case", CASES)
def test_standardized_alpha_and_duhachek_interval_match_psych(case: str) -> None:
    ref, data, groups = load_case(case)
    for construct, items in groups.items():
        expected = ref["constructs"][construct]
        got = alpha_variants(data[items].to_numpy(float))
        assert got["alpha_std"] == pytest.approx(expected["alpha_std"], abs=CLOSED_FORM)
        assert got["alpha_ase"] == pytest.approx(expected["alpha_ase"], abs=CLOSED_FORM)
        assert got["alpha_ci_duhachek"] == pytest.approx(
            [expected["alpha_duhachek_ci_lower"], expected["alpha_duhachek_ci_upper"]],
            abs=CLOSED_FORM)
