"""Fit the measurement models (k-factor and single-factor CFA) and assess measurement quality.

Kept apart from the statistics (:mod:`semwb.measurement.assessment`) because it fits models
through ``semwb.sem``, while the statistics themselves are plain array functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd

from semwb.measurement.assessment import (
    MeasurementQuality,
    assess_measurement,
    construct_groups,
)
from semwb.measurement.factorability import single_factor_comparison
from semwb.sem.estimate import fit_model
from semwb.sem.spec import spec_from_syntax
from semwb.survey.instrument import Instrument

CFA_FIT_KEYS = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic")


def cfa_syntax(constructs: Mapping[str, Sequence[str]]) -> str:
    """lavaan syntax of the correlated-factor CFA: one ``F =~ items`` line per construct."""
    return "\n".join(f"{c} =~ {' + '.join(items)}" for c, items in constructs.items())


def measure_constructs(items: pd.DataFrame, instrument: Instrument, *,
                       constructs: Sequence[str] | None = None,
                       level: float = 0.95) -> MeasurementQuality:
    """Fit the k-factor and the single-factor CFA, then :func:`assess_measurement`.

    Both CFAs are fitted by ``semwb.sem.estimate.fit_model`` (ML, listwise) on the rows with
    every item answered; the k-factor CFA's loadings give omega, CR, AVE and the
    Fornell-Larcker table and the CFA fit (``cfa_fit``), the single-factor CFA Harman's CFA
    comparison.
    """
    groups = construct_groups(items, instrument, constructs)
    data = items[[i for g in groups.values() for i in g]].dropna()
    # neither CFA's RMSEA interval is reported (CFA_FIT_KEYS, the single-factor comparison)
    kfactor = fit_model(spec_from_syntax(cfa_syntax(groups), name="measurement-cfa"), data,
                        data_name="responses", rmsea_ci=False)
    comparison = None
    warnings = [f"k-factor CFA: {w}" for w in kfactor.warnings]
    if len(groups) > 1:
        single = fit_model(spec_from_syntax(cfa_syntax({"G": list(data.columns)}),
                                            name="single-factor-cfa"), data, data_name="responses",
                           rmsea_ci=False)
        comparison = single_factor_comparison(kfactor.fit.model_dump(), single.fit.model_dump())
        warnings += [f"single-factor CFA: {w}" for w in single.warnings]
    quality = assess_measurement(items, instrument, loadings=kfactor.parameters,
                                 constructs=list(groups), level=level, single_factor=comparison)
    indices = kfactor.fit.model_dump()
    cfa_fit = {key: indices.get(key) for key in CFA_FIT_KEYS}
    return replace(quality, warnings=warnings, cfa_fit=cfa_fit)
