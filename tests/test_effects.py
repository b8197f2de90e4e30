"""Defined parameters: the whitelist parser, vectorised evaluation, gradients, delta method."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from semwb.errors import SpecError
from semwb.sem.effects import DefinedEffect, compile_definitions, delta_method
from semwb.sem.syntax import Definition


def compile_one(expression: str,
                labels: tuple[str, ...] = ("a", "b", "cp")) -> DefinedEffect:
    return compile_definitions([Definition("d", expression, 7)], labels=labels, source="m.lav")[0]


def test_evaluates_lavaan_expressions() -> None:
    values = {"a": 0.5, "b": 0.4, "cp": 0.2}
    assert float(compile_one("a*b").evaluate(values)) == pytest.approx(0.2)
    assert float(compile_one("cp + a*b").evaluate(values)) == pytest.approx(0.4)
    assert float(compile_one("a^2 - b/2").evaluate(values)) == pytest.approx(0.05)
    assert float(compile_one("-a + sqrt(b) * exp(0) + log(1)").evaluate(values)) == pytest.approx(
        -0.5 + np.sqrt(0.4))
    assert compile_one("cp + a*b").labels == ("a", "b", "cp")


def test_evaluates_arrays_of_bootstrap_draws() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=1000), rng.normal(size=1000)
    out = compile_one("a*b + 1").evaluate({"a": a, "b": b})
    assert out.shape == (1000,)
    np.testing.assert_allclose(out, a * b + 1)


def test_later_definitions_may_use_earlier_ones() -> None:
    _, total = compile_definitions(
        [Definition("ind", "a*b", 1), Definition("total", "cp + ind", 2)],
        labels=("a", "b", "cp"))
    assert total.labels == ("a", "b", "cp")
    assert float(total.evaluate({"a": 2.0, "b": 3.0, "cp": 1.0})) == 7.0


@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(0.1, 5))
def test_gradient_matches_finite_differences(a: float, b: float, cp: float) -> None:
    effect = compile_one("a*b + sqrt(cp) - a^3/cp")
    values = {"a": a, "b": b, "cp": cp}
    grad = effect.gradient(values)
    for label in ("a", "b", "cp"):
        h = 1e-6
        up, down = dict(values), dict(values)
        up[label] += h
        down[label] -= h
        numeric = (float(effect.evaluate(up)) - float(effect.evaluate(down))) / (2 * h)
        assert grad[label] == pytest.approx(numeric, rel=1e-5, abs=1e-5)


def test_delta_method_for_a_product() -> None:
    effect = compile_one("a*b")
    cov = pd.DataFrame([[0.01, 0.002], [0.002, 0.04]], index=["a", "b"], columns=["a", "b"])
    out = delta_method([effect], {"a": 0.5, "b": 0.3}, cov)
    expected_se = np.sqrt(0.3**2 * 0.01 + 0.5**2 * 0.04 + 2 * 0.5 * 0.3 * 0.002)
    assert out.loc["d", "est"] == pytest.approx(0.15)
    assert out.loc["d", "se"] == pytest.approx(expected_se)
    assert out.loc["d", "ci_lower"] == pytest.approx(0.15 - 1.959964 * expected_se, rel=1e-6)


@pytest.mark.parametrize(("expression", "match"), [
    (
        "__import__('os').system('ls')",
        r"syntax line 7: in 'd := __import__\('os'\).system\('ls'\)'",
    ),
    ("a.real", r"'a.real' is not allowed in a definition"),
    ("a if b else cp", r"is not allowed in a definition"),
    ("[a, b]", r"is not allowed in a definition"),
    ("open('x')", r"'open\('x'\)' is not allowed; the functions are sqrt\(x\), exp\(x\), log\(x\)"),
    ("a % b", r"operator 'a % b' is not allowed; use \+ - \* / \^"),
    ("'text'", r"'text' is not a number"),
    ("a * (b", r"'a \* \(b' is not an expression; expected labels and numbers"),
    (
        "a*zeta",
        r"'d := a\*zeta' uses 'zeta', not a label of the model \(labels: a, b, cp\); label a "
        r"path first",
    ),
])
def test_rejects_anything_outside_the_whitelist(expression: str, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        compile_one(expression)


def test_a_definition_may_not_reuse_a_label() -> None:
    with pytest.raises(SpecError, match=r"'a' is already a parameter label or a definition"):
        compile_definitions([Definition("a", "b*cp", 3)], labels=("a", "b", "cp"))
