"""LMS (latent moderated structural equations): the linear case against lavaan, recovery of known
population values, agreement with the product-indicator (DMC) estimates, and the syntax it
accepts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from product_helpers import built_as_reference
from semwb.conditional.lms import fit_lms
from semwb.conditional.lms_fit import fit_latent_interactions, fit_linear, lms_start
from semwb.conditional.lms_model import LmsModel, lms_model
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


def _model(structure: str) -> LmsModel:
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
    from semwb.sem.estimate import fit_model
    from semwb.sem.spec import spec_from_syntax
    from semwb.sem.terms import parse_term

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


DMC_SYNTAX = ("XPR =~ xpr1 + xpr2 + xpr3\nRC =~ rc1 + rc2 + rc3\nCI =~ ci1 + ci2 + ci3\n"
              "CI ~ XPR + RC + XPR:RC\n")


def test_latent_moderator_is_probed_with_johnson_neyman_in_an_analysis() -> None:
    from scipy import stats

    from semwb.pipeline import run_analysis
    from semwb.report.render import render_report
    from semwb.sem.spec import spec_from_syntax

    folder = REFERENCE / "latent_interaction_dmc"
    results = run_analysis(spec_from_syntax(DMC_SYNTAX, name="dmc"),
                           pd.read_csv(folder / "data.csv"))
    assert results.conditional is not None
    assert "lms" not in results.conditional
    (path,) = results.conditional["latent_products"][0]["paths"]
    probe = path["probe"]
    reference = json.loads((folder / "probe.json").read_text(encoding="utf-8"))
    # The slopes are semTools' probe2WayMC ones; at each Johnson-Neyman bound the slope's z is
    # the critical value (the bound solves slope / se = +-1.96).
    assert [s["se"] for s in probe["slopes"]] == pytest.approx(reference["se"], rel=1e-3)
    assert probe["range"] == "latent"
    assert probe["jn"]["observed"] == pytest.approx([-2 * reference["sd_rc"],
                                                     2 * reference["sd_rc"]], rel=1e-4)
    slope = [path["slopes"][1]["est"], (path["slopes"][2]["est"] - path["slopes"][1]["est"])
             / reference["sd_rc"]]
    assert probe["jn"]["bounds"]
    for bound in probe["jn"]["bounds"]:
        est = slope[0] + slope[1] * bound
        assert abs(est / _slope_se(path, reference["sd_rc"], bound)) == pytest.approx(
            stats.norm.ppf(0.975), rel=1e-6)
    assert len(probe["band"]["value"]) == len(probe["band"]["ci_lower"]) > 10
    html = render_report(results, lang="en", downloads=False)
    assert "Within ±2 SD of the latent RC (" in html
    assert "Method: product indicators" in html
    assert "在潜变量 RC 的 ±2 个标准差（" in render_report(results, lang="zh", downloads=False)


def _slope_se(path: dict[str, object], sd: float, value: float) -> float:
    """The slope's SE at ``value`` from the SEs at 0 and +-1 SD (a quadratic in the value)."""
    slopes = path["slopes"]
    assert isinstance(slopes, list)
    low, mid, high = (s["se"] ** 2 for s in slopes)
    curvature = (high + low - 2 * mid) / (2 * sd**2)
    linear = (high - low) / (2 * sd)
    return float(np.sqrt(mid + linear * value + curvature * value**2))


def test_lms_in_an_analysis_says_which_method_and_why() -> None:
    from semwb.pipeline import run_analysis
    from semwb.report.render import render_report
    from semwb.sem.spec import spec_from_syntax

    data = pd.read_csv(REFERENCE / "latent_interaction_dmc" / "data.csv")
    spec = spec_from_syntax(DMC_SYNTAX, name="lms", latent_interaction="lms")
    results = run_analysis(spec, data)
    assert results.conditional is not None
    lms = results.conditional["lms"]
    model = lms_model(parse_syntax(DMC_SYNTAX), source="t")
    _, direct = fit_latent_interactions(model, data, source="t")
    assert lms["terms"]["XPR:RC"]["est"] == pytest.approx(direct["terms"]["XPR:RC"]["est"],
                                                          abs=1e-8)
    assert lms["method"] == "lms"
    assert lms["probes"][0]["jn"]["region"] in ("inside", "outside", "everywhere", "nowhere")
    html = render_report(results, lang="en", downloads=False)
    assert "Latent interaction XPR × RC → CI by LMS" in html
    assert "Method: LMS, as the spec asks" in html
    assert "Method: product indicators" not in html
    # the LMS table says it is LMS's; only the product-indicator one is probe2WayMC's
    assert "±1 SD, from the LMS estimates" in html
    assert "SE, p and CI of each slope are Wald (delta method" in html
    assert html.count("(as semTools' probe2WayMC)") <= html.count("Method: product indicators")
    assert "stopped before meeting its convergence criterion" not in html
    stalled = results.model_copy(update={"conditional": {
        **results.conditional, "lms": {**lms, "converged": False}}})
    assert "stopped before meeting its convergence criterion" in render_report(
        stalled, lang="en", downloads=False)
    assert "LMS 估计" in render_report(results, lang="zh", downloads=False)


