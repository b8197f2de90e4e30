"""Reading raw tables (CSV in any common dialect and encoding, XLSX, SPSS, Stata) as text cells.

Every reader returns a :class:`RawTable`: the header exactly as written (duplicates kept, so they
can be reported), the cells as strings (so that no value is silently coerced), the file row of
each data row, and the value labels a statistics package stored.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from semwb.errors import ResponseDataError
from semwb.survey.limits import check_shape, check_sheet, check_xlsx, stat_row_limit

DELIMITERS = ",;\t|"
EXCEL_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RawTable:
    """A table read as text.

    Attributes
    ----------
    header
        Column names as written in the file (may contain duplicates).
    cells
        Data rows as strings, ``""`` for an empty cell; one column per header entry.
    rows
        The 1-based file row of each data row (the header is row 1 in a plain file).
    source
        The file name used in messages.
    encoding, delimiter, decimal
        What was detected (CSV only).
    value_labels
        ``{column: {code: label}}`` from SPSS / Stata files.
    """

    header: list[str]
    cells: pd.DataFrame
    rows: list[int]
    source: str
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)


def decode_bytes(data: bytes, source: str) -> tuple[str, str]:
    """Decode file bytes: UTF-8 (with or without BOM), else GB18030 (superset of GBK), else guess.

    Returns
    -------
    tuple
        The text and the encoding name used.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes  # only here: 15 ms to import, rarely needed

    guess = from_bytes(data).best()
    if guess is None:
        raise ResponseDataError(f"{source}: cannot tell the text encoding. Save the file as "
                                "UTF-8 CSV (in Excel: 'CSV UTF-8').")
    return str(guess), str(guess.encoding)


def _sniff(text: str) -> str:
    sample = "\n".join(text[:200_000].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = text[:200_000].splitlines()[0] if text else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _text_table(text: str, source: str, encoding: str) -> RawTable:
    delimiter = _sniff(text)
    line_numbers: list[int] = []
    kept: list[list[str]] = []
    for number, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        if any(cell.strip() for cell in record):
            line_numbers.append(number)
            kept.append(record)
            # limits checked as the rows come in, before the table is built
            check_shape(source, rows=len(kept) - 1, columns=len(kept[0]))
    if not kept:
        raise ResponseDataError(f"{source}: the file is empty. Export the responses with a "
                                "header row and one row per respondent.")
    header, body = kept[0], kept[1:]
    width = len(header)
    for number, record in zip(line_numbers[1:], body, strict=True):
        if len(record) != width:
            raise ResponseDataError(
                f"{source}, row {number}: {len(record)} fields but the header has {width} "
                f"(delimiter '{delimiter}'). Check for an unquoted '{delimiter}' inside a value.")
    cells = pd.DataFrame(body, columns=range(width), dtype=object)
    decimal = "," if delimiter != "," and cells.map(_comma_number).to_numpy().any() else "."
    return RawTable(header=[h.strip() for h in header], cells=cells, rows=line_numbers[1:],
                    source=source, encoding=encoding, delimiter=delimiter, decimal=decimal)


def _comma_number(cell: object) -> bool:
    text = str(cell).strip()
    head, sep, tail = text.partition(",")
    return bool(sep) and head.lstrip("-").isdigit() and tail.isdigit()


def _frame_table(frame: pd.DataFrame, source: str, header_row: int = 1,
                 value_labels: dict[str, dict[Any, str]] | None = None) -> RawTable:
    check_shape(source, rows=len(frame) - 1, columns=frame.shape[1])
    frame = frame.dropna(how="all")
    if frame.empty:
        raise ResponseDataError(f"{source}: the sheet is empty. Export the responses with a "
                                "header row and one row per respondent.")
    header = [_cell_text(v) for v in frame.iloc[0]]
    body = frame.iloc[1:].map(_cell_text)
    body.columns = range(len(header))
    rows = [int(i) + header_row for i in frame.index[1:]]
    return RawTable(header=header, cells=body.reset_index(drop=True), rows=rows, source=source,
                    value_labels=value_labels or {})


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_excel(path: Path, source: str, sheet: str | int | None) -> RawTable:
    check_xlsx(path, source)
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = [str(n) for n in book.sheet_names]
            if sheet is not None and not isinstance(sheet, int) and sheet not in names:
                raise ResponseDataError(f"{source}: no sheet named '{sheet}'; the workbook has "
                                        f"{', '.join(repr(n) for n in names)}.")
            if isinstance(sheet, str) or sheet is None or 0 <= sheet < len(names):
                name = sheet if isinstance(sheet, str) else names[sheet or 0]
                worksheet = book.book[name]  # read-only: rows are parsed as they are scanned
                worksheet.reset_dimensions()
                check_sheet(worksheet.iter_rows(values_only=True), f"{source} [{name}]")
            frame = pd.read_excel(book, sheet_name=sheet if sheet is not None else 0,
                                  header=None, dtype=object)
    except (ResponseDataError, MemoryError):
        raise
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException variously
        raise ResponseDataError(f"{source}: not a readable .xlsx workbook ({exc}). Save it as "
                                "Excel Workbook (.xlsx) or CSV.") from exc
    return _frame_table(frame, f"{source} [{sheet if sheet is not None else names[0]}]")


def _read_stat(path: Path, source: str, kind: str) -> RawTable:
    import pyreadstat  # imported here: only .sav/.dta files need it

    row_limit = stat_row_limit(path, source)
    reader = pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta
    try:
        frame, meta = reader(str(path), row_limit=row_limit)
    except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
        raise ResponseDataError(f"{source}: cannot read this .{kind} file ({exc}).") from exc
    header = [str(c) for c in frame.columns]
    top = pd.DataFrame([header], columns=frame.columns)
    frame = pd.concat([top, frame.astype(object)], ignore_index=True)
    labels = {str(k): dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    return _frame_table(frame, source, value_labels=labels)


def read_table(path: str | Path, *, sheet: str | int | None = None) -> RawTable:
    """Read a response file as text cells, detecting the format from its extension.

    Parameters
    ----------
    path
        ``.csv``/``.txt``/``.tsv`` (delimiter, decimal comma and encoding detected), ``.xlsx``,
        ``.sav`` (SPSS, value labels kept) or ``.dta`` (Stata).
    sheet
        Sheet name or 0-based position for ``.xlsx``; the first sheet by default.

    Raises
    ------
    ResponseDataError
        Missing file, unknown extension, unreadable or empty file, ragged CSV rows.
    """
    p = Path(path)
    source = p.name
    if not p.is_file():
        raise ResponseDataError(f"{p}: no such data file. Check the path (a spec's 'data:' is "
                                "relative to the spec's folder; or pass --data FILE).")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        text, encoding = decode_bytes(p.read_bytes(), source)
        return _text_table(text, source, encoding)
    if suffix in (".xlsx", ".xlsm"):
        return _read_excel(p, source, sheet)
    if suffix in (".sav", ".zsav", ".dta"):
        return _read_stat(p, source, "dta" if suffix == ".dta" else "sav")
    raise ResponseDataError(f"{source}: unknown file type '{suffix}'. Use .csv, .xlsx, .sav or "
                            ".dta (for .xls, re-save as .xlsx).")


def excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot run as spreadsheet formulas.

    Text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe (OWASP CSV-injection advice); numbers are left as numbers. Column names are
    treated the same way.
    """
    def neutral(value: object) -> object:
        if isinstance(value, str) and value.startswith(EXCEL_TRIGGERS):
            return "'" + value
        return value

    out = frame.map(neutral)
    out.columns = [neutral(c) for c in frame.columns]
    return out
