"""Reading YAML that may come from anyone: no aliases or merge keys, bounded nesting and size.

Instruments are uploaded to the web app and specs are shared between researchers, so their YAML
is read with :class:`BoundedLoader`, PyYAML's safe loader with these rules (the limits checked
before any work grows with them):

- **no aliases** (``*name``): a file of a few hundred bytes whose aliases nest ("billion laughs")
  would otherwise expand to gigabytes; no instrument or spec needs them;
- **nesting depth** of at most :data:`MAX_DEPTH` levels (the composer is recursive: a file of
  nested brackets would raise ``RecursionError``);
- **size** of at most :data:`MAX_BYTES` (an instrument of 200 bilingual items is about 50 kB);
- **no merge keys** (``<<: {...}``): a merged key that the mapping also gives is overridden
  without a word, where a key given twice is an error; without aliases a merge only restates
  keys that can be written out.

A refusal is a ``yaml.YAMLError`` carrying the line (``problem_mark``) and the rule
(``problem``), so every caller's existing "not valid YAML" message names both and never quotes a
value.

The text is scanned and parsed into events by libyaml (PyYAML's C extension, when installed:
about five times faster than the pure-Python scanner, which took most of an instrument's
reading); the nodes are composed from those events in Python, where the limits are checked, and
every event carries its line.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError

MAX_DEPTH = 50
MAX_BYTES = 5_000_000
_MERGE = "tag:yaml.org,2002:merge"


#: libyaml's scanner and parser with PyYAML's safe constructor, else the pure-Python loader.
_Events: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class BoundedLoader(Composer, _Events):  # type: ignore[misc]
    """A safe loader that refuses aliases and nesting deeper than :data:`MAX_DEPTH`.

    PyYAML's Python :class:`~yaml.composer.Composer` comes first, so its node composition (with
    the checks of :meth:`compose_node`) replaces libyaml's; the events come from libyaml.
    """

    def __init__(self, stream: str) -> None:
        if len(stream) > MAX_BYTES:
            raise ComposerError(None, None, f"the file is larger than {MAX_BYTES // 1_000_000} "
                                "MB; an instrument or spec is a few kB", None)
        _Events.__init__(self, stream)
        Composer.__init__(self)
        self._depth = 0

    def get_single_node(self) -> yaml.Node | None:
        """Compose the one document; libyaml's own nesting bound is reported as this one's."""
        try:
            return super().get_single_node()
        except yaml.YAMLError as exc:
            # libyaml scans flow collections ahead and stops at 1000 levels before the composer
            # sees the 51st
            if getattr(exc, "problem", None) != "exceeded maximum nesting depth":
                raise
            raise ComposerError(None, None, f"values are nested more than {MAX_DEPTH} levels "
                                "deep", getattr(exc, "problem_mark", None)) from exc

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Construct a node's value; a value Python refuses (an integer of more than 4,300
        digits, say) becomes a ``ConstructorError`` at the node's line, like any other."""
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ConstructorError(None, None, "a value that cannot be read: "
                                   f"{str(exc).split(';')[0]}", node.start_mark) from exc

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one node after checking the alias and depth rules; a mapping with a merge
        key is refused at the key's line."""
        event: Any = self.peek_event()
        mark: Any = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise ComposerError(None, None, f"the alias '*{event.anchor}' is not allowed; write "
                                "the value out in full instead of referring to an anchor",
                                mark)
        if self._depth >= MAX_DEPTH:
            raise ComposerError(None, None, f"values are nested more than {MAX_DEPTH} levels "
                                "deep", mark)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            merge = next((key for key, _ in node.value if key.tag == _MERGE), None)
            if merge is not None:
                raise ComposerError(None, None, "the merge key '<<' is not allowed; write the "
                                    "keys out in full in this mapping", merge.start_mark)
        return node


def safe_load(text: str) -> Any:
    """Parse ``text`` like ``yaml.safe_load`` under the limits of :class:`BoundedLoader`."""
    return yaml.load(text, Loader=BoundedLoader)


def compose(text: str) -> tuple[yaml.Node | None, BoundedLoader]:
    """Compose ``text`` into a node tree; also return the loader, whose
    ``construct_object(node, deep=True)`` turns a node into its Python value."""
    loader = BoundedLoader(text)
    try:
        return loader.get_single_node(), loader
    finally:
        loader.dispose()
