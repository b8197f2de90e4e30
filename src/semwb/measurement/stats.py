"""Measurement-quality statistics: reliability, convergent and discriminant validity, method bias.

Every statistic is a small function over item answers (reverse-coded, rows = respondents) or over
a CFA's parameter table in lavaan's ``parameterEstimates()`` columns (``lhs op rhs est std_all``);
no model is fitted here (:mod:`semwb.measurement.cfa` does that). Each function's Notes give the
formula and the R function it was checked against (tests/reference/measurement_*).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from semwb.errors import OptionError
from semwb.survey.instrument import Instrument

FORMULAS = {
    "alpha": "Cronbach's alpha k/(k-1) (1 - tr(C)/sum(C)) on pairwise-complete item covariances "
             "(psych::alpha raw_alpha); CI: Feldt's F interval (psych::alpha.ci); alpha_std on "
             "the correlation matrix; alpha_ci_duhachek: alpha -/+ z ase (Duhachek & "
             "Iacobucci 2004, psych's ase)",
    "omega": "McDonald's omega (sum lambda)^2 psi / ((sum lambda)^2 psi + sum theta) from the "
             "k-factor CFA, model-implied denominator (semTools::compRelSEM obs.var = FALSE)",
    "omega_observed": "the same numerator over the observed variance of the item sum, ML "
                      "divisor N (semTools::compRelSEM default)",
    "cr": "Fornell-Larcker composite reliability from standardized CFA loadings: "
          "(sum l)^2 / ((sum l)^2 + sum(1 - l^2))",
    "ave": "Fornell-Larcker average variance extracted: mean(l^2) of standardized loadings",
    "ave_observed": "sum(lambda^2 psi) / sum of observed item variances (semTools::AVE default)",
    "htmt": "Henseler et al. (2015) HTMT: mean absolute heterotrait correlation over the "
            "geometric mean of the two mean monotrait correlations (listwise item correlations; "
            "semTools::htmt htmt2 = FALSE)",
    "htmt2": "Roemer et al. (2021) HTMT2: the same with geometric means (semTools::htmt "
             "htmt2 = TRUE)",
    "fornell_larcker": "sqrt(AVE) on the diagonal, CFA latent correlations off the diagonal",
    "kmo": "Kaiser-Meyer-Olkin: sum r^2 / (sum r^2 + sum partial r^2) over item pairs, "
           "pairwise item correlations (psych::KMO)",
    "bartlett": "-(n - 1 - (2p + 5)/6) ln|R|, df p(p-1)/2 (psych::cortest.bartlett)",
    "harman": "first eigenvalue of the item correlation matrix / number of items "
              "(unrotated principal component, as SPSS reports it)",
    "single_factor_cfa": "one factor on all items versus the k-factor CFA: chi-square "
                         "difference test (lavaan::lavTestLRT)",
}
THRESHOLDS = {"alpha": 0.70, "cr": 0.70, "ave": 0.50, "htmt": 0.85, "htmt_liberal": 0.90,
              "loading": 0.60, "harman": 0.50}


def _centred(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Answers centred on their column means with 0 where missing, and the presence weights."""
    present = ~np.isnan(block)
    return np.where(present, block - np.nanmean(block, axis=0), 0.0), present.astype(float)


