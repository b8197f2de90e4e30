"""Names of constructs and items in the report's language, taken from an instrument when given.

The report reads the instrument through the small :class:`InstrumentLike` protocol (what
``semwb.survey.instrument.Instrument`` offers), so it needs no import of the survey side and works
without an instrument: then ids stand for names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from semwb.report.i18n import Lang


class TextLike(Protocol):
    """A bilingual text: ``get(lang)`` returns it in one language."""

    def get(self, lang: Lang = "en") -> str: ...  # pragma: no cover - protocol


class ItemLike(Protocol):
    """An instrument item."""

    @property
    def id(self) -> str: ...  # pragma: no cover - protocol
    @property
    def text(self) -> TextLike: ...  # pragma: no cover - protocol
    @property
    def reverse(self) -> bool: ...  # pragma: no cover - protocol


class ConstructLike(Protocol):
    """An instrument construct."""

    @property
    def name(self) -> TextLike: ...  # pragma: no cover - protocol
    @property
    def source(self) -> str: ...  # pragma: no cover - protocol
    @property
    def items(self) -> Sequence[ItemLike]: ...  # pragma: no cover - protocol


class InstrumentLike(Protocol):
    """What the report reads from an instrument."""

    @property
    def title(self) -> TextLike: ...  # pragma: no cover - protocol
    @property
    def constructs(self) -> Mapping[str, ConstructLike]: ...  # pragma: no cover - protocol


@dataclass(frozen=True)
class Labels:
    """Display names in one language; unknown ids stand for themselves."""

    constructs: Mapping[str, str] = field(default_factory=dict)
    items: Mapping[str, str] = field(default_factory=dict)
    reverse: frozenset[str] = frozenset()
    sources: Mapping[str, str] = field(default_factory=dict)
    #: Value labels of the instrument's categorical controls: ``{"own": {"1": "State-owned"}}``.
    levels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: How a labelled group reads (Chinese text takes full-width parentheses).
    group_format: str = "{label} ({column} = {value})"

    def name(self, key: str) -> str:
        """Return the construct name of ``key`` (or the item text, or ``key`` itself)."""
        return self.constructs.get(key) or key

    def named(self, key: str) -> str:
        """Return ``"name (ID)"`` when a construct has a name other than its id, else the id."""
        name = self.constructs.get(key)
        return f"{name} ({key})" if name and name != key else key

    def group_title(self, column: str | None, value: str) -> str:
        """A group of a multi-group fit as readers know it: ``"State-owned (own = 1)"`` with
        the instrument's value label, ``"own = 1"`` without, ``value`` when the grouping column
        was not recorded."""
        if not column:
            return value
        label = self.levels.get(column, {}).get(value)
        if not label:
            return f"{column} = {value}"
        return self.group_format.format(label=label, column=column, value=value)

    def item_text(self, key: str) -> str:
        """Return an item's wording, or an empty string when it is not known."""
        return self.items.get(key, "")


def labels_from_instrument(instrument: InstrumentLike | None, lang: Lang) -> Labels:
    """Collect construct names, item texts, reverse-worded items and scale sources in ``lang``.

    Parameters
    ----------
    instrument
        The instrument, or ``None`` (ids are then shown as names).
    lang
        ``"en"`` or ``"zh"``; a text missing in ``lang`` falls back to the other language.
    """
    if instrument is None:
        return Labels()
    constructs = {cid: c.name.get(lang) for cid, c in instrument.constructs.items()}
    items = {it.id: it.text.get(lang) for c in instrument.constructs.values() for it in c.items}
    reverse = frozenset(
        it.id for c in instrument.constructs.values() for it in c.items if it.reverse
    )
    sources = {cid: c.source for cid, c in instrument.constructs.items() if c.source}
    levels = {str(c.id): {str(code): text.get(lang) for code, text in c.levels.items()}
              for c in getattr(instrument, "controls", ()) if getattr(c, "levels", None)}
    return Labels(constructs=constructs, items=items, reverse=reverse, sources=sources,
                  levels=levels, group_format="{label}（{column} = {value}）" if lang == "zh"
                  else Labels.group_format)
