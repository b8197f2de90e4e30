"""LMS (latent moderated structural equations): the linear case against lavaan, recovery of known
population values, agreement with the product-indicator (DMC) estimates, and the syntax it
accepts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semwb.conditional.lms import fit_lms
from semwb.conditional.lms_fit import fit_latent_interactions, fit_linear, lms_start
from semwb.conditional.lms_model import lms_model
from semwb.errors import SpecError
from semwb.sem.syntax import parse_syntax

REFERENCE = Path(__file__).parent / "reference"
MEASUREMENT = "X =~ x1 + x2 + x3\nW =~ w1 + w2 + w3\nY =~ y1 + y2 + y3\n"
# Population: Phi = [[1, .3], [.3, 1]], loadings 1, .8, .9, residual variances .4, intercepts
# 3, 3.5, 4; Y = .4 X + .3 W + .25 X W - .15 X^2 + zeta, var(zeta) = .5.
TRUE = {"X": 0.4, "W": 0.3, "X:W": 0.25, "X:X": -0.15}


def _simulate(n: int, seed: int, *, quadratic: float = TRUE["X:X"]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    xi = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=n)
    x, w = xi[:, 0], xi[:, 1]
    eta = (TRUE["X"] * x + TRUE["W"] * w + TRUE["X:W"] * x * w + quadratic * x * x
           + np.sqrt(0.5) * rng.standard_normal(n))
    cols = {}
    for name, latent in (("x", x), ("w", w), ("y", eta)):
        for i, (lam, nu) in enumerate(((1.0, 3.0), (0.8, 3.5), (0.9, 4.0)), start=1):
            cols[f"{name}{i}"] = nu + lam * latent + np.sqrt(0.4) * rng.standard_normal(n)
    return pd.DataFrame(cols)


def _model(structure: str) -> object:
    return lms_model(parse_syntax(MEASUREMENT + structure), source="test")


def test_lms_with_the_interaction_fixed_at_zero_is_lavaans_linear_model() -> None:
    # tests/reference/latent_interaction_lms: lavaan 0.6.14, meanstructure, observed information.
    ref = json.loads((REFERENCE / "latent_interaction_lms" / "lavaan.json").read_text())
    data = pd.read_csv(REFERENCE / "latent_interaction_dmc" / "data.csv")
    model = lms_model(parse_syntax("XPR =~ xpr1 + xpr2 + xpr3\nRC =~ rc1 + rc2 + rc3\n"
                                   "CI =~ ci1 + ci2 + ci3\nCI ~ XPR + RC + XPR:RC\n"), source="t")
    start = lms_start(model, fit_linear(model, data, source="t"))
    omega = model.rows().index(("CI", "~", "XPR:RC"))
    fit = fit_lms(model, data, start, nodes=48, fixed={omega: 0.0})
    assert fit.n_obs == ref["n_obs"]
    assert fit.loglik == pytest.approx(ref["loglik"], abs=1e-4)
    table = fit.parameters.set_index(["lhs", "op", "rhs"])
    assert len(ref["parameters"]) == fit.npar - 1 == 30
    for row in ref["parameters"]:
        mine = table.loc[(row["lhs"], row["op"], row["rhs"])]
        assert mine["est"] == pytest.approx(row["est"], abs=2e-5), row
        assert mine["se"] == pytest.approx(row["se"], rel=1e-3), row


def test_latents_outside_the_quadrature_enter_the_covariance_exactly() -> None:
    # Y ~ X + W + X:X integrates over X only; W's part is in the conditional covariance. With
    # the quadratic fixed at 0 the fit is semwb's ML fit of the linear model (lavaan's, by the
    # parity cases), to the quadrature's error.
    data = _simulate(400, seed=5)
    model = _model("Y ~ X + W + X:X\n")
    assert model.nonlinear == 1
    linear = fit_linear(model, data, source="t")
    omega = model.rows().index(("Y", "~", "X:X"))
    fit = fit_lms(model, data, lms_start(model, linear), nodes=64, fixed={omega: 0.0})
    assert fit.loglik == pytest.approx(linear.fit.loglik, abs=1e-5)
    theirs = linear.parameters[linear.parameters["free"]].set_index(["lhs", "op", "rhs"])
    for (lhs, op, rhs), row in fit.parameters.set_index(["lhs", "op", "rhs"]).iterrows():
        if rhs == "X:X":
            continue
        key = (lhs, op, rhs) if (lhs, op, rhs) in theirs.index else (rhs, op, lhs)
        assert row["est"] == pytest.approx(theirs.loc[key, "est"], abs=1e-5), key


@pytest.mark.slow
def test_lms_recovers_population_values() -> None:
    # One sample of 4000: each estimate within 3.5 of its own standard errors of the population
    # value (a 1-in-2000 miss per parameter for a correct estimator; the SEs' coverage over
    # replications is bench/lms_recovery.py's).
    data = _simulate(4000, seed=3)
    model = _model("Y ~ X + W + X:W + X:X\n")
    fit, block = fit_latent_interactions(model, data, source="test")
    table = fit.parameters.set_index(["lhs", "op", "rhs"])
    for term, value in TRUE.items():
        row = table.loc[("Y", "~", term)]
        assert abs(row["est"] - value) < 3.5 * row["se"], (term, row["est"], row["se"])
    assert abs(table.loc[("X", "~~", "W"), "est"] - 0.3) < 3.5 * table.loc[("X", "~~", "W"),
                                                                            "se"]
    assert table.loc[("Y", "~~", "Y"), "est"] == pytest.approx(0.5, abs=0.1)
    assert block["lr_test"]["df"] == 2
    assert block["lr_test"]["pvalue"] < 1e-10


def test_lms_agrees_with_product_indicators_on_the_same_data() -> None:
    from semwb.conditional.latent_products import add_latent_products
    from semwb.conditional.products import parse_term
    from semwb.sem.estimate import fit_model
    from semwb.sem.spec import spec_from_syntax

    data = _simulate(1500, seed=8, quadratic=0.0)
    syntax = MEASUREMENT + "Y ~ X + W + X:W\n"
    parsed = parse_syntax(syntax)
    term = parse_term("X:W")
    assert term is not None
    rewritten, products, _ = add_latent_products(syntax, parsed, data, [term], source="t")
    dmc = fit_model(spec_from_syntax(rewritten, name="dmc"), products).parameters
    dmc_paths = dmc[(dmc["lhs"] == "Y") & (dmc["op"] == "~")].set_index("rhs")
    _, block = fit_latent_interactions(lms_model(parsed, source="t"), data, source="t")
    assert block["terms"]["X:W"]["est"] == pytest.approx(
        dmc_paths.loc["X.W", "est"], abs=1.5 * block["terms"]["X:W"]["se"])
    for name in ("X", "W"):
        assert block["paths"][name]["est"] == pytest.approx(
            dmc_paths.loc[name, "est"], abs=1.5 * block["paths"][name]["se"])


@pytest.mark.parametrize(("structure", "pattern"), [
    ("Y ~ X + W\n", r"no latent interaction or quadratic term"),
    ("Y ~ X + W + X:W\nX ~~ 0*W\n", r"'X ~~ W' \(only =~ lines"),
    ("Y ~ X + W + X:W\nW ~ X\n", r"one structural equation with a latent outcome is needed"),
    ("Y ~ X + W + X:W:x1\n", r"two-way interactions and quadratic terms only"),
    ("Y ~ X + x1 + X:x1\n", r"'x1' needs exogenous latents; x1 is not one"),
])
def test_lms_refuses_what_it_does_not_fit(structure: str, pattern: str) -> None:
    with pytest.raises(SpecError, match=rf"test: LMS cannot fit this model: .*{pattern}.*"
                                        "latent_interaction: dmc"):
        _model(structure)


def test_quadratic_term_written_either_way_is_one_latent() -> None:
    model = _model("Y ~ X + I(X^2)\n")
    assert model.products == ((0, 0),)
    assert model.nonlinear == 1
    assert _model("Y ~ X + W + X:X\n").latents == ("X", "W")
