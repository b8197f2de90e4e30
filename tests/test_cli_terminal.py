"""Number formatting of the terminal tables (`semwb.cli.terminal`)."""

from __future__ import annotations

import pytest

from semwb.cli.terminal import fmt


@pytest.mark.parametrize(("value", "digits", "sign", "shown"), [
    (-2.2e-16, 3, False, "0.000"),     # never "-0.000"
    (-0.0004, 3, True, "0.000"),       # never "-0.000" nor "+0.000"
    (0.0004, 3, True, "0.000"),
    (-0.0126, 3, True, "-0.013"),
    (0.0126, 3, True, "+0.013"),
    (-1.5, 2, False, "-1.50"),
    (None, 3, False, "—"),
])
def test_fmt_never_prints_a_signed_zero(value: float | None, digits: int, sign: bool,
                                        shown: str) -> None:
    assert fmt(value, digits, sign=sign) == shown
