"""Conditional effects on observed scores: product terms, probing, curvilinear and conditional
process effects (issue 13).

Pure functions over estimates and their sampling covariance; nothing here fits a model, so the
same code serves semwb's own model core, semopy, and plain regression.
"""