def test_lms_key_needs_a_latent_product() -> None:
    from semwb.model_data import model_data
    from semwb.sem.spec import spec_from_syntax

    data = pd.read_csv(REFERENCE / "latent_interaction_dmc" / "data.csv")
    spec = spec_from_syntax(DMC_SYNTAX.replace(" + XPR:RC", ""), name="x", source="m.yaml",
                            latent_interaction="lms")
    with pytest.raises(SpecError, match=r"m.yaml: 'latent_interaction: lms' needs a product"):
        model_data(spec, data)
    with pytest.raises(SpecError, match=r"'latent_interaction' input should be 'dmc' or 'lms'"):
        spec_from_syntax(DMC_SYNTAX, name="x", latent_interaction="qml")
    fiml = spec_from_syntax(DMC_SYNTAX, name="x", source="m.yaml", latent_interaction="lms",
                            missing="fiml", estimator="MLR")
    with pytest.raises(SpecError, match=r"m.yaml: 'latent_interaction: lms' is fitted by ML on "
                                        r"complete rows of one group; it does not combine with "
                                        r"missing: fiml, estimator: MLR"):
        model_data(fiml, data)


def test_latent_square_by_product_indicators_equals_indprod_and_lavaan() -> None:
    # tests/reference/latent_quadratic_dmc: semTools::indProd squares, lavaan 0.6.14's sem().
    from semwb.pipeline import run_analysis
    from semwb.report.render import render_report
    from semwb.sem.spec import spec_from_syntax

    folder = REFERENCE / "latent_quadratic_dmc"
    data = pd.read_csv(folder / "data.csv")
    spec = spec_from_syntax(MEASUREMENT + "Y ~ X + W + I(X^2)\n", name="square",
                            latent_interaction="lms")
    built_as_reference(spec, folder)
    results = run_analysis(spec, data)
    reference = json.loads((folder / "lavaan.json").read_text(encoding="utf-8"))
    assert results.fit.chisq == pytest.approx(reference["chisq"], rel=1e-6)
    ours = {(r.lhs, r.op, r.rhs): r for r in results.parameters}
    for row in reference["parameters"]:
        mine = ours[(row["lhs"], row["op"], row["rhs"])]
        assert mine.est == pytest.approx(row["est"], abs=1e-4), row
        assert mine.se == pytest.approx(row["se"], rel=1e-3), row
    assert results.conditional is not None
    (square,) = results.conditional["latent_products"]
    assert square["factors"] == ["X", "X"]
    assert square["paths"][0]["slopes"] is None  # no two-way probe of a square
    # Its turning point -b1 / (2 b2) from lavaan's estimates; LMS's from its own.
    lavaan = {(r["lhs"], r["rhs"]): r["est"] for r in reference["parameters"]}
    point = square["paths"][0]["turning_point"]
    assert point["est"] == pytest.approx(-lavaan[("Y", "X")] / (2 * lavaan[("Y", "X.X")]),
                                         abs=1e-3)
    assert point["shape"] == "inverted_u"
    assert point["fieller"]["kind"] == "bounded"
    assert point["fieller"]["lower"] < point["est"] < point["fieller"]["upper"]
    block = results.conditional["lms"]
    (lms_point,) = (p["turning_point"] for p in block["probes"])
    assert lms_point["est"] == pytest.approx(
        -block["paths"]["X"]["est"] / (2 * block["terms"]["I(X^2)"]["est"]), rel=1e-12)
    lms = results.conditional["lms"]["terms"]["I(X^2)"]
    # This sample gives -0.138 (SE 0.026) by LMS and -0.142 by DMC, for a population value of
    # -0.2: the two methods agree within half an SE, and both lie within 3 SEs of the truth.
    assert abs(lms["est"] - ours[("Y", "~", "X.X")].est) < 0.5 * lms["se"]
    assert abs(lms["est"] + 0.2) < 3 * lms["se"]
    html = render_report(results, lang="en", downloads=False)
    assert "Latent quadratic term I(X^2) → Y by LMS" in html
    assert "Latent interaction X² → Y: B = " in html
    assert html.count("Inverted U in the latent X: turning point at X = ") == 2

