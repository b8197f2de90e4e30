"""Ordinal items: thresholds, polychoric correlations, their asymptotic covariance, WLSMV."""
