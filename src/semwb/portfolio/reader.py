"""Reading and validating partner lists and partner-partner tie files.

A partner list has one row per focal firm x alliance partner. Its columns are recognised by
name, in English or Chinese (:data:`ALIASES`), or through a mapping ``{column: field}``; every
other column is kept as a categorical attribute of the partner. The files are read by the same
reader as survey responses (:func:`~semwb.survey.tables.read_table`: CSV in any common encoding
and delimiter, XLSX), and every bad cell is named by file, row and column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from semwb.errors import ResponseDataError, join_problems
from semwb.survey.responses import MAX_LISTED, MISSING_TOKENS, _check_header, load_mapping
from semwb.survey.tables import RawTable, read_table

#: Field -> header spellings accepted (compared after :func:`header_key`).
ALIASES: dict[str, tuple[str, ...]] = {
    "firm_id": ("firm_id", "firm", "focal_firm", "focal_firm_id", "企业编号", "企业ID", "企业代码",
                "公司编号", "公司ID", "焦点企业", "焦点企业编号"),
    "partner_id": ("partner_id", "partner", "伙伴编号", "伙伴ID", "合作伙伴编号", "合作伙伴ID",
                   "合作伙伴", "伙伴"),
    "partner_type": ("partner_type", "type", "伙伴类型", "合作伙伴类型", "伙伴类别"),
    "industry": ("industry", "partner_industry", "行业", "所属行业", "伙伴行业"),
    "country": ("country", "partner_country", "国家", "国家/地区", "国家地区", "国别"),
    "start_year": ("start_year", "start", "开始年份", "起始年份", "开始年", "合作开始年份"),
    "end_year": ("end_year", "end", "结束年份", "终止年份", "结束年", "合作结束年份"),
    "ipc": ("ipc", "ipc_classes", "partner_ipc", "IPC分类", "IPC分类号", "伙伴IPC"),
    "firm_ipc": ("firm_ipc", "focal_ipc", "企业IPC", "焦点企业IPC"),
}
TIE_ALIASES: dict[str, tuple[str, ...]] = {
    "firm_id": ALIASES["firm_id"],
    "partner_a": ("partner_a", "partner1", "from", "伙伴A", "伙伴1"),
    "partner_b": ("partner_b", "partner2", "to", "伙伴B", "伙伴2"),
}
YEARS = (1900, 2100)
#: IPC subclass (section letter, two-digit class, subclass letter), optionally a group: H04L 9/40.
IPC_CODE = re.compile(r"^([A-H]\d{2}[A-Z])(\s*\d{1,4}/\d{1,6})?$")
IPC_SEPARATORS = re.compile(r"[;,；，|]")


@dataclass(frozen=True)
class Partners:
    """A validated partner list.

    Attributes
    ----------
    data
        One row per firm x partner, indexed by the row in the file (header = row 1): ``firm_id``
        and ``partner_id`` (text), ``start_year`` / ``end_year`` (floats, NaN when empty; an
        empty end year is an alliance still running), ``ipc`` / ``firm_ipc`` (tuples of IPC
        subclasses) when given, and every other column as text (categorical attributes).
    source
        File name used in messages.
    mapping
        ``{header in the file: field}`` for the recognised columns.
    """

    data: pd.DataFrame
    source: str
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def attributes(self) -> list[str]:
        """Columns that can be summarised as a diversity (``--by``)."""
        skip = {"firm_id", "partner_id", "start_year", "end_year", "ipc", "firm_ipc"}
        return [c for c in self.data.columns if c not in skip]


def _read(path: str | Path, sheet: str | int | None, what: str, row: str) -> RawTable:
    """The raw table, refusing an empty file or one with a header only in the file's terms."""
    if Path(path).is_file() and Path(path).stat().st_size == 0:
        raise ResponseDataError(f"{Path(path).name}: the {what} is empty; give a header row and "
                                f"one row per {row}.")
    raw = read_table(path, sheet=sheet)
    if raw.cells.empty and len(set(raw.header)) == len(raw.header):
        raise ResponseDataError(f"{raw.source}: the {what} has a header but no rows; give one "
                                f"row per {row}.")
    _check_header(raw)
    return raw


