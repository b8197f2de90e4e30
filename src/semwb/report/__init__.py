"""Reviewer-ready HTML reports: one self-contained file per analysis, and an index across many.

``render_report`` and ``render_index`` return strings; the caller writes them. They are imported
on first use (PEP 562), so a module of this package (``semwb.report.i18n``, checked by
``semwb fit`` before anything is loaded) can be imported without the renderer, jinja2 and numpy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from semwb.report.render import render_index, render_report, table_files

__all__ = ["render_index", "render_report", "table_files"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'semwb.report' has no attribute '{name}'")
    value = getattr(import_module("semwb.report.render"), name)
    globals()[name] = value  # later look-ups skip this function
    return value
