"""Portfolio measures per focal firm and time window, from a validated partner list.

An alliance is *active* in the window ``[first, last]`` when it started by ``last`` and did not
end before ``first`` (an empty end year: still running). The portfolio of a firm in a window is
its set of distinct active partners; every measure counts each partner once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from semwb.errors import OptionError, ResponseDataError
from semwb.portfolio.indices import (
    blau,
    cosine_distance,
    entropy,
    mean_pairwise_distance,
    normalized_entropy,
)
from semwb.portfolio.network import ego_measures
from semwb.portfolio.reader import Partners
from semwb.year_windows import Window


def _active(data: pd.DataFrame, window: Window) -> pd.Series:
    if window.first is None or window.last is None:
        return pd.Series(True, index=data.index)
    ends = data["end_year"] if "end_year" in data else pd.Series(np.nan, index=data.index)
    return (data["start_year"] <= window.last) & ~(ends < window.first)


def _profile(codes: Sequence[tuple[str, ...]], classes: dict[str, int]) -> np.ndarray:
    vector = np.zeros(len(classes))
    for group in codes:
        for code in group:
            vector[classes[code]] += 1
    return vector


def _tie_index(ties: pd.DataFrame) -> dict[str, dict[str, set[str]]]:
    """``{firm id or "" for every firm: {partner: tied partners}}``."""
    owners = ties["firm_id"].tolist() if "firm_id" in ties else [""] * len(ties)
    index: dict[str, dict[str, set[str]]] = {}
    for owner, a, b in zip(owners, ties["partner_a"].tolist(), ties["partner_b"].tolist(),
                           strict=True):
        index.setdefault(owner, {}).setdefault(a, set()).add(b)
        index[owner].setdefault(b, set()).add(a)
    return index


def _firm_row(rows: pd.DataFrame, history: pd.DataFrame, by: Sequence[str],
              levels: dict[str, int], classes: dict[str, int] | None,
              ties: list[tuple[str, str]] | None) -> dict[str, float]:
    """The measures of one firm in one window (``rows``: its active alliances)."""
    partners = rows.drop_duplicates("partner_id")
    size = len(partners)
    ids = partners["partner_id"].tolist()
    out: dict[str, float] = {"n_partners": size, "n_alliances": len(rows)}
    if "start_year" in history:  # without start years a pair can be listed once only
        earlier = Counter(history["partner_id"].tolist())
        out["repeat_share"] = sum(earlier[p] > 1 for p in ids) / size if size else math.nan
    for attribute in by:
        counts = list(Counter(partners[attribute].tolist()).values())
        out[f"{attribute}_blau"] = blau(counts)
        out[f"{attribute}_entropy"] = entropy(counts)
        out[f"{attribute}_entropy_norm"] = normalized_entropy(counts, levels[attribute])
    if classes is not None:
        profiles = np.array([_profile([c], classes) for c in partners["ipc"]]).reshape(
            size, len(classes))
        pooled = profiles.sum(axis=0)
        out["ipc_entropy"] = entropy(pooled)
        out["ipc_entropy_norm"] = normalized_entropy(pooled, levels["ipc"])
        out["knowledge_heterogeneity"] = mean_pairwise_distance(profiles)
        if "firm_ipc" in rows:
            own = _profile(list(history["firm_ipc"].iloc[:1]), classes)
            out["jaffe_distance"] = cosine_distance(own, pooled)
    if ties is not None:
        ego = ego_measures(set(ids), ties)
        out.update(density=ego.density, effective_size=ego.effective_size,
                   efficiency=ego.efficiency, constraint=ego.constraint)
    return out


def portfolio_measures(partners: Partners, *, by: Sequence[str] = ("partner_type",),
                       windows: Sequence[Window] = (Window(),),
                       ties: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compute the portfolio measures of every firm of a partner list in every window.

    Parameters
    ----------
    partners
        From :func:`~semwb.portfolio.reader.read_partners`.
    by
        Categorical columns whose diversity is measured (any column of the list that is not an
        id, year or IPC column), by field name or by the header in the file.
    windows
        Time windows (:func:`~semwb.year_windows.parse_windows`); the default is the whole list.
    ties
        Partner-partner ties (:func:`~semwb.portfolio.reader.read_ties`); without them the
        network measures are left out.

    Returns
    -------
    pandas.DataFrame
        One row per firm and window: ``firm_id``, ``window``, ``n_partners`` (portfolio size),
        ``n_alliances``, ``repeat_share`` (with a start-year column); per attribute
        ``<a>_blau``, ``<a>_entropy``, ``<a>_entropy_norm``; with an IPC column
        ``ipc_entropy``, ``ipc_entropy_norm``, ``knowledge_heterogeneity`` and, with the firm's
        own classes, ``jaffe_distance``; with ties ``density``, ``effective_size``,
        ``efficiency``, ``constraint``. A firm without active partners in a window has
        ``n_partners = 0`` and NaN for the rest.

    Raises
    ------
    OptionError
        ``by`` names no attribute column, or windows without a start-year column.
    ResponseDataError
        An attribute cell left empty in a ``by`` column; with windows, an empty start year.
    """
    data = partners.data
    by = [partners.mapping.get(b, b) for b in by]  # a recognised header (行业) names its field
    unknown = [b for b in by if b not in partners.attributes]
    if unknown:
        raise OptionError(f"--by: {', '.join(unknown)} is not a column of {partners.source}; its "
                          f"categorical columns are {', '.join(partners.attributes) or 'none'}.")
    if any(w.first is not None for w in windows) and "start_year" not in data:
        raise OptionError(f"--window needs the alliances' start years, and {partners.source} has "
                          "no start_year column (开始年份); add it or leave out --window.")
    headers = {name: header for header, name in partners.mapping.items()}
    empty = [(row, headers.get(b, b)) for b in by for row in data.index[data[b] == ""]]
    if empty:
        raise ResponseDataError(f"{partners.source}, row {empty[0][0]}, column {empty[0][1]}: "
                                f"empty; {len(empty)} empty cell(s) in the --by columns. Fill them "
                                "in (e.g. 'unknown') so that every partner has a category.")
    if any(w.first is not None for w in windows) and data["start_year"].isna().any():
        rows = data.index[data["start_year"].isna()]
        raise ResponseDataError(f"{partners.source}, row {rows[0]}, column "
                                f"{headers['start_year']}: empty; {len(rows)} alliance(s) without "
                                "a start year cannot be placed in a --window. Fill them in.")
    levels = {b: int(data[b].nunique()) for b in by}
    classes = None
    if "ipc" in data:
        columns = [data[c] for c in ("ipc", "firm_ipc") if c in data]
        codes = sorted({c for column in columns for group in column for c in group})
        levels["ipc"] = len({c for group in data["ipc"] for c in group})
        classes = {c: i for i, c in enumerate(codes)}
    network = None if ties is None else _tie_index(ties)
    records = []
    for window in windows:
        active = _active(data, window)
        for firm, history in data.groupby("firm_id", sort=False):
            if window.last is not None:
                history = history[history["start_year"] <= window.last]
            rows = history[active[history.index]]
            firm_ties = None
            if network is not None:
                alters = set(rows["partner_id"].tolist())
                firm_ties = [(a, b) for owner in (str(firm), "") for a in alters
                             for b in network.get(owner, {}).get(a, ()) if b in alters]
            records.append({"firm_id": firm, "window": window.label,
                            **_firm_row(rows, history, by, levels, classes, firm_ties)})
    return pd.DataFrame.from_records(records)


