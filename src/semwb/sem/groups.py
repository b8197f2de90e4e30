"""The parameter table of a multiple-group model, as lavaan 0.6.14 builds it.

lavaan repeats the single-group table once per group (a mean structure always on), then:

- each ``c(...)`` modifier gives each group its own element (a label, a number or ``NA``); a
  plain label is the same in every group, hence one parameter (an equality across groups);
- ``group.equal`` gives every free, unlabelled parameter of the named kinds the same label in
  all groups, except the ``group.partial`` ones (``"x3~1"``, ``"visual=~x2"``); a user label
  always wins;
- in groups 2..G the latent means are freed when ``intercepts`` are equal but ``means`` are not,
  and with ``std.lv`` the latent variances are freed when ``loadings`` are equal but
  ``lv.variances`` are not (``lav_partable_flat``, 0.6.14).

semwb fits the groups as one block-diagonal model (:mod:`semwb.sem.model.groups`): variable
``x`` of group ``g`` (1-based) is called ``x|g`` inside the model, a name no lavaan variable can
have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from semwb.errors import SpecError, join_problems
from semwb.sem.partable import LavaanOptions, ParRow, build_partable, classify
from semwb.sem.syntax import ParsedSyntax, Term

SEPARATOR = "|"
#: lavaan's ``group.equal`` kinds semwb fits (``thresholds`` needs ordinal items).
GROUP_EQUAL = ("loadings", "intercepts", "residuals", "residual.covariances", "lv.variances",
               "lv.covariances", "means", "regressions")


@dataclass(frozen=True)
class GroupTable:
    """The parameter table of all groups, with the variables named per group.

    Attributes
    ----------
    rows
        Every group's rows (variables named ``x|g``); ``label`` is what ties parameters together
        (user labels, and the ``group.equal`` labels ``lhs op rhs``).
    group
        The 0-based group of each row.
    user_labels
        The label the user wrote for each row (``""`` if none), shown in the results.
    latents, observed
        The latents and observed variables of all groups (``x|g``), observed group by group.
    """

    rows: tuple[ParRow, ...]
    group: tuple[int, ...]
    user_labels: tuple[str, ...]
    latents: tuple[str, ...]
    observed: tuple[str, ...]


def block_name(variable: str, group: int) -> str:
    """The name of ``variable`` of the 0-based ``group`` inside the block model."""
    return f"{variable}{SEPARATOR}{group + 1}" if variable else ""


def split_name(name: str) -> tuple[str, int]:
    """The variable and 0-based group of a block-model name (``"x1|2"`` -> ``("x1", 1)``)."""
    variable, _, group = name.rpartition(SEPARATOR)
    return variable, int(group) - 1


def row_key(lhs: str, op: str, rhs: str) -> str:
    """lavaan's ``group.partial`` spelling of a row: ``"x3~1"``, ``"visual=~x2"``."""
    return f"{lhs}{op}{rhs}"


def vector_problems(parsed: ParsedSyntax, n_groups: int, source: str) -> list[str]:
    """``c(...)`` modifiers whose length is not the number of groups."""
    return [f"{source}, syntax line {t.line}: the modifier vector c({', '.join(t.by_group)}) "
            f"has {len(t.by_group)} elements but the data have {n_groups} groups; give one per "
            "group." for t in parsed.terms if t.by_group and len(t.by_group) != n_groups]


def _resolve(term: Term, group: int) -> Term:
    """``term`` with its ``c(...)`` element for ``group`` as an ordinary modifier."""
    if not term.by_group:
        return term
    item = term.by_group[group]
    if item == "NA":
        return replace(term, by_group=(), label="", fixed=None, free=True)
    try:
        return replace(term, by_group=(), label="", fixed=float(item), free=False)
    except ValueError:
        return replace(term, by_group=(), label=item)


def _kind(row: ParRow, latents: set[str], ov_nox: set[str]) -> str:
    """The ``group.equal`` kind of a row ("" when none applies)."""
    if row.op == "=~":
        return "loadings"
    if row.op == "~":
        return "regressions"
    if row.op == "~1":
        return "means" if row.lhs in latents else "intercepts" if row.lhs in ov_nox else ""
    if row.lhs in latents:
        return "lv.variances" if row.lhs == row.rhs else "lv.covariances"
    if row.lhs in ov_nox:
        return "residuals" if row.lhs == row.rhs else "residual.covariances"
    return ""


def _freed(row: ParRow, latents: set[str], group_equal: set[str], std_lv: bool) -> ParRow:
    """lavaan's defaults freed in groups 2..G (latent means; latent variances under std.lv)."""
    if row.line is not None or row.lhs not in latents:
        return row
    if (row.op == "~1" and "intercepts" in group_equal and "means" not in group_equal) or (
            std_lv and row.op == "~~" and row.lhs == row.rhs and "loadings" in group_equal
            and "lv.variances" not in group_equal):
        return replace(row, free=True, value=None)
    return row


