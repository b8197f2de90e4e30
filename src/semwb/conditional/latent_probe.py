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
