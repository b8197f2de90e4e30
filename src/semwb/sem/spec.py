"""Model specs: the YAML schema (or a bare lavaan ``.lav`` file) and loading.

A spec is parsed once into a frozen :class:`ModelSpec` that rejects unknown keys; its syntax is
parsed and its ``:=`` definitions checked when it is loaded, so a bad spec fails before any data
is read. :func:`semwb.sem.data_checks.check_data` then checks the spec against a data set.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from semwb.errors import OptionError, SpecError, join_problems
from semwb.sem import spec_extras as extras
from semwb.sem import spec_options as data_keys
from semwb.sem.auxiliary import auxiliary_problems, correlates_syntax
from semwb.sem.effects import DefinedEffect, compile_definitions
from semwb.sem.groups import spec_problems
from semwb.sem.model.constraints import constraint_problems
from semwb.sem.modindices_spec import ModIndicesKey
from semwb.sem.partable import LavaanOptions, ParRow, build_partable, classify, lavaan_options
from semwb.sem.syntax import ParsedSyntax, parse_syntax
from semwb.yamlfile import safe_load as load_yaml

CiType = Literal["percentile", "bc", "bca", "montecarlo"]
CI_TYPES: tuple[str, ...] = get_args(CiType)
GroupEqual = Literal["loadings", "intercepts", "residuals", "residual.covariances",
                     "lv.variances", "lv.covariances", "means", "regressions", "thresholds"]


class BootstrapOptions(BaseModel):
    """The ``bootstrap:`` block of a spec."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    draws: int = Field(5000, ge=100, le=100_000,
                       description="number of bootstrap draws (100 to 100,000)")
    ci: CiType = "percentile"
    level: float = Field(0.95, ge=0.5, lt=1)
    seed: int | None = None


class Hypothesis(BaseModel):
    """One hypothesis a spec tests: an effect (a label or a ``:=`` name) and its expected sign.

    ``expected`` is ``positive`` or ``negative`` (one-directional: supported when the interval
    lies on that side of zero) or ``nonzero``. The report states the verdict.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    effect: str | None = None
    path: str | None = None
    expected: Literal["positive", "negative", "nonzero"] = "nonzero"
    text: str | dict[str, str] = ""


class ModelSpec(BaseModel):
    """One model: lavaan syntax plus options (docs/architecture.md, "Model spec").

    ``data`` is resolved against the spec's folder. ``source`` is where the spec was read from,
    used in every error message.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str = Field(alias="model", min_length=1)
    title: dict[str, str] = Field(default_factory=dict)
    instrument: str | None = None
    data: Path | None = None
    syntax: str = Field(min_length=1)
    estimator: Literal["ML", "MLR", "MLM", "WLSMV"] = "ML"
    ordered: list[str] | Literal["all"] | None = None
    parameterization: Literal["delta", "theta"] = "delta"
    missing: Literal["listwise", "fiml"] = "listwise"
    #: Auxiliary variables for FIML (saturated correlates, :mod:`semwb.sem.auxiliary`).
    auxiliary: list[str] = Field(default_factory=list)
    #: Columns whose 9, 99, 999 (or -9, ...) are real values, such as a count of partners, not
    #: missing-value codes (:func:`semwb.sem.data_checks.check_data`).
    no_missing_codes: list[str] = Field(default_factory=list)
    engine: Literal["semwb", "semopy"] = "semwb"
    defaults: Literal["sem", "cfa", "growth"] = "sem"
    std_lv: bool = False
    fixed_x: bool = True
    meanstructure: bool | None = None
    orthogonal: bool = False
    bootstrap: BootstrapOptions | None = None
    group: str | None = None
    centering: data_keys.Centering = "mean"
    probe: data_keys.ProbeOptions = Field(default_factory=data_keys.ProbeOptions)
    latent_interaction: Literal["dmc", "lms"] = "dmc"
    process: data_keys.ProcessOptions | None = None
    composites: list[str] = Field(default_factory=list)
    portfolio: data_keys.PortfolioOptions | None = None
    unit: str | None = None
    firm_level: list[str] = Field(default_factory=list)
    rwg_null: Literal["uniform", "slight_skew"] | float = "uniform"
    group_equal: list[GroupEqual] = Field(default_factory=list)
    group_partial: list[str] = Field(default_factory=list)
    group_levels: list[str | int] = Field(default_factory=list)
    invariance: bool = False
    modindices: ModIndicesKey = None
    imputation: extras.ImputationOptions | None = None
    prediction: extras.PredictionOptions | None = None
    nested_in: list[str] = Field(default_factory=list)
    hypotheses: list[Hypothesis] = Field(default_factory=list)
    source: str = Field("<string>", exclude=True)

    @property
    def parsed(self) -> ParsedSyntax:
        """The parsed syntax (raises SpecError on a syntax error), with the saturated-correlates
        lines of the ``auxiliary`` variables appended."""
        return _parsed(self.syntax, self.source, tuple(self.auxiliary))

    @property
    def effects(self) -> tuple[DefinedEffect, ...]:
        """The compiled ``:=`` definitions."""
        return _effects(self.syntax, self.source, tuple(self.auxiliary))

    def lavaan_options(self) -> tuple[LavaanOptions, str]:
        """The lavaan options in force and lavaan's note when the syntax changed one.

        As lavaan: ``growth`` models means (observed intercepts fixed at 0, latent means free);
        FIML, ``~ 1`` terms and ``group:`` turn the mean structure on; a user-written parameter
        of an exogenous covariate turns ``fixed.x`` off.
        """
        growth = self.defaults == "growth"
        means = self.meanstructure
        if means is None:
            means = growth or self.missing == "fiml" or self.group is not None
        options = LavaanOptions(meanstructure=means, fixed_x=self.fixed_x and not self.auxiliary,
                                std_lv=self.std_lv,
                                orthogonal=self.orthogonal, int_ov_free=not growth,
                                int_lv_free=growth)
        return lavaan_options(self.parsed, options)

    @property
    def has_means(self) -> bool:
        """Whether the model has a mean structure (intercepts and means)."""
        return self.lavaan_options()[0].meanstructure

    def partable(self) -> tuple[ParRow, ...]:
        """The full parameter table (user rows plus lavaan's defaults; for ordered items, the
        rows of the delta parameterization except the thresholds the data decide)."""
        rows = _partable(self.syntax, self.source, tuple(self.auxiliary),
                         self.lavaan_options()[0])
        if self.ordered_items:
            from semwb.sem.ordinal.partable import ordinal_rows

            continuous = [v for v in self.parsed.observed if v not in self.ordered_items]
            rows = ordinal_rows(rows, self.ordered_items, self.parsed.latents,
                                continuous=continuous, theta=self.parameterization == "theta")
        return rows

    @property
    def ordered_items(self) -> tuple[str, ...]:
        """The ordinal items: those under ``ordered:`` (every observed variable but the
        covariates, which a WLSMV fit conditions on, for ``all``) and those with a threshold
        line in the syntax."""
        parsed = self.parsed
        if self.ordered == "all":
            covariates = set(classify(parsed).covariates)
            return tuple(v for v in parsed.observed if v not in covariates)
        named = set(self.ordered or ()) | set(parsed.threshold_items)
        return tuple(v for v in parsed.observed if v in named)


