"""Probing a latent interaction: simple slopes, the Johnson-Neyman region and its band.

A latent moderator has mean 0 and the standard deviation ``sd`` of its fitted variance, but no
observed values, so the probing values are -1 SD, the mean and +1 SD (as semTools'
``probe2WayMC``) and the Johnson-Neyman region and band are given over -2 SD to +2 SD of the
latent (``range: "latent"`` in the block; about 95 % of a normal latent's values), where an
observed moderator has its observed range. The arithmetic is the observed-score one
(:func:`semwb.conditional.summary.probe_moderation`): the slope is ``b_x + b_xw w`` with Wald
standard errors from the fit's covariance, whichever fit (product indicators or LMS) gave it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from semwb.conditional.coefficients import Coefficients

LABELS = ("-1 SD", "mean", "+1 SD")


def probe_latent(coefs: Coefficients, *, focal: str, moderator: str, interaction: str,
                 sd: float, level: float = 0.95, outcome: str = "") -> dict[str, Any]:
    """The moderation block of :func:`~semwb.conditional.summary.probe_moderation` for a latent
    moderator of standard deviation ``sd`` (values -sd, 0, sd; range -2 sd to 2 sd), with
    ``range: "latent"`` and ``sd``."""
    from semwb.conditional.summary import probe_moderation

    block = probe_moderation(coefs, focal=focal, moderator=moderator, interaction=interaction,
                             observed=(-2 * sd, 2 * sd), rule="values", given=(-sd, 0.0, sd),
                             level=level, outcome=outcome)
    for row, label in zip(block["slopes"], LABELS, strict=True):
        row["label"] = label
    return {**block, "range": "latent", "sd": sd}


def latent_turning_point(coefs: Coefficients, *, predictor: str, quadratic: str, sd: float,
                         level: float = 0.95) -> dict[str, Any]:
    """The turning point ``x* = -b1 / (2 b2)`` of a latent curve, on the latent's scale.

    Returns
    -------
    dict
        ``predictor, sd, est, se, ci_lower, ci_upper`` (delta method), ``in_sd`` (``est / sd``:
        how far from the latent mean, in SDs), ``fieller`` (``lower, upper, kind``) and
        ``shape`` (``"inverted_u"`` or ``"u"``). A latent has no observed range, so there is no
        Lind-Mehlum test here; a turning point more than about 2 SD from the mean lies outside
        most of the latent's values.
    """
    from semwb.conditional.curvilinear import Curve, fieller_interval, turning_point

    curve = Curve(predictor, quadratic)
    point = turning_point(coefs, curve, level=level)
    fieller = fieller_interval(coefs, curve, level=level)
    b2 = float(coefs.est[coefs.position(quadratic)])
    return {"predictor": predictor, "sd": sd,
            **{k: point[k] for k in ("est", "se", "ci_lower", "ci_upper")},
            "in_sd": point["est"] / sd,
            "fieller": {"lower": fieller.lower, "upper": fieller.upper, "kind": fieller.kind},
            "shape": "inverted_u" if b2 < 0 else "u"}
