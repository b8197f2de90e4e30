"""Instrument files: constructs, items, scale, reverse-worded items, bilingual text.

An instrument is parsed once from YAML into frozen objects. Unknown keys are rejected (a misspelt
``revers: true`` fails), and every problem in the file is reported at once with its line number,
taken from PyYAML's node marks. The format is in docs/architecture.md ("Instrument"), with two
optional lists: ``checks`` (attention-check items with the answer an attentive respondent gives)
and ``controls`` (firm-level numeric or categorical items such as age, size and ownership).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from yaml.constructor import ConstructorError

from semwb.errors import InstrumentError, join_problems
from semwb.yamlfile import BoundedLoader, compose

ITEM_ID = re.compile(r"^[a-z][a-z0-9_]*$")
CONSTRUCT_ID = re.compile(r"^[A-Z][A-Z0-9_]*$")
Lang = Literal["en", "zh"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Strict):
    """A bilingual label; at least one language is given."""

    en: str | None = None
    zh: str | None = None

    @model_validator(mode="after")
    def _one_language(self) -> Text:
        if not (self.en or self.zh):
            raise ValueError("give the text in at least one language (en or zh)")
        return self

    def get(self, lang: Lang = "en") -> str:
        """Return the text in ``lang``, falling back to the other language."""
        return (self.zh or self.en or "") if lang == "zh" else (self.en or self.zh or "")


class Scale(_Strict):
    """The Likert scale every construct item uses; ``ordinal: true`` marks every construct item
    ordinal (fitted by WLSMV when a spec asks for it)."""

    min: int
    max: int
    anchors: dict[int, Text] = Field(default_factory=dict)
    ordinal: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max - self.min < 2:
            raise ValueError("max must exceed min by at least 2 "
                             f"(got min {self.min}, max {self.max})")
        outside = [k for k in self.anchors if not self.min <= k <= self.max]
        if outside:
            raise ValueError(f"anchor points {outside} lie outside the scale {self.min}-{self.max}")
        return self


class Item(_Strict):
    """One question. Construct items are Likert (``type: likert``); controls may be other types.
    ``ordinal`` marks it ordinal or not (None: as its construct, then the scale, says)."""

    id: str
    text: Text
    reverse: bool = False
    ordinal: bool | None = None
    type: Literal["likert", "numeric", "categorical"] = "likert"
    min: float | None = None
    max: float | None = None
    levels: dict[int, Text] | None = None


class Check(_Strict):
    """An attention-check item: ``expect`` lists the answers an attentive respondent gives."""

    id: str
    text: Text
    expect: list[int]


class Construct(_Strict):
    """A latent construct measured by two or more Likert items (``ordinal``: its items' default,
    None for the scale's)."""

    name: Text
    source: str
    items: list[Item]
    ordinal: bool | None = None

    @property
    def item_ids(self) -> list[str]:
        """The construct's item ids in questionnaire order."""
        return [item.id for item in self.items]


class Instrument(_Strict):
    """A validated questionnaire (see ``surveys/README.md`` for the format)."""

    instrument: str
    version: int = 1
    title: Text
    scale: Scale
    constructs: dict[str, Construct]
    checks: list[Check] = Field(default_factory=list)
    controls: list[Item] = Field(default_factory=list)

    @property
    def likert_items(self) -> list[str]:
        """Every construct item id, in construct then questionnaire order."""
        return [i for c in self.constructs.values() for i in c.item_ids]

    @property
    def reverse_items(self) -> list[str]:
        """Ids of the reverse-worded items (raw answers are not yet reverse-coded)."""
        return [it.id for c in self.constructs.values() for it in c.items if it.reverse]

    @property
    def ordinal_items(self) -> list[str]:
        """Ids of the items marked ordinal: ``ordinal:`` on the item, else on its construct, else
        on the scale (construct items); controls only when marked themselves."""
        default = self.scale.ordinal
        marked = [it.id for c in self.constructs.values() for it in c.items
                  if (it.ordinal if it.ordinal is not None
                      else c.ordinal if c.ordinal is not None else default)]
        return [*marked, *(it.id for it in self.controls if it.ordinal)]

    @property
    def all_items(self) -> list[Item | Check]:
        """Construct items, attention checks and controls, in that order."""
        items: list[Item | Check] = [it for c in self.constructs.values() for it in c.items]
        return [*items, *self.checks, *self.controls]

    def text(self, key: str, lang: Lang = "en") -> str:
        """Return the label of a construct id or the text of an item id in ``lang``.

        Raises
        ------
        KeyError
            When ``key`` is neither a construct nor an item of this instrument.
        """
        if key in self.constructs:
            return self.constructs[key].name.get(lang)
        for item in self.all_items:
            if item.id == key:
                return item.text.get(lang)
        raise KeyError(f"'{key}' is neither a construct nor an item of instrument "
                       f"{self.instrument}")


# --- YAML with line numbers -------------------------------------------------------------------


@dataclass
class _Marks:
    """Line numbers (1-based) of every node, keyed by its path of keys and indices."""

    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)

    def line(self, path: tuple[Any, ...]) -> int:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


