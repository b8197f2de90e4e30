"""Conditional indirect effects, the index of moderated mediation and PROCESS syntax."""

from __future__ import annotations

import re

import numpy as np
import pytest

from conditional_reference import reference, stacked
from semwb.errors import OptionError, SpecError
from semwb.sem.conditional_process import ConditionalIndirect, ModeratedPath
from semwb.sem.process_syntax import MODELS, process_syntax

FIRST_STAGE = ConditionalIndirect((ModeratedPath("eq0.x", "eq0.x:w"), ModeratedPath("eq1.m")))
SECOND_STAGE = ConditionalIndirect((ModeratedPath("eq0.x"), ModeratedPath("eq1.m", "eq1.m:w")))


@pytest.mark.parametrize(("model", "effect"), [("model7", FIRST_STAGE), ("model14", SECOND_STAGE)])
def test_index_and_conditional_effects_equal_r(model: str, effect: ConditionalIndirect) -> None:
    ref = reference()[model]
    coefs = stacked(ref["m_equation"], ref["y_equation"])
    assert effect.index(coefs.names, coefs.est) == pytest.approx(ref["index"], rel=1e-12)
    np.testing.assert_allclose(effect.evaluate(coefs.names, coefs.est, ref["w"]),
                               ref["conditional"], rtol=1e-12)


def test_index_delta_method_se_equals_the_first_order_formula() -> None:
    ref = reference()["model7"]
    coefs = stacked(ref["m_equation"], ref["y_equation"])
    delta = coefs.delta(lambda b: FIRST_STAGE.index(coefs.names, b), 0.95)
    assert delta["se"] == pytest.approx(ref["index_se_delta"], rel=1e-10)


def test_stacked_draws_are_evaluated_row_by_row() -> None:
    ref = reference()["model7"]
    coefs = stacked(ref["m_equation"], ref["y_equation"])
    rng = np.random.default_rng(5)
    draws = rng.multivariate_normal(coefs.est, coefs.vcov, size=200)
    w: list[float] = [float(v) for v in ref["w"]]
    at_once = FIRST_STAGE.evaluate(coefs.names, draws, w)
    assert at_once.shape == (200, 3)
    one = FIRST_STAGE.evaluate(coefs.names, draws[17], w)
    np.testing.assert_allclose(at_once[17], one)
    index = FIRST_STAGE.index(coefs.names, draws)
    assert index.shape == (200,)
    # the index is the difference of conditional effects per unit of w, on every draw
    np.testing.assert_allclose(index, (at_once[:, 2] - at_once[:, 0]) / (w[2] - w[0]), rtol=1e-9)


def test_both_stages_moderated_has_no_index() -> None:
    both = ConditionalIndirect((ModeratedPath("a1", "a3"), ModeratedPath("b1", "b3")))
    assert not both.is_linear
    with pytest.raises(OptionError, match="probe the indirect effect"):
        both.index(["a1", "a3", "b1", "b3"], np.ones(4))
    # (1 + 2w)(3 + 4w) at w = 1
    assert both.evaluate(["a1", "a3", "b1", "b3"], np.array([1.0, 2, 3, 4]), 1.0)[0] == 21.0


def test_unlabelled_parameters_are_named() -> None:
    with pytest.raises(OptionError, match="a3 of the conditional indirect effect"):
        ConditionalIndirect((ModeratedPath("a1", "a3"),)).evaluate(["a1"], np.ones(1), 0.0)


def _labels(syntax: str) -> set[str]:
    return set(re.findall(r"(\w+)\*", syntax.split(":=")[0]))


@pytest.mark.parametrize("number", MODELS)
def test_every_defined_effect_uses_labels_of_the_regressions(number: int) -> None:
    model = process_syntax(number, x="X", y="Y", m=["M"], w="W", z="Z",
                           w_values=[("low", -1.0), ("high", 1.0)], z_values=[("lo", -0.5)])
    regressions = [line for line in model.syntax.splitlines() if " ~ " in line]
    defined = [line for line in model.syntax.splitlines() if ":=" in line]
    labels = {label for line in regressions for label in re.findall(r"(\w+)\*", line)}
    assert defined
    for line in defined:
        used = set(re.findall(r"[A-Za-z_]\w*", line.split(":=")[1]))
        assert used <= labels, line
    for name in model.product_terms:
        assert any(name in line for line in regressions)
    for effect in model.indirect.values():
        assert set(effect.labels) <= labels


@pytest.mark.parametrize(("number", "lines"), [
    (7, ["M ~ a1*X + a2*W + a3*X:W", "Y ~ cp1*X + b1*M", "imm := a3*b1",
         "ind_low := (a1 + a3*(-1))*b1"]),
    (14, ["M ~ a1*X", "Y ~ cp1*X + b2*W + b1*M + b3*M:W", "imm := a1*b3",
          "ind_low := a1*(b1 + b3*(-1))"]),
    (59, ["Y ~ cp1*X + b2*W + cp3*X:W + b1*M + b3*M:W",
          "ind_high := (a1 + a3*1)*(b1 + b3*1)", "dir_high := cp1 + cp3*1"]),
    (4, ["M ~ a1*X", "Y ~ cp1*X + b1*M", "ind := a1*b1", "total := cp1 + a1*b1"]),
    (1, ["Y ~ b1*X + b2*W + b3*X:W", "slope_low := b1 + b3*(-1)"]),
])
def test_process_templates(number: int, lines: list[str]) -> None:
    syntax = process_syntax(number, x="X", y="Y", m=["M"], w="W",
                            w_values=[("low", -1.0), ("high", 1.0)]).syntax
    for line in lines:
        assert line in syntax.splitlines()
    assert ("imm" in syntax) == (number in (7, 8, 14, 15))


def test_parallel_mediators_and_covariates() -> None:
    model = process_syntax(7, x="X", y="Y", m=["M1", "M2"], w="W", covariates=["age"],
                           w_values=[("mean", 0.0)])
    lines = model.syntax.splitlines()
    assert "M2 ~ a1_2*X + a2_2*W + a3_2*X:W + age" in lines
    assert "Y ~ cp1*X + b1_1*M1 + b1_2*M2 + age" in lines
    assert "imm_2 := a3_2*b1_2" in lines
    assert model.product_terms == ("X:W",)


@pytest.mark.parametrize(("number", "kwargs", "match"), [
    (3, {"w": "W"}, "model 3 is not supported"),
    (7, {"m": ["M"]}, "needs a moderator w"),
    (7, {"w": "W"}, "needs at least one mediator"),
    (2, {"w": "W"}, "second moderator z"),
])
def test_process_errors(number: int, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        process_syntax(number, x="X", y="Y", **kwargs)  # type: ignore[arg-type]
