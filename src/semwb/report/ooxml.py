"""Word and Excel files written as their XML parts, without python-docx or openpyxl.

The report embeds every table as a ``.docx`` and an ``.xlsx`` file; building them through
python-docx and openpyxl cost about half a second per report (mostly importing the two libraries
and Pillow), on a command that otherwise takes about one. The documents are simple (headings,
paragraphs, plain tables; sheets of text and numbers), so their parts are written here as text:

- Word: python-docx's own blank document (``docx/templates/default.docx``, read as a zip, the
  package is not imported) with ``word/document.xml`` and ``docProps/core.xml`` replaced, so
  styles, theme and page setup are the ones python-docx documents had;
- Excel: the minimal SpreadsheetML package (workbook, one worksheet per sheet, a style sheet
  with a bold font and the number formats), strings inline.

Both are read back by python-docx and openpyxl in the tests (text, bold and italic runs, number
formats, numbers as numbers). Every zip entry is dated 1980-01-01 and the document dates are
fixed, so equal tables give equal bytes.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import math
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_DATE = "2000-01-01T00:00:00Z"
_CORE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
         'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
         'xmlns:dcterms="http://purl.org/dc/terms/" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{title}<dc:creator>semwb'
         '</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">' + _DATE + '</dcterms:created>'
         '<dcterms:modified xsi:type="dcterms:W3CDTF">' + _DATE + '</dcterms:modified>'
         '</cp:coreProperties>')


def escape(value: str) -> str:
    """``&``, ``<`` and ``>`` as entities (``xml.sax.saxutils.escape``, whose import pulls in
    ``urllib.request``, ``http.client`` and ``ssl``)."""
    return value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(value: str) -> str:
    """``value`` escaped and quoted as an XML attribute value (``xml.sax.saxutils.quoteattr``)."""
    data = escape(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"' + data.replace('"', "&quot;") + '"'


def text(value: str) -> str:
    """``value`` escaped for XML character data, characters XML cannot hold removed."""
    return escape(_CONTROL.sub("", value))


#: The zip's end-of-central-directory record (no comment), as zipfile packs it.
_END_RECORD = struct.Struct("<4s4H2LH")


def zip_entry(name: str, content: bytes) -> tuple[bytes, bytes]:
    """One part as :mod:`zipfile` writes it (deflated, dated 1980-01-01): its local header and
    data, and its central-directory record (offset 0, set by :func:`zip_entries`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        target.writestr(entry, content)
        local = target.start_dir
    data = out.getvalue()
    return data[:local], data[local:-_END_RECORD.size]


def zip_entries(entries: Sequence[tuple[bytes, bytes]]) -> bytes:
    """The zip of :func:`zip_entry` parts, byte for byte what :mod:`zipfile` writes for them in
    one archive (offsets, central directory, end record)."""
    offsets, at = [], 0
    for local, _ in entries:
        offsets.append(at)
        at += len(local)
    central = b"".join(record[:42] + struct.pack("<L", offset) + record[46:]
                       for (_, record), offset in zip(entries, offsets, strict=True))
    end = _END_RECORD.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), at, 0)
    return b"".join(local for local, _ in entries) + central + end


