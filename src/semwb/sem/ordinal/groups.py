"""The configural WLSMV fit of a multiple-group spec, as lavaan 0.6.14's ``cfa(..., group =,
estimator = "WLSMV")`` without equality constraints.

With every parameter free in every group lavaan's DWLS objective is the sum over groups of
``n_g / N`` times each group's own, whose thresholds, polychoric correlations and ``Γ`` are
computed within the group; the estimates are therefore each group's own WLSMV fit
(:func:`semwb.sem.ordinal.fit.fit_ordinal` on the group's rows), and each group's covariance of
the estimates is its own times ``(n_g - 1) / n_g · N / (N - G)`` (lavaan's divisor for the
groups together). The test statistic is the sum of the groups' ``(n_g - 1) F_g``. The
scaled-shifted test uses the traces of ``UΓ`` summed over the block-diagonal groups (each
group's ``tr(UΓ)`` and ``tr((UΓ)²)`` recovered from its own scaling factor ``c`` and shift ``s``
on ``df``: ``tr = (df - s) c``, ``tr² = df c²``), the baseline's likewise. RMSEA multiplies by
``sqrt(G)`` (per-group noncentrality, ``N - G`` as lavaan for estimators other than ML), SRMR
is the ``n_g / N`` weighted mean of the groups'. The ``.robust`` CFI/TLI/RMSEA of a CFA of
ordinal items are lavaan's catML ones over the groups (:mod:`.group_catml`); WRMR is left
empty.

``group_equal`` and ``group_partial`` beyond a CFA, shared labels, ``:=`` and the bootstrap
are refused when the spec is loaded (:func:`ordinal_group_problems`); the invariance ladder is
:mod:`.ladder_fit`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from semwb.distributions import chi2_sf
from semwb.errors import SpecError, join_problems
from semwb.results import FitIndices
from semwb.sem.estimate import FitResult
from semwb.sem.fitindices import incremental, rmsea, rmsea_interval
from semwb.sem.groups import block_name
from semwb.sem.solution import wald
from semwb.sem.spec import ModelSpec
from semwb.sem.syntax import ParsedSyntax


def ordinal_group_problems(parsed: ParsedSyntax, *, group_equal: Sequence[str],
                           group_partial: Sequence[str], bootstrap: bool,
                           source: str) -> list[str]:
    """What a WLSMV spec with ``group:`` asks that semwb cannot fit yet (the configural model of
    any spec; ``group_equal`` and ``group_partial`` for a CFA of ordinal items)."""
    configural = ("semwb's WLSMV with 'group:' fits the configural model (every parameter free "
                  "in every group) or 'group_equal' / 'group_partial' for a CFA")
    problems = []
    if group_equal or group_partial:
        problems += equal_scope_problems(parsed, source)
    if bootstrap:
        problems.append(f"{source}: the bootstrap is not available for WLSMV with 'group:'; "
                        "remove 'bootstrap:'.")
    problems += [f"{source}, syntax line {t.line}: the label on '{t.lhs} {t.op} {t.rhs}' would "
                 f"make the parameter equal across groups; {configural}: remove the label."
                 for t in parsed.terms if t.label or t.by_group]
    if parsed.definitions:
        problems.append(f"{source}, syntax line {parsed.definitions[0].line}: ':=' effects are "
                        f"not available with WLSMV and 'group:'; remove the line.")
    return problems


def equal_scope_problems(parsed: ParsedSyntax, source: str) -> list[str]:
    """``group_equal`` and ``group_partial`` are fitted for a CFA: factors of ordinal items,
    their variances and covariances (:mod:`.groups_equal`)."""
    latents = set(parsed.latents)
    return [f"{source}, syntax line {t.line}: '{t.lhs} {t.op} {t.rhs}'".rstrip()
            + " is beyond a CFA of ordinal items, which is what semwb fits with WLSMV and "
            "'group_equal' / 'group_partial'; remove the line or the key."
            for t in parsed.terms
            if t.op in ("~", "~1") or (t.op == "=~" and t.rhs in latents)
            or (t.op == "~~" and not {t.lhs, t.rhs} <= latents)]


def _traces(df: int, factor: float | None, shift: float) -> tuple[float, float]:
    """``tr(UΓ)`` and ``tr((UΓ)²)`` of a scaled-shifted test on ``df`` (see the module notes)."""
    c = float(factor) if factor is not None else float("nan")
    return (df - shift) * c, df * c * c


def _shifted(chisq: float, df: int, trace: float, trace2: float) -> tuple[float, float, float]:
    """``(a·T + shift, 1/a, shift)`` from summed traces, as
    :func:`semwb.sem.estimators.dwls.scaled_shifted`."""
    a = float(np.sqrt(df / trace2))
    shift = df - a * trace
    return a * chisq + shift, 1.0 / a, shift


def combined_indices(per: Sequence[FitIndices], sizes: Sequence[int]) -> FitIndices:
    """lavaan's ``fitMeasures()`` of the configural model from each group's WLSMV indices."""
    n, g = sum(sizes), len(per)
    chisq = sum(f.chisq or 0.0 for f in per)
    df = sum(f.df or 0 for f in per)
    chisq0 = sum(f.baseline_chisq or 0.0 for f in per)
    df0 = sum(f.baseline_df or 0 for f in per)
    model = [_traces(f.df or 0, f.chisq_scaling_factor, f.chisq_shift or 0.0) for f in per]
    base = [_traces(f.baseline_df or 0, f.baseline_chisq_scaling_factor,
                    (f.baseline_chisq_scaled or 0.0) - (f.baseline_chisq or 0.0)
                    / (f.baseline_chisq_scaling_factor or 1.0)) for f in per]
    scaled, factor, shift = _shifted(chisq, df, sum(t for t, _ in model),
                                     sum(t for _, t in model))
    scaled0, factor0, _ = _shifted(chisq0, df0, sum(t for t, _ in base), sum(t for _, t in base))
    cfi, tli = incremental(chisq, df, chisq0, df0)
    cfi_s, tli_s = incremental(scaled, df, scaled0, df0)
    lo, hi = rmsea_interval(chisq, df, n - g)
    lo_s, hi_s = rmsea_interval(scaled, df, n - g)
    root = float(np.sqrt(g))
    return FitIndices(
        chisq=chisq, df=df, pvalue=float(chi2_sf(chisq, df)), cfi=cfi, tli=tli,
        rmsea=rmsea(chisq, df, n - g, groups=g), rmsea_ci_lower=lo * root, rmsea_ci_upper=hi * root,
        srmr=sum(k / n * (f.srmr or 0.0) for k, f in zip(sizes, per, strict=True)),
        baseline_chisq=chisq0, baseline_df=df0, npar=sum(f.npar or 0 for f in per),
        chisq_scaled=scaled, df_scaled=df, pvalue_scaled=float(chi2_sf(scaled, df)),
        chisq_scaling_factor=factor, chisq_shift=shift, baseline_chisq_scaled=scaled0,
        baseline_chisq_scaling_factor=factor0, cfi_scaled=cfi_s, tli_scaled=tli_s,
        rmsea_scaled=rmsea(scaled, df, n - g, groups=g), rmsea_ci_lower_scaled=lo_s * root,
        rmsea_ci_upper_scaled=hi_s * root,
    )


def _block_vcov(fits: Sequence[FitResult], factors: Sequence[float]) -> pd.DataFrame:
    """The groups' parameter covariances, each times its ``factor``, as one block-diagonal
    frame (names ``x|g``)."""
    from scipy.linalg import block_diag

    names = [block_name(str(v), g) for g, f in enumerate(fits) for v in f.vcov.index]
    out = block_diag(*[f.vcov.to_numpy() * c for f, c in zip(fits, factors, strict=True)])
    return pd.DataFrame(out, index=names, columns=names)


def _group_table(fit: FitResult, level: str, factor: float) -> pd.DataFrame:
    """A group's parameter rows with its ``group`` and SEs times ``sqrt(factor)``."""
    table = fit.parameters.copy()
    table["group"] = level
    table["se"] = table["se"].to_numpy(dtype=float) * np.sqrt(factor)
    for column, values in wald(table["est"].to_numpy(dtype=float),
                               table["se"].to_numpy(dtype=float)).items():
        table[column] = values
    return table


