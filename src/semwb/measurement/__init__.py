"""Measurement quality of scored constructs (see :mod:`semwb.measurement.stats`).

``measure_constructs``, which fits the CFAs, lives in :mod:`semwb.measurement.cfa` so that
importing the statistics does not import the SEM engine.
"""

from __future__ import annotations

from semwb.measurement.stats import (
    FORMULAS,
    THRESHOLDS,
    MeasurementQuality,
    assess_measurement,
    bartlett_sphericity,
    composite_reliability,
    cronbach_alpha,
    harman_share,
    htmt,
    item_descriptives,
    kmo,
    omega,
    single_factor_comparison,
)

__all__ = [
    "FORMULAS",
    "THRESHOLDS",
    "MeasurementQuality",
    "assess_measurement",
    "bartlett_sphericity",
    "composite_reliability",
    "cronbach_alpha",
    "harman_share",
    "htmt",
    "item_descriptives",
    "kmo",
    "omega",
    "single_factor_comparison",
]