def zip_parts(parts: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip of ``(name, content)`` parts, every entry dated 1980-01-01 (reproducible bytes)."""
    return zip_entries([zip_entry(name, content) for name, content in parts])


def core_properties(title: str | None = None) -> bytes:
    """``docProps/core.xml`` with the fixed dates (and a title)."""
    title_xml = f"<dc:title>{text(title)}</dc:title>" if title is not None else ""
    return _CORE.format(title=title_xml).encode("utf-8")


# --------------------------------------------------------------------------- Word

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _template_path() -> Path:
    """python-docx's blank document (``docx/templates/default.docx``)."""
    spec = importlib.util.find_spec("docx")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("python-docx is not installed; reinstall semwb ('make install').")
    return Path(next(iter(spec.submodule_search_locations))) / "templates" / "default.docx"


@functools.lru_cache(maxsize=1)
def _word_template() -> tuple[tuple[str, ...], str, str]:
    """python-docx's blank document: its part names, and ``document.xml`` split around the
    body (the other parts are copied as stored, :func:`_template_entries`)."""
    with zipfile.ZipFile(_template_path()) as source:
        names = tuple(info.filename for info in source.infolist())
        document = source.read("word/document.xml").decode("utf-8")
    head, rest = document.split("<w:body>", 1)
    section = rest[rest.index("<w:sectPr"):rest.index("</w:body>")]
    return names, head, section


@functools.lru_cache(maxsize=1)
def _template_entries() -> tuple[tuple[bytes, bytes], ...]:
    """The blank document's parts as zip entries, their deflated data copied as the template
    stores them (its 430 kB style sheets took 8 ms to compress per document)."""
    path = _template_path()
    raw = path.read_bytes()
    entries = []
    with zipfile.ZipFile(path) as source:
        for info in source.infolist():
            if info.compress_type != zipfile.ZIP_DEFLATED:
                entries.append(zip_entry(info.filename, source.read(info.filename)))
                continue
            start = info.header_offset + 30 + sum(
                struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30]))
            data = raw[start:start + info.compress_size]
            local, central = zip_entry(info.filename, b"")  # the headers, sizes and CRC set below
            header = 30 + sum(struct.unpack("<HH", local[26:30]))
            sizes = struct.pack("<3L", info.CRC, info.compress_size, info.file_size)
            entries.append((local[:14] + sizes + local[26:header] + data,
                            central[:16] + sizes + central[28:]))
    return tuple(entries)


def _run(value: str, properties: str = "") -> str:
    """One run; tabs and line breaks as Word's ``<w:tab/>`` and ``<w:br/>`` (as python-docx)."""
    pieces = []
    for k, line in enumerate(_CONTROL.sub("", value).split("\n")):
        if k:
            pieces.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                pieces.append("<w:tab/>")
            if chunk:
                pieces.append(f'<w:t xml:space="preserve">{escape(chunk)}</w:t>')
    rpr = f"<w:rPr>{properties}</w:rPr>" if properties else ""
    return f"<w:r>{rpr}{''.join(pieces)}</w:r>"


@dataclass
class WordDocument:
    """A Word document built paragraph by paragraph, then saved as bytes (:meth:`save`)."""

    body: list[str] = field(default_factory=list)

    def heading(self, value: str) -> None:
        """A paragraph in the template's "Heading 1" style."""
        self.body.append(f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>{_run(value)}</w:p>')

    def paragraph(self, *runs: tuple[str, str]) -> None:
        """A paragraph of ``(text, style)`` runs; style ``""``, ``"bold"`` or ``"italic"``."""
        tags = {"": "", "bold": "<w:b/>", "italic": "<w:i/>"}
        self.body.append(f"<w:p>{''.join(_run(v, tags[s]) for v, s in runs)}</w:p>")

    def table(self, rows: Sequence[Sequence[str]], *, half_points: int) -> None:
        """A plain table (the page width shared equally), every cell in ``half_points`` size."""
        columns = max((len(r) for r in rows), default=0)
        if not columns:
            return
        width = 8640 // columns  # the template's text width in twips
        grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in range(columns))
        size = f'<w:sz w:val="{half_points}"/>'
        body = "".join(
            "<w:tr>" + "".join(
                f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr>'
                f"<w:p>{_run(cell, size)}</w:p></w:tc>" for cell in row) + "</w:tr>"
            for row in rows)
        self.body.append(
            '<w:tbl><w:tblPr><w:tblW w:type="auto" w:w="0"/><w:tblLook w:firstColumn="1" '
            'w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" '
            f'w:val="04A0"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>')

    def save(self, *, title: str) -> bytes:
        """The ``.docx`` file."""
        names, head, section = _word_template()
        document = f"{head}<w:body>{''.join(self.body)}{section}</w:body></w:document>"
        replaced = {"word/document.xml": document.encode("utf-8"),
                    "docProps/core.xml": core_properties(title)}
        return zip_entries([zip_entry(name, replaced[name]) if name in replaced else kept
                            for name, kept in zip(names, _template_entries(), strict=True)])


# --------------------------------------------------------------------------- Excel

