"""The spec keys that prepare a model's data before the fit (docs/models.md "Data keys").

``centering`` and ``probe`` (product and power terms, docs/moderation.md), ``process`` (a PROCESS
model number that writes the syntax), ``composites`` (construct scores as observed columns),
``portfolio`` (alliance-portfolio measures joined by firm id, docs/portfolio.md) and ``unit`` with
``firm_level`` and ``rwg_null`` (several respondents per firm aggregated, docs/explore.md). These
are plain schemas; :mod:`semwb.model_data` carries them out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

if TYPE_CHECKING:
    from semwb.sem.spec import ModelSpec

Center = Literal["mean", "none"] | float


def _is_center(value: object) -> bool:
    return value in ("mean", "none") or (isinstance(value, int | float)
                                         and not isinstance(value, bool))


def _check_centering(value: object) -> object:
    """One message for a bad ``centering:`` instead of one per branch of the union."""
    if _is_center(value) or (isinstance(value, dict)
                             and all(isinstance(k, str) and _is_center(v)
                                     for k, v in value.items())):
        return value
    raise ValueError("must be mean, none, a number, or per variable such as {pdiv: mean, "
                     "TURB: 3} (docs/moderation.md)")


#: The ``centering:`` key: one choice for every variable of a product term, or per variable
#: (the others at their mean).
Centering = Annotated[Center | dict[str, Center], BeforeValidator(_check_centering)]


class ProbeOptions(BaseModel):
    """The ``probe:`` block: at which moderator values simple slopes are reported.

    ``rule``: ``sd`` (mean and +-1 SD), ``percentile`` (16th, 50th, 84th, as PROCESS) or
    ``values`` (the numbers in ``values``, per moderator, on the data's scale).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: Literal["sd", "percentile", "values"] = "sd"
    values: dict[str, list[float]] = Field(default_factory=dict)


class ProcessOptions(BaseModel):
    """The ``process:`` block: a PROCESS model number (Hayes, 2022) instead of ``syntax``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: int
    x: str
    y: str
    m: list[str] = Field(default_factory=list)
    w: str | None = None
    z: str | None = None
    covariates: list[str] = Field(default_factory=list)

    @field_validator("m", mode="before")
    @classmethod
    def _one_mediator(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class PortfolioOptions(BaseModel):
    """The ``portfolio:`` block: measures from a partner list joined to the survey by firm id.

    ``partners`` and ``ties`` are resolved against the spec's folder; ``window`` is ``FIRST-LAST``
    years (one window; the whole list when absent); ``names`` gives measures the names the syntax
    uses (``{partner_type_blau: PD}``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    partners: Path
    firm_id: str
    by: list[str] = Field(default_factory=lambda: ["partner_type"])
    window: str | None = None
    ties: Path | None = None
    sheet: str | None = None
    names: dict[str, str] = Field(default_factory=dict)

    @field_validator("window", mode="before")
    @classmethod
    def _year_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("by", mode="before")
    @classmethod
    def _one_attribute(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("names")
    @classmethod
    def _names_for_the_syntax(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [n for n in value.values() if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]*", n)]
        if bad:
            raise ValueError(f"names {', '.join(map(repr, bad))} cannot be used in lavaan "
                             "syntax; use letters, digits, '_' and '.', starting with a letter")
        twice = sorted({n for n in value.values() if list(value.values()).count(n) > 1})
        if twice:
            raise ValueError(f"names {', '.join(map(repr, twice))} are given to several "
                             "measures; give each its own name")
        return value


#: The YAML keys of this module and of their blocks, for the "unknown key" message of
#: :mod:`semwb.sem.spec`.
HELP = ("centering, probe, latent_interaction, process, composites, portfolio, unit, "
        "firm_level, rwg_null")
BLOCK_HELP = ("probe: rule, values; process: model, x, y, m, w, z, covariates; portfolio: "
              "partners, firm_id, by, window, ties, sheet, names")


def resolve_paths(raw: dict[str, Any], folder: Path) -> dict[str, Any]:
    """A spec's raw keys with the ``portfolio:`` files resolved against the spec's folder."""
    block = raw.get("portfolio")
    if not isinstance(block, dict):
        return raw
    paths = {key: (folder / str(block[key])).resolve() for key in ("partners", "ties")
             if isinstance(block.get(key), str)}
    return {**raw, "portfolio": {**block, **paths}}


def process_syntax_for(options: ProcessOptions, *, source: str,
                       w_values: tuple[tuple[str, float], ...] = ()) -> str:
    """The lavaan syntax of a ``process:`` block (with ``:=`` lines at ``w_values``).

    Raises
    ------
    SpecError
        For an unsupported model number or a missing role, naming the spec file and the key.
    """
    from semwb.errors import SpecError
    from semwb.sem.process_syntax import process_syntax

    try:
        return process_syntax(options.model, x=options.x, y=options.y, m=options.m,
                              w=options.w, z=options.z, covariates=options.covariates,
                              w_values=w_values).syntax
    except SpecError as exc:
        raise SpecError(f"{source}, key 'process': {exc}") from exc


def with_process_syntax(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """A spec's raw keys with ``syntax`` written from its ``process:`` block, if it has one.

    Raises
    ------
    SpecError
        When the spec has both ``process`` and ``syntax``, or the block is not valid.
    """
    from semwb.errors import SpecError

    block = raw.get("process")
    if block is None:
        return raw
    if raw.get("syntax"):
        raise SpecError(f"{source}: give either 'process' or 'syntax', not both; 'process' writes "
                        "the syntax (shown in the report).")
    try:
        options = ProcessOptions.model_validate(block)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SpecError(f"{source}, key 'process.{where}': {first['msg'].lower()}; the keys are "
                        "model, x, y, m, w, z, covariates (docs/moderation.md).") from exc
    return {**raw, "syntax": process_syntax_for(options, source=source)}


def check_data_keys(spec: ModelSpec) -> None:
    """Raise :class:`SpecError` listing every problem of the data keys the schema cannot see."""
    from semwb.errors import SpecError, join_problems

    problems = data_key_problems(spec)
    if problems:
        raise SpecError(join_problems(f"{spec.source} has {len(problems)} problems", problems))


def data_key_problems(spec: ModelSpec) -> list[str]:
    """Problems of the data keys that the schema alone cannot see, one sentence each."""
    source = spec.source
    problems = []
    if spec.unit is None:
        problems += [f"{source}: '{key}' only applies with 'unit: <firm id column>' (several "
                     "respondents per firm); add 'unit' or remove the key."
                     for key, used in (("firm_level", spec.firm_level),
                                       ("rwg_null", spec.rwg_null != "uniform")) if used]
    if isinstance(spec.rwg_null, float) and not spec.rwg_null > 0:
        problems.append(f"{source}: 'rwg_null' must be uniform, slight_skew or a positive "
                        f"variance; got {spec.rwg_null}.")
    if spec.portfolio is not None and spec.portfolio.window is not None:
        from semwb.errors import OptionError
        from semwb.year_windows import parse_windows

        try:
            windows = parse_windows(spec.portfolio.window)
        except OptionError:
            windows = []
        if len(windows) != 1:
            problems.append(f"{source}: 'portfolio.window' must be one window of years, e.g. "
                            f"2018-2020; got {spec.portfolio.window!r}.")
    if spec.probe.rule == "values" and not spec.probe.values:
        problems.append(f"{source}: 'probe: {{rule: values}}' needs the values, e.g. 'probe: "
                        "{rule: values, values: {TURB: [2, 3, 4]}}'.")
    if spec.probe.values and spec.probe.rule != "values":
        problems.append(f"{source}: 'probe.values' is used only with 'rule: values'; add it or "
                        "remove the values.")
    return problems
