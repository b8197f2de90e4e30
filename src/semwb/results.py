"""The result objects every later stage reads, and their JSON form (``results.json``).

Parameter rows follow lavaan's ``parameterEstimates()`` so lavaan users can read them at once. The
shape is a contract with other tools (see ``docs/formats.md``): add optional fields, never rename.
Numbers that are undefined (a fixed parameter's z, a failed draw) are ``None`` in Python and
``null`` in JSON, never NaN.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from semwb.errors import ResultsError

#: Warnings the HTML report words itself, in its language, instead of printing them as written:
#: a negative standardized loading (``sem.loading_checks``) ...
LOADING_WARNING = "loading: "
#: ... and the portfolio join's unmatched firms (``portfolio.join`` with the ``portfolio: `` of
#: ``model_data``), stated in the report's portfolio section.
JOIN_WARNING = re.compile(r"^portfolio: \d+ firm\(s\) of the (survey are not in the partner list|"
                          r"partner list are not in the survey|survey had no alliance active)")

if TYPE_CHECKING:
    import pandas as pd

RESULTS_SCHEMA_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class FitIndices(_Frozen):
    """Global fit of one model, computed as lavaan's ``fitMeasures()``."""

    chisq: float | None = None
    df: int | None = None
    pvalue: float | None = None
    cfi: float | None = None
    tli: float | None = None
    rmsea: float | None = None
    rmsea_ci_lower: float | None = None
    rmsea_ci_upper: float | None = None
    srmr: float | None = None
    aic: float | None = None
    bic: float | None = None
    bic2: float | None = None
    loglik: float | None = None
    unrestricted_loglik: float | None = None
    baseline_chisq: float | None = None
    baseline_df: int | None = None
    npar: int | None = None
    #: Robust estimators, lavaan's names; None under ML. MLR (Yuan-Bentler) and MLM
    #: (Satorra-Bentler): the scaled chi-square is ``chisq / chisq_scaling_factor`` on ``df``;
    #: the ``.robust`` CFI, TLI and RMSEA (Brosseau-Liard & Savalei; Savalei's FIML correction
    #: under FIML) are the ones to report, the ``.scaled`` ones only rescale the statistic.
    #: WLSMV: lavaan's scaled-shifted test (``df_scaled``, ``chisq_shift``).
    chisq_scaled: float | None = None
    df_scaled: int | None = None
    pvalue_scaled: float | None = None
    chisq_scaling_factor: float | None = None
    chisq_shift: float | None = None
    baseline_chisq_scaled: float | None = None
    baseline_chisq_scaling_factor: float | None = None
    cfi_scaled: float | None = None
    tli_scaled: float | None = None
    rmsea_scaled: float | None = None
    rmsea_ci_lower_scaled: float | None = None
    rmsea_ci_upper_scaled: float | None = None
    cfi_robust: float | None = None
    tli_robust: float | None = None
    rmsea_robust: float | None = None
    rmsea_ci_lower_robust: float | None = None
    rmsea_ci_upper_robust: float | None = None
    wrmr: float | None = None

    _clean = field_validator("*", mode="before")(_nan_to_none)


class ParameterRow(_Frozen):
    """One row of the parameter table, in lavaan's ``parameterEstimates()`` naming.

    ``se``, ``ci_lower`` and ``ci_upper`` are Wald values, or bootstrap ones when the bootstrap ran
    (as lavaan after ``se = "bootstrap"``). ``std_all`` is the completely standardized estimate;
    its bootstrap interval, when computed, is in ``std_all_ci_lower`` / ``std_all_ci_upper``.
    """

    lhs: str
    op: str
    rhs: str
    label: str = ""
    group: str | None = None
    free: bool = True
    est: float | None = None
    se: float | None = None
    z: float | None = None
    pvalue: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    std_all: float | None = None
    std_lv: float | None = None
    std_nox: float | None = None
    std_all_se: float | None = None
    std_all_ci_lower: float | None = None
    std_all_ci_upper: float | None = None

    _clean = field_validator(
        "est", "se", "z", "pvalue", "ci_lower", "ci_upper",
        "std_all", "std_lv", "std_nox", "std_all_se", "std_all_ci_lower", "std_all_ci_upper",
        mode="before",
    )(_nan_to_none)


