"""The Word and Excel files written without python-docx / openpyxl, read back by both libraries:
styles, number formats and characters XML cannot hold."""

from __future__ import annotations

import io
import sys
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from semwb.report import ooxml
from semwb.report.export import tables_docx, tables_xlsx
from semwb.report.ooxml import Sheet, WordDocument, workbook
from semwb.report.tables import Column, ReportTable
from test_report_tables import files

TABLE = ReportTable(key="paths", number=2, title="Paths <&> \"quoted\"",
                    columns=[Column("Path"), Column("B", "est"), Column("CI", "ci"),
                             Column("N", "int")],
                    rows=[["a\tb\nc\x07", 0.25, (0.1, 0.4), 320],
                          ["=SUM(A1)", float("nan"), None, 12]],
                    note="Bold claims & more.")


def test_word_runs_keep_their_style_and_size() -> None:
    document = Document(io.BytesIO(files()["docx"]))
    heading, number, title = document.paragraphs[:3]
    assert heading.style is not None
    assert heading.style.name == "Heading 1"
    assert number.text == "Table 1"
    assert number.runs[0].bold
    assert title.runs[0].italic
    assert not title.runs[0].bold
    cell = document.tables[0].rows[1].cells[2]
    assert cell.paragraphs[0].runs[0].font.size.pt == 10
    note = next(p for p in document.paragraphs if p.text.startswith("Note."))
    assert note.runs[0].italic
    assert not note.runs[1].italic


def test_word_escapes_text_and_keeps_tabs_and_breaks() -> None:
    data = tables_docx([TABLE], title="A & B <report>", note_label="Note.", table_label="Table")
    document = Document(io.BytesIO(data))
    assert document.core_properties.title == "A & B <report>"
    assert [p.text for p in document.paragraphs[:3]] == ["A & B <report>", "Table 2",
                                                         'Paths <&> "quoted"']
    rows = document.tables[0].rows
    assert rows[1].cells[0].text == "a\tb\nc"  # the bell character XML cannot hold is dropped
    assert rows[2].cells[0].text == "=SUM(A1)"


def test_excel_bold_headers_number_formats_and_plain_text() -> None:
    data = tables_xlsx([TABLE], note_label="Note.", table_label="Table", lower="lo", upper="hi")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.title == "Table 2"
    assert sheet["A1"].value == 'Table 2. Paths <&> "quoted"'
    assert sheet["A1"].font.b
    assert [c.value for c in sheet[2]] == ["Path", "B", "CI lo", "CI hi", "N"]
    assert all(c.font.b for c in sheet[2])
    assert [c.value for c in sheet[3]] == ["a\tb\nc", 0.25, 0.1, 0.4, 320]
    assert [c.number_format for c in sheet[3]][1:] == ["0.000", "0.000", "0.000", "#,##0"]
    assert not sheet["A3"].font.b
    assert sheet["A4"].value == "=SUM(A1)"
    assert sheet["A4"].data_type == "s"
    assert sheet["B4"].value is None  # NaN: Excel has no such number
    assert sheet["A6"].value == "Note. Bold claims & more."


def test_same_tables_same_bytes_and_an_empty_book_has_a_sheet() -> None:
    assert files()["docx"] == files()["docx"]
    assert files()["xlsx"] == files()["xlsx"]
    with zipfile.ZipFile(io.BytesIO(files()["xlsx"])) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    empty = load_workbook(io.BytesIO(tables_xlsx([], note_label="Note.", table_label="Table")))
    assert empty.sheetnames == ["Sheet"]
    assert Document(io.BytesIO(WordDocument().save(title="t"))).paragraphs == []
    assert load_workbook(io.BytesIO(workbook([Sheet("x")]))).sheetnames == ["x"]


def test_writing_tables_imports_neither_python_docx_nor_openpyxl() -> None:
    import subprocess

    code = ("import sys; from semwb.report.tables import Column, ReportTable; "
            "from semwb.report.export import tables_docx, tables_xlsx; "
            "t = ReportTable(key='k', number=1, title='t', columns=[Column('B', 'est')], "
            "rows=[[0.5]], note='n'); "
            "tables_docx([t], title='t', note_label='N', table_label='T'); "
            "tables_xlsx([t], note_label='N', table_label='T'); "
            "print(sorted(m for m in ('docx', 'openpyxl', 'PIL') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("value", ["a&b<c>d", 'x"y', "x'y", "x\"y'z", "a\nb\tc\rd",
                                   "0.000;[Red]-0.000", "", "组织 & <学习>"])
def test_escaping_equals_xml_sax_saxutils(value: str) -> None:
    from xml.sax.saxutils import escape, quoteattr

    assert ooxml.escape(value) == escape(value)
    assert ooxml.quoteattr(value) == quoteattr(value)


def _zipfile_archive(parts: list[tuple[str, bytes]]) -> bytes:
    """What :mod:`zipfile` writes for the parts in one archive (the reference bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts:
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def test_zip_assembled_from_entries_is_zipfiles_archive() -> None:
    """Entries compressed apart (the Word template's once per process) and joined give the same
    bytes as one zipfile archive: offsets, central directory and end record."""
    with zipfile.ZipFile(ooxml._template_path()) as source:
        template = [(info.filename, source.read(info)) for info in source.infolist()]
    parts = [*template[:3], ("word/表.xml", "<x>é</x>".encode()), ("empty", b""), *template[3:]]
    assert ooxml.zip_parts(parts) == _zipfile_archive(parts)
    assert ooxml.zip_parts([]) == _zipfile_archive([])
    document = WordDocument()
    document.table([["a", "b <&>"], ["1", "2"]], half_points=20)
    saved = document.save(title="T")
    names = [info.filename for info in zipfile.ZipFile(io.BytesIO(saved)).infolist()]
    archive = zipfile.ZipFile(io.BytesIO(saved))
    assert archive.testzip() is None  # every part's CRC, the template's copied streams too
    assert [archive.read(n) for n in names[:3]] == [c for _, c in template[:3]]
    # python-docx stores its template with zlib's default compression: its streams, copied,
    # are the bytes zipfile would write
    assert saved == _zipfile_archive([(n, archive.read(n)) for n in names])