def header_key(name: str) -> str:
    """Compare headers ignoring case, spaces, ``_``, ``-`` and ``/``."""
    return re.sub(r"[\s_\-/]", "", name).casefold()


def _raise(source: str, problems: list[str]) -> None:
    if problems:
        raise ResponseDataError(join_problems(f"{source} has {len(problems)} problem(s)",
                                              problems))


def _fields(raw: RawTable, aliases: Mapping[str, tuple[str, ...]],
            mapping: Mapping[str, str] | None) -> dict[int, str]:
    """``{column position: field}`` from the mapping, else from the header spellings."""
    problems = []
    found: dict[int, str] = {}
    for column, name in (mapping or {}).items():
        if column not in raw.header:
            problems.append(f"{raw.source}: the mapping names column '{column}', which is not in "
                            "the file")
        elif name not in aliases:
            problems.append(f"{raw.source}: the mapping sends column '{column}' to '{name}', "
                            f"which is not one of {', '.join(aliases)}")
        else:
            found[raw.header.index(column)] = name
    lookup = {header_key(a): name for name, spellings in aliases.items() for a in spellings}
    for pos, header in enumerate(raw.header):
        known = lookup.get(header_key(header))
        if pos not in found and known is not None and known not in found.values():
            found[pos] = known
    _raise(raw.source, problems)
    return found


def _require(raw: RawTable, found: dict[int, str], needed: tuple[str, ...]) -> None:
    absent = [n for n in needed if n not in found.values()]
    if absent:
        raise ResponseDataError(
            f"{raw.source}: no column for {', '.join(absent)} (headers: "
            f"{', '.join(raw.header)}). Name the columns {', '.join(absent)} (or e.g. 企业编号, "
            "伙伴编号), or give a mapping (column: field).")


def _text(raw: RawTable, pos: int) -> pd.Series:
    return raw.cells[pos].astype(str).str.strip().set_axis(raw.rows)


def _ids(raw: RawTable, pos: int, name: str, problems: list[str]) -> pd.Series:
    values = _text(raw, pos)
    for row in values.index[values.str.casefold().isin(MISSING_TOKENS)]:
        problems.append(f"{raw.source}, row {row}, column {raw.header[pos]}: the {name} is "
                        "empty; every row needs one")
    return values


def _years(raw: RawTable, pos: int, problems: list[str]) -> pd.Series:
    text = _text(raw, pos)
    empty = text.str.casefold().isin(MISSING_TOKENS)
    years = pd.to_numeric(text.where(~empty), errors="coerce").astype(float)
    bad = ~empty & (years.isna() | (years != years.round()) | (years < YEARS[0])
                    | (years > YEARS[1]))
    for row in years.index[bad]:
        problems.append(f"{raw.source}, row {row}, column {raw.header[pos]}: '{text[row]}' is not "
                        f"a year between {YEARS[0]} and {YEARS[1]}")
    return years.where(~bad)


def _ipc(raw: RawTable, pos: int, problems: list[str]) -> pd.Series:
    """IPC codes separated by ``;`` ``,`` or ``|``, each kept at subclass level (``H04L``)."""
    def parse(row: int, cell: str) -> tuple[str, ...]:
        codes = []
        for token in IPC_SEPARATORS.split(cell):
            token = token.strip().upper()
            if not token or token.casefold() in MISSING_TOKENS:
                continue
            match = IPC_CODE.match(token)
            if match is None:
                problems.append(f"{raw.source}, row {row}, column {raw.header[pos]}: '{token}' is "
                                "not an IPC code (subclass such as H04L, or H04L 9/40); separate "
                                "codes with ';'")
            else:
                codes.append(match.group(1))
        return tuple(codes)

    text = _text(raw, pos)
    return pd.Series([parse(r, c) for r, c in text.items()], index=text.index, dtype=object)


