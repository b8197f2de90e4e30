"""Probing an interaction: simple slopes at moderator values and the Johnson-Neyman region.

The slope of the focal predictor ``x`` in ``y ~ x + w + x:w`` is ``b_x + b_xw * w``; with more
moderators (``x:w:z``) it is ``b_x + sum_j b_j * prod(moderators of term j)``. A moderation is
described by the focal coefficient and, for each product term, the moderators it multiplies, so
two- and three-way interactions share one code path.

Notes
-----
Simple slopes and their standard errors follow Aiken & West (1991, ch. 2) and Preacher, Curran &
Bauer (2006): ``se^2 = w' V w`` for the weights ``w`` of the coefficients. The Johnson-Neyman
(1936) boundaries solve ``(c0 + c1 m)^2 = q^2 (g0 + g1 m)' V (g0 + g1 m)`` for the moderator ``m``,
``q`` the critical value (Bauer & Curran, 2005, eq. 7); checked against R ``lm`` with base-R
formulas and rockchalk's ``testSlopes`` (tests/reference/moderation_observed).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from semwb.conditional.coefficients import Coefficients, as_array
from semwb.errors import OptionError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

    Array = NDArray[np.float64]

Region = Literal["outside", "inside", "above", "below", "everywhere", "nowhere"]


@dataclass(frozen=True)
class Moderation:
    """The slope of a focal predictor as a function of its moderators.

    Attributes
    ----------
    focal
        Name of the focal predictor's own coefficient (its slope where every moderator is 0).
    terms
        ``(coefficient name, moderators it multiplies)`` for each product term with the focal
        predictor: ``(("x:w", ("w",)),)`` for a two-way interaction.
    """

    focal: str
    terms: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def two_way(cls, focal: str, moderator: str, interaction: str) -> Moderation:
        """The moderation of ``focal`` by ``moderator`` through coefficient ``interaction``."""
        return cls(focal, ((interaction, (moderator,)),))

    @property
    def moderators(self) -> tuple[str, ...]:
        """The moderators, in order of first appearance."""
        return tuple(dict.fromkeys(m for _, mods in self.terms for m in mods))

    def weights(self, coefs: Coefficients, at: Mapping[str, Array]) -> Array:
        """Weight matrix of the slope at the moderator values ``at`` (arrays of equal length)."""
        import numpy as np

        missing = [m for m in self.moderators if m not in at]
        if missing:
            raise OptionError(f"Give values for the moderator(s) {', '.join(missing)} of "
                              f"'{self.focal}'.")
        size = len(next(iter(at.values()))) if at else 1
        by_name: dict[str, Array] = {self.focal: np.ones(size)}
        for name, mods in self.terms:
            by_name[name] = np.prod([at[m] for m in mods], axis=0)
        return coefs.weights(by_name, size)


def moderator_values(
    values: Sequence[float] | Array,
    *,
    rule: Literal["sd", "percentile", "values"] = "sd",
    given: Sequence[float] = (),
) -> list[tuple[str, float]]:
    """Choose the moderator values at which to probe.

    Parameters
    ----------
    values
        The moderator's observed values (missing values are ignored).
    rule
        ``"sd"``: mean - 1 SD, mean, mean + 1 SD (sample SD, n - 1); ``"percentile"``: the 16th,
        50th and 84th percentiles (Hayes's PROCESS); ``"values"``: the values ``given``.
    given
        The values for ``rule = "values"``.

    Returns
    -------
    list of (label, value)
        Labels ``"-1 SD"``, ``"mean"``, ``"+1 SD"``, ``"p16"``, ... or the value itself.
    """
    import numpy as np

    data = as_array(values)
    data = data[np.isfinite(data)]
    if rule == "values":
        if not given:
            raise OptionError("Probing at given values needs at least one moderator value.")
        return [(f"{v:g}", float(v)) for v in given]
    if data.size < 2:
        raise OptionError("The moderator needs at least two observed values to be probed.")
    if rule == "sd":
        mean, sd = float(data.mean()), float(data.std(ddof=1))
        return [("-1 SD", mean - sd), ("mean", mean), ("+1 SD", mean + sd)]
    if rule == "percentile":
        return [(f"p{q}", float(np.percentile(data, q))) for q in (16, 50, 84)]
    raise OptionError(f"The probing rule must be one of sd, percentile, values; got '{rule}'.")


def simple_slopes(
    coefs: Coefficients,
    moderation: Moderation,
    at: Mapping[str, Sequence[float]],
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """Simple slopes of the focal predictor at every combination of moderator values.

    Parameters
    ----------
    coefs
        Estimates and covariance of (at least) the coefficients of ``moderation``.
    moderation
        The focal coefficient and its product terms.
    at
        Values per moderator; with several moderators every combination is probed.
    level
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per combination: a column per moderator, then ``est`` (the slope), ``se``,
        ``stat`` (z, or t with ``coefs.df``), ``pvalue`` (two-sided), ``ci_lower``, ``ci_upper``.
    """
    import numpy as np
    import pandas as pd

    names = [n for n in moderation.moderators if n in at]
    grid = list(itertools.product(*(as_array(at[n]) for n in names)))
    points = {n: np.array([g[i] for g in grid], dtype=float) for i, n in enumerate(names)}
    table = coefs.table(moderation.weights(coefs, points), level)
    return pd.DataFrame({**points, **table})


@dataclass(frozen=True)
class JohnsonNeyman:
    """The Johnson-Neyman region of significance of a simple slope.

    Attributes
    ----------
    bounds
        The real roots, ascending (0, 1 or 2 values); where the slope's interval touches zero.
    region
        Where the slope is significant: ``"outside"`` the two bounds, ``"inside"`` them,
        ``"above"`` or ``"below"`` a single bound, ``"everywhere"`` or ``"nowhere"``.
    observed
        The moderator's observed minimum and maximum.
    significant
        The parts of the observed range where the slope is significant, as ``(low, high)``.
    level
        The confidence level used.
    """

    bounds: tuple[float, ...]
    region: Region
    observed: tuple[float, float]
    significant: tuple[tuple[float, float], ...]
    level: float

    @property
    def bounds_in_range(self) -> tuple[float, ...]:
        """The bounds that lie within the observed range of the moderator."""
        low, high = self.observed
        return tuple(b for b in self.bounds if low <= b <= high)

    def to_dict(self) -> dict[str, object]:
        """JSON form for ``results.json``."""
        return {"bounds": list(self.bounds), "region": self.region,
                "observed": list(self.observed),
                "significant": [list(s) for s in self.significant], "level": self.level}


def _solve(a: float, b: float, c: float) -> tuple[tuple[float, ...], Region]:
    """Roots of ``a m^2 + b m + c`` and where it is positive (= where the slope is significant)."""
    scale = max(abs(a), abs(b), abs(c), 1e-300)
    if abs(a) <= 1e-12 * scale:  # linear: one bound
        if abs(b) <= 1e-12 * scale:
            return (), "everywhere" if c > 0 else "nowhere"
        return (-c / b,), "above" if b > 0 else "below"
    disc = b * b - 4 * a * c
    if disc <= 0:
        return (), "everywhere" if a > 0 else "nowhere"
    root = math.sqrt(disc)
    # the numerically stable pair of roots
    q = -0.5 * (b + math.copysign(root, b))
    r1, r2 = sorted((q / a, c / q))
    return (r1, r2), "outside" if a > 0 else "inside"


def linear_region(
    coefs: Coefficients, g0: Array, g1: Array, level: float
) -> tuple[tuple[float, ...], Region, tuple[float, float, float]]:
    """Where the combination ``(g0 + g1 m) @ b`` is significant, as a function of ``m``.

    Returns the bounds, the :data:`Region` and the coefficients ``(a, b, c)`` of the quadratic
    ``a m^2 + b m + c`` that is positive exactly where the combination is significant.
    """
    q2 = coefs.critical(level) ** 2
    V, est = coefs.vcov, coefs.est
    c0, c1 = float(g0 @ est), float(g1 @ est)
    a = c1 * c1 - q2 * float(g1 @ V @ g1)
    b = 2 * (c0 * c1 - q2 * float(g0 @ V @ g1))
    c = c0 * c0 - q2 * float(g0 @ V @ g0)
    bounds, region = _solve(a, b, c)
    return bounds, region, (a, b, c)


def _significant_parts(bounds: tuple[float, ...], a: float, b: float, c: float,
                       low: float, high: float) -> tuple[tuple[float, float], ...]:
    cuts = [low, *(x for x in bounds if low < x < high), high]
    parts: list[tuple[float, float]] = []
    for left, right in itertools.pairwise(cuts):
        mid = (left + right) / 2
        if a * mid * mid + b * mid + c > 0:
            if parts and parts[-1][1] == left:
                parts[-1] = (parts[-1][0], right)
            else:
                parts.append((left, right))
    return tuple(parts)


def johnson_neyman(
    coefs: Coefficients,
    moderation: Moderation,
    moderator: str,
    *,
    observed: tuple[float, float],
    fixed: Mapping[str, float] | None = None,
    level: float = 0.95,
) -> JohnsonNeyman:
    """The Johnson-Neyman bounds of the focal slope along ``moderator`` (closed form).

    Parameters
    ----------
    coefs, moderation
        As for :func:`simple_slopes`.
    moderator
        The moderator along which the region is found.
    observed
        Its observed minimum and maximum (on the model's scale).
    fixed
        Values of the other moderators (three-way interactions), held constant.
    level
        Confidence level; the slope is significant where its interval excludes zero.
    """
    import numpy as np

    if moderator not in moderation.moderators:
        raise OptionError(f"'{moderator}' does not moderate '{moderation.focal}'.")
    others = {k: np.array([float(v)]) for k, v in (fixed or {}).items()}
    g0 = moderation.weights(coefs, {**others, moderator: np.array([0.0])})[0]
    g1 = moderation.weights(coefs, {**others, moderator: np.array([1.0])})[0] - g0
    bounds, region, (a, b, c) = linear_region(coefs, g0, g1, level)
    low, high = float(observed[0]), float(observed[1])
    parts = _significant_parts(bounds, a, b, c, low, high)
    return JohnsonNeyman(bounds, region, (low, high), parts, level)


def slope_band(
    coefs: Coefficients,
    moderation: Moderation,
    moderator: str,
    *,
    span: tuple[float, float],
    fixed: Mapping[str, float] | None = None,
    level: float = 0.95,
    points: int = 101,
) -> pd.DataFrame:
    """The slope and its confidence band over a range of the moderator (the JN plot's data).

    Returns
    -------
    DataFrame
        Columns ``moderator`` (the grid over ``span``), ``est``, ``ci_lower``, ``ci_upper``.
    """
    import numpy as np
    import pandas as pd

    grid = np.linspace(float(span[0]), float(span[1]), points)
    at = {k: np.full(points, float(v)) for k, v in (fixed or {}).items()}
    table = coefs.table(moderation.weights(coefs, {**at, moderator: grid}), level)
    return pd.DataFrame({"moderator": grid, "est": table["est"],
                         "ci_lower": table["ci_lower"], "ci_upper": table["ci_upper"]})
