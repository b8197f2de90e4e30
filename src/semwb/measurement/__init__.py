"""Measurement quality of scored constructs.

One module per family: :mod:`~semwb.measurement.reliability` (alpha, omega, CR, AVE),
:mod:`~semwb.measurement.validity` (HTMT, Fornell-Larcker), :mod:`~semwb.measurement.factorability`
(KMO, Bartlett, Harman), :mod:`~semwb.measurement.descriptives` (per-item statistics), over the
covariances of :mod:`~semwb.measurement.correlations`; :mod:`~semwb.measurement.assessment`
assembles them into :class:`MeasurementQuality`.

``measure_constructs``, which fits the CFAs, lives in :mod:`semwb.measurement.cfa` so that
importing the statistics does not import the SEM engine.
"""

from __future__ import annotations

from semwb.measurement.assessment import (
    FORMULAS,
    THRESHOLDS,
    MeasurementQuality,
    assess_measurement,
)
from semwb.measurement.descriptives import item_descriptives
from semwb.measurement.factorability import (
    bartlett_sphericity,
    eigenvalues,
    harman_share,
    kmo,
    single_factor_comparison,
)
from semwb.measurement.reliability import (
    alpha_variants,
    composite_reliability,
    cronbach_alpha,
    omega,
)
from semwb.measurement.validity import fornell_larcker, htmt, latent_correlations

__all__ = [
    "FORMULAS",
    "THRESHOLDS",
    "MeasurementQuality",
    "alpha_variants",
    "assess_measurement",
    "bartlett_sphericity",
    "composite_reliability",
    "cronbach_alpha",
    "eigenvalues",
    "fornell_larcker",
    "harman_share",
    "htmt",
    "item_descriptives",
    "kmo",
    "latent_correlations",
    "omega",
    "single_factor_comparison",
]