def pairwise_cov(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Covariances of the columns over pairwise-complete rows (divisor n_ij - 1).

    As R's ``cov(x, use = "pairwise")``; matrix products on centred data, so it scales to
    millions of rows.

    Returns
    -------
    tuple
        The covariance matrix and the matrix of pairwise counts.
    """
    centred, weights = _centred(block)
    counts = weights.T @ weights
    sums = centred.T @ weights  # sums[i, j]: sum of column i over the rows where j is present
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (centred.T @ centred - sums * sums.T / counts) / (counts - 1)
    return cov, counts


def pairwise_corr(block: np.ndarray) -> np.ndarray:
    """Correlations over pairwise-complete rows, each pair with its own means and variances.

    As R's ``cor(x, use = "pairwise")``, which psych's ``KMO`` and ``cortest.bartlett`` use.
    """
    centred, weights = _centred(block)
    counts = weights.T @ weights
    sums = centred.T @ weights
    squares = (centred**2).T @ weights  # squares[i, j]: over the rows where j is present
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = centred.T @ centred - sums * sums.T / counts
        var = squares - sums**2 / counts
        corr = cov / np.sqrt(var * var.T)
    np.fill_diagonal(corr, 1.0)
    return np.asarray(corr)


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))


def cronbach_alpha(block: np.ndarray, *, level: float = 0.95) -> tuple[float, tuple[float, float]]:
    """Cronbach's alpha with Feldt's confidence interval.

    Parameters
    ----------
    block
        Item answers, one column per item (NaN for missing; pairwise-complete covariances).
    level
        Confidence level of the interval.

    Returns
    -------
    tuple
        ``alpha`` and ``(ci_lower, ci_upper)``.

    Notes
    -----
    alpha = k/(k-1) (1 - tr(C)/sum(C)); CI = 1 - (1 - alpha) F_{1-q}(n-1, (n-1)(k-1)) for
    q = (1 -/+ level)/2, n = number of rows. Equals pingouin's ``cronbach_alpha`` (which rounds
    its CI to 3 decimals) and psych 2.2.9 ``alpha()`` raw_alpha and ``$feldt`` to 1e-10.
    """
    n, k = block.shape
    if k < 2 or n < 3:
        raise OptionError(f"Cronbach's alpha needs at least 2 items and 3 respondents; got {k} "
                          f"item(s) and {n} respondent(s).")
    if not 0 < level < 1:
        raise OptionError(f"level must be between 0 and 1; got {level}.")
    alpha = _alpha_from_cov(pairwise_cov(block)[0])
    tail = (1 - level) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1 - (1 - alpha) * stats.f.isf(tail, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.isf(1 - tail, df1, df2)
    return float(alpha), (float(lower), float(upper))


def alpha_variants(block: np.ndarray, *, level: float = 0.95) -> dict[str, Any]:
    """Standardized alpha and Duhachek's asymptotic interval for raw alpha.

    Returns
    -------
    dict
        ``alpha_std`` (alpha of the item correlation matrix), ``alpha_ase`` (asymptotic standard
        error) and ``alpha_ci_duhachek`` (alpha -/+ z * ase).

    Notes
    -----
    With C the pairwise covariance matrix, s = 1'C1 and n rows:
    Q = 2k^2 / ((k-1)^2 s^3) (s (tr C^2 + (tr C)^2) - 2 tr C 1'C^2 1), ase = sqrt(Q / n)
    (Duhachek & Iacobucci, 2004). Both match psych 2.2.9 ``alpha()`` (``std.alpha``, ``ase``).
    """
    n, k = block.shape
    cov = pairwise_cov(block)[0]
    sd = np.sqrt(np.diag(cov))
    total, trace, square = cov.sum(), np.trace(cov), cov @ cov
    q = (2 * k**2 / ((k - 1) ** 2 * total**3)) * (
        total * (np.trace(square) + trace**2) - 2 * trace * square.sum())
    ase = float(np.sqrt(q / n))
    alpha = _alpha_from_cov(cov)
    z = float(stats.norm.ppf(0.5 + level / 2))
    return {"alpha_std": _alpha_from_cov(cov / np.outer(sd, sd)), "alpha_ase": ase,
            "alpha_ci_duhachek": [alpha - z * ase, alpha + z * ase]}


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
    for cid, construct in instrument.constructs.items():
        ids = [i for i in construct.item_ids if i in items.columns]
        if len(ids) < 2:
            continue
        cov, _ = pairwise_cov(items[ids].to_numpy(float))
        for pos, item in enumerate(ids):
            x = items[item]
            rest = [j for j in range(len(ids)) if j != pos]
            rest_cov = cov[np.ix_(rest, rest)]
            rows.append({
                "item": item, "construct": cid, "n": int(x.notna().sum()), "mean": x.mean(),
                "sd": x.std(), "min": x.min(), "max": x.max(), "skew": x.skew(),
                "kurtosis": x.kurt(),
                "citc": cov[pos, rest].sum() / np.sqrt(cov[pos, pos] * rest_cov.sum()),
                "alpha_if_deleted": _alpha_from_cov(rest_cov) if len(rest) > 1 else np.nan})
    return pd.DataFrame(rows)


def _loading_table(parameters: pd.DataFrame,
                   constructs: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    rows = parameters[(parameters["op"] == "=~") & parameters["lhs"].isin(list(constructs))]
    return rows.set_index(["lhs", "rhs"])


def composite_reliability(std_loadings: Sequence[float]) -> tuple[float, float]:
    """Fornell-Larcker composite reliability and AVE from standardized loadings.

    Notes
    -----
    CR = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)); AVE = mean(l^2). Matches the classic formulas
    applied to lavaan's std.all loadings (tests/reference/measurement_*).
    """
    lam = np.asarray(std_loadings, dtype=float)
    total = lam.sum() ** 2
    return float(total / (total + np.sum(1 - lam**2))), float(np.mean(lam**2))


def _factor_estimates(parameters: pd.DataFrame, construct: str,
                      items: Sequence[str]) -> tuple[np.ndarray, float, np.ndarray]:
    est = parameters.set_index(["lhs", "op", "rhs"])["est"]
    lam = np.array([est[(construct, "=~", i)] for i in items], dtype=float)
    theta = np.array([est[(i, "~~", i)] for i in items], dtype=float)
    return lam, float(est[(construct, "~~", construct)]), theta


def omega(parameters: pd.DataFrame, construct: str, items: Sequence[str],
          sample_cov: np.ndarray | None = None) -> float:
    """McDonald's omega of one construct from a CFA's unstandardized estimates.

    Parameters
    ----------
    parameters
        CFA parameter table (``lhs op rhs est``).
    construct, items
        The factor and its indicators.
    sample_cov
        Observed covariance matrix of ``items`` (ML divisor N); when given, the denominator is
        the observed variance of the item sum (semTools' default) instead of the model-implied.

    Notes
    -----
    omega = (sum lambda)^2 psi / ((sum lambda)^2 psi + sum theta) (no residual covariances), as
    semTools 0.5.6 ``compRelSEM(fit, obs.var = FALSE)``; with ``sample_cov``:
    (sum lambda)^2 psi / 1'S1, as ``compRelSEM(fit)``.
    """
    lam, psi, theta = _factor_estimates(parameters, construct, items)
    true = lam.sum() ** 2 * psi
    if sample_cov is not None:
        return float(true / sample_cov.sum())
    return float(true / (true + theta.sum()))


def ave_observed(parameters: pd.DataFrame, construct: str, items: Sequence[str],
                 sample_cov: np.ndarray) -> float:
    """AVE as semTools computes it: explained item variance over observed item variance.

    Notes
    -----
    sum(lambda_i^2 psi) / sum(s_ii), unstandardized estimates and the observed variances (ML
    divisor N); semTools 0.5.6 ``AVE(fit)``. The classic Fornell-Larcker AVE (``ave``) is the
    mean squared standardized loading; the two differ when item variances differ.
    """
    lam, psi, _ = _factor_estimates(parameters, construct, items)
    return float(np.sum(lam**2) * psi / np.trace(sample_cov))


def _correlations(items: pd.DataFrame, *, listwise: bool) -> pd.DataFrame:
    block = items.dropna().to_numpy(float) if listwise else items.to_numpy(float)
    corr = np.corrcoef(block, rowvar=False) if listwise else pairwise_corr(block)
    return pd.DataFrame(corr, index=items.columns, columns=items.columns)


def htmt(items: pd.DataFrame, constructs: Mapping[str, Sequence[str]], *,
         geometric: bool = False) -> dict[str, dict[str, float]]:
    """Heterotrait-monotrait ratio for every pair of constructs.

    Parameters
    ----------
    items
        Reverse-coded answers; rows with any missing item are left out (listwise, as semTools).
    constructs
        ``{construct: [item ids]}``, each with at least 2 items.
    geometric
        False: HTMT (Henseler et al., 2015, arithmetic means); True: HTMT2 (Roemer et al.,
        2021, geometric means).

    Returns
    -------
    dict
        ``{a: {b: value}}`` for each pair, a before b in ``constructs`` order.

    Notes
    -----
    HTMT_ij = mean|r(i, j)| / sqrt(mean|r(i, i')| mean|r(j, j')|) over heterotrait and the
    off-diagonal monotrait item correlations; matches semTools 0.5.6 ``htmt()`` to 1e-10.
    """
    names = list(constructs)
    all_items = [i for c in names for i in constructs[c]]
    corr = _correlations(items[all_items], listwise=True).abs()
    def mean(values: np.ndarray) -> float:
        return float(np.exp(np.mean(np.log(values)))) if geometric else float(np.mean(values))

    def mono(c: str) -> float:
        block = corr.loc[list(constructs[c]), list(constructs[c])].to_numpy()
        return mean(block[np.triu_indices_from(block, k=1)])

    within = {c: mono(c) for c in names}
    out: dict[str, dict[str, float]] = {}
    for a_pos, a in enumerate(names):
        for b in names[a_pos + 1:]:
            hetero = corr.loc[list(constructs[a]), list(constructs[b])].to_numpy().ravel()
            out.setdefault(a, {})[b] = mean(hetero) / np.sqrt(within[a] * within[b])
    return out


def kmo(items: pd.DataFrame) -> tuple[float, dict[str, float]]:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item.

    Notes
    -----
    With R the item correlations (pairwise complete) and A the partial correlations from
    R^-1 (a_ij = -q_ij / sqrt(q_ii q_jj)): KMO = sum r^2 / (sum r^2 + sum a^2) over i != j, and
    the same sums per row for each item. Matches psych 2.2.9 ``KMO()`` to 1e-10. Computed here
    rather than with factor_analyzer, which fails on scikit-learn >= 1.8 and pandas 3.
    """
    corr = _correlations(items, listwise=False).to_numpy()
    inv = np.linalg.inv(corr)
    partial = -inv / np.sqrt(np.outer(np.diag(inv), np.diag(inv)))
    off = ~np.eye(len(corr), dtype=bool)
    r2 = np.where(off, corr**2, 0.0)
    a2 = np.where(off, partial**2, 0.0)
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + a2.sum(axis=0))
    overall = r2.sum() / (r2.sum() + a2.sum())
    return float(overall), dict(zip(items.columns, per_item.tolist(), strict=True))


