"""A tiny SVG writer that escapes every attribute value and every text: safe by construction.

Pictures are built in Python (layout needs arithmetic), so they cannot rely on Jinja's autoescape;
instead each piece goes through :func:`markupsafe.escape` here and comes out as ``Markup``.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

Attr = str | float | int | None


def num(value: float) -> str:
    """Format a coordinate compactly (at most one decimal)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def element(tag: str, attrs: dict[str, Attr] | None = None,
            children: Iterable[Markup] | str | None = None) -> Markup:
    """Return ``<tag attrs>children</tag>``; a ``str`` child is text and is escaped.

    Attribute names are code, never user text; ``None`` values are left out. Names with an
    underscore are written with a hyphen (``stroke_width`` -> ``stroke-width``).
    """
    parts = [tag]
    for name, value in (attrs or {}).items():
        if value is None:
            continue
        shown = num(value) if isinstance(value, float) else str(value)
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{escape(shown)}"')
    head = " ".join(parts)
    if children is None:
        return Markup(f"<{head}/>")
    body = escape(children) if isinstance(children, str) else Markup("").join(children)
    return Markup(f"<{head}>{body}</{tag}>")


def text_width(text: str, size: float) -> float:
    """Estimate the width of ``text`` in a sans-serif font of ``size`` px (CJK glyphs: square)."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return wide * size + (len(text) - wide) * size * 0.56


def svg(width: float, height: float, children: Iterable[Markup], *, title: str,
        css_class: str) -> Markup:
    """Return a root ``<svg>`` scaled to its container, with an accessible ``<title>``."""
    return element("svg", {
        "xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {num(width)} {num(height)}",
        "class": css_class, "role": "img", "width": num(width),
        "style": f"max-width:100%;height:auto;aspect-ratio:{num(width)}/{num(height)}",
    }, [element("title", None, title), *children])
