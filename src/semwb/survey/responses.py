"""Responses: read a file, map its columns to instrument items, validate every value.

``read_responses`` = :func:`~semwb.survey.tables.read_table` (format, encoding, delimiter)
-> :func:`~semwb.survey.platforms.detect_platform` (Qualtrics, Wenjuanxing, generic)
-> :func:`map_columns` (item id, item text, order, or a mapping file)
-> :func:`~semwb.survey.values.validate_values` (numbers, scale, levels) and the ids. Problems
that make the data unusable raise :class:`~semwb.errors.ResponseDataError` listing every cell
(up to a limit); problems a researcher may accept are returned as warnings with counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from semwb.errors import ResponseDataError, join_problems
from semwb.survey.instrument import Instrument
from semwb.survey.platforms import PlatformTable, detect_platform, normalize_text, platform_frame
from semwb.survey.tables import RawTable, read_table
from semwb.survey.values import validate_values
from semwb.yamlfile import safe_load

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", ".", "null", "(跳过)", "(空)", "跳过"})
MAX_LISTED = 10


@dataclass(frozen=True)
class Responses:
    """Validated responses.

    Attributes
    ----------
    data
        Item columns named by item id (floats, NaN for missing) plus the respondent-id and
        duration columns; the index is the row of each respondent in the source file.
    source
        File name.
    warnings
        Data-quality problems the researcher may accept, each with its count.
    id_column, duration_column
        Names of those columns in ``data``, or None.
    platform
        ``"qualtrics"``, ``"wenjuanxing"`` or ``"generic"``.
    mapping
        ``{source column: item id}`` as applied, and how (``mapped_by``).
    value_labels
        Value labels from SPSS / Stata files, keyed by item id.
    """

    data: pd.DataFrame
    source: str
    warnings: list[str] = field(default_factory=list)
    id_column: str | None = None
    duration_column: str | None = None
    platform: str = "generic"
    mapping: dict[str, str] = field(default_factory=dict)
    mapped_by: str = "item id"
    value_labels: dict[str, dict[object, str]] = field(default_factory=dict)


def load_mapping(path: str | Path) -> dict[str, str]:
    """Read a mapping file: YAML ``{column: item_id}`` or a two-column CSV ``column,item``."""
    p = Path(path)
    if not p.is_file():
        raise ResponseDataError(f"{p}: no such mapping file.")
    if p.suffix.lower() == ".csv":
        frame = pd.read_csv(p, dtype=str, encoding="utf-8-sig")
        if frame.shape[1] != 2:
            raise ResponseDataError(f"{p.name}: a mapping CSV needs two columns, column,item; "
                                    f"got {frame.shape[1]}.")
        return dict(zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True))
    try:
        content = safe_load(p.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise ResponseDataError(f"{p.name}{where}: not valid YAML "
                                f"({getattr(exc, 'problem', None) or exc}).") from exc
    if not isinstance(content, dict):
        raise ResponseDataError(f"{p.name}: a mapping file is 'column: item_id' lines.")
    return {str(k): str(v) for k, v in content.items()}


def map_columns(table: PlatformTable, instrument: Instrument,
                mapping: Mapping[str, str] | None = None) -> tuple[dict[int, str], str]:
    """Decide which column holds which item.

    In order: an explicit ``mapping`` (column name -> item id; other headers equal to an item id
    are still mapped, so the file lists only the columns that need it); else a header equal to an
    item id; else a header or question text equal to an item's English or Chinese text (ignoring
    case, width, spaces and punctuation); else, for platform exports whose unmatched question
    columns are exactly as many as the unmatched items, questionnaire order.

    Returns
    -------
    tuple
        ``{column position: item id}`` and how the columns were mapped.
    """
    header, source = table.table.header, table.table.source
    items = {it.id: it for it in instrument.all_items}
    if mapping is not None:
        problems = [f"{source}: mapping names column '{c}', which is not in the file"
                    for c in mapping if c not in header]
        problems += [f"{source}: mapping sends column '{c}' to '{i}', which is not an item of "
                     f"instrument {instrument.instrument}" for c, i in mapping.items()
                     if i not in items]
        if problems:
            raise ResponseDataError(join_problems(f"{source}: the mapping has {len(problems)} "
                                                  "problems", problems))
    by_id = {i.casefold(): i for i in items}
    if mapping is not None:
        given = {header.index(c): i for c, i in mapping.items()}
        for pos, name in enumerate(header):
            item = by_id.get(name.strip().casefold())
            if pos not in given and item is not None and item not in given.values():
                given[pos] = item
        return given, "mapping file"
    found: dict[int, str] = {}
    how = "item id"
    for pos, name in enumerate(header):
        if name.strip().casefold() in by_id:
            found[pos] = by_id[name.strip().casefold()]
    if len(set(found.values())) < len(items):  # texts only for items no header names
        by_text = {}
        for it in items.values():
            for text in (it.text.en, it.text.zh):
                if text:
                    by_text[normalize_text(text)] = it.id
        for pos, text in enumerate(table.texts):
            if pos in found:
                continue
            key = normalize_text(text)
            if key in by_text and by_text[key] not in found.values():
                found[pos] = by_text[key]
                how = "item text"
    missing = [i for i in items if i not in found.values()]
    metadata = {table.id_column, table.duration_column}
    free = [p for p in range(len(header)) if p not in found and p not in metadata
            and _looks_like_question(table, p)]
    if missing and table.platform != "generic" and len(free) == len(missing):
        found.update(zip(free, missing, strict=True))
        how = "questionnaire order"
    return found, how


def _looks_like_question(table: PlatformTable, pos: int) -> bool:
    name = table.table.header[pos].strip().casefold()
    metadata_words = ("时间", "ip", "来源", "date", "status", "progress", "finished", "recipient",
                      "location", "distribution", "language", "昵称", "地区")
    return not any(word in name for word in metadata_words)


def _check_header(raw: RawTable) -> None:
    counts = Counter(raw.header)
    dupes = [f"'{name}' ({n} times)" for name, n in counts.items() if n > 1 and name]
    if dupes:
        raise ResponseDataError(f"{raw.source}, row 1: duplicate column names {', '.join(dupes)}. "
                                "Rename them so each column has one name.")
    if raw.cells.empty:
        raise ResponseDataError(f"{raw.source}: the file has a header but no responses.")


def _parse_numbers(cells: pd.Series, decimal: str, missing_codes: set[str]) -> tuple[
        pd.Series, pd.Series]:
    text = cells.astype(str).str.strip()
    is_missing = text.str.casefold().isin(MISSING_TOKENS) | text.isin(missing_codes)
    cleaned = text.str.replace(",", ".", regex=False) if decimal == "," else text
    numbers = pd.to_numeric(cleaned.where(~is_missing), errors="coerce")
    bad = numbers.isna() & ~is_missing
    return numbers.astype(float), bad


def _parse_block(cells: pd.DataFrame, decimal: str,
                 missing_codes: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_parse_numbers` of all columns in one pass, not one per column (cells are parsed
    one by one, so the same): numbers and unparsed flags, ``(rows, columns)``.

    A questionnaire's cells repeat a few texts (``1`` to ``7``, empty): each distinct text is
    parsed once and the results are spread back to its cells.
    """
    flat = cells.to_numpy(dtype=object).ravel(order="F")
    codes, texts = pd.factorize(flat, use_na_sentinel=False)
    if not all(isinstance(text, str) for text in texts):  # not text cells: parse every cell
        codes, texts = np.arange(len(flat)), flat
    numbers, bad = _parse_numbers(pd.Series(texts, dtype=object), decimal, missing_codes)
    return (numbers.to_numpy(float)[codes].reshape(cells.shape, order="F"),
            bad.to_numpy(bool)[codes].reshape(cells.shape, order="F"))


