"""Alliance-portfolio measures computed from a firm-by-partner list, joined to the survey.

``read_partners`` / ``read_ties`` (:mod:`.reader`) -> ``portfolio_measures`` (:mod:`.measures`,
built on the indices of :mod:`.indices` and the ego-network measures of :mod:`.network`) ->
``join_measures`` (:mod:`.join`). Formulas and their sources: ``docs/portfolio.md``.
"""
