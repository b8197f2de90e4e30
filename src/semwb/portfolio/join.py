"""Joining portfolio measures to survey responses by firm id, naming every unmatched firm.

A model spec's ``portfolio:`` key (:mod:`semwb.model_data`)::

    portfolio:
      partners: ../surveys/examples/partners.csv   # relative to the spec's folder
      by: [partner_type, industry]                 # attributes whose diversity is measured
      window: 2018-2020                            # optional; the whole list by default
      ties: ../surveys/examples/partner_ties.csv   # optional: adds the network measures
      firm_id: rid                                 # the survey's firm-id column

The pipeline calls ``read_partners`` -> ``portfolio_measures`` -> :func:`join_measures` on the data
before the spec's data checks, so that the syntax can use ``partner_type_blau``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from semwb.errors import OptionError, ResponseDataError

LISTED = 20


@dataclass(frozen=True)
class JoinedData:
    """Survey data with the portfolio measures added.

    Attributes
    ----------
    data
        Every survey row, in order and with its index, plus one column per measure (NaN for a
        firm without measures).
    missing_measures
        Firm ids of the survey with no row in the measures (kept, measures missing); a row
        without an id is named by its index.
    missing_responses
        Firm ids of the measures with no row in the survey (not in ``data``).
    no_partners
        Firm ids of the survey whose firm had no alliance active in the window: ``n_partners``
        is 0 and every other measure is empty (NaN), not 0.
    warnings
        One sentence per non-empty list above, naming the firms.
    """

    data: pd.DataFrame
    missing_measures: list[str] = field(default_factory=list)
    missing_responses: list[str] = field(default_factory=list)
    no_partners: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def firm_key(value: object) -> str:
    """A firm id as text: ``12``, ``12.0`` and ``" 12"`` are the same firm; NaN, None: ``""``."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()




def _named(ids: list[str]) -> str:
    shown = ", ".join(ids[:LISTED])
    return shown + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")


def join_measures(data: pd.DataFrame, measures: pd.DataFrame, *, firm_id: str,
                  window: str | None = None) -> JoinedData:
    """Add portfolio measures to survey data, matching ``data[firm_id]`` to ``measures.firm_id``.

    Parameters
    ----------
    data
        Survey data (e.g. :func:`semwb.pipeline.read_data`), one row per firm.
    measures
        :func:`~semwb.portfolio.measures.portfolio_measures` output.
    firm_id
        The survey column holding the firm id.
    window
        Which window's measures to join; needed when ``measures`` has several.

    Returns
    -------
    JoinedData
        No survey row is dropped; firms missing on either side are listed.

    Raises
    ------
    ResponseDataError
        ``firm_id`` is not a column, a firm id appears twice in the survey, no survey firm is in
        the measures or none had an active alliance in the window, or a measure column has the
        name of a survey column.
    OptionError
        Several windows and none chosen, or an unknown window.
    """
    if firm_id not in data.columns:
        raise ResponseDataError(f"The survey data have no column '{firm_id}' to match the "
                                "partner list's firm ids; its columns start "
                                f"{', '.join(map(str, data.columns[:8]))}.")
    windows = list(dict.fromkeys(measures["window"]))
    if window is None and len(windows) > 1:
        raise OptionError(f"The measures cover {len(windows)} windows ({', '.join(windows)}); "
                          "choose one to join.")
    if window is not None and window not in windows:
        raise OptionError(f"No measures for window '{window}'; there are {', '.join(windows)}.")
    chosen = measures[measures["window"] == (window or windows[0])].drop(columns="window")
    keys = data[firm_id].map(firm_key)
    repeated = keys[keys.duplicated(keep=False) & (keys != "")]
    if not repeated.empty:
        raise ResponseDataError(f"Firm id '{repeated.iloc[0]}' of column {firm_id} is in rows "
                                f"{', '.join(str(r) for r in repeated.index[:5])}; each firm may "
                                "answer once for the measures to be joined.")
    clash = [c for c in chosen.columns if c != "firm_id" and c in data.columns]
    if clash:
        raise ResponseDataError(f"The survey data already have column(s) {', '.join(clash)}; "
                                "rename them before joining the portfolio measures.")
    table = chosen.assign(firm_id=chosen["firm_id"].map(firm_key)).set_index("firm_id")
    survey_ids = set(keys)
    if not survey_ids & set(table.index):
        raise ResponseDataError(
            f"None of the {len(survey_ids - {''})} firm ids in column {firm_id} of the survey "
            f"(e.g. {_named(sorted(survey_ids - {''})[:3])}) is in the partner list (e.g. "
            f"{_named(list(table.index[:3]))}); the same firm must have the same id in both "
            "files. Check the firm-id column and the ids.")
    added = table.reindex(keys.to_numpy()).set_axis(data.index)
    missing_measures = list(dict.fromkeys(key or f"row {row} (no firm id)"
                                          for row, key in keys.items() if key not in table.index))
    missing_responses = [k for k in table.index if k not in survey_ids]
    label = window or windows[0]
    sizes = table["n_partners"] if "n_partners" in table else pd.Series(dtype=float)
    no_partners = list(dict.fromkeys(k for k in keys if sizes.get(k) == 0))
    matched = [k for k in dict.fromkeys(keys) if k in table.index]
    if no_partners and len(no_partners) == len(matched):
        raise ResponseDataError(f"No firm of the survey had an alliance active in window {label}, "
                                "so every measure is empty; choose a window within the years of "
                                "the partner list.")
    warnings = []  # worded as semwb.results.JOIN_WARNING matches: change both together
    if missing_measures:
        warnings.append(f"{len(missing_measures)} firm(s) of the survey are not in the partner "
                        f"list (rows kept, measures missing): {_named(missing_measures)}")
    if missing_responses:
        warnings.append(f"{len(missing_responses)} firm(s) of the partner list are not in the "
                        f"survey: {_named(missing_responses)}")
    if no_partners:
        warnings.append(f"{len(no_partners)} firm(s) of the survey had no alliance active in "
                        f"window {label} (n_partners 0, every other measure empty, so a model "
                        f"using one leaves them out): {_named(no_partners)}")
    joined = pd.concat([data, added], axis=1).copy()  # one block: callers add squares to it
    return JoinedData(data=joined, missing_measures=missing_measures,
                      missing_responses=missing_responses, no_partners=no_partners,
                      warnings=warnings)