def _construct_coverage(found: set[str], instrument: Instrument, source: str) -> tuple[
        list[str], list[str]]:
    errors, warnings = [], []
    absent = []
    for cid, construct in instrument.constructs.items():
        have = [i for i in construct.item_ids if i in found]
        if not have:
            absent.append(cid)
        elif len(have) < len(construct.item_ids):
            lost = [i for i in construct.item_ids if i not in found]
            errors.append(f"{source}: construct {cid} is missing item column(s) "
                          f"{', '.join(lost)}. Add them, or map them with a mapping file.")
    if len(absent) == len(instrument.constructs):
        errors.append(f"{source}: no column matches an item of instrument "
                      f"{instrument.instrument} (by id, text or order). Name the columns by item "
                      "id (e.g. ar1) or give a mapping file (column: item_id).")
    elif absent:
        warnings.append(f"{source}: {len(absent)} construct(s) not in the data, skipped: "
                        f"{', '.join(absent)}")
    return errors, warnings


def read_responses(path: str | Path, instrument: Instrument, *, sheet: str | int | None = None,
                   mapping: Mapping[str, str] | str | Path | None = None,
                   missing_codes: tuple[str, ...] = ()) -> Responses:
    """Read a response file and return validated responses mapped to the instrument's items.

    Parameters
    ----------
    path
        CSV (any delimiter, decimal comma, UTF-8 with or without BOM, GBK/GB18030), XLSX,
        SPSS ``.sav``, Stata ``.dta``; Qualtrics and Wenjuanxing exports are recognised.
    instrument
        The instrument the responses answer.
    sheet
        XLSX sheet name or 0-based position.
    mapping
        ``{column: item_id}`` or the path of a mapping file (see :func:`load_mapping`).
    missing_codes
        Extra tokens meaning "no answer" (e.g. ``"-99"``); empty cells, NA, ``(跳过)`` always are.

    Raises
    ------
    ResponseDataError
        Empty or header-only file, duplicate column names, partially missing constructs, no
        matching column, non-numeric tokens, out-of-scale values, duplicate respondent ids; each
        bad cell named by row and column (the first ten, with the total).
    """
    raw = read_table(path, sheet=sheet)
    _check_header(raw)
    table = detect_platform(raw)
    if isinstance(mapping, str | Path):
        mapping = load_mapping(mapping)
    found, how = map_columns(table, instrument, mapping)
    source = raw.source
    errors, warnings = _construct_coverage(set(found.values()), instrument, source)
    if errors:
        raise ResponseDataError(join_problems(f"{source} has {len(errors)} problems", errors))
    frame, bad_cells, kept_warnings = _convert(platform_frame(table), table, found,
                                               set(missing_codes))
    errors, quality = validate_values(frame, bad_cells, instrument, source)
    id_name = _column_name(table, found, table.id_column)
    errors += _duplicate_ids(frame, id_name, source)
    if errors:
        raise ResponseDataError(join_problems(f"{source} has {len(errors)} bad value(s)", errors))
    return Responses(
        data=frame, source=source, warnings=warnings + kept_warnings + quality,
        id_column=id_name, duration_column=_column_name(table, found, table.duration_column),
        platform=table.platform, mapping={raw.header[p]: i for p, i in found.items()},
        mapped_by=how,
        value_labels={found[p]: raw.value_labels[raw.header[p]] for p in found
                      if raw.header[p] in raw.value_labels})