_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
#: Cell styles: 0 plain, 1 bold, then one per number format (Excel's built-in ids where it
#: has them, 164 onwards for the rest).
_BUILTIN_FORMATS = {"0.00": 2, "#,##0": 3}


def _column_letter(index: int) -> str:
    """``A`` for 0, ``Z`` for 25, ``AA`` for 26."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Sheet:
    """One worksheet: rows of cells ``(value, bold, number_format)``; ``None`` rows are blank,
    ``None`` and ``""`` cells empty."""

    title: str
    rows: list[list[tuple[Any, bool, str | None]] | None] = field(default_factory=list)


def _cell(ref: str, value: Any, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return ""  # Excel has no NaN or infinity: an empty cell
        return f'<c r="{ref}"{s} t="n"><v>{value:.16g}</v></c>'  # as openpyxl, 16 digits
    return (f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text(str(value))}'
            "</t></is></c>")


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The ``.xlsx`` file of ``sheets`` (at least one)."""
    formats = list(dict.fromkeys(fmt for sheet in sheets for row in sheet.rows if row
                                 for _, _, fmt in row if fmt))
    custom = [f for f in formats if f not in _BUILTIN_FORMATS]
    ids = {**{f: 164 + k for k, f in enumerate(custom)}, **_BUILTIN_FORMATS}
    style_of = {fmt: 2 + k for k, fmt in enumerate(formats)}
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
           *(f'<xf numFmtId="{ids[f]}" fontId="0" fillId="0" borderId="0" xfId="0" '
             'applyNumberFormat="1"/>' for f in formats)]
    numfmts = "".join(f'<numFmt numFmtId="{ids[f]}" formatCode={quoteattr(f)}/>' for f in custom)
    styles = (
        f'<styleSheet xmlns="{_S}">'
        + (f'<numFmts count="{len(custom)}">{numfmts}</numFmts>' if custom else "")
        + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
        'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
        '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" '
        f'fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="{len(xfs)}">'
        f'{"".join(xfs)}</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
        'builtinId="0"/></cellStyles></styleSheet>')
    parts: list[tuple[str, bytes]] = []
    for k, sheet in enumerate(sheets, start=1):
        rows = []
        for r, row in enumerate(sheet.rows, start=1):
            if not row:
                continue
            cells = "".join(_cell(f"{_column_letter(c)}{r}", value,
                                  1 if bold else style_of.get(fmt or "", 0))
                            for c, (value, bold, fmt) in enumerate(row)
                            if value is not None and value != "")
            rows.append(f'<row r="{r}">{cells}</row>')
        parts.append((f"xl/worksheets/sheet{k}.xml",
                      f'<worksheet xmlns="{_S}"><sheetData>{"".join(rows)}</sheetData>'
                      "</worksheet>".encode()))
    listed = "".join(f'<sheet name={quoteattr(text(s.title))} sheetId="{k}" r:id="rId{k}"/>'
                     for k, s in enumerate(sheets, start=1))
    links = "".join(f'<Relationship Id="rId{k}" Type="{_R}/worksheet" '
                    f'Target="worksheets/sheet{k}.xml"/>' for k in range(1, len(sheets) + 1))
    n = len(sheets)
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{k}.xml" '
                        f'ContentType="{_SHEET_TYPE}"/>' for k in range(1, n + 1))
    head = [
        ("[Content_Types].xml",
         '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
         'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
         'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
         'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
         '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
         f'package.core-properties+xml"/>{overrides}</Types>'),
        ("_rels/.rels",
         f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_R}/officeDocument" '
         'Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.'
         'openxmlformats.org/package/2006/relationships/metadata/core-properties" '
         'Target="docProps/core.xml"/></Relationships>'),
        ("xl/workbook.xml",
         f'<workbook xmlns="{_S}" xmlns:r="{_R}"><sheets>{listed}</sheets></workbook>'),
        ("xl/_rels/workbook.xml.rels",
         f'<Relationships xmlns="{_PKG}">{links}<Relationship Id="rId{n + 1}" '
         f'Type="{_R}/styles" Target="styles.xml"/></Relationships>'),
        ("xl/styles.xml", styles),
    ]
    return zip_parts([*((name, body.encode("utf-8")) for name, body in head),
                      ("docProps/core.xml", core_properties()), *parts])