@functools.lru_cache(maxsize=256)
def _parse(syntax: str, source: str) -> ParsedSyntax:
    """:func:`parse_syntax`, once per syntax: a fit reads ``spec.parsed`` about twenty times, and
    the result is immutable (errors are not cached: they raise every time)."""
    return parse_syntax(syntax, source=source)


@functools.lru_cache(maxsize=256)
def _effects(syntax: str, source: str, auxiliary: tuple[str, ...]) -> tuple[DefinedEffect, ...]:
    """The compiled ``:=`` definitions, once per syntax (a fit reads ``spec.effects`` several
    times; the compiled definitions are immutable; errors are not cached)."""
    parsed = _parsed(syntax, source, auxiliary)
    return compile_definitions(parsed.definitions, labels=parsed.labels, source=source)


@functools.lru_cache(maxsize=256)
def _partable(syntax: str, source: str, auxiliary: tuple[str, ...],
              options: LavaanOptions) -> tuple[ParRow, ...]:
    """``build_partable`` once per syntax and options (a fit and its modification indices ask
    for the table about eight times; the rows are immutable)."""
    return build_partable(_parsed(syntax, source, auxiliary), options)


def _parsed(syntax: str, source: str, auxiliary: tuple[str, ...]) -> ParsedSyntax:
    """``ModelSpec.parsed``: the syntax, with the ``auxiliary`` variables' saturated-correlates
    lines appended."""
    parsed = _parse(syntax, source)
    if not auxiliary:
        return parsed
    return _parse(f"{syntax}\n{correlates_syntax(parsed.observed, auxiliary)}", source)


def _validation_problems(exc: ValidationError, source: str) -> list[str]:
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            problems.append(f"{source}: unknown key '{where}'; the keys are model, title, "
                            "instrument, data, syntax, estimator, ordered, "
                            "parameterization, missing, auxiliary, no_missing_codes, engine, "
                            "defaults, std_lv, fixed_x, meanstructure, orthogonal, bootstrap, "
                            "group, group_equal, group_partial, group_levels, invariance, "
                            "modindices, imputation, prediction, nested_in, "
                            f"{data_keys.HELP}, hypotheses (bootstrap: draws, ci, level, seed; "
                            "modindices: minimum, top, op; "
                            f"{data_keys.BLOCK_HELP}; {extras.BLOCK_HELP}).")
        elif error["type"] == "missing":
            problems.append(f"{source}: the key '{where}' is required.")
        else:
            text = error["msg"].removeprefix("Value error, ")
            message = text[:1].lower() + text[1:]
            problems.append(f"{source}: '{where}' {message}; got "
                            f"{error.get('input')!r}.")
    return problems