def read_table_frame(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a data file that no instrument describes (e.g. for a bare ``.lav`` model).

    The same reader as :func:`read_responses` (encodings, delimiters, decimal comma, XLSX,
    SPSS, Stata), without the mapping to items: a column whose cells all parse is numeric (empty
    cells and the usual no-answer tokens are missing), any other keeps its text, so that a model
    using it gets the clear "not a number" message of the spec checks.

    Returns
    -------
    pandas.DataFrame
        One column per header, indexed by the row of the file (the header is row 1).
    """
    raw = read_table(path, sheet=sheet)
    _check_header(raw)
    columns: dict[str, pd.Series] = {}
    for pos, header in enumerate(raw.header):
        if header in columns:
            raise ResponseDataError(f"{raw.source}: column '{header}' appears twice in the header; "
                                    "rename one of them.")
        numbers, bad = _parse_numbers(raw.cells[pos], raw.decimal, set())
        columns[header] = raw.cells[pos] if bad.any() else numbers
    return pd.DataFrame(columns).set_axis(pd.Index(raw.rows, name="row"))


def _column_name(table: PlatformTable, found: dict[int, str], pos: int | None) -> str | None:
    if pos is None:
        return None
    return found.get(pos, table.table.header[pos])


def _convert(cells: pd.DataFrame, table: PlatformTable, found: dict[int, str],
             missing_codes: set[str]) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Turn text cells into the ``Responses.data`` frame.

    Item columns become floats (their unparseable cells are returned for
    :func:`~semwb.survey.values.validate_values`); the id column stays text; the duration
    column becomes seconds (unparseable ones counted in a warning); every other column is kept
    under its header, as numbers when all its cells parse, else as text (grouping variables,
    precomputed terms).
    """
    raw = table.table
    # Columns are collected first and framed once (inserting ~100 columns one by one fragments
    # the frame and pandas warns about it on every read).
    columns: dict[str, pd.Series | np.ndarray] = {}
    warnings: list[str] = []
    parsed, unparsed = _parse_block(cells, raw.decimal, missing_codes)
    for pos, header in enumerate(raw.header):
        name = found.get(pos, header)
        if pos not in found and (not header or header in columns or header in found.values()):
            continue
        if pos == table.id_column and pos not in found:
            columns[name] = cells[pos].astype(str).str.strip()
            continue
        numbers = parsed[:, pos]
        if pos in found:
            columns[name] = numbers
        elif pos == table.duration_column:
            columns[name] = numbers
            bad = pd.Series(unparsed[:, pos], index=cells.index)
            if bad.any():
                text = cells[pos]
                warnings.append(f"{raw.source}: {int(bad.sum())} value(s) of {name} are not "
                                f"numbers (e.g. row {bad.idxmax()}: '{text[bad.idxmax()]}'); the "
                                "too-fast check skips those respondents")
        else:
            columns[name] = cells[pos] if unparsed[:, pos].any() else numbers
    frame = pd.DataFrame(columns, index=cells.index)
    items = sorted(found)  # the text of the items' unparsed cells, in one pass
    bad_cells = cells[items].where(unparsed[:, items]).set_axis([found[p] for p in items], axis=1)
    return frame, bad_cells, warnings


def _duplicate_ids(frame: pd.DataFrame, id_name: str | None, source: str) -> list[str]:
    if id_name is None:
        return []
    ids = frame[id_name]
    dupes = ids[ids.duplicated(keep=False) & ids.notna() & (ids.astype(str) != "")]
    if dupes.empty:  # the usual case: no grouping to do
        return []
    return [f"{source}: respondent id '{value}' appears in rows "
            f"{', '.join(str(r) for r in rows.index)}; remove the repeated submission or renumber"
            for value, rows in dupes.groupby(dupes.astype(str))]