def bartlett_sphericity(items: pd.DataFrame) -> dict[str, float]:
    """Bartlett's test that the item correlation matrix is an identity matrix.

    Notes
    -----
    chi2 = -(n - 1 - (2p + 5)/6) ln|R| with df = p(p - 1)/2, n = number of rows, R the pairwise
    item correlations; psych 2.2.9 ``cortest.bartlett(R, n)``.
    """
    corr = _correlations(items, listwise=False).to_numpy()
    n, p = len(items), corr.shape[0]
    _, logdet = np.linalg.slogdet(corr)
    chisq = -(n - 1 - (2 * p + 5) / 6) * logdet
    df = p * (p - 1) / 2
    return {"chisq": float(chisq), "df": float(df), "pvalue": float(stats.chi2.sf(chisq, df))}


def eigenvalues(items: pd.DataFrame) -> list[float]:
    """Eigenvalues of the (pairwise) item correlation matrix, largest first."""
    corr = _correlations(items, listwise=False).to_numpy()
    return [float(v) for v in np.linalg.eigvalsh(corr)[::-1]]


def harman_share(items: pd.DataFrame) -> float:
    """Harman's single-factor test: share of variance of the first unrotated component.

    Notes
    -----
    First eigenvalue of the (pairwise) item correlation matrix divided by the number of items;
    the usual warning sign is a share above 0.50 (some reviewers use 0.40).
    """
    return eigenvalues(items)[0] / int(items.shape[1])


