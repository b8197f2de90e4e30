"""Curvilinear (U and inverted-U) effects: turning point, U-test, moderated curves.

For ``y = b0 + b1 x + b2 x^2 + b3 w + b4 x w + b5 x^2 w`` (the ``w`` terms optional) the slope of
``x`` at ``w`` is ``(b1 + b4 w) + 2 (b2 + b5 w) x`` and the turning point is
``x*(w) = -(b1 + b4 w) / (2 (b2 + b5 w))``.

Notes
-----
- Turning point: delta-method interval, and Fieller's interval -- the set of ``x`` at which the
  slope is not significantly different from zero (Lind & Mehlum, 2010, eq. 6). It is bounded only
  when ``b2 + b5 w`` is itself significant; otherwise it is unbounded and reported as such.
- U-test (Lind & Mehlum, 2010; Sasabuchi, 1980): with ``xL, xH`` the data's own minimum and maximum,
  an inverted U needs the slope positive at ``xL`` and negative at ``xH`` (a U the reverse). The
  test statistic is the smaller of the two one-sided t values and its p is the larger of the two
  one-sided p values. If both slopes have the same sign the extremum lies outside the range and
  the test fails trivially.
- Moderated curves (Haans, Pieters & He, 2016, eq. 10-12): the turning point moves with ``w`` by
  ``dx*/dw = (b1 b5 - b2 b4) / (2 (b2 + b5 w)^2)``; the curve flattens (or steepens) as ``w``
  grows when ``b5`` has the sign opposite to (the same as) ``b2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from semwb.conditional.coefficients import Coefficients
from semwb.conditional.probing import Region, linear_region

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

    Array = NDArray[np.float64]

Shape = Literal["inverted_u", "u"]


@dataclass(frozen=True)
class Curve:
    """Coefficient names of a (possibly moderated) quadratic effect of ``x``.

    Attributes
    ----------
    linear, quadratic
        Coefficients of ``x`` and ``I(x^2)``.
    intercept
        The intercept, when the model has one (for the fitted curve's level only).
    moderator
        The moderator's own coefficient ``w`` (curve level only).
    linear_by, quadratic_by
        Coefficients of ``x:w`` and ``I(x^2):w``.
    """

    linear: str
    quadratic: str
    intercept: str | None = None
    moderator: str | None = None
    linear_by: str | None = None
    quadratic_by: str | None = None

    def _at(self, coefs: Coefficients, b: Array, w: float) -> tuple[Any, Any]:
        """``(b1 + b4 w, b2 + b5 w)`` from the coefficient vector ``b`` (real or complex)."""
        lin = b[coefs.position(self.linear)]
        quad = b[coefs.position(self.quadratic)]
        if self.linear_by is not None:
            lin = lin + w * b[coefs.position(self.linear_by)]
        if self.quadratic_by is not None:
            quad = quad + w * b[coefs.position(self.quadratic_by)]
        return lin, quad

    def slope_weights(self, coefs: Coefficients, w: float) -> tuple[Array, Array]:
        """Weights ``(g0, g1)`` with the slope at ``x`` equal to ``(g0 + g1 x) @ b``."""
        import numpy as np

        g0, g1 = np.zeros(len(coefs.names)), np.zeros(len(coefs.names))
        g0[coefs.position(self.linear)] = 1.0
        g1[coefs.position(self.quadratic)] = 2.0
        if self.linear_by is not None:
            g0[coefs.position(self.linear_by)] = w
        if self.quadratic_by is not None:
            g1[coefs.position(self.quadratic_by)] = 2.0 * w
        return g0, g1


@dataclass(frozen=True)
class Fieller:
    """Fieller's confidence set of a turning point.

    ``kind`` is ``"bounded"`` (``[lower, upper]``), ``"exclusive"`` (everything outside
    ``(lower, upper)``), ``"whole_line"`` (no information) or ``"empty"``.
    """

    lower: float | None
    upper: float | None
    kind: Literal["bounded", "exclusive", "whole_line", "empty"]


def turning_point(coefs: Coefficients, curve: Curve, *, w: float = 0.0,
                  level: float = 0.95) -> dict[str, float]:
    """The turning point ``x*`` at moderator value ``w``, with its delta-method interval.

    Returns
    -------
    dict
        ``est, se, stat, pvalue, ci_lower, ci_upper`` (the test of ``x* = 0`` is rarely of
        interest; the interval is what matters).
    """

    def point(b: Array) -> Any:
        lin, quad = curve._at(coefs, b, w)
        return -lin / (2 * quad)

    return coefs.delta(point, level)


def turning_point_shift(coefs: Coefficients, curve: Curve, *, w: float = 0.0,
                        level: float = 0.95) -> dict[str, float]:
    """How fast the turning point moves with the moderator, ``dx*/dw`` at ``w`` (delta method).

    Needs ``curve.linear_by`` or ``curve.quadratic_by``; see the module notes for the formula.
    """

    def shift(b: Array) -> Any:
        lin, quad = curve._at(coefs, b, w)
        b4 = b[coefs.position(curve.linear_by)] if curve.linear_by else 0.0
        b5 = b[coefs.position(curve.quadratic_by)] if curve.quadratic_by else 0.0
        return (lin * b5 - quad * b4) / (2 * quad * quad)

    return coefs.delta(shift, level)


def fieller_interval(coefs: Coefficients, curve: Curve, *, w: float = 0.0,
                     level: float = 0.95) -> Fieller:
    """Fieller's interval of the turning point at ``w``: where the slope is not significant."""
    g0, g1 = curve.slope_weights(coefs, w)
    bounds, region, _ = linear_region(coefs, g0, g1, level)
    kinds: dict[Region, Literal["bounded", "exclusive", "whole_line", "empty"]] = {
        "outside": "bounded", "inside": "exclusive", "nowhere": "whole_line",
        "everywhere": "empty",
    }
    if len(bounds) == 2:
        return Fieller(bounds[0], bounds[1], kinds[region])
    if len(bounds) == 1:  # the quadratic term's weight vanished: a half line
        return (Fieller(None, bounds[0], "bounded") if region == "above"
                else Fieller(bounds[0], None, "bounded"))
    return Fieller(None, None, kinds[region])


@dataclass(frozen=True)
class UTest:
    """The Lind-Mehlum (2010) test of a U or inverted U over ``[low, high]``.

    Attributes
    ----------
    shape
        ``"inverted_u"`` when ``b2 + b5 w < 0``, else ``"u"``.
    low, high
        The ends of the range (the data's minimum and maximum of ``x``, model scale).
    w
        The moderator value at which the curve was tested (0 without a moderator).
    slope_low, se_low, t_low, slope_high, se_high, t_high
        The slopes at both ends, their standard errors and t (or z) values.
    stat
        The test statistic: the smaller of the two t values in the direction the shape needs.
    pvalue
        ``max`` of the two one-sided p values (1 when the slopes have the same sign).
    inside
        Whether the turning point lies within ``[low, high]``.
    turning_point
        The estimated turning point.
    """

    shape: Shape
    low: float
    high: float
    w: float
    slope_low: float
    se_low: float
    t_low: float
    slope_high: float
    se_high: float
    t_high: float
    stat: float
    pvalue: float
    inside: bool
    turning_point: float

    def to_dict(self) -> dict[str, Any]:
        """JSON form for ``results.json``."""
        return asdict(self)


def u_test(coefs: Coefficients, curve: Curve, *, low: float, high: float,
           w: float = 0.0) -> UTest:
    """Lind and Mehlum's U-test of the quadratic effect over the data range ``[low, high]``.

    Notes
    -----
    For an inverted U, ``t = min(t_low, -t_high)`` and ``p = P(T > t)``, which equals
    ``max(P(T > t_low), P(T < t_high))``; t has ``coefs.df`` degrees of freedom (normal if None).
    Matches the base-R formulas of Lind & Mehlum (2010) on R ``lm`` (tests/reference).
    """
    import numpy as np

    g0, g1 = curve.slope_weights(coefs, w)
    slopes, ses = coefs.combine(np.vstack([g0 + g1 * low, g0 + g1 * high]))
    t_low, t_high = slopes / ses
    lin, quad = curve._at(coefs, coefs.est, w)
    shape: Shape = "inverted_u" if quad < 0 else "u"
    stat = min(t_low, -t_high) if shape == "inverted_u" else min(-t_low, t_high)
    point = float(-lin / (2 * quad))
    return UTest(shape, float(low), float(high), float(w), float(slopes[0]), float(ses[0]),
                 float(t_low), float(slopes[1]), float(ses[1]), float(t_high), float(stat),
                 float(coefs.sf(np.array(stat))), bool(low <= point <= high), point)


def curve_band(
    coefs: Coefficients,
    curve: Curve,
    *,
    span: tuple[float, float],
    at: Sequence[tuple[str, float]] = (("", 0.0),),
    level: float = 0.95,
    points: int = 81,
) -> pd.DataFrame:
    """The fitted curve and its confidence band over ``span``, at each moderator value.

    Without ``curve.intercept`` the curve is drawn relative to its value at ``x = 0, w = 0`` and
    the band holds the uncertainty of the slope terms only.

    Returns
    -------
    DataFrame
        Columns ``label``, ``w``, ``x``, ``est``, ``ci_lower``, ``ci_upper``; ``points`` rows per
        moderator value.
    """
    import numpy as np
    import pandas as pd

    x = np.linspace(float(span[0]), float(span[1]), points)
    frames = []
    for label, w in at:
        weights: dict[str, Any] = {curve.linear: x, curve.quadratic: x * x}
        optional: dict[str | None, Any] = {
            curve.intercept: 1.0, curve.moderator: w, curve.linear_by: x * w,
            curve.quadratic_by: x * x * w}
        weights.update({name: value for name, value in optional.items() if name is not None})
        table = coefs.table(coefs.weights(weights, points), level)
        frames.append(pd.DataFrame({"label": label, "w": float(w), "x": x, "est": table["est"],
                                    "ci_lower": table["ci_lower"],
                                    "ci_upper": table["ci_upper"]}))
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class CurveVerdict:
    """The three checks of Haans, Pieters & He (2016) for a U or inverted U.

    Attributes
    ----------
    shape
        The shape the sign of the quadratic term implies.
    quadratic_significant
        Step 1: the quadratic coefficient (``b2 + b5 w``) is significant (two-sided, at
        ``1 - level``).
    slopes_opposite
        Step 2: both end slopes are significant in opposite directions (the U-test's p below
        ``1 - level``).
    point_inside
        Step 3: the turning point and its Fieller interval lie within the data range.
    supported
        All three hold.
    """

    shape: Shape
    quadratic_significant: bool
    slopes_opposite: bool
    point_inside: bool
    supported: bool


def curve_verdict(coefs: Coefficients, curve: Curve, test: UTest, fieller: Fieller, *,
                  level: float = 0.95) -> CurveVerdict:
    """Apply the three checks of Haans et al. (2016) at the moderator value the test used."""
    import numpy as np

    alpha = 1 - level
    quad = coefs.table(curve.slope_weights(coefs, test.w)[1][np.newaxis, :], level)
    step1 = bool(quad["pvalue"][0] < alpha)
    step2 = test.pvalue < alpha
    step3 = (test.inside and fieller.kind == "bounded" and fieller.lower is not None
             and fieller.upper is not None and test.low <= fieller.lower
             and fieller.upper <= test.high)
    return CurveVerdict(test.shape, step1, step2, step3, step1 and step2 and step3)