def _check_rows(data: pd.DataFrame, raw: RawTable, columns: dict[str, str],
                problems: list[str]) -> None:
    """A firm its own partner, end before start, repeated rows, a partner described two ways."""
    source = raw.source
    for row in data.index[data["firm_id"] == data["partner_id"]]:
        problems.append(f"{source}, row {row}, column {columns['partner_id']}: firm "
                        f"{data.at[row, 'firm_id']} is listed as its own partner")
    if "start_year" in data and "end_year" in data:
        for row in data.index[data["end_year"] < data["start_year"]]:
            problems.append(f"{source}, row {row}, column {columns['end_year']}: the alliance ends "
                            f"({data.at[row, 'end_year']:.0f}) before it starts "
                            f"({data.at[row, 'start_year']:.0f})")
    keys = ["firm_id", "partner_id"] + (["start_year"] if "start_year" in data else [])
    repeated = data[data.duplicated(keys, keep=False)]
    for _, group in repeated.groupby(keys, dropna=False):
        rows = ", ".join(str(r) for r in group.index)
        problems.append(f"{source}, rows {rows}: the same alliance ({', '.join(keys)}) is listed "
                        "more than once; delete the repeats")
    attributes = [c for c in data.columns if c in columns and c not in
                  ("firm_id", "partner_id", "start_year", "end_year", "firm_ipc")]
    attributes += [c for c in data.columns if c not in columns]
    described = data.assign(ipc=data["ipc"].map(lambda codes: tuple(sorted(codes)))
                            ) if "ipc" in data else data  # the same classes in any order
    pairs = described.groupby(["firm_id", "partner_id"], sort=False)
    for attribute in attributes:
        distinct = pairs[attribute].nunique(dropna=False)
        for firm, partner in distinct.index[distinct > 1]:
            rows = data.index[(data["firm_id"] == firm) & (data["partner_id"] == partner)]
            problems.append(f"{source}, rows {', '.join(str(r) for r in rows)}, column "
                            f"{columns.get(attribute, attribute)}: partner {partner} of firm "
                            f"{firm} has different values; describe a partner the same way in "
                            "every row")
    firm_ipc = data.get("firm_ipc")
    if firm_ipc is not None:
        profiles = firm_ipc.map(lambda codes: tuple(sorted(codes)))
        for firm, values in profiles.groupby(data["firm_id"], sort=False):
            if values.nunique() > 1:
                problems.append(f"{source}, rows {', '.join(str(r) for r in values.index)}, column "
                                f"{columns['firm_ipc']}: firm {firm} has different IPC profiles; "
                                "give the focal firm's classes the same way in every row")


def read_partners(path: str | Path, *, sheet: str | int | None = None,
                  mapping: Mapping[str, str] | str | Path | None = None) -> Partners:
    """Read and validate a partner list (one row per focal firm x partner).

    Parameters
    ----------
    path
        CSV (UTF-8 with or without BOM, GBK/GB18030; any common delimiter) or XLSX.
    sheet
        XLSX sheet name or 0-based position.
    mapping
        ``{column: field}`` (fields: the keys of :data:`ALIASES`) or a mapping file (YAML
        ``column: field`` lines or a two-column CSV), for headers not recognised by name.

    Returns
    -------
    Partners
        See :class:`Partners`.

    Raises
    ------
    ResponseDataError
        Missing firm or partner column, empty ids, years that are not years, an end before the
        start, bad IPC codes, repeated alliances, a partner described two ways within a firm;
        every bad cell named by file, row and column (the first ten, with the total).
    """
    raw = _read(path, sheet, "partner list", "focal firm x partner")
    if isinstance(mapping, str | Path):
        mapping = load_mapping(mapping)
    found = _fields(raw, ALIASES, mapping)
    _require(raw, found, ("firm_id", "partner_id"))
    problems: list[str] = []
    columns: dict[str, pd.Series] = {}
    for pos, header in enumerate(raw.header):
        name = found.get(pos)
        if name in ("firm_id", "partner_id"):
            columns[name] = _ids(raw, pos, name.replace("_", " "), problems)
        elif name in ("start_year", "end_year"):
            columns[name] = _years(raw, pos, problems)
        elif name in ("ipc", "firm_ipc"):
            columns[name] = _ipc(raw, pos, problems)
        elif name is not None:
            columns[name] = _text(raw, pos)
        elif header and header not in columns:
            columns[header] = _text(raw, pos)
    data = pd.DataFrame(columns).rename_axis("row")
    _raise(raw.source, problems)
    names = {field_name: raw.header[pos] for pos, field_name in found.items()}
    _check_rows(data, raw, names, problems)
    _raise(raw.source, problems)
    return Partners(data=data, source=raw.source, mapping={raw.header[p]: n
                                                           for p, n in found.items()})