def group_partable(parsed: ParsedSyntax, options: LavaanOptions, *, n_groups: int,
                   group_equal: tuple[str, ...] = (), group_partial: tuple[str, ...] = (),
                   equal_labels: bool = True, source: str = "<string>") -> GroupTable:
    """The parameter table of ``parsed`` fitted in ``n_groups`` groups.

    Parameters
    ----------
    parsed
        The syntax.
    options
        lavaan's options (the mean structure is turned on, as lavaan does for groups).
    n_groups
        Number of groups.
    group_equal, group_partial
        lavaan's ``group.equal`` kinds and the ``group.partial`` rows exempt from them.
    equal_labels
        False gives the same free and fixed parameters without the ``group.equal`` equalities
        (the unconstrained model of a score test).
    source
        Where the syntax comes from, for messages.

    Raises
    ------
    SpecError
        For a ``c(...)`` of the wrong length or a ``group_partial`` row the model does not have.
    """
    options = replace(options, meanstructure=True)
    problems = vector_problems(parsed, n_groups, source)
    if problems:
        raise SpecError(join_problems(f"{source} has {len(problems)} group problems", problems))
    latents = set(parsed.latents)
    x = set(classify(parsed, fixed_x=options.fixed_x).exogenous_x)
    ov_nox = {v for v in parsed.observed if v not in x}
    equal = set(group_equal)
    partial = {"".join(p.split()) for p in group_partial}
    rows: list[ParRow] = []
    groups: list[int] = []
    user: list[str] = []
    for g in range(n_groups):
        per_group = replace(parsed, terms=tuple(_resolve(t, g) for t in parsed.terms))
        table = build_partable(per_group, options)
        if g == 0:
            unknown = partial - {row_key(r.lhs, r.op, r.rhs) for r in table}
            if unknown:
                raise SpecError(f"{source}: group_partial names {', '.join(sorted(unknown))}, "
                                "which the model does not have; write rows as lavaan does, "
                                "e.g. 'x3~1' or 'visual=~x2'.")
        for row in table:
            if g > 0:
                row = _freed(row, latents, equal, options.std_lv)
            key = row_key(row.lhs, row.op, row.rhs)
            tied = (equal_labels and row.free and not row.label and key not in partial
                    and _kind(row, latents, ov_nox) in equal)
            rows.append(replace(row, lhs=block_name(row.lhs, g), rhs=block_name(row.rhs, g),
                                label=row.label or (key if tied else "")))
            groups.append(g)
            user.append(row.label)
    return GroupTable(
        rows=tuple(rows), group=tuple(groups), user_labels=tuple(user),
        latents=tuple(block_name(v, g) for g in range(n_groups) for v in parsed.latents),
        observed=tuple(block_name(v, g) for g in range(n_groups) for v in parsed.observed),
    )


def spec_problems(parsed: ParsedSyntax, *, group: str | None, group_equal: Sequence[str],
                  group_partial: Sequence[str], engine: str,
                  invariance: bool = False, group_levels: Sequence[object] = (),
                  estimator: str = "ML", unit: str | None = None, process: bool = False,
                  bootstrap: bool = False, source: str) -> list[str]:
    """What a spec asks of groups that cannot be done (checked when the spec is loaded)."""
    problems = []
    if group is None:
        problems += [f"{source}, syntax line {t.line}: the modifier vector "
                     f"c({', '.join(t.by_group)}) gives one value per group, but the spec has "
                     "no 'group:' key; name the grouping column or write one modifier."
                     for t in parsed.terms if t.by_group]
        if group_equal or group_partial or group_levels or invariance:
            problems.append(f"{source}: group_equal, group_partial, group_levels and invariance "
                            "need 'group:' (the column that holds each respondent's group).")
        return problems
    if engine == "semopy":
        problems.append(f"{source}: engine: semopy fits one group; remove 'engine: semopy' to "
                        "fit groups with semwb's own engine.")
    if "thresholds" in group_equal and estimator != "WLSMV":
        problems.append(f"{source}: 'thresholds' in group_equal is for ordinal items (WLSMV); "
                        "list them under 'ordered:' or remove 'thresholds'.")
    if estimator == "WLSMV":
        from semwb.sem.ordinal.groups import ordinal_group_problems

        problems += ordinal_group_problems(parsed, group_equal=group_equal,
                                           group_partial=group_partial,
                                           bootstrap=bootstrap, source=source)

    products = [t.rhs for t in parsed.terms if t.op == "~" and (":" in t.rhs or "(" in t.rhs)]
    if products or process:
        problems.append(f"{source}: product and power terms ({', '.join(products) or 'process:'})"
                        " are probed for one group only; fit each group's model alone, or "
                        "compare the groups' paths with 'group:' and no product terms.")
    if unit is not None:
        problems.append(f"{source}: 'unit:' aggregates respondents before 'group:' could split "
                        "them, which would average the group column; aggregate first (semwb "
                        "aggregate) and fit the firm-level file with 'group:'.")
    return problems
