"""Scoring: reverse coding, composites, missing data, careless-responding flags, exclusions.

Every function returns new values and never changes its input: the raw answers stay as read, and
excluding respondents only marks them (``Scores.exclusions``), with a log line per rule.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from semwb.distributions import chi2_ppf
from semwb.errors import OptionError
from semwb.survey.instrument import Instrument
from semwb.survey.outliers import robust_mahalanobis
from semwb.survey.responses import Responses

FLAG_RULES = ("attention", "long_string", "too_fast", "mahalanobis", "mahalanobis_mcd")
"""Every flag rule; ``mahalanobis_mcd`` only where asked for (``robust=True``)."""


def reverse_code(data: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Return a copy of ``data`` with the instrument's reverse-worded items recoded.

    The one place reverse coding happens; the pipeline calls it before fitting a spec that names
    an instrument. Reverse items absent from ``data`` are skipped; missing answers stay missing.

    Parameters
    ----------
    data
        Responses with item columns named by item id (raw, not yet reverse-coded).
    instrument
        Gives the scale and which items are reverse-worded.

    Returns
    -------
    pandas.DataFrame
        Same shape and columns; each reverse item ``x`` replaced by ``min + max - x``.
    """
    total = instrument.scale.min + instrument.scale.max
    present = [item for item in instrument.reverse_items if item in data.columns]
    out = data.copy(deep=False)  # copy-on-write: unchanged columns are shared, never modified
    if present:
        out[present] = total - data[present]
    return out


