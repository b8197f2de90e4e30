"""Per-item descriptives: moments, corrected item-total correlation, alpha if deleted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from semwb.measurement.correlations import pairwise_cov
from semwb.measurement.reliability import alpha_from_cov
from semwb.survey.instrument import Instrument


def item_descriptives(items: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Per-item statistics.

    Returns
    -------
    pandas.DataFrame
        ``item, construct, n, mean, sd, min, max, skew, kurtosis``, ``citc`` (corrected
        item-total correlation: the item against the sum of its construct's other items) and
        ``alpha_if_deleted``, both from the construct's pairwise-complete covariance matrix.

    Notes
    -----
    citc_i = sum_{j != i} C_ij / sqrt(C_ii sum_{j,l != i} C_jl); matches psych 2.2.9
    ``alpha()$item.stats$r.drop`` and ``$alpha.drop$raw_alpha`` with missing answers
    (tests/reference/measurement_alliance_missing).
    """
    rows = []
    groups = {cid: ids for cid, construct in instrument.constructs.items()
              if len(ids := [i for i in construct.item_ids if i in items.columns]) >= 2}
    # count, mean and SD of all items at once (the same numbers as column by column); skew and
    # kurtosis per column (pandas' 2-D kernels differ in the last bit), min and max too (their
    # type is the column's)
    frame = items[list(dict.fromkeys(i for ids in groups.values() for i in ids))]
    n, mean, sd = frame.notna().sum(), frame.mean(), frame.std()
    for cid, ids in groups.items():
        cov, _ = pairwise_cov(items[ids].to_numpy(float))
        for pos, item in enumerate(ids):
            x = items[item]
            rest = [j for j in range(len(ids)) if j != pos]
            rest_cov = cov[np.ix_(rest, rest)]
            rows.append({
                "item": item, "construct": cid, "n": int(n[item]), "mean": mean[item],
                "sd": sd[item], "min": x.min(), "max": x.max(), "skew": x.skew(),
                "kurtosis": x.kurt(),
                "citc": cov[pos, rest].sum() / np.sqrt(cov[pos, pos] * rest_cov.sum()),
                "alpha_if_deleted": alpha_from_cov(rest_cov) if len(rest) > 1 else np.nan})
    return pd.DataFrame(rows)
