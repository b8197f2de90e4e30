"""Interaction and power columns (``x:w``, ``x:w:z``, ``I(x^2)``) computed from the data.

The model syntax names an interaction ``x:w`` or a power ``I(x^2)`` on the right of ``~`` as if it
were an observed variable; this module makes that variable. Each variable entering a term is first
centered as chosen (its mean, a given value, or not at all) *in place* -- the main effect and the
product then use the same centered variable, as Aiken & West (1991) advise -- and the product is
formed from the centered columns. Centering is a shift: it changes intercepts and the meaning of
lower-order coefficients (the slope of ``x`` at ``w`` = its center), never the fit or the
coefficient of the highest-order term.

What was centered, and by how much, is returned with the new frame so that results and reports can
say it and convert moderator values between the data's scale and the model's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from semwb.errors import SpecError, join_problems
from semwb.sem.terms import ProductTerm, parse_term

if TYPE_CHECKING:
    import pandas as pd

Center = Literal["mean", "none"] | float


@dataclass(frozen=True)
class Centering:
    """How one variable was centered before it entered a product.

    Attributes
    ----------
    variable
        The column name.
    method
        ``"mean"``, ``"value"`` (a number the user gave) or ``"none"``.
    center
        The value subtracted (0 for ``"none"``). A value on the data's scale ``v`` is ``v - center``
        on the model's scale.
    """

    variable: str
    method: Literal["mean", "value", "none"]
    center: float

    def to_model(self, value: float) -> float:
        """Return a value of the data's scale on the model's (centered) scale."""
        return value - self.center

    def to_data(self, value: float) -> float:
        """Return a value of the model's (centered) scale on the data's scale."""
        return value + self.center


@dataclass(frozen=True)
class ProductData:
    """The data with product columns added, and the record of the centering done.

    Attributes
    ----------
    data
        A new frame: centered variables replaced in place, one column per term added.
    terms
        The terms computed, in the order given.
    centering
        One :class:`Centering` per variable entering a term, in order of first appearance.
    """

    data: pd.DataFrame
    terms: tuple[ProductTerm, ...]
    centering: tuple[Centering, ...]

    def center_of(self, variable: str) -> Centering:
        """Return the centering record of ``variable`` (``KeyError`` if it is in no term)."""
        for record in self.centering:
            if record.variable == variable:
                return record
        raise KeyError(variable)

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form for ``results.json`` (provenance of the product terms)."""
        return {
            "terms": {t.name: list(t.factors) for t in self.terms},
            "centering": {c.variable: {"method": c.method, "center": c.center}
                          for c in self.centering},
        }


def _center_value(variable: str, choice: Center, column: pd.Series) -> Centering:
    if isinstance(choice, str):
        if choice == "mean":
            return Centering(variable, "mean", float(column.mean()))
        if choice == "none":
            return Centering(variable, "none", 0.0)
        raise SpecError(f"Centering of '{variable}' must be 'mean', 'none' or a number; "
                        f"got '{choice}'.")
    return Centering(variable, "value", float(choice))


def add_product_terms(
    data: pd.DataFrame,
    terms: Iterable[str],
    *,
    centering: Mapping[str, Center] | None = None,
    default: Center = "mean",
) -> ProductData:
    """Center the variables of the product terms and add one column per term.

    Parameters
    ----------
    data
        The observed data (items, composites); not changed.
    terms
        Term names as written in the model (``"x:w"``, ``"x:w:z"``, ``"I(x^2)"``); plain variable
        names among them are ignored, so all right-hand-side names of a model can be passed.
    centering
        Per variable: ``"mean"``, ``"none"`` or a number to subtract. Variables not named get
        ``default``.
    default
        Centering of the variables not named in ``centering`` (``"mean"``).

    Returns
    -------
    ProductData
        The new frame, the terms and the centering record. A product row is missing when any of
        its factors is.

    Raises
    ------
    SpecError
        Naming each term whose variable is absent from the data or not numeric, all at once.
    """
    import pandas as pd

    parsed = [p for p in (parse_term(t) for t in terms) if p is not None]
    unique = list(dict.fromkeys(parsed))
    choices = dict(centering or {})
    problems = []
    for term in unique:
        for factor in dict.fromkeys(term.factors):
            if factor not in data.columns:
                problems.append(f"Term '{term.name}': variable '{factor}' is not a column of the "
                                "data. Add it to the data or correct the name.")
            elif not pd.api.types.is_numeric_dtype(data[factor]):
                problems.append(f"Term '{term.name}': variable '{factor}' is not numeric "
                                f"(type {data[factor].dtype}); products need numbers.")
    unknown = sorted(set(choices) - {f for t in unique for f in t.factors})
    problems += [f"Centering is given for '{name}', which is in no product term; remove it or "
                 "add the term to the model." for name in unknown]
    if problems:
        raise SpecError(join_problems(f"{len(problems)} problems with product terms", problems))
    out = data.copy()
    records: list[Centering] = []
    for variable in dict.fromkeys(f for t in unique for f in t.factors):
        record = _center_value(variable, choices.get(variable, default), out[variable])
        out[variable] = out[variable].astype(float) - record.center
        records.append(record)
    for term in unique:
        product = out[term.factors[0]].astype(float)
        for factor in term.factors[1:]:
            product = product * out[factor]
        out[term.name] = product
    return ProductData(out, tuple(unique), tuple(records))
