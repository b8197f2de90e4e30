"""The parameter table split into what a reader looks at: loadings, paths, covariances, effects."""

from __future__ import annotations

from dataclasses import dataclass

from semwb.results import ParameterRow, Results


@dataclass(frozen=True)
class ModelParts:
    """The rows of one model's parameter table, by role, in the order of the table.

    Attributes
    ----------
    latents
        Each latent variable with its indicators, in the order of the ``=~`` lines.
    loadings
        ``=~`` rows.
    paths
        ``~`` rows (regressions).
    covariances
        ``~~`` rows between two different variables that take part in the structural model.
    defined
        ``:=`` rows (indirect, total and other defined effects).
    """

    latents: dict[str, list[str]]
    loadings: list[ParameterRow]
    paths: list[ParameterRow]
    covariances: list[ParameterRow]
    defined: list[ParameterRow]

    @property
    def structural(self) -> list[str]:
        """Variables of the structural model: latents first, then observed ones in paths."""
        names = list(self.latents)
        for row in self.paths:
            for name in (row.rhs, row.lhs):
                if name not in names:
                    names.append(name)
        return names

def is_significant(row: ParameterRow, *, by_ci: bool = False, alpha: float = 0.05) -> bool:
    """Return whether ``row`` differs from zero.

    With ``by_ci`` (defined effects under the bootstrap, whose sampling distribution is not
    normal) the interval decides: significant when it excludes zero; otherwise the p value
    (``p < alpha``) decides. Either falls back on the other when it is missing.
    """
    lower, upper = row.ci_lower, row.ci_upper
    if row.pvalue is not None and not (by_ci and lower is not None and upper is not None):
        return row.pvalue < alpha
    if lower is not None and upper is not None:
        return lower > 0 or upper < 0
    return False


def disagrees(row: ParameterRow, *, alpha: float = 0.05) -> bool:
    """Whether the p value and the interval of ``row`` reach different verdicts.

    They can under the bootstrap (a z test on the bootstrap SE beside a percentile interval);
    the report marks such rows and says which of the two decided.
    """
    lower, upper = row.ci_lower, row.ci_upper
    if row.pvalue is None or lower is None or upper is None:
        return False
    return (row.pvalue < alpha) != (lower > 0 or upper < 0)


def is_location(row: ParameterRow) -> bool:
    """Whether a defined parameter is a ratio of coefficients (a turning point, a location).

    Its interval locates it; whether it differs from zero says nothing about the hypothesis
    (an inverted U is tested by the squared term and the slopes), so it gets no verdict.
    """
    return row.op == ":=" and "/" in row.rhs


def group_values(results: Results) -> list[str | None]:
    """The groups of the parameter table in its order (``[None]`` for a single-group fit).

    ``:=`` rows belong to no group (they may combine labels of several) and are left out.
    """
    return list(dict.fromkeys(row.group for row in results.parameters if row.op != ":="))


def split_parameters(results: Results, group: str | None = None) -> ModelParts:
    """Split the parameter table of ``results`` by role.

    Multi-group fits: the rows of ``group`` (the first group when omitted) and every ``:=`` row.
    """
    first = group if group is not None else next(iter(group_values(results)), None)
    rows = [row for row in results.parameters if row.group == first or row.op == ":="]
    latents: dict[str, list[str]] = {}
    for row in rows:
        if row.op == "=~":
            latents.setdefault(row.lhs, []).append(row.rhs)
    paths = [row for row in rows if row.op == "~"]
    structural = set(latents) | {r.lhs for r in paths} | {r.rhs for r in paths}
    covariances = [
        row for row in rows
        if row.op == "~~" and row.lhs != row.rhs and row.lhs in structural and row.rhs in structural
    ]
    return ModelParts(
        latents=latents,
        loadings=[row for row in rows if row.op == "=~"],
        paths=paths,
        covariances=covariances,
        defined=[row for row in rows if row.op == ":="],
    )
