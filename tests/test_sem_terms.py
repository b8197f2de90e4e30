"""Product and power term names of the syntax read as their factors."""

from __future__ import annotations

import pytest

from semwb.errors import SpecError
from semwb.sem.terms import parse_term


@pytest.mark.parametrize(("term", "factors"), [
    ("x:w", ("x", "w")), ("x : w : z", ("x", "w", "z")), ("I(x^2)", ("x", "x")),
    ("I( pd ^ 3 )", ("pd", "pd", "pd")), ("AR.c:IOL", ("AR.c", "IOL")),
    ("I(x^2):w", ("x", "x", "w")), ("w:I(x^2)", ("w", "x", "x")),
])
def test_parse_term_reads_products_and_powers(term: str, factors: tuple[str, ...]) -> None:
    parsed = parse_term(term)
    assert parsed is not None
    assert parsed.factors == factors


def test_parse_term_leaves_plain_names_alone() -> None:
    assert parse_term("x") is None


@pytest.mark.parametrize(("term", "match"), [
    ("I(x^1)", "at least 2"), ("I(log(x))", "only a power"), ("I(x*w)", "only a power"),
    ("x:log(w)", "'log\\(w\\)' is neither"),
])
def test_parse_term_rejects_other_functions(term: str, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        parse_term(term)