class BootstrapInfo(_Frozen):
    """How the bootstrap was run and how many draws it kept."""

    draws: int
    succeeded: int
    ci: str
    level: float
    seed: int | None
    failed: list[dict[str, Any]] = Field(default_factory=list)
    rule: str = ""
    #: Kept draws with an inadmissible solution: ``{"draw": 17, "reason": "..."}``.
    inadmissible: list[dict[str, Any]] = Field(default_factory=list)
    #: Per defined effect: ``{"ind": {"edges": [...], "counts": [...]}}`` of its bootstrap draws.
    histograms: dict[str, dict[str, list[float]]] = Field(default_factory=dict)


class Provenance(_Frozen):
    """Exactly what produced a result: hashes of the inputs and the versions of the tools."""

    spec_path: str | None = None
    spec_sha256: str | None = None
    data_path: str | None = None
    data_sha256: str | None = None
    semwb: str = ""
    semopy: str = ""
    python: str = ""
    numpy: str = ""
    pandas: str = ""
    command: str | None = None
    created: str | None = None


class Results(_Frozen):
    """Everything one analysis produced; what ``results.json`` holds.

    ``error`` is set (and most other fields empty) when a batch recorded a model that failed.
    ``nested_in`` names the models (by ``model``) this one is nested in, as its spec says; the
    index page compares them with a chi-square difference test.
    """

    schema_version: int = RESULTS_SCHEMA_VERSION
    model: str
    title: dict[str, str] = Field(default_factory=dict)
    n_obs: int | None = None
    n_excluded: int = 0
    exclusions: list[dict[str, Any]] = Field(default_factory=list)
    estimator: str = "ML"
    #: Which engine fitted the model: semwb's own model core, or semopy (``engine: semopy``).
    engine: str = "semwb"
    missing: str = "listwise"
    #: Auxiliary variables of a FIML fit (saturated correlates, ``auxiliary:`` in the spec).
    auxiliary: list[str] = Field(default_factory=list)
    converged: bool = False
    fit: FitIndices = Field(default_factory=FitIndices)
    parameters: list[ParameterRow] = Field(default_factory=list)
    r2: dict[str, float] = Field(default_factory=dict)
    bootstrap: BootstrapInfo | None = None
    measurement: dict[str, dict[str, Any]] = Field(default_factory=dict)
    htmt: dict[str, dict[str, float]] = Field(default_factory=dict)
    quality: dict[str, Any] = Field(default_factory=dict)
    hypotheses: list[dict[str, Any]] = Field(default_factory=list)
    nested_in: list[str] = Field(default_factory=list)
    invariance: dict[str, Any] | None = None
    #: A ``group:`` fit's ``group_equal`` kinds and ``group_partial`` rows (docs/models.md); the
    #: report marks the parameters they hold equal across the groups.
    group_equal: list[str] = Field(default_factory=list)
    group_partial: list[str] = Field(default_factory=list)
    #: The grouping column of a ``group:`` fit (None for one group, and in older results).
    group: str | None = None
    #: The rows fitted in each group of a ``group:`` fit (empty for one group).
    group_n: dict[str, int] = Field(default_factory=dict)
    syntax: str = ""
    #: Probed product and power terms (docs/moderation.md): centering, moderations, curves.
    conditional: dict[str, Any] | None = None
    #: ``unit:`` aggregation: respondents, firms and agreement per construct (docs/explore.md).
    aggregation: dict[str, Any] | None = None
    #: ``portfolio:`` measures joined from a partner list (docs/portfolio.md).
    portfolio: dict[str, Any] | None = None
    #: ``modindices:`` the largest modification indices (docs/reviewers.md): ``minimum, top,
    #: op, above, candidates, rows[{lhs, op, rhs, mi, pvalue, epc, sepc_lv, sepc_all,
    #: sepc_nox}]``, largest first.
    modindices: dict[str, Any] | None = None
    #: ``imputation:`` m imputations pooled by Rubin's rules beside FIML, as ``semwb impute``'s
    #: ``mi.json`` (docs/explore.md).
    imputation: dict[str, Any] | None = None
    #: ``prediction:`` PLSpredict-style cross-validation, as ``prediction.json`` (docs/explore.md).
    prediction: dict[str, Any] | None = None
    warnings: list[str] = Field(default_factory=list)
    error: str | None = None
    provenance: Provenance = Field(default_factory=Provenance)

    def to_json(self) -> str:
        """Return the ``results.json`` text (UTF-8, indented, ``null`` for undefined numbers)."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2,
                          allow_nan=False) + "\n"

    def to_frame(self) -> pd.DataFrame:
        """The parameter table as a DataFrame, one row per parameter (lavaan's
        ``parameterEstimates()`` with ``std_all``); undefined numbers are NaN.

        >>> results.to_frame().query("op == ':='")[["lhs", "est", "ci_lower", "ci_upper"]]
        ... # doctest: +SKIP
        """
        import pandas as pd

        columns = list(ParameterRow.model_fields)
        return pd.DataFrame([row.model_dump() for row in self.parameters], columns=columns,
                            ).astype({c: float for c in columns if c not in _TEXT_COLUMNS})

    def fit_frame(self) -> pd.DataFrame:
        """The fit indices as a one-column DataFrame indexed by measure (lavaan's
        ``fitMeasures()``): ``results.fit_frame().loc["cfi", "value"]``."""
        import pandas as pd

        values = self.fit.model_dump()
        return pd.DataFrame({"value": [float("nan") if v is None else float(v)
                                       for v in values.values()]}, index=list(values))

    def summary(self) -> str:
        """A plain-text summary in the layout of lavaan's ``summary()``: the header, the model
        test, the fit indices, then latent variables, regressions, covariances, variances and
        defined parameters with Estimate, Std.Err, z-value, P(>|z|), the CI and Std.all."""
        return summary_text(self)


def results_from_json(text: str, *, source: str = "results.json") -> Results:
    """Parse ``results.json`` text back into :class:`Results`.

    Raises
    ------
    ResultsError
        When the text is not JSON or not of the results shape; the message names ``source``.
    """
    try:
        return Results.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ResultsError(
            f"{source}, line {exc.lineno}: not valid JSON ({exc.msg}). "
            "Regenerate it with 'semwb fit'."
        ) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ResultsError(
            f"{source}: field '{where}' {first['msg'].lower()}. "
            "It was not written by this version of semwb; regenerate it with 'semwb fit'."
        ) from exc


def read_results(path: str | Path) -> Results:
    """Read a ``results.json`` file (or the one inside a results folder)."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    if not p.is_file():
        raise ResultsError(
            f"{p}: no such results file. Run 'semwb fit SPEC --out {p.parent}' first.")
    return results_from_json(p.read_text(encoding="utf-8"), source=str(p))


