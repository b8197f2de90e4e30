"""Measurement quality of a set of constructs: every statistic assembled into one table.

The statistics live in :mod:`~semwb.measurement.reliability`, :mod:`~semwb.measurement.validity`,
:mod:`~semwb.measurement.factorability` and :mod:`~semwb.measurement.descriptives`; each is a
small function over item answers (reverse-coded, rows = respondents) or over a CFA's parameter
table in lavaan's ``parameterEstimates()`` columns (``lhs op rhs est std_all``). No model is
fitted here (:mod:`semwb.measurement.cfa` does that). Each function's Notes give the formula and
the R function it was checked against (tests/reference/measurement_*).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from semwb.errors import OptionError
from semwb.measurement.descriptives import item_descriptives
from semwb.measurement.factorability import bartlett_sphericity, eigenvalues, kmo
from semwb.measurement.reliability import (
    alpha_variants,
    ave_observed,
    composite_reliability,
    cronbach_alpha,
    omega,
)
from semwb.measurement.validity import fornell_larcker, htmt
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



def _standardized_loadings(parameters: pd.DataFrame) -> dict[tuple[str, str], float]:
    """``{(construct, item): std_all}`` of a CFA's ``=~`` rows (a dict: no pandas index per
    lookup)."""
    columns = (parameters[c].to_numpy() for c in ("lhs", "op", "rhs", "std_all"))
    return {(lhs, rhs): float(std) for lhs, op, rhs, std in zip(*columns, strict=True)
            if op == "=~"}


def construct_groups(items: pd.DataFrame, instrument: Instrument,
                     constructs: Sequence[str] | None = None) -> dict[str, list[str]]:
    """``{construct: item ids}`` to assess: the named ones, or every construct in ``items``.

    Raises
    ------
    OptionError
        For a name that is not a construct of the instrument, or whose items are not all in
        ``items``.
    """
    have = set(items.columns)
    if constructs is None:
        found = {c: con.item_ids for c, con in instrument.constructs.items()
                 if set(con.item_ids) <= have}
        if not found:
            raise OptionError(f"No construct of instrument {instrument.instrument} has all its "
                              "items in the data; check the column names.")
        return found
    unknown = [c for c in constructs if c not in instrument.constructs]
    if unknown:
        raise OptionError(f"Unknown construct(s) {unknown}; the instrument has "
                          f"{', '.join(instrument.constructs)}.")
    groups = {c: instrument.constructs[c].item_ids for c in constructs}
    absent = [f"{c} ({', '.join(i for i in ids if i not in have)})"
              for c, ids in groups.items() if not set(ids) <= have]
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
    """Measurement-quality tables; :meth:`to_dict` gives ``measurement.json``.

    The JSON shape is in docs/architecture.md ("Measurement quality").
    """

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
    std_of = _standardized_loadings(loadings) if loadings is not None else None
    complete = items[all_items].dropna()
    per: dict[str, dict[str, Any]] = {}
    for c in names:
        block = items[groups[c]].to_numpy(float)
        alpha, ci = cronbach_alpha(block, level=level)
        entry: dict[str, Any] = {"items": list(groups[c]), "alpha": alpha, "alpha_ci": list(ci),
                                 **alpha_variants(block, level=level),
                                 "omega": None, "omega_observed": None, "cr": None, "ave": None,
                                 "ave_observed": None,
                                 "sqrt_ave": None, "loadings": {}}
        if std_of is not None and loadings is not None:
            std = [std_of[(c, i)] for i in groups[c]]
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
        fornell = fornell_larcker(loadings, {c: per[c]["sqrt_ave"] for c in names})
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
