"""Product and power terms of the syntax (``x:w``, ``x:w:z``, ``I(x^2)``) read as their factors.

The model syntax names an interaction or a power on the right of ``~`` as if it were an observed
variable. The spec reads these names when it is loaded (what ``imputation:`` refuses);
:mod:`semwb.conditional.products` computes their columns and :mod:`semwb.conditional` probes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from semwb.errors import SpecError

_NAME = r"[A-Za-z_.][\w.]*"
_POWER = re.compile(rf"^I\(\s*({_NAME})\s*\^\s*(\d+)\s*\)$")
_NAME_ONLY = re.compile(rf"^{_NAME}$")


@dataclass(frozen=True)
class ProductTerm:
    """A term of the syntax that is a product of observed variables.

    Attributes
    ----------
    name
        The term as written in the syntax (``"x:w"``, ``"I(x^2)"``); the new column's name.
    factors
        The variables multiplied, with repeats for a power (``I(x^2)`` -> ``("x", "x")``).
    """

    name: str
    factors: tuple[str, ...]


def _factors(part: str, term: str) -> tuple[str, ...]:
    """The variables of one ``:``-separated part: a name, or ``I(name^k)`` (k >= 2)."""
    power = _POWER.match(part)
    if power:
        exponent = int(power.group(2))
        if exponent < 2:
            raise SpecError(f"Term '{term}': the power must be an integer of at least 2; "
                            f"got {exponent}. Write the variable itself for a power of 1.")
        return (power.group(1),) * exponent
    if part.startswith("I("):
        raise SpecError(f"Term '{term}': only a power of one variable is allowed inside I(), "
                        "such as I(x^2).")
    if not _NAME_ONLY.match(part):
        raise SpecError(f"Term '{term}': '{part}' is neither a variable name nor I(x^2).")
    return (part,)


def parse_term(term: str) -> ProductTerm | None:
    """Read a term name as a product of variables; ``None`` when it is a plain variable name.

    ``x:w`` and ``x:w:z`` are interactions; ``I(x^2)`` (any integer power of at least 2) is a
    power; the two combine (``I(x^2):w``, the moderated quadratic term).

    Raises
    ------
    SpecError
        For ``I(...)`` forms other than a variable to an integer power of at least 2.
    """
    text = term.strip()
    parts = [part.strip() for part in text.split(":")]
    if len(parts) == 1 and not text.startswith("I("):
        return None
    factors = tuple(f for part in parts for f in _factors(part, term))
    return ProductTerm(text, factors)