_TEXT_COLUMNS = {"lhs", "op", "rhs", "label", "group", "free"}
_SECTIONS = (("=~", "Latent Variables"), ("~", "Regressions"), ("~~", "Covariances"),
             ("~1", "Intercepts"), (":=", "Defined Parameters"))


def _num(value: float | int | None, width: int = 9, digits: int = 3) -> str:
    return ("" if value is None else f"{value:.{digits}f}").rjust(width)


def _summary_rows(results: Results, op: str) -> list[str]:
    """One section of the summary, grouped by left-hand side for ``=~`` and ``~`` as lavaan."""
    lines, current = [], None
    blank = " " * 9
    for row in results.parameters:
        if row.op != op:
            continue
        if op in ("=~", "~") and row.lhs != current:
            current = row.lhs
            lines.append(f"  {row.lhs} {op}")
        name = f"{row.lhs} := {row.rhs}" if op == ":=" else (
            row.rhs if op in ("=~", "~") else f"{row.lhs} ~~ {row.rhs}")
        if row.label and op != ":=":
            name += f" ({row.label})"
        tests = (blank * 3 if not row.free
                 else f"{_num(row.se)}{_num(row.z)}{_num(row.pvalue)}")
        lines.append(f"    {name:<28}{_num(row.est)}{tests}"
                     f"{_num(row.ci_lower)}{_num(row.ci_upper)}{_num(row.std_all)}")
    return lines