def compute_composites(items: pd.DataFrame, instrument: Instrument, *,
                       min_share: float = 0.5,
                       constructs: Collection[str] | None = None) -> pd.DataFrame:
    """Mean of each construct's items, when at least ``min_share`` of them are answered.

    Parameters
    ----------
    items
        Reverse-coded item answers (see :func:`reverse_code`).
    instrument
        Gives each construct's items.
    min_share
        Smallest share of a construct's items a respondent must answer to get a score (else NaN).
    constructs
        Score only these constructs (default: every construct of the instrument).

    Returns
    -------
    pandas.DataFrame
        One column per construct id (constructs whose items are all in ``items``), same index.
    """
    if not 0 < min_share <= 1:
        raise OptionError(f"min_share must be in (0, 1]; got {min_share}.")
    columns = {}
    have = set(items.columns)
    for cid, construct in instrument.constructs.items():
        ids = construct.item_ids
        if (constructs is not None and cid not in constructs) or not set(ids) <= have:
            continue
        block = items[ids].to_numpy(dtype=float)
        answered = np.sum(~np.isnan(block), axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(block, axis=1) / answered
        need = math.ceil(min_share * len(ids) - 1e-9)
        columns[cid] = np.where(answered >= need, mean, np.nan)
    return pd.DataFrame(columns, index=items.index)


def summarize_missing(data: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Missing answers per Likert item.

    Returns
    -------
    pandas.DataFrame
        Columns ``item``, ``construct``, ``n_missing``, ``share_missing``, one row per item found.
    """
    rows = []
    for cid, construct in instrument.constructs.items():
        for item in construct.item_ids:
            if item in data.columns:
                n = int(data[item].isna().sum())
                rows.append({"item": item, "construct": cid, "n_missing": n,
                             "share_missing": n / len(data) if len(data) else 0.0})
    return pd.DataFrame(rows, columns=["item", "construct", "n_missing", "share_missing"])


def _longest_run(block: np.ndarray) -> np.ndarray:
    """Longest run of identical consecutive answers per row (missing answers break a run)."""
    n, k = block.shape
    longest = np.zeros(n, dtype=np.int64)
    if k == 0:
        return longest
    current = np.where(np.isnan(block[:, 0]), 0, 1)
    longest = current.copy()
    for j in range(1, k):
        same = (block[:, j] == block[:, j - 1]) & ~np.isnan(block[:, j])
        current = np.where(same, current + 1, np.where(np.isnan(block[:, j]), 0, 1))
        np.maximum(longest, current, out=longest)
    return longest


def _row_chunks(n: int, size: int = 65_536) -> list[slice]:
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def _mahalanobis(block: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distance from the item means; missing answers set to the item mean.

    Computed in row chunks, with float32 matrix products (relative error about 1e-5, immaterial
    for a chi-square cutoff), so that millions of respondents take seconds and little memory.
    """
    n, k = block.shape
    total, count = np.zeros(k), np.zeros(k)
    for rows in _row_chunks(n):
        total += np.nansum(block[rows], axis=0)
        count += (~np.isnan(block[rows])).sum(axis=0)
    means = total / np.maximum(count, 1)

    def centred(rows: slice) -> np.ndarray:
        chunk = (block[rows] - means).astype(np.float32)
        chunk[np.isnan(chunk)] = 0.0
        return chunk

    cov = np.zeros((k, k))
    for rows in _row_chunks(n):
        chunk = centred(rows)
        cov += chunk.T @ chunk
    inv = np.linalg.pinv(cov / max(n - 1, 1)).astype(np.float32)
    distance = np.empty(n)
    for rows in _row_chunks(n):
        chunk = centred(rows)
        distance[rows] = ((chunk @ inv) * chunk).sum(axis=1)
    return distance


def flag_careless(responses: Responses, instrument: Instrument, *,
                  long_string: int | None = None, seconds_per_item: float = 2.0,
                  mahalanobis_alpha: float = 0.001,
                  robust: bool | Sequence[str] = False) -> pd.DataFrame:
    """Careless-responding indicators and flags, one row per respondent.

    Parameters
    ----------
    responses
        Raw responses (reverse coding does not matter for these indicators except Mahalanobis,
        which is invariant to it).
    instrument
        Gives the Likert items in questionnaire order and the attention checks.
    long_string
        Flag a run of this many identical consecutive answers; default half the Likert items
        (at least 6).
    seconds_per_item
        Flag completion faster than this many seconds per Likert item (Huang et al., 2012, use 2);
        only when the responses carry a duration column.
    mahalanobis_alpha
        Flag squared Mahalanobis distances above the chi-square(k) quantile ``1 - alpha``.
    robust
        Also the robust distance from the minimum covariance determinant
        (:func:`semwb.survey.outliers.robust_mahalanobis`): ``True`` over the Likert items, or
        over the items named; flagged at the chi-square(k) quantile ``1 - alpha`` of its ``k``.

    Returns
    -------
    pandas.DataFrame
        Columns ``longest_run``, ``duration``, ``mahalanobis_d2``, ``attention_failed_n`` (values)
        and the boolean flags ``attention``, ``long_string``, ``too_fast``, ``mahalanobis``,
        ``any``; with ``robust``, also ``mahalanobis_mcd_d2`` and the flag ``mahalanobis_mcd``.

    Notes
    -----
    A missing answer to an attention check counts as failed.
    """
    data = responses.data
    items = [i for i in instrument.likert_items if i in data.columns]
    block = data[items].to_numpy(dtype=float)
    run_limit = long_string if long_string is not None else max(6, math.ceil(len(items) / 2))
    out = pd.DataFrame(index=data.index)
    out["longest_run"] = _longest_run(block)
    out["long_string"] = out["longest_run"] >= run_limit
    if responses.duration_column is not None:
        duration = pd.to_numeric(data[responses.duration_column], errors="coerce")
        out["duration"] = duration
        out["too_fast"] = (duration < seconds_per_item * len(items)).fillna(False)
    else:
        out["duration"] = np.nan
        out["too_fast"] = False
    out["mahalanobis_d2"] = _mahalanobis(block) if len(items) > 1 else np.nan
    cutoff = chi2_ppf(1 - mahalanobis_alpha, df=len(items))
    out["mahalanobis"] = out["mahalanobis_d2"] > cutoff
    if robust:
        chosen = items if robust is True else [i for i in robust if i in data.columns]
        out["mahalanobis_mcd_d2"] = robust_mahalanobis(data[chosen].to_numpy(dtype=float))
        robust_cutoff = chi2_ppf(1 - mahalanobis_alpha, df=len(chosen))
        out["mahalanobis_mcd"] = out["mahalanobis_mcd_d2"] > robust_cutoff
    failed = np.zeros(len(data), dtype=np.int64)
    for check in instrument.checks:
        if check.id in data.columns:
            failed += (~data[check.id].isin(check.expect)).to_numpy(dtype=np.int64)
    out["attention_failed_n"] = failed
    out["attention"] = failed > 0
    out["any"] = out[_rules(out)].any(axis=1)
    return out


def _rules(flags: pd.DataFrame) -> list[str]:
    """The flag rules computed in ``flags``."""
    return [rule for rule in FLAG_RULES if rule in flags.columns]


@dataclass(frozen=True)
class Scores:
    """What scoring produced. Raw answers are never dropped: excluded respondents are marked.

    Attributes
    ----------
    items
        Every respondent's Likert answers, reverse-coded.
    composites
        Construct means (see :func:`compute_composites`), every respondent.
    flags
        Careless-responding indicators (see :func:`flag_careless`).
    exclusions
        Respondents excluded from analysis: columns ``respondent`` and ``reasons``; the index is
        the row index in ``items``.
    missing
        Missing answers per item (see :func:`summarize_missing`).
    log
        One line per step, e.g. how many respondents each rule excluded.
    """

    items: pd.DataFrame
    composites: pd.DataFrame
    flags: pd.DataFrame
    exclusions: pd.DataFrame
    missing: pd.DataFrame
    log: list[str] = field(default_factory=list)

    @property
    def kept(self) -> pd.Index:
        """Row labels of the respondents kept for analysis."""
        return self.items.index.difference(self.exclusions.index, sort=False)

    @property
    def analysis_items(self) -> pd.DataFrame:
        """Reverse-coded answers of the kept respondents (what measurement and models use)."""
        return self.items.loc[self.kept]


def _respondents(responses: Responses) -> pd.Series:
    """Respondent ids as text; the file row when the file has no id column."""
    data = responses.data
    if responses.id_column is not None:
        return data[responses.id_column].astype(str)
    return pd.Series(data.index.astype(str), index=data.index)


def _reasons(flags: pd.DataFrame, rules: Sequence[str]) -> pd.Series:
    """The names of the rules that fired for each respondent, comma-separated."""
    text = pd.Series("", index=flags.index, dtype=object)
    for rule in rules:
        fired = flags[rule].astype(bool)
        text = text.where(~fired, text + ", " + rule)
    return text.str.removeprefix(", ").astype(str)


def _exclusions(flags: pd.DataFrame, respondent: pd.Series, exclude: Sequence[str],
                log: list[str]) -> pd.DataFrame:
    unknown = sorted(set(exclude) - set(FLAG_RULES))
    if unknown:
        raise OptionError(f"Unknown exclusion rule(s) {unknown}; choose from {list(FLAG_RULES)}.")
    mask = flags[list(exclude)].any(axis=1) if exclude else pd.Series(False, index=flags.index)
    for rule in exclude:
        log.append(f"rule '{rule}' flags {int(flags[rule].sum())} respondent(s)")
    reasons = _reasons(flags.loc[mask], exclude)
    log.append(f"excluded {int(mask.sum())} of {len(flags)} respondents from analysis "
               f"(rules: {', '.join(exclude) or 'none'}); raw answers kept")
    return pd.DataFrame({"respondent": respondent[mask].astype(str),
                         "reasons": reasons.astype(str)}, index=flags.index[mask])


def score_constructs(responses: Responses, instrument: Instrument, *, min_share: float = 0.5,
                     exclude: Sequence[str] = (), long_string: int | None = None,
                     seconds_per_item: float = 2.0, mahalanobis_alpha: float = 0.001,
                     robust: bool | Sequence[str] = False) -> Scores:
    """Reverse-code, score, flag careless respondents and apply the chosen exclusion rules.

    Parameters
    ----------
    responses
        Validated responses (see :func:`semwb.survey.responses.read_responses`).
    instrument
        The instrument the responses answer.
    min_share
        See :func:`compute_composites`.
    exclude
        Flag rules that exclude a respondent from analysis, any of ``attention``,
        ``long_string``, ``too_fast``, ``mahalanobis``, ``mahalanobis_mcd`` (this one computed
        when named here or with ``robust``). Default: none (flags are only reported).
    long_string, seconds_per_item, mahalanobis_alpha, robust
        See :func:`flag_careless`.

    Returns
    -------
    Scores
    """
    log: list[str] = []
    items = reverse_code(responses.data[[i for i in instrument.likert_items
                                         if i in responses.data.columns]], instrument)
    log.append(f"reverse-coded {len(instrument.reverse_items)} item(s) as "
               f"{instrument.scale.min}+{instrument.scale.max}-x: "
               f"{', '.join(instrument.reverse_items) or 'none'}")
    flags = flag_careless(responses, instrument, long_string=long_string,
                          seconds_per_item=seconds_per_item, mahalanobis_alpha=mahalanobis_alpha,
                          robust=robust if robust is not False else "mahalanobis_mcd" in exclude)
    exclusions = _exclusions(flags, _respondents(responses), list(exclude), log)
    return Scores(items=items, composites=compute_composites(items, instrument,
                                                             min_share=min_share),
                  flags=flags, exclusions=exclusions,
                  missing=summarize_missing(responses.data, instrument), log=log)


def scores_table(scores: Scores, responses: Responses) -> pd.DataFrame:
    """One row per respondent: file row, id, composites, flags, exclusion (for ``scores.csv``).

    Returns
    -------
    pandas.DataFrame
        ``row, respondent``, one column per construct, the columns of :func:`flag_careless`,
        ``reasons`` (the flag rules that fired) and ``excluded``.
    """
    table = pd.concat([_respondents(responses).rename("respondent"), scores.composites,
                       scores.flags], axis=1)
    table["reasons"] = _reasons(scores.flags, _rules(scores.flags))
    table["excluded"] = table.index.isin(scores.exclusions.index)
    table.insert(0, "row", table.index)
    return table.reset_index(drop=True)