def _empty_categories(spec: ModelSpec, levels: Sequence[str], frames: Sequence[pd.DataFrame],
                      data_name: str) -> list[str]:
    """Each ordinal item's categories that some groups have and a group lacks (lavaan refuses:
    the groups' thresholds would not correspond)."""
    problems = []
    for item in spec.ordered_items:
        seen = [set(pd.unique(f[item].dropna())) for f in frames if item in f.columns]
        every = set().union(*seen) if seen else set()
        for level, values in zip(levels, seen, strict=False):
            missing = ", ".join(f"{v:g}" for v in sorted(every - values))
            if missing:
                problems.append(f"{data_name}, column {item}: no respondent of group "
                                f"{spec.group} = {level} answered {missing}, which the other "
                                "groups use; WLSMV with groups needs every category in every "
                                "group (as lavaan): merge the category with its neighbour or "
                                "drop the item.")
    return problems


def fit_ordinal_groups(spec: ModelSpec, data: pd.DataFrame, *,
                       data_name: str = "data") -> FitResult:
    """Fit a WLSMV spec with ``group:``: the configural model (see the module notes), then
    the joint fit of :mod:`.groups_equal` when the spec has ``group_equal`` or ``group_partial``.

    Returns
    -------
    FitResult
        As :func:`semwb.sem.multigroup.fit_groups`: one block of parameter rows per group,
        ``groups`` the levels; ``model`` holds the first group's configural matrices (no block
        model exists; modification indices, power and the bootstrap, which read it, are not
        run for WLSMV groups).

    Raises
    ------
    SpecError
        When a category of an ordinal item is empty in one group (names item, group and
        category).
    SpecError, FitError
        As :func:`semwb.sem.multigroup.split_groups` and
        :func:`semwb.sem.ordinal.fit.fit_ordinal`, naming the group.
    """
    from semwb.sem.multigroup import split_groups
    from semwb.sem.ordinal.fit import fit_ordinal

    levels, frames, excluded = split_groups(spec, data, data_name=data_name)
    problems = _empty_categories(spec, levels, frames, data_name)
    if problems:
        raise SpecError(join_problems(f"{spec.source} does not fit {data_name}: "
                                      f"{len(problems)} problems", problems))
    single = spec.model_copy(update={"group": None, "group_levels": []})
    fits, caught = [], []
    for level, frame in zip(levels, frames, strict=True):
        name = f"{data_name} (group {spec.group} = {level})"
        with warnings.catch_warnings(record=True) as found:
            warnings.simplefilter("always")
            fits.append(fit_ordinal(single, frame, frame, (), name))  # rows as the user sees
        caught += [(w.category, f"group {level}: {w.message}") for w in found]
    for category, message in caught:
        warnings.warn(message, category, stacklevel=2)
    sizes = [f.n_obs for f in fits]
    n, g = sum(sizes), len(sizes)
    factors = [(k - 1) / k * n / (n - g) for k in sizes]  # lavaan's N - G for the groups
    tables = [_group_table(f, level, c) for level, f, c in zip(levels, fits, factors, strict=True)]
    indices, vcov = combined_indices([f.fit for f in fits], sizes), _block_vcov(fits, factors)
    r2 = [f.r2 for f in fits]
    if not (spec.group_equal or spec.group_partial):
        from semwb.sem.ordinal.group_catml import configural_robust

        indices = indices.model_copy(update=configural_robust(spec, frames, tables,
                                                              indices.df or 0))
    else:
        from semwb.sem.ordinal.groups_equal import equal_groups

        tables, indices, vcov, r2 = equal_groups(spec, frames, tables, indices)
    return FitResult(
        spec=spec, parameters=pd.concat(tables, ignore_index=True), fit=indices,
        r2={f"{k} [{level}]": v for level, each in zip(levels, r2, strict=True)
            for k, v in each.items()},
        n_obs=sum(sizes), n_excluded=len(excluded), excluded_rows=excluded,
        converged=all(f.converged for f in fits),
        warnings=tuple(m for _, m in caught), observed=fits[0].observed,
        data=pd.concat(frames, ignore_index=True), vcov=vcov, effects=spec.effects,
        model=fits[0].model, groups=tuple(levels), group_n=tuple(sizes),
    )