def latent_correlations(parameters: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Correlations between factors (std_all of their ``~~`` rows); 1 on the diagonal.

    Pairs without a ``~~`` row (e.g. a regression in a structural model) are NaN: take the
    correlations from the measurement CFA (:func:`semwb.measurement.cfa.measure_constructs`).
    """
    start = np.full((len(names), len(names)), np.nan)
    np.fill_diagonal(start, 1.0)
    out = pd.DataFrame(start, index=list(names), columns=list(names))
    rows = parameters[(parameters["op"] == "~~") & parameters["lhs"].isin(names)
                      & parameters["rhs"].isin(names) & (parameters["lhs"] != parameters["rhs"])]
    for _, row in rows.iterrows():
        out.loc[row["lhs"], row["rhs"]] = out.loc[row["rhs"], row["lhs"]] = row["std_all"]
    return out


def construct_groups(items: pd.DataFrame, instrument: Instrument,
                     constructs: Sequence[str] | None = None) -> dict[str, list[str]]:
    """``{construct: item ids}`` to assess: the named ones, or every construct in ``items``.

    Raises
    ------
    OptionError
        For a name that is not a construct of the instrument, or whose items are not all in
        ``items``.
    """
    if constructs is None:
        found = {c: con.item_ids for c, con in instrument.constructs.items()
                 if set(con.item_ids) <= set(items.columns)}
        if not found:
            raise OptionError(f"No construct of instrument {instrument.instrument} has all its "
                              "items in the data; check the column names.")
        return found
    unknown = [c for c in constructs if c not in instrument.constructs]
    if unknown:
        raise OptionError(f"Unknown construct(s) {unknown}; the instrument has "
                          f"{', '.join(instrument.constructs)}.")
    groups = {c: instrument.constructs[c].item_ids for c in constructs}
    absent = [f"{c} ({', '.join(i for i in ids if i not in items.columns)})"
              for c, ids in groups.items() if not set(ids) <= set(items.columns)]
    if absent:
        raise OptionError(f"Construct(s) with items missing from the data: {'; '.join(absent)}.")
    return groups


def json_ready(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers and NaN/inf as None, recursively."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclass(frozen=True)
class MeasurementQuality:
    """Measurement-quality tables; :meth:`to_dict` gives ARCHITECTURE.md's ``measurement.json``."""

    constructs: dict[str, dict[str, Any]]
    htmt: dict[str, dict[str, float]]
    htmt2: dict[str, dict[str, float]]
    fornell_larcker: dict[str, dict[str, float]]
    harman: dict[str, Any]
    kmo: float
    kmo_items: dict[str, float]
    bartlett: dict[str, float]
    descriptives: pd.DataFrame
    n_obs: int
    cfa_fit: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    formulas: dict[str, str] = field(default_factory=lambda: dict(FORMULAS))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (NaN becomes None)."""
        out: dict[str, Any] = json_ready({
            "n_obs": self.n_obs, "constructs": self.constructs, "htmt": self.htmt,
            "htmt2": self.htmt2, "fornell_larcker": self.fornell_larcker,
            "harman": self.harman, "kmo": self.kmo, "kmo_items": self.kmo_items,
            "bartlett": self.bartlett, "thresholds": THRESHOLDS, "formulas": self.formulas,
            "cfa_fit": self.cfa_fit, "warnings": self.warnings,
            "items": self.descriptives.to_dict(orient="records")})
        return out


def single_factor_comparison(kfactor: Mapping[str, Any],
                             single: Mapping[str, Any]) -> dict[str, Any]:
    """Compare a one-factor CFA of all items with the k-factor CFA (chi-square difference test).

    Parameters
    ----------
    kfactor, single
        Fit indices of the two models with at least ``chisq``, ``df`` (as ``FitIndices``).

    Returns
    -------
    dict
        ``single_factor`` (chisq, df, cfi, tli, rmsea, srmr), ``chisq_diff``, ``df_diff``,
        ``pvalue`` (lavaan::lavTestLRT for ML).
    """
    diff = float(single["chisq"]) - float(kfactor["chisq"])
    ddf = int(single["df"]) - int(kfactor["df"])
    keys = ("chisq", "df", "cfi", "tli", "rmsea", "srmr")
    return {"single_factor": {k: single.get(k) for k in keys},
            "chisq_diff": diff, "df_diff": ddf,
            "pvalue": float(stats.chi2.sf(diff, ddf)) if ddf > 0 else None}


def assess_measurement(items: pd.DataFrame, instrument: Instrument, *,
                       loadings: pd.DataFrame | None = None,
                       constructs: Sequence[str] | None = None, level: float = 0.95,
                       single_factor: dict[str, Any] | None = None) -> MeasurementQuality:
    """All measurement-quality statistics for the constructs found in ``items``.

    Parameters
    ----------
    items
        Reverse-coded answers (see :func:`semwb.survey.scoring.reverse_code`).
    instrument
        Gives each construct's items.
    loadings
        Parameter table of the k-factor CFA of these constructs (``fit_model(...).parameters``);
        without it omega, CR, AVE and the Fornell-Larcker table are None.
    constructs
        Which constructs to assess; default every construct with all items in ``items``.
    level
        Confidence level of alpha's interval.
    single_factor
        Output of :func:`single_factor_comparison`, stored under ``harman``.

    Returns
    -------
    MeasurementQuality
    """
    groups = construct_groups(items, instrument, constructs)
    names = list(groups)
    all_items = [i for c in names for i in groups[c]]
    table = _loading_table(loadings, groups) if loadings is not None else None
    complete = items[all_items].dropna()
    per: dict[str, dict[str, Any]] = {}
    for c in names:
        alpha, ci = cronbach_alpha(items[groups[c]].to_numpy(float), level=level)
        entry: dict[str, Any] = {"items": list(groups[c]), "alpha": alpha, "alpha_ci": list(ci),
                                 **alpha_variants(items[groups[c]].to_numpy(float), level=level),
                                 "omega": None, "omega_observed": None, "cr": None, "ave": None,
                                 "ave_observed": None,
                                 "sqrt_ave": None, "loadings": {}}
        if table is not None and loadings is not None:
            std = [float(table.loc[(c, i), "std_all"]) for i in groups[c]]
            cr, ave = composite_reliability(std)
            sample = np.cov(complete[groups[c]].to_numpy(float), rowvar=False, bias=True)
            entry.update(cr=cr, ave=ave, sqrt_ave=float(np.sqrt(ave)),
                         omega=omega(loadings, c, groups[c]),
                         omega_observed=omega(loadings, c, groups[c], sample),
                         ave_observed=ave_observed(loadings, c, groups[c], sample),
                         loadings=dict(zip(groups[c], std, strict=True)))
        per[c] = entry
    fornell: dict[str, dict[str, float]] = {}
    if loadings is not None:
        lv = latent_correlations(loadings, names)
        fornell = {a: {b: (per[a]["sqrt_ave"] if a == b else float(lv.loc[a, b]))
                       for b in names} for a in names}
    overall, by_item = kmo(items[all_items])
    values = eigenvalues(items[all_items])
    harman: dict[str, Any] = {"first_factor_share": values[0] / len(all_items),
                              "eigenvalues": values}
    if single_factor is not None:
        harman["single_factor_cfa"] = single_factor
    multi = len(names) > 1
    return MeasurementQuality(
        constructs=per, htmt=htmt(items, groups) if multi else {},
        htmt2=htmt(items, groups, geometric=True) if multi else {},
        fornell_larcker=fornell, harman=harman, kmo=overall, kmo_items=by_item,
        bartlett=bartlett_sphericity(items[all_items]),
        descriptives=item_descriptives(items[all_items], instrument), n_obs=len(complete))

