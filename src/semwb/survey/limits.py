"""Size limits on response files, checked before the work that grows with the size.

A small file can declare a large one: an ``.xlsx`` is a zip whose sheet XML may expand a
thousandfold, one cell far down and to the right makes pandas lay out every row up to it as wide
as it, and a ``.dta`` / ``.sav`` header states how many rows follow, and the reader allocates for
them before it reads a byte of data. These checks read only the zip's directory or
the file's header (pyreadstat's ``metadataonly``), so refusing a hostile file costs milliseconds.
The limits are far above any survey (a large panel is ten thousand respondents by a few hundred
columns) and below what one server process can hold.

Each check raises :class:`~semwb.errors.ResponseDataError` naming the file, what it declares, the
limit, and what to do.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from semwb.errors import ResponseDataError

#: Data rows (respondents) and columns one response file may have.
MAX_ROWS = 1_000_000
MAX_COLUMNS = 5_000
#: Cells (rows x columns) one response file may have: about 300 MB once read as text.
MAX_CELLS = 5_000_000
#: Bytes the members of an ``.xlsx`` may expand to, together.
MAX_XLSX_EXPANDED = 200_000_000
#: Expansion ratio above which a zip member is taken for a zip bomb (real sheets stay near 10-30).
MAX_XLSX_RATIO = 200
#: Rows of an Excel sheet, at the most (Excel's own limit); openpyxl yields every row up to the
#: last one the sheet names, and pandas keeps each until it trims the empty ones at the end.
EXCEL_ROWS = 1_048_576
#: Declared cells (rows x columns) an SPSS / Stata file can hold per byte, at the most: a
#: Stata or compressed SPSS value takes at least one byte; zlib (``.zsav``) shrinks that about
#: a thousandfold at the very best.
_CELLS_PER_BYTE = {".sav": 1, ".dta": 1, ".zsav": 1100}


def check_shape(source: str, *, rows: int, columns: int, where: str = "") -> None:
    """Refuse a table of more than :data:`MAX_ROWS` rows, :data:`MAX_COLUMNS` columns or
    :data:`MAX_CELLS` cells."""
    prefix = f"{source}{where}"
    if columns > MAX_COLUMNS:
        raise ResponseDataError(
            f"{prefix}: {columns:,} columns, more than the limit of {MAX_COLUMNS:,}. Keep the "
            "item, id and duration columns and drop the rest before uploading.")
    if rows > MAX_ROWS or rows * columns > MAX_CELLS:
        raise ResponseDataError(
            f"{prefix}: {rows:,} rows of {columns:,} columns, more than the limit of "
            f"{MAX_ROWS:,} rows and {MAX_CELLS:,} cells. Split the file or drop the columns "
            "that are not items.")


def check_xlsx(path: Path, source: str) -> None:
    """Refuse an ``.xlsx`` whose members expand beyond :data:`MAX_XLSX_EXPANDED` bytes or
    :data:`MAX_XLSX_RATIO` times their compressed size, reading only the zip directory.

    Python's zip reader never returns more than a member's declared size, so the directory's
    sizes bound what openpyxl can be made to parse.
    """
    try:
        with zipfile.ZipFile(path) as book:
            members = book.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ResponseDataError(f"{source}: not a readable .xlsx workbook ({exc}). Save it as "
                                "Excel Workbook (.xlsx) or CSV.") from exc
    expanded = sum(m.file_size for m in members)
    ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=0.0)
    if expanded > MAX_XLSX_EXPANDED or ratio > MAX_XLSX_RATIO:
        raise ResponseDataError(
            f"{source}: the workbook expands to {expanded / 1e6:,.0f} MB of sheet data "
            f"({ratio:,.0f} times its compressed size); the limit is "
            f"{MAX_XLSX_EXPANDED / 1e6:,.0f} MB and {MAX_XLSX_RATIO} times. Save the responses "
            "as CSV, or remove unused sheets and formatting.")


def check_sheet(rows: Iterable[Sequence[object]], source: str) -> None:
    """Refuse a sheet whose layout breaks :func:`check_shape`, while its rows are read.

    ``rows`` are a read-only openpyxl sheet's values (``iter_rows(values_only=True)`` after
    ``reset_dimensions()``). pandas pads every row up to the last filled one to the widest row,
    so a 5 kB workbook with one value in cell XFD1048576 would become 17 billion cells; this scan
    keeps no row and stops at the first one that takes the layout past a limit.
    """
    width = used = 0
    for index, row in enumerate(rows):
        if index >= EXCEL_ROWS:
            raise ResponseDataError(
                f"{source}: the sheet has rows past Excel's last row ({EXCEL_ROWS:,}); it was "
                "not written by Excel or is damaged. Save the responses as CSV.")
        filled = len(row)
        while filled and row[filled - 1] in (None, ""):
            filled -= 1
        if filled:
            width, used = max(width, filled), index + 1
            check_shape(source, rows=used - 1, columns=width)


def stat_row_limit(path: Path, source: str) -> int:
    """Check a ``.sav`` / ``.zsav`` / ``.dta`` header and return the rows to read at most.

    The header is read with pyreadstat's ``metadataonly``; a file whose declared rows cannot fit
    in its bytes, or break the limits, is refused. The returned bound (pass it as pyreadstat's
    ``row_limit``) keeps a file that declares no row count within :data:`MAX_CELLS` too; read
    one row more than allowed is then refused by :func:`check_shape`.
    """
    import pyreadstat

    suffix = path.suffix.lower()
    reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
    try:
        _, meta = reader(str(path), metadataonly=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
        raise ResponseDataError(f"{source}: cannot read this {suffix} file ({exc}).") from exc
    rows = max(int(meta.number_rows or 0), 0)
    columns = max(int(meta.number_columns or 0), 1)
    size = path.stat().st_size
    if rows * columns > size * _CELLS_PER_BYTE.get(suffix, 1):
        raise ResponseDataError(
            f"{source}: the header declares {rows:,} rows of {columns:,} columns, but the file "
            f"has only {size:,} bytes; it is damaged or not a real export. Export the data "
            "again from SPSS / Stata, or as CSV.")
    check_shape(source, rows=rows, columns=columns)
    return min(MAX_ROWS, MAX_CELLS // columns) + 1
