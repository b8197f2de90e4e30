"""The report's tables as a Word document and an Excel workbook (:mod:`semwb.report.ooxml`).

Both are bytes, the same for the same tables (fixed document dates and zip entry times), so the
report that embeds them stays reproducible. Word gets APA tables: "Table N" in bold, the title
in italics, horizontal rules only, the note below. Excel gets one sheet per table with numbers as
numbers (confidence intervals as two columns), the title above and the note below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from semwb.report.ooxml import Sheet, WordDocument, workbook
from semwb.report.tables import ReportTable, format_cell

FORMATS = ("docx", "xlsx")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_NUMBER_FORMATS = {"est": "0.000", "est2": "0.00", "std": "0.00", "std3": "0.000",
                   "p": "0.000", "ci": "0.000", "int": "#,##0"}


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
    document = WordDocument()
    document.heading(title)
    for table in tables:
        document.paragraph((f"{table_label} {table.number}", "bold"))
        document.paragraph((table.title, "italic"))
        document.table([[column.title for column in table.columns],
                        *([format_cell(value, column.kind)
                           for value, column in zip(row, table.columns, strict=True)]
                          for row in table.rows)], half_points=20)
        if table.note:
            document.paragraph((note_label, "italic"), (" " + table.note, ""))
    return document.save(title=title)


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
    sheets = []
    for table in tables:
        sheet = Sheet(f"{table_label} {table.number}"[:31])
        sheets.append(sheet)
        sheet.rows.append([(f"{table_label} {table.number}. {table.title}", True, None)])
        header: list[str] = []
        for column in table.columns:
            header += ([f"{column.title} {lower}", f"{column.title} {upper}"]
                       if column.kind == "ci" else [column.title])
        sheet.rows.append([(name, True, None) for name in header])
        for row in table.rows:
            cells: list[tuple[Any, bool, str | None]] = []
            for value, column in zip(row, table.columns, strict=True):
                cells += [(part, False, _NUMBER_FORMATS.get(column.kind)
                           if isinstance(part, int | float) else None)
                          for part in _xlsx_values(value, column.kind)]
            sheet.rows.append(cells)
        if table.note:
            sheet.rows += [None, [(f"{note_label} {table.note}", False, None)]]
    return workbook(sheets or [Sheet("Sheet")])  # a workbook needs a sheet
