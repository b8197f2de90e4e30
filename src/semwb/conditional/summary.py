"""One JSON-ready block per probed interaction or curve, for ``results.json -> conditional``.

The model is fitted on centered variables (:mod:`semwb.conditional.products`); readers think on
the data's scale. These functions probe on the model's scale and report every moderator and
predictor value on the data's scale (model value + center), so the report needs no arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from semwb.conditional.coefficients import Coefficients, as_array
from semwb.conditional.curvilinear import (
    Curve,
    curve_band,
    curve_verdict,
    fieller_interval,
    turning_point,
    turning_point_shift,
    u_test,
)
from semwb.conditional.probing import (
    Moderation,
    johnson_neyman,
    moderator_values,
    simple_slopes,
    slope_band,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float64]

_ROW = ("est", "se", "stat", "pvalue", "ci_lower", "ci_upper")


def _finite_range(values: Sequence[float] | Array) -> tuple[float, float]:
    import numpy as np

    data = as_array(values)
    data = data[np.isfinite(data)]
    return float(data.min()), float(data.max())


def _shift(value: float | None, center: float) -> float | None:
    return None if value is None else value + center


def probe_moderation(
    coefs: Coefficients,
    *,
    focal: str,
    moderator: str,
    interaction: str,
    observed: Sequence[float] | Array,
    center: float = 0.0,
    rule: Literal["sd", "percentile", "values"] = "sd",
    given: Sequence[float] = (),
    level: float = 0.95,
    outcome: str = "",
) -> dict[str, Any]:
    """Simple slopes, Johnson-Neyman region and band of a two-way interaction, as JSON.

    Parameters
    ----------
    coefs
        Estimates and covariance of ``focal`` and ``interaction`` (coefficient names).
    focal, moderator, interaction
        Variable names of the focal predictor and the moderator; ``interaction`` is the name of
        the product coefficient (``"x:w"``).
    observed
        The moderator's values as fitted (model scale).
    center
        What was subtracted from the moderator before fitting; values are reported as
        model value + ``center``. ``given`` values are on the data's scale.
    rule, given
        How to choose the probing values (:func:`moderator_values`).
    level
        Confidence level.
    outcome
        The dependent variable (for the report's wording).

    Returns
    -------
    dict
        ``outcome, focal, moderator, interaction, level, slopes`` (``label, value`` and
        ``est, se, stat, pvalue, ci_lower, ci_upper``), ``jn`` (``bounds, region, observed,
        significant``), ``band`` (``value, est, ci_lower, ci_upper`` lists); every moderator value
        on the data's scale.
    """
    moderation = Moderation.two_way(focal, moderator, interaction)
    shifted = [v - center for v in given]
    values = moderator_values(as_array(observed), rule=rule, given=shifted)
    if rule == "values":
        values = [(f"{v + center:g}", v) for _, v in values]
    table = simple_slopes(coefs, moderation, {moderator: [v for _, v in values]}, level=level)
    low, high = _finite_range(observed)
    jn = johnson_neyman(coefs, moderation, moderator, observed=(low, high), level=level)
    pad = 0.05 * (high - low)
    band = slope_band(coefs, moderation, moderator, span=(low - pad, high + pad), level=level)
    return {
        "outcome": outcome, "focal": focal, "moderator": moderator, "interaction": interaction,
        "level": level, "center": center,
        "slopes": [{"label": label, "value": value + center,
                    **{k: float(table[k].iloc[i]) for k in _ROW}}
                   for i, (label, value) in enumerate(values)],
        "jn": {"bounds": [b + center for b in jn.bounds], "region": jn.region,
               "observed": [low + center, high + center],
               "significant": [[a + center, b + center] for a, b in jn.significant]},
        "band": {"value": [float(v) + center for v in band["moderator"]],
                 "est": band["est"].tolist(), "ci_lower": band["ci_lower"].tolist(),
                 "ci_upper": band["ci_upper"].tolist()},
    }


def probe_curve(
    coefs: Coefficients,
    curve: Curve,
    *,
    x: Sequence[float] | Array,
    center: float = 0.0,
    w: Sequence[float] | Array | None = None,
    w_center: float = 0.0,
    level: float = 0.95,
    outcome: str = "",
    predictor: str = "",
    moderator: str = "",
) -> dict[str, Any]:
    """Turning point, U-test, verdict and curve bands of a (moderated) quadratic, as JSON.

    Parameters
    ----------
    coefs, curve
        Estimates and covariance, and the names of the curve's coefficients.
    x
        The predictor's values as fitted (model scale); its minimum and maximum are the range of
        the U-test.
    center, w_center
        What was subtracted from the predictor and the moderator before fitting.
    w
        The moderator's values as fitted, when the curve is moderated: the curve is then tested
        and drawn at mean - 1 SD, mean and mean + 1 SD.

    Returns
    -------
    dict
        ``outcome, predictor, moderator, level`` and ``at``: one block per moderator value with
        ``label, w, turning_point`` (``est, se, ci_lower, ci_upper``), ``fieller`` (``lower,
        upper, kind``), ``u_test`` (:class:`UTest` fields), ``verdict`` (:class:`CurveVerdict`
        fields), ``shift`` (``dx*/dw`` with its delta-method interval, moderated curves only) and
        ``band`` (``x, est, ci_lower, ci_upper`` lists); predictor values on the data's scale.
        ``curvature_by``: the ``I(x^2):w`` coefficient (``est, se, stat, pvalue, ci_lower,
        ci_upper``) and ``flattens`` (its sign is opposite to the quadratic term's), or None.
    """
    low, high = _finite_range(x)
    at = [("", 0.0)] if w is None else moderator_values(as_array(w), rule="sd")
    blocks = []
    for label, value in at:
        point = turning_point(coefs, curve, w=value, level=level)
        fieller = fieller_interval(coefs, curve, w=value, level=level)
        test = u_test(coefs, curve, low=low, high=high, w=value)
        verdict = curve_verdict(coefs, curve, test, fieller, level=level)
        band = curve_band(coefs, curve, span=(low, high), at=[(label, value)], level=level)
        shift = (turning_point_shift(coefs, curve, w=value, level=level)
                 if curve.linear_by or curve.quadratic_by else None)
        u = test.to_dict()
        for key in ("low", "high", "turning_point"):
            u[key] += center
        u["w"] += w_center
        blocks.append({
            "label": label, "w": value + w_center,
            "turning_point": {"est": point["est"] + center, "se": point["se"],
                              "ci_lower": point["ci_lower"] + center,
                              "ci_upper": point["ci_upper"] + center},
            "fieller": {"lower": _shift(fieller.lower, center),
                        "upper": _shift(fieller.upper, center), "kind": fieller.kind},
            "u_test": u,
            "verdict": {"shape": verdict.shape,
                        "quadratic_significant": verdict.quadratic_significant,
                        "slopes_opposite": verdict.slopes_opposite,
                        "point_inside": verdict.point_inside, "supported": verdict.supported},
            "shift": shift,
            "band": {"x": [float(v) + center for v in band["x"]], "est": band["est"].tolist(),
                     "ci_lower": band["ci_lower"].tolist(),
                     "ci_upper": band["ci_upper"].tolist()},
        })
    return {"outcome": outcome, "predictor": predictor, "moderator": moderator or None,
            "level": level, "at": blocks, "curvature_by": _curvature_by(coefs, curve, level)}


def _curvature_by(coefs: Coefficients, curve: Curve, level: float) -> dict[str, Any] | None:
    """The ``I(x^2):w`` coefficient and whether it flattens the curve (sign opposite to b2)."""
    if curve.quadratic_by is None:
        return None
    weights = coefs.weights({curve.quadratic_by: 1.0}, 1)
    row = {k: float(v[0]) for k, v in coefs.table(weights, level).items()}
    quadratic = float(coefs.est[coefs.position(curve.quadratic)])
    return {**row, "flattens": (row["est"] > 0) != (quadratic > 0)}
