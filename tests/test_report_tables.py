"""Numbered tables with APA notes, and their Word and Excel files read back (golden text dumps)."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from report_support import instrument, mediation_measurement, mediation_results
from semwb.cli import app
from semwb.report import render_report, table_files
from semwb.report.context import build_report_context
from semwb.report.labels import labels_from_instrument
from semwb.report.tables import report_tables
from test_report_golden import check_golden


def files(lang: str = "en") -> dict[str, bytes]:
    return table_files(mediation_results(), lang=lang, instrument=instrument(),
                       measurement=mediation_measurement())


def docx_text(data: bytes) -> str:
    """Paragraphs and table cells of a Word file, in document order, as plain text."""
    document = Document(io.BytesIO(data))
    body = document.element.body
    lines = []
    tables = iter(document.tables)
    paragraphs = iter(document.paragraphs)
    for child in body.iterchildren():
        if child.tag.endswith("}p"):
            lines.append(next(paragraphs).text)
        elif child.tag.endswith("}tbl"):
            lines += [" | ".join(c.text for c in row.cells) for row in next(tables).rows]
    return "\n".join(lines) + "\n"


def xlsx_text(data: bytes) -> str:
    """Every sheet of an Excel file: name, then its rows of repr'd values."""
    book = load_workbook(io.BytesIO(data))
    lines = []
    for sheet in book.worksheets:
        lines.append(f"== {sheet.title}")
        lines += [" | ".join("" if v is None else repr(v) for v in row)
                  for row in sheet.iter_rows(values_only=True)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_word_tables_match_golden(lang: str) -> None:
    check_golden(f"tables.{lang}.docx.txt", docx_text(files(lang)["docx"]))


def test_excel_tables_match_golden() -> None:
    check_golden("tables.en.xlsx.txt", xlsx_text(files()["xlsx"]))


def test_tables_are_numbered_in_report_order_with_their_notes() -> None:
    ctx = build_report_context(mediation_results(), labels=labels_from_instrument(instrument(),
                               "en"), measurement=mediation_measurement())
    tables = report_tables(ctx)
    assert [t.number for t in tables] == list(range(1, len(tables) + 1))
    keys = [t.key for t in tables]
    assert keys.index("loadings") < keys.index("fit") < keys.index("paths") < keys.index(
        "effects") < keys.index("hypotheses")
    paths = next(t for t in tables if t.key == "paths")
    assert paths.note.startswith("B: unstandardized")
    html = render_report(mediation_results(), instrument=instrument(),
                         measurement=mediation_measurement())
    number = paths.number
    assert (f'<span class="table-number">Table {number}</span> '
            '<span class="table-title">Structural paths</span>') in html


def test_excel_keeps_numbers_as_numbers_and_splits_intervals() -> None:
    book = load_workbook(io.BytesIO(files()["xlsx"]))
    sheet = next(s for s in book.worksheets if s["A1"].value.endswith("Structural paths"))
    header = [c.value for c in sheet[2]]
    assert header[-2:] == ["CI lower", "CI upper"]
    row = [c.value for c in sheet[3]]
    assert all(isinstance(v, float) for v in row[2:])


def test_the_report_embeds_both_files_and_they_are_the_same_bytes() -> None:
    html = render_report(mediation_results(), instrument=instrument(),
                         measurement=mediation_measurement())
    found = dict(re.findall(r'download="[^"]+-tables\.(docx|xlsx)" href="data:[^;]+;base64,'
                            r'([A-Za-z0-9+/=]+)"', html))
    assert set(found) == {"docx", "xlsx"}
    expected = files()
    assert {k: base64.b64decode(v) for k, v in found.items()} == expected


def test_semwb_report_format_writes_word_and_excel(tmp_path: Path) -> None:
    folder = tmp_path / "mediation"
    folder.mkdir()
    (folder / "results.json").write_text(mediation_results().to_json(), encoding="utf-8")
    done = CliRunner().invoke(app, ["report", str(tmp_path), "--format", "DOCX,xlsx"])
    assert done.exit_code == 0, done.output
    assert (folder / "tables.docx").is_file()
    assert (folder / "tables.xlsx").is_file()
    assert not (folder / "report.html").exists()
    assert "Table 1" in docx_text((folder / "tables.docx").read_bytes())
    done = CliRunner().invoke(app, ["report", str(tmp_path), "--format", "pdf"])
    assert done.exit_code != 0
