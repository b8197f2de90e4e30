"""The report's tables as a Word document (python-docx) and an Excel workbook (openpyxl).

Both are bytes, the same for the same tables (fixed document dates and zip entry times), so the
report that embeds them stays reproducible. Word gets APA tables: "Table N" in bold, the title
in italics, horizontal rules only, the note below. Excel gets one sheet per table with numbers as
numbers (confidence intervals as two columns), the title above and the note below.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from semwb.report.tables import ReportTable, format_cell

FORMATS = ("docx", "xlsx")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_EPOCH = datetime(2000, 1, 1)  # Office documents store naive times
_NUMBER_FORMATS = {"est": "0.000", "est2": "0.00", "std": "0.00", "std3": "0.000",
                   "p": "0.000", "ci": "0.000", "int": "#,##0"}


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with every entry dated 1980-01-01, so equal content gives equal bytes.

    openpyxl stamps the save time into ``docProps/core.xml``; it is set to the fixed date too.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            target.writestr(entry, content)
    return out.getvalue()


def tables_docx(tables: Sequence[ReportTable], *, title: str, note_label: str,
                table_label: str) -> bytes:
    """A Word document with every table, APA style.

    Parameters
    ----------
    tables
        From :func:`semwb.report.tables.report_tables`.
    title
        The document's heading (the report title).
    note_label, table_label
        "Note." and "Table" in the report's language.
    """
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.created = _EPOCH
    document.core_properties.modified = _EPOCH
    document.core_properties.title = title
    document.add_heading(title, level=1)
    for table in tables:
        number = document.add_paragraph()
        number.add_run(f"{table_label} {table.number}").bold = True
        document.add_paragraph().add_run(table.title).italic = True
        grid = document.add_table(rows=1, cols=len(table.columns))
        for cell, column in zip(grid.rows[0].cells, table.columns, strict=True):
            cell.text = column.title
        for row in table.rows:
            cells = grid.add_row().cells
            for cell, value, column in zip(cells, row, table.columns, strict=True):
                cell.text = format_cell(value, column.kind)
        for row in grid.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(10)
        if table.note:
            note = document.add_paragraph()
            note.add_run(note_label).italic = True
            note.add_run(" " + table.note)
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())


def _xlsx_values(value: Any, kind: str) -> list[Any]:
    """A cell's value(s) for Excel: numbers stay numbers; an interval is two cells."""
    if kind == "ci":
        bounds = value if value is not None else (None, None)
        return [b if isinstance(b, int | float) else None for b in bounds]
    if kind == "verdict":
        return [format_cell(value, kind)]
    if kind == "text" or value is None or isinstance(value, int | float):
        return [value]
    if value == "":
        return [None]
    return [str(value)]


def tables_xlsx(tables: Sequence[ReportTable], *, note_label: str, table_label: str,
                lower: str = "lower", upper: str = "upper") -> bytes:
    """An Excel workbook, one sheet per table ("Table 1", ...), numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    if tables:  # a workbook needs a sheet: the empty default stays when there is no table
        book.remove(book.active)
    book.properties.created = _EPOCH
    book.properties.modified = _EPOCH
    for table in tables:
        sheet = book.create_sheet(f"{table_label} {table.number}"[:31])
        sheet.append([f"{table_label} {table.number}. {table.title}"])
        sheet["A1"].font = Font(bold=True)
        header: list[str] = []
        for column in table.columns:
            header += ([f"{column.title} {lower}", f"{column.title} {upper}"]
                       if column.kind == "ci" else [column.title])
        sheet.append(header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            values: list[Any] = []
            formats: list[str | None] = []
            for value, column in zip(row, table.columns, strict=True):
                parts = _xlsx_values(value, column.kind)
                values += parts
                formats += [_NUMBER_FORMATS.get(column.kind)] * len(parts)
            sheet.append(values)
            for cell, number_format in zip(sheet[sheet.max_row], formats, strict=False):
                if number_format and isinstance(cell.value, int | float):
                    cell.number_format = number_format
        if table.note:
            sheet.append([])
            sheet.append([f"{note_label} {table.note}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return _stable_zip(buffer.getvalue())