def windows_past_data(partners: Partners, windows: Sequence[Window]) -> list[str]:
    """Warnings for windows that start after the last start year in the partner list.

    Such a window is still computed (an alliance with no end year counts as running), but its
    portfolios are only the alliances carried forward from earlier years, which is rarely what
    a window years past the data was meant to measure.

    Returns
    -------
    list of str
        One message per such window (none without windows or start years).
    """
    data = partners.data
    if "start_year" not in data or data["start_year"].isna().all():
        return []
    last = int(data["start_year"].max())
    return [f"window {w.label} starts after the last start year in {partners.source} ({last}): "
            "its portfolios hold only alliances started earlier with no end year (or one in "
            "the window); check the window or the partner list"
            for w in windows if w.first is not None and w.first > last]


def describe_measures(measures: pd.DataFrame) -> pd.DataFrame:
    """Descriptives of every measure per window (for the terminal and the report).

    Returns
    -------
    pandas.DataFrame
        ``window``, ``measure``, ``n`` (firms with a value), ``mean``, ``sd``, ``min``, ``max``.
    """
    value_columns = [c for c in measures.columns if c not in ("firm_id", "window")]
    long = measures.melt(id_vars="window", value_vars=value_columns, var_name="measure")
    long["window"] = pd.Categorical(long["window"], categories=measures["window"].unique())
    long["measure"] = pd.Categorical(long["measure"], categories=value_columns)
    table = long.groupby(["window", "measure"], observed=True)["value"].agg(
        ["count", "mean", "std", "min", "max"])
    return table.reset_index().rename(columns={"count": "n", "std": "sd"})