def _construct(node: yaml.Node, path: tuple[Any, ...], marks: _Marks,
               loader: BoundedLoader) -> Any:
    marks.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loader)
            if isinstance(key, list | dict | set):  # '? [a, b]': PyYAML's own loader refuses it
                raise ConstructorError(None, None, "a key must be a single value, not a list or "
                                       "mapping", key_node.start_mark)
            if key in out:
                marks.problems.append((key_node.start_mark.line + 1, f"key '{key}' is given twice"))
            out[key] = _construct(value_node, (*path, key), marks, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, (*path, i), marks, loader) for i, v in enumerate(node.value)]
    return _scalar(node, loader)


def _scalar(node: yaml.Node, loader: BoundedLoader) -> Any:
    """The value of a leaf (``None`` for an empty value such as ``source:``)."""
    return loader.construct_object(node, deep=True)


def _compose(text: str, source: str) -> tuple[Any, _Marks]:
    marks = _Marks()
    try:
        root, loader = compose(text)
        # values are constructed here too: a tag, a merge key or a 5,000-digit number is refused
        raw = None if root is None else _construct(root, (), marks, loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InstrumentError(
            f"{source}{where}: not valid YAML ({problem}). Check indentation and quoting."
        ) from exc
    if root is None:
        raise InstrumentError(f"{source}: the file is empty. Start from the example in "
                              "surveys/README.md.")
    return raw, marks


def _schema_problems(exc: ValidationError, marks: _Marks) -> list[tuple[int, str]]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        where = ".".join(str(p) for p in loc) or "top level"
        if error["type"] == "extra_forbidden":
            message = f"unknown key '{loc[-1]}' (check the spelling; see surveys/README.md)"
        elif error["type"] == "missing":
            message = f"'{where}' is required"
        else:
            message = f"'{where}': {error['msg']}"
            if "input" in error and not isinstance(error["input"], dict | list):
                message += f" (got {error['input']!r})"
        problems.append((marks.line(loc), message))
    return problems


def _as_list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _as_dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _semantic_problems(raw: dict[str, Any], marks: _Marks) -> list[tuple[int, str]]:
    """Rules across fields, checked on the raw mapping so they run even when the schema fails."""
    problems: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    scale = _as_dict(raw.get("scale"))
    low, high = scale.get("min"), scale.get("max")

    def claim(item: dict[str, Any], owner: str, path: tuple[Any, ...]) -> None:
        item_id, line = str(item.get("id", "")), marks.line(path)
        if not ITEM_ID.match(item_id):
            problems.append((line, f"item id '{item_id}' must be lower case letters, digits or _ "
                                   "and start with a letter (e.g. ar1)"))
        if item_id in seen:
            other = seen[item_id]
            rule = "is listed twice in" if other == owner else f"is in both {other} and"
            problems.append((line, f"item '{item_id}' {rule} {owner}; give each item one id "
                                   "and one place"))
        seen[item_id] = owner

    for cid, construct in _as_dict(raw.get("constructs")).items():
        cpath = ("constructs", cid)
        items = _as_list(_as_dict(construct).get("items"))
        if not CONSTRUCT_ID.match(str(cid)):
            problems.append((marks.line(cpath), f"construct id '{cid}' must be upper case "
                                                "letters, digits or _ (e.g. AR)"))
        if len(items) < 2:
            problems.append((marks.line(cpath), f"construct {cid} has {len(items)} item(s); "
                                                "a construct needs at least 2"))
        for k, item in enumerate(items):
            ipath = (*cpath, "items", k)
            claim(item, f"construct {cid}", ipath)
            if item.get("type", "likert") != "likert":
                problems.append((marks.line(ipath), f"item '{item.get('id')}' of construct {cid} "
                                 f"has type {item.get('type')}; construct items must be likert "
                                 "(move it to controls)"))
    for k, check in enumerate(_as_list(raw.get("checks"))):
        path = ("checks", k)
        claim(check, "checks", path)
        given = check.get("expect")
        expect: list[Any] = given if isinstance(given, list) else []
        if isinstance(low, int) and isinstance(high, int):
            bad = [v for v in expect if not (isinstance(v, int) and low <= v <= high)]
            if bad or not expect:
                problems.append((marks.line(path), f"attention check '{check.get('id')}' expects "
                                 f"{bad or expect}; give answers inside the scale {low}-{high}"))
    for k, item in enumerate(_as_list(raw.get("controls"))):
        path = ("controls", k)
        claim(item, "controls", path)
        kind = item.get("type", "likert")
        if item.get("reverse") and kind != "likert":
            problems.append((marks.line(path), f"item '{item.get('id')}' is {kind}, not Likert; "
                             "only Likert items can be reverse-coded (remove 'reverse')"))
        if item.get("ordinal") and kind == "numeric":
            problems.append((marks.line(path), f"item '{item.get('id')}' is numeric; only "
                             "Likert and categorical items can be ordinal (remove 'ordinal')"))
        if kind == "categorical" and not item.get("levels"):
            problems.append((marks.line(path), f"categorical item '{item.get('id')}' needs "
                             "'levels' (code: label)"))
        lo, hi = item.get("min"), item.get("max")
        if kind == "numeric" and not (isinstance(lo, int | float) and isinstance(hi, int | float)
                                      and lo < hi):
            problems.append((marks.line(path), f"numeric item '{item.get('id')}' needs min < max"))
    return problems


def parse_instrument(text: str, *, source: str = "<string>") -> Instrument:
    """Parse and validate instrument YAML text.

    Parameters
    ----------
    text
        The YAML text.
    source
        Name used in error messages (usually the file path).

    Returns
    -------
    Instrument
        The validated instrument.

    Raises
    ------
    InstrumentError
        Listing every problem with its line: unknown or duplicate keys, missing fields, bad scale,
        duplicate item ids, items in two constructs, constructs with fewer than 2 items, a reverse
        flag on a non-Likert item, an ordinal flag on a numeric control, attention checks
        expecting answers outside the scale.
    """
    raw, marks = _compose(text, source)
    problems = list(marks.problems)
    inst: Instrument | None = None
    if not isinstance(raw, dict):
        problems.append((1, "the top level must be a mapping with 'instrument', 'scale', "
                            "'constructs', ..."))
    else:
        try:
            inst = Instrument.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_schema_problems(exc, marks))
        problems.extend(_semantic_problems(raw, marks))
    if problems or inst is None:
        ordered = sorted(set(problems))
        raise InstrumentError(join_problems(
            f"{source} has {len(ordered)} problems",
            (f"{source}, line {line}: {msg}" for line, msg in ordered),
        ))
    return inst


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate an instrument: YAML (see :func:`parse_instrument`), or a spreadsheet
    with one row per item (``.csv``/``.xlsx``, see :mod:`semwb.survey.instrument_table`)."""
    p = Path(path)
    if p.suffix.lower() in (".csv", ".xlsx"):
        from semwb.survey.instrument_table import read_instrument_table  # it imports this module

        return read_instrument_table(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InstrumentError(f"{p}: no such instrument file. See surveys/ for examples.") from exc
    except UnicodeDecodeError as exc:
        raise InstrumentError(f"{p}: not UTF-8 text (byte {exc.start}). Save it as UTF-8.") from exc
    return parse_instrument(text, source=str(p))
