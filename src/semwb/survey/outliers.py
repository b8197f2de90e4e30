"""Robust multivariate outliers: Mahalanobis distances from the minimum covariance determinant.

The classical distance (``semwb.survey.scoring``) uses the mean and covariance of all
respondents, which a cluster of careless respondents pulls towards itself, so that they mask
each other. Distances from scikit-learn's ``MinCovDet`` (Rousseeuw & Van Driessen's FastMCD,
reweighted and consistency-corrected) are computed from the most coherent half of the sample and
do not suffer from it (Leys et al., 2018).
"""

from __future__ import annotations

import numpy as np

from semwb.errors import OptionError
from semwb.rng import as_generator


def robust_mahalanobis(block: np.ndarray, *,
                       rng: int | np.random.Generator | None = 0) -> np.ndarray:
    """Squared robust Mahalanobis distance of each row.

    Parameters
    ----------
    block
        Respondents x items; missing answers allowed.
    rng
        Seed or generator for FastMCD's random starts (fixed by default: the same data give the
        same flags).

    Returns
    -------
    numpy.ndarray
        One squared distance per row. The MCD is estimated on the respondents who answered every
        item; a missing answer is set to the robust location of its item, as the classical
        distance sets it to the item mean.

    Raises
    ------
    OptionError
        When fewer than five times as many respondents as items answered every item: below that
        the MCD's consistency correction fails and it flags a large part of any Likert sample
        (on the seed's 94 items and 320 respondents, half of them). Restrict it to the items of
        the constructs analysed.
    """
    from sklearn.covariance import MinCovDet  # imported on use: scikit-learn loads slowly

    block = np.asarray(block, dtype=float)
    k = block.shape[1]
    if k < 2:
        raise OptionError(f"The robust (MCD) Mahalanobis distance needs at least two items; "
                          f"got {k}.")
    complete = ~np.isnan(block).any(axis=1)
    if complete.sum() < 5 * k:
        raise OptionError(f"The robust (MCD) Mahalanobis distance needs at least {5 * k} "
                          f"respondents who answered all {k} items; {int(complete.sum())} did. "
                          "Compute it on the items of the constructs you analyse (--constructs) "
                          "or use the classical distance.")
    seed = int(as_generator(rng).integers(2**31 - 1))
    try:
        mcd = MinCovDet(random_state=seed).fit(block[complete])
    except ValueError as exc:  # a singular support: more than half the answers on a hyperplane
        raise OptionError(f"The robust (MCD) covariance of the {k} items is singular ({exc}); "
                          "more than half the respondents give (nearly) identical answers. "
                          "Use the classical distance.") from exc
    filled = np.where(np.isnan(block), mcd.location_, block)
    return np.asarray(mcd.mahalanobis(filled))
