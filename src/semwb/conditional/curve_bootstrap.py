"""Bootstrap intervals of turning points, from the model's bootstrap draws.

The turning point ``x* = -(b1 + b4 w) / (2 (b2 + b5 w))`` is a ratio, so its sampling
distribution is skewed and has heavy tails when the curvature is weak; the delta-method interval
is symmetric by construction and Fieller's may be unbounded. The bootstrap interval takes the
model's own draws of the coefficients (every draw refitted, as the other bootstrap intervals),
evaluates ``x*`` on each at the probed moderator value and reports the percentile interval
(Efron & Tibshirani, 1993) with lavaan's quantile rule, and the share of draws whose curvature
``b2 + b5 w`` has the opposite sign to the estimate's (draws of the other shape, whose turning
point is a minimum where the estimate's is a maximum, or the reverse). None of this makes a
turning point "significant": the verdict remains Haans, Pieters & He's three checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def _column(draws: pd.DataFrame, outcome: str, term: str | None) -> Any:
    import numpy as np

    if term is None:
        return np.zeros(len(draws))
    return draws[f"{outcome} ~ {term}"].to_numpy(dtype=float)


def bootstrap_turning_points(block: dict[str, Any], draws: pd.DataFrame, *,
                             level: float) -> dict[str, Any]:
    """``results.json -> conditional`` with a ``bootstrap`` interval in every curve's turning
    points.

    Parameters
    ----------
    block
        The conditional block (:func:`semwb.conditional.analysis.conditional_block`); curves
        carry their coefficient names in ``terms``.
    draws
        The bootstrap draws of every parameter row (columns ``"lhs op rhs"``), one row a draw;
        failed draws are NaN and left out.
    level
        Confidence level.

    Returns
    -------
    dict
        A copy of ``block`` whose curve blocks' ``turning_point`` hold ``bootstrap``:
        ``ci_lower, ci_upper`` (data scale), ``draws`` (finite draws used) and
        ``opposite_curvature`` (share of those draws with the other shape).
    """
    import numpy as np

    from semwb.sem.intervals import intervals

    curves = []
    for curve in block.get("curves", []):
        terms, outcome = curve["terms"], curve["outcome"]
        b1, b2 = _column(draws, outcome, terms["linear"]), _column(draws, outcome,
                                                                    terms["quadratic"])
        b4 = _column(draws, outcome, terms["linear_by"])
        b5 = _column(draws, outcome, terms["quadratic_by"])
        center = block["centering"][curve["predictor"]]["center"]
        w_center = (block["centering"][curve["moderator"]]["center"]
                    if curve["moderator"] else 0.0)
        at = []
        for point in curve["at"]:
            w = point["w"] - w_center
            lin, quad = b1 + b4 * w, b2 + b5 * w
            with np.errstate(divide="ignore", invalid="ignore"):
                values = -lin / (2 * quad) + center
            keep = np.isfinite(values)
            estimate = point["turning_point"]["est"]
            low, high = intervals("percentile", values[keep][:, None], np.array([estimate]),
                                  None, level)[0]
            sign = -1.0 if point["verdict"]["shape"] == "inverted_u" else 1.0
            boot = {"ci_lower": float(low), "ci_upper": float(high), "draws": int(keep.sum()),
                    "opposite_curvature": float(np.mean(np.sign(quad[keep]) != sign))}
            at.append({**point, "turning_point": {**point["turning_point"], "bootstrap": boot}})
        curves.append({**curve, "at": at})
    return {**block, "curves": curves}
