"""Latent interactions by product indicators: double-mean-centred matched pairs.

A term ``F:G`` of two latent variables on the right of ``~`` becomes a latent ``F.G`` measured by
products of their indicators (Kenny & Judd, 1984), as lavaan users build it with semTools'
``indProd``: each indicator is centred at its mean, the pairs are multiplied, and each product is
centred again (double-mean-centring, Lin et al., 2010), which removes the need for a mean
structure and the nonlinear constraints of the constrained approach. Indicators are paired in the
order the ``=~`` lines list them, each used once (matched pairs, Marsh, Wen & Hau, 2004), so the
product indicators share no item and need no residual covariances; with unequal numbers of
indicators the extra ones of the longer list are left out of the products. The product latent is
exogenous and, as lavaan's default, covaries with the other exogenous latents. A latent square
``F:F`` (or ``I(F^2)``) is measured the same way by the double-mean-centred squares of ``F``'s
indicators (``f1.f1``, ...; Marsh, Wen & Hau, 2004, for quadratic effects; Lin et al., 2010).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from semwb.errors import SpecError

if TYPE_CHECKING:
    import pandas as pd

    from semwb.conditional.coefficients import Coefficients
    from semwb.sem.syntax import ParsedSyntax
    from semwb.sem.terms import ProductTerm

METHOD = "double_mean_centering_matched_pairs"


@dataclass(frozen=True)
class LatentProduct:
    """One latent interaction built from product indicators (the first factor is the focal
    predictor when probed, the second the moderator).

    Attributes
    ----------
    term
        The term as written (``"XPR:RC"``).
    latent
        The product latent that replaces it in the syntax (``"XPR.RC"``).
    pairs
        The indicator pairs multiplied; each product column is named ``"a.b"``.
    factors
        The two latents multiplied (the same one twice for a square).
    """

    term: str
    latent: str
    pairs: tuple[tuple[str, str], ...]
    factors: tuple[str, str]

    @property
    def indicators(self) -> tuple[str, ...]:
        """The product indicator columns."""
        return tuple(f"{a}.{b}" for a, b in self.pairs)

    def to_dict(self) -> dict[str, object]:
        """The JSON form for ``results.json -> conditional -> latent_products``."""
        return {"term": self.term, "latent": self.latent, "method": METHOD,
                "factors": list(self.factors), "indicators": list(self.indicators)}


def _indicators(parsed: ParsedSyntax, latent: str) -> list[str]:
    return [t.rhs for t in parsed.terms if t.op == "=~" and t.lhs == latent]


def _problems(term: ProductTerm, parsed: ParsedSyntax, data: pd.DataFrame) -> list[str]:
    latents = set(parsed.latents)
    factors = term.factors
    if len(factors) != 2:
        return [f"term '{term.name}': semwb builds latent interactions and squares of latent "
                "variables only (no three-way products); use composite scores ('composites:') "
                "for these"]
    if not set(factors) <= latents:
        return [f"term '{term.name}' multiplies a latent and an observed variable; use the "
                "latent's composite score ('composites:') under another name than the latent"]
    problems = []
    for factor in factors:
        items = _indicators(parsed, factor)
        absent = [i for i in items if i not in data.columns]
        if absent:
            problems.append(f"term '{term.name}': the indicators of '{factor}' must be data "
                            f"columns for product indicators; {', '.join(absent)} are not")
    return problems


def add_latent_products(syntax: str, parsed: ParsedSyntax, data: pd.DataFrame,
                        terms: Sequence[ProductTerm], *, source: str,
                        ) -> tuple[str, pd.DataFrame, tuple[LatentProduct, ...]]:
    """Replace each latent ``F:G`` of the syntax by a product latent and add its indicators.

    Returns
    -------
    (str, pandas.DataFrame, tuple of LatentProduct)
        The new syntax (``F:G`` renamed ``F.G`` and a line ``F.G =~ f1.g1 + f2.g2 + ...``
        appended), the data with the double-mean-centred product columns, and the record.

    Raises
    ------
    SpecError
        For a product that is not of two latents whose indicators are data columns, or a product
        column name already in the data, naming the spec and the term.
    """
    problems = [p for t in terms for p in _problems(t, parsed, data)]
    made: list[LatentProduct] = []
    for term in terms:
        if len(term.factors) != 2:
            continue
        first, second = term.factors
        pairs = tuple(zip(_indicators(parsed, first), _indicators(parsed, second), strict=False))
        made.append(LatentProduct(term.name, f"{first}.{second}", pairs, (first, second)))
    clash = [c for p in made for c in (p.latent, *p.indicators) if c in data.columns]
    problems += [f"'{c}' is already a column of the data; rename it" for c in clash]
    if problems:
        raise SpecError(f"{source}: {'; '.join(dict.fromkeys(problems))}.")
    out = data.copy()
    lines = [syntax.rstrip("\n")]
    for product in made:
        for (a, b), name in zip(product.pairs, product.indicators, strict=True):
            x, w = out[a].astype(float), out[b].astype(float)
            raw = (x - x.mean()) * (w - w.mean())
            out[name] = raw - raw.mean()
        pattern = rf"(?<![\w.:]){re.escape(product.term)}(?![\w.:])"
        lines[0] = re.sub(pattern, product.latent, lines[0])
        lines.append(f"{product.latent} =~ {' + '.join(product.indicators)}")
    return "\n".join(lines) + "\n", out, tuple(made)


def latent_slopes(coefs: Coefficients, product: LatentProduct, *, sd: float,
                  level: float = 0.95) -> list[dict[str, float | str]]:
    """Simple slopes of the first latent at the second's mean and +-1 SD (semTools' probe2WayMC).

    Parameters
    ----------
    coefs
        The outcome's regression coefficients (named by predictor: ``F``, ``G``, ``F.G``).
    product
        The latent interaction.
    sd
        The moderator's standard deviation (the square root of its fitted variance); latent
        means are 0, so the values are -sd, 0 and sd.
    level
        Confidence level.

    Returns
    -------
    list of dict
        ``label, value, est, se, stat, pvalue, ci_lower, ci_upper`` per moderator value.
    """
    from semwb.conditional.probing import Moderation, simple_slopes

    focal, moderator = product.factors
    values = [("-1 SD", -sd), ("mean", 0.0), ("+1 SD", sd)]
    table = simple_slopes(coefs, Moderation.two_way(focal, moderator, product.latent),
                          {moderator: [v for _, v in values]}, level=level)
    keys = ("est", "se", "stat", "pvalue", "ci_lower", "ci_upper")
    return [{"label": label, "value": value, **{k: float(table[k].iloc[i]) for k in keys}}
            for i, (label, value) in enumerate(values)]
