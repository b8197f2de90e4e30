"""Before and beside the CFA: exploratory factor analysis, firm-level aggregation, correlation
tables, multiple imputation and out-of-sample prediction (docs/explore.md).

Each module is imported on its own (``from semwb.explore.efa import run_efa``) so that importing
the package loads nothing heavy.
"""
