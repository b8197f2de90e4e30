"""The population-model simulator: reproducible, realistic, and strict about its syntax."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from semwb.errors import OptionError, SpecError
from semwb.survey.simulate import likert_cuts, parse_population, simulate_responses
from survey_helpers import ITEMS, small_instrument

POPULATION = """
TR =~ 0.8*tr1 + 0.8*tr2 + 0.7*tr3
KS =~ 0.8*ks1 + 0.75*ks2 + 0.8*ks3
KS ~ 0.6*TR
"""


def test_same_seed_same_data_and_realistic_shape() -> None:
    inst = small_instrument()
    first = simulate_responses(POPULATION, inst, n=2000, rng=5, careless=0.1)
    assert first.equals(simulate_responses(POPULATION, inst, n=2000, rng=5, careless=0.1))
    assert not first.equals(simulate_responses(POPULATION, inst, n=2000, rng=6, careless=0.1))
    assert list(first.columns[:2]) == ["rid", "duration_sec"]
    answers = first[ITEMS].stack().dropna()
    assert set(answers.unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert 0.005 < first[ITEMS].isna().to_numpy().mean() < 0.02
    coded = first[ITEMS].copy()
    coded["tr3"] = 6 - coded["tr3"]  # raw data hold tr3 reverse-worded
    tr = coded[["tr1", "tr2", "tr3"]].mean(axis=1)
    ks = coded[["ks1", "ks2", "ks3"]].mean(axis=1)
    assert 0.35 < tr.corr(ks) < 0.6
    assert first["tr3"].corr(first["tr1"]) < 0
    failed = (first["att1"] != 1).mean()
    assert 0.05 < failed < 0.2  # careless respondents fail it, a few attentive ones too


def test_likert_cuts_lean_to_agree() -> None:
    cuts = likert_cuts(1, 7)
    assert len(cuts) == 6
    assert np.all(np.diff(cuts) > 0)
    probs = np.diff(np.concatenate([[0], stats.norm.cdf(cuts), [1]]))
    assert probs[4:].sum() > probs[:3].sum()


def test_quadratic_term_gives_an_inverted_u() -> None:
    inst = small_instrument()
    population = POPULATION.replace("KS ~ 0.6*TR", "KS ~ 0.3*TR + -0.4*TR:TR")
    data = simulate_responses(population, inst, n=3000, rng=1, careless=0, missing=0)
    coded = data[ITEMS].copy()
    coded["tr3"] = 6 - coded["tr3"]
    x = coded[["tr1", "tr2", "tr3"]].mean(axis=1)
    y = coded[["ks1", "ks2", "ks3"]].mean(axis=1)
    quad = np.polyfit(x - x.mean(), y, 2)
    assert quad[0] < -0.05


@pytest.mark.parametrize(("syntax", "pattern"), [
    ("TR =~ tr1 + 0.8*tr2", r"line 1: 'tr1' must be coefficient\*name"),
    ("TR =~ 1.2*tr1 + 0.8*tr2", r"line 1: 1.2 for tr1 must lie strictly between -1 and 1"),
    ("TR -> tr1", r"line 1: no =~, ~ or ~~ in 'TR -> tr1'"),
    (POPULATION + "TR ~ 0.5*KS", r"feedback loop"),
])
def test_bad_population_models(syntax: str, pattern: str) -> None:
    with pytest.raises(SpecError, match=pattern):
        simulate_responses(syntax, small_instrument(), n=50, rng=1)


def test_every_item_needs_a_loading_and_options_are_checked() -> None:
    with pytest.raises(SpecError, match=r"no loading for item\(s\) ks1, ks2, ks3"):
        simulate_responses("TR =~ 0.8*tr1 + 0.8*tr2 + 0.7*tr3", small_instrument(), n=50)
    with pytest.raises(OptionError, match=r"careless must be a share in \[0, 0.5\); got 0.7"):
        simulate_responses(POPULATION, small_instrument(), n=50, careless=0.7)


def test_parse_population_reads_products_and_correlations() -> None:
    pop = parse_population("A =~ 0.7*a1\nB ~ 0.2*A + -0.1*A:C\nA ~~ 0.3*C  # comment")
    assert pop.paths["B"] == {("A",): 0.2, ("A", "C"): -0.1}
    assert pop.correlations == {("A", "C"): 0.3}


def test_latent_product_terms_recover_the_population_interaction() -> None:
    # The shape of hypothesis 9 in surveys/examples/alliance_population.lav: an endogenous focal
    # latent times a correlated exogenous moderator. Regressing the drawn Y on X, W and X*W must
    # give the population paths; at n = 200 000 the OLS standard error of each is about 0.002,
    # so 0.01 is five standard errors.
    from semwb.rng import as_generator
    from semwb.survey.simulate import _draw_latents

    pop = parse_population("X ~ 0.4*A\nY ~ 0.3*X + 0.2*W + 0.15*X:W + -0.1*W:W\nA ~~ 0.3*W")
    n = 200_000
    values = _draw_latents(pop, n, as_generator(11))
    x, w, y = values["X"], values["W"], values["Y"]
    design = np.column_stack([np.ones(n), x, w, x * w, w * w])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    assert coef[1:] == pytest.approx([0.3, 0.2, 0.15, -0.1], abs=0.01)
    assert y.var() == pytest.approx(1.0, abs=0.02)