def summary_text(results: Results) -> str:
    """The text of :meth:`Results.summary` (see there)."""
    f, boot = results.fit, results.bootstrap
    lines = [f"semwb {results.provenance.semwb or ''} -- {results.model}".rstrip(),
             f"  Estimator                {results.estimator:>24}",
             f"  Converged                {results.converged!s:>24}",
             f"  Number of observations   {results.n_obs if results.n_obs is not None else '':>24}",
             f"  Missing data             {results.missing:>24}",
             f"  Standard errors and CIs  {'bootstrap ' + boot.ci if boot else 'Wald':>24}",
             "", "Model Test User Model:",
             f"  Test statistic           {_num(f.chisq, 24)}",
             f"  Degrees of freedom       {f.df if f.df is not None else '':>24}",
             f"  P-value (Chi-square)     {_num(f.pvalue, 24)}"]
    if f.chisq_scaled is not None:  # lavaan's "Scaled" column, as rows
        lines += [f"  Scaled test statistic    {_num(f.chisq_scaled, 24)}",
                  f"  P-value (scaled)         {_num(f.pvalue_scaled, 24)}",
                  f"  Scaling correction factor{_num(f.chisq_scaling_factor, 24)}"]
    lines += ["", "Fit indices:"]
    robust = f.cfi_robust is not None
    lines += [f"  {name:<25}{_num(getattr(f, key), 24)}" for key, name in (
        ("cfi", "CFI"), ("tli", "TLI"), ("rmsea", "RMSEA"), ("rmsea_ci_lower", "RMSEA 90% lower"),
        ("rmsea_ci_upper", "RMSEA 90% upper"), ("srmr", "SRMR"), ("aic", "AIC"), ("bic", "BIC"))]
    if robust:
        lines += [f"  {name:<25}{_num(getattr(f, key), 24)}" for key, name in (
            ("cfi_robust", "Robust CFI"), ("tli_robust", "Robust TLI"),
            ("rmsea_robust", "Robust RMSEA"), ("rmsea_ci_lower_robust", "Robust RMSEA 90% lower"),
            ("rmsea_ci_upper_robust", "Robust RMSEA 90% upper"))]
    level = f"{boot.level:.0%}" if boot else "95%"
    header = (f"    {'':<28}{'Estimate':>9}{'Std.Err':>9}{'z-value':>9}{'P(>|z|)':>9}"
              f"{'ci.lower':>9}{'ci.upper':>9}{'Std.all':>9}")
    for op, title in _SECTIONS:
        rows = _summary_rows(results, op)
        if op == "~~":
            variances = [r for r in rows if r.split()[0] == r.split()[2]]
            rows = [r for r in rows if r not in variances]
            lines += _section("Covariances", header, rows, level)
            lines += _section("Variances", header, variances, level)
            continue
        lines += _section(title, header, rows, level)
    if results.warnings:
        lines += ["", "Warnings:", *(f"  {w}" for w in results.warnings)]
    return "\n".join(lines) + "\n"


def _section(title: str, header: str, rows: list[str], level: str) -> list[str]:
    return ["", f"{title} ({level} CI):", header, *rows] if rows else []