def read_ties(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read partner-partner ties: ``partner_a``, ``partner_b`` and optionally ``firm_id``.

    A tie with a firm id belongs to that firm's ego network only; a tie without one joins the
    two partners in the ego network of every firm allied with both.

    Returns
    -------
    pandas.DataFrame
        ``partner_a``, ``partner_b`` (text) and ``firm_id`` (text, or absent), indexed by file row.

    Raises
    ------
    ResponseDataError
        Missing columns, empty cells, a partner tied to itself; each named by row and column.
    """
    raw = _read(path, sheet, "tie file", "tie between two partners")
    found = _fields(raw, TIE_ALIASES, None)
    _require(raw, found, ("partner_a", "partner_b"))
    problems: list[str] = []
    data = pd.DataFrame({name: _ids(raw, pos, name.replace("_", " "), problems)
                         for pos, name in found.items()}).rename_axis("row")
    for row in data.index[data["partner_a"] == data["partner_b"]]:
        problems.append(f"{raw.source}, row {row}: partner {data.at[row, 'partner_a']} is tied to "
                        "itself; a tie joins two different partners")
    _raise(raw.source, problems)
    return data


def _listed(rows: list[str]) -> str:
    shown = "; ".join(rows[:MAX_LISTED])
    return shown + (f"; and {len(rows) - MAX_LISTED} more" if len(rows) > MAX_LISTED else "")


def check_ties(partners: Partners, ties: pd.DataFrame, *, source: str = "the tie file",
               ) -> list[str]:
    """Ties that can join no ego network of the partner list, as sentences naming their rows.

    A tie is left out of every network when it names a firm that is not in the list, or a
    partner that is in no firm's list (for a tie with a firm id: not among that firm's partners).
    Such ties are often typing errors in an id, so they are reported rather than dropped unseen.

    Parameters
    ----------
    partners
        The validated partner list.
    ties
        :func:`read_ties` output (indexed by file row).
    source
        The tie file's name, for the sentences.

    Returns
    -------
    list of str
        One sentence per kind of unusable tie (firms, partners); empty when every tie can be used.
    """
    data = partners.data
    of_firm = data.groupby("firm_id", sort=False)["partner_id"].agg(set).to_dict()
    anywhere = set(data["partner_id"])
    owners = ties["firm_id"] if "firm_id" in ties else pd.Series("", index=ties.index)
    firms, unknown = [], []
    for row, owner, a, b in zip(ties.index, owners, ties["partner_a"], ties["partner_b"],
                                strict=True):
        if owner and owner not in of_firm:
            firms.append(f"row {row}: {owner}")
            continue
        known = of_firm[owner] if owner else anywhere
        missing = [p for p in (a, b) if p not in known]
        if missing:
            unknown.append(f"row {row}: {', '.join(missing)}" + (f" (firm {owner})" if owner
                                                                   else ""))
    notes = []
    if firms:
        notes.append(f"{source}: {len(firms)} tie(s) name a firm that is not in "
                     f"{partners.source} and join no network ({_listed(firms)}); check the ids")
    if unknown:
        notes.append(f"{source}: {len(unknown)} tie(s) name a partner that is not in "
                     f"{partners.source} (for a tie with a firm id: not among that firm's "
                     f"partners) and are left out ({_listed(unknown)}); check the ids")
    return notes
