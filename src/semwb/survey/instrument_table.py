"""An instrument from a spreadsheet: one row per item (item id, construct, text, reverse, ordinal).

Researchers often keep their questionnaire in Excel. The columns (any order, case-insensitive):

- ``item`` and ``construct`` (required);
- ``text_en`` and/or ``text_zh`` (or ``text``, taken as English);
- ``reverse`` (optional: yes/no, true/false, 1/0, 是/否; empty means no);
- ``ordinal`` (optional, the same values: the item is ordinal, for a WLSMV spec; empty means
  no);
- ``construct_name_en``, ``construct_name_zh``, ``source`` (optional, from the construct's first
  row that gives them);
- ``scale_min``, ``scale_max`` (optional, first row that gives them; 1-7 by default).

Every problem is reported at once with its row and column; the result is validated by the same
:class:`~semwb.survey.instrument.Instrument` schema as the YAML form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from semwb.errors import InstrumentError, join_problems
from semwb.survey.instrument import Instrument
from semwb.survey.tables import read_table

TABLE_SUFFIXES = (".csv", ".xlsx")
_TRUE = {"yes", "y", "true", "1", "是", "r", "reverse"}
_FALSE = {"", "no", "n", "false", "0", "否"}


def read_instrument_table(path: str | Path) -> Instrument:
    """Read and validate an instrument kept as a spreadsheet (see the module docstring).

    Raises
    ------
    InstrumentError
        Missing columns, rows without an item id or construct, repeated item ids, reverse or
        ordinal values that are not yes/no, constructs with fewer than two items; all at once,
        with rows.
    """
    raw = read_table(path)
    source = raw.source
    columns = {name.strip().casefold(): pos for pos, name in enumerate(raw.header)}
    missing = [c for c in ("item", "construct") if c not in columns]
    if not {"text", "text_en", "text_zh"} & set(columns):
        missing.append("text_en or text_zh")
    if missing:
        raise InstrumentError(
            f"{source}: an instrument spreadsheet needs the column(s) {', '.join(missing)}; "
            f"found {', '.join(raw.header)}. Use one row per item: item, construct, text_en, "
            "text_zh, reverse.")

    def cell(row: int, name: str) -> str:
        return str(raw.cells.iloc[row, columns[name]]).strip() if name in columns else ""

    problems: list[str] = []
    constructs: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for pos, file_row in enumerate(raw.rows):
        item, construct = cell(pos, "item"), cell(pos, "construct")
        if not item and not construct:
            continue
        where = f"{source}, row {file_row}"
        if not item or not construct:
            problems.append(f"{where}: both 'item' and 'construct' are needed; got item "
                            f"'{item}', construct '{construct}'.")
            continue
        if item in seen:
            problems.append(f"{where}, column item: '{item}' already appears in row {seen[item]}; "
                            "item ids must be unique.")
            continue
        seen[item] = file_row
        flags = {}
        for name in ("reverse", "ordinal"):
            flag = cell(pos, name).casefold()
            if flag not in _TRUE | _FALSE:
                problems.append(f"{where}, column {name}: '{cell(pos, name)}' is not yes or no.")
            flags[name] = flag in _TRUE
        text = {"en": cell(pos, "text_en") or cell(pos, "text") or None,
                "zh": cell(pos, "text_zh") or None}
        entry = constructs.setdefault(construct, {"name": {}, "source": "", "items": []})
        entry["items"].append({"id": item, "text": text, **flags})
        for lang in ("en", "zh"):
            entry["name"].setdefault(lang, cell(pos, f"construct_name_{lang}") or None)
        entry["source"] = entry["source"] or cell(pos, "source")
    scale = {}
    for bound, default in (("min", 1), ("max", 7)):
        given = [(row, cell(pos, f"scale_{bound}")) for pos, row in enumerate(raw.rows)]
        row, value = next(((r, v) for r, v in given if v), (None, str(default)))
        try:
            scale[bound] = int(float(value))
        except ValueError:
            problems.append(f"{source}, row {row}, column scale_{bound}: '{value}' is not a "
                            "number.")
    for cid, entry in constructs.items():
        if len(entry["items"]) < 2:
            problems.append(f"{source}: construct '{cid}' has {len(entry['items'])} item; a "
                            "construct needs at least 2.")
        if not any(entry["name"].values()):
            entry["name"] = {"en": cid}
    if problems:
        raise InstrumentError(join_problems(f"{source} has {len(problems)} problems", problems))
    stem = Path(path).stem
    try:
        return Instrument.model_validate({
            "instrument": stem, "title": {"en": stem}, "scale": scale,
            "constructs": constructs})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InstrumentError(f"{source}: {where}: {first['msg']}.") from exc