def _build(raw: dict[str, Any], source: str) -> ModelSpec:
    raw = data_keys.with_process_syntax(raw, source)
    try:
        spec = ModelSpec.model_validate({**raw, "source": source})
    except ValidationError as exc:
        problems = _validation_problems(exc, source)
        raise SpecError(join_problems(f"{source} has {len(problems)} problems", problems)) from exc
    data_keys.check_data_keys(spec)
    problems = extras.extras_problems(spec)
    if problems:
        raise OptionError(join_problems(f"{source} has {len(problems)} problems", problems))
    if spec.auxiliary:
        _check_auxiliary(spec)
    if spec.estimator in ("MLR", "MLM"):
        from semwb.sem.scaled_test import check_estimator

        check_estimator(spec.estimator, missing=spec.missing, engine=spec.engine,
                        bootstrap=spec.bootstrap is not None, source=source)
    parsed = spec.parsed
    problems = spec_problems(parsed, group=spec.group, group_equal=spec.group_equal,
                             group_partial=spec.group_partial, engine=spec.engine,
                             invariance=spec.invariance, group_levels=spec.group_levels,
                             estimator="WLSMV" if spec.ordered or parsed.threshold_items
                             else spec.estimator, unit=spec.unit,
                             process=spec.process is not None,
                             bootstrap=spec.bootstrap is not None, source=source)
    if problems:
        raise SpecError(join_problems(f"{source} has {len(problems)} group problems", problems))
    _ = spec.effects  # parse the syntax and check the definitions now
    if (spec.ordered or parsed.threshold_items or spec.estimator == "WLSMV"
            or spec.parameterization != "delta"):
        from semwb.sem.ordinal.spec import ordinal_spec

        spec = ordinal_spec(spec, estimator_given="estimator" in raw)
    problems = constraint_problems(parsed.constraints, labels=parsed.labels,
                                   definitions=parsed.definitions, source=source)
    if problems:
        raise SpecError(join_problems(f"{source} has {len(problems)} constraint problems",
                                      problems))
    return spec


def _check_auxiliary(spec: ModelSpec) -> None:
    """Raise SpecError when the spec's ``auxiliary`` variables cannot be used."""
    base = _parse(spec.syntax, spec.source)
    problems = auxiliary_problems(
        spec.auxiliary, model_variables=base.observed, latents=base.latents,
        missing=spec.missing, estimator=spec.estimator, group=spec.group,
        ordinal=bool(spec.ordered or base.threshold_items), source=spec.source)
    if problems:
        raise SpecError(join_problems(f"{spec.source} has {len(problems)} problems with "
                                      "'auxiliary'", problems))


def spec_from_syntax(
    syntax: str, *, name: str, source: str = "<string>", **options: Any
) -> ModelSpec:
    """Make a spec from lavaan syntax and options (the YAML keys, e.g. ``missing="fiml"``).

    Raises
    ------
    SpecError
        For a syntax error, an unknown option or a bad value, all at once.
    """
    return _build({"model": name, "syntax": syntax, **options}, source)


def load_spec(path: str | Path, **options: Any) -> ModelSpec:
    """Read a spec: YAML (``.yaml``/``.yml``) or bare lavaan syntax (``.lav``, options as keywords).

    Raises
    ------
    SpecError
        When the file is missing, is not YAML, has unknown keys or bad values, or its syntax or
        ``:=`` definitions are wrong; every problem is listed with the file (and syntax line).
    """
    p = Path(path)
    source = str(path)
    if not p.is_file():
        raise SpecError(f"{source}: no such spec file. Give the path of a .yaml or .lav model "
                        "spec.")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{source}: not UTF-8 text (byte {exc.start}); save it as UTF-8 (the "
                        "encoding every editor offers).") from exc
    if p.suffix == ".lav":
        return _build({"model": p.stem, "syntax": text, **options}, source)
    if p.suffix not in (".yaml", ".yml"):
        raise SpecError(f"{source}: a spec must end in .yaml, .yml or .lav; got '{p.suffix}'.")
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", exc)
        raise SpecError(f"{source}{where}: not valid YAML ({problem}).") from exc
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: expected a mapping of keys (model, syntax, ...); "
                        f"got {type(raw).__name__}.")
    raw = {**raw, **options}
    if raw.get("data") is not None:
        raw["data"] = (p.parent / str(raw["data"])).resolve()
    raw = data_keys.resolve_paths(raw, p.parent)
    return _build(raw, source)
