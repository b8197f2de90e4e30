"""Survey-platform exports: recognise Qualtrics and Wenjuanxing (问卷星) tables and normalise them.

Normalising means: drop Qualtrics' two extra header rows (question text, ImportId) while keeping the
question text, strip Wenjuanxing's question numbers from headers, parse its ``所用时间`` ("325秒")
into seconds, and name the respondent-id and duration columns.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

import pandas as pd

from semwb.survey.tables import RawTable

ID_NAMES = ("id", "rid", "resp_id", "respondent", "respondent_id", "responseid", "序号", "编号")
DURATION_NAMES = ("duration", "duration_sec", "duration (in seconds)", "所用时间", "答题时长")
WJX_MARKERS = ("序号", "提交答卷时间", "所用时间", "来源ip")
QUALTRICS_MARKERS = ("responseid", "duration (in seconds)", "startdate")
_WJX_NUMBER = re.compile(r"^\s*(?:q|第)?\d+(?:题)?\s*[、.．:：)）]?\s*", re.IGNORECASE)
_WJX_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*秒?\s*$")


@dataclass(frozen=True)
class PlatformTable:
    """A raw table after platform normalisation.

    Attributes
    ----------
    table
        The data rows (platform header rows removed).
    platform
        ``"qualtrics"``, ``"wenjuanxing"`` or ``"generic"``.
    texts
        Question text per column position, for mapping by item text.
    id_column, duration_column
        Positions of the respondent-id and duration columns, when found.
    """

    table: RawTable
    platform: str
    texts: list[str]
    id_column: int | None
    duration_column: int | None


def normalize_text(text: str) -> str:
    """Fold case, width and punctuation so that item texts compare equal across exports."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().casefold() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _qualtrics(raw: RawTable) -> PlatformTable:
    stem_texts = [str(t) for t in raw.cells.iloc[0]]
    texts = [t.rsplit(" - ", 1)[-1] for t in stem_texts]
    body = raw.cells.iloc[2:].reset_index(drop=True)
    table = replace(raw, cells=body, rows=raw.rows[2:])
    return PlatformTable(table, "qualtrics", texts, _find(raw.header, ID_NAMES),
                         _find(raw.header, DURATION_NAMES))


def _wenjuanxing(raw: RawTable) -> PlatformTable:
    texts = []
    for name in raw.header:
        stripped = _WJX_NUMBER.sub("", name).strip()
        if stripped.startswith(("(", "（")) and stripped.endswith((")", "）")):
            stripped = stripped[1:-1]
        texts.append(stripped)
    duration = _find(raw.header, DURATION_NAMES)
    cells = raw.cells
    if duration is not None:
        cells = cells.copy()
        cells[duration] = cells[duration].map(
            lambda v: m.group(1) if (m := _WJX_SECONDS.match(str(v))) else str(v))
    return PlatformTable(replace(raw, cells=cells), "wenjuanxing", texts,
                         _find(raw.header, ID_NAMES), duration)


def detect_platform(raw: RawTable) -> PlatformTable:
    """Recognise the exporting platform and normalise its table (see the module docstring)."""
    lowered = {h.strip().casefold() for h in raw.header}
    second = [str(v) for v in raw.cells.iloc[1]] if len(raw.cells) > 1 else []
    if any(v.startswith('{"ImportId"') for v in second) or (
            lowered >= set(QUALTRICS_MARKERS[:2]) and len(raw.cells) > 1
            and any(v.startswith("{") for v in second)):
        return _qualtrics(raw)
    if sum(marker in lowered for marker in WJX_MARKERS) >= 2:
        return _wenjuanxing(raw)
    return PlatformTable(raw, "generic", list(raw.header), _find(raw.header, ID_NAMES),
                         _find(raw.header, DURATION_NAMES))


def platform_frame(table: PlatformTable) -> pd.DataFrame:
    """The data cells with their file rows as index (column positions as columns)."""
    cells = table.table.cells.copy()
    cells.index = pd.Index(table.table.rows, name="row")
    return cells
