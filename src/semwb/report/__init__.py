"""Reviewer-ready HTML reports: one self-contained file per analysis, and an index across many.

``render_report`` and ``render_index`` return strings; the caller writes them.
"""

from __future__ import annotations

from semwb.report.render import render_index, render_report, table_files

__all__ = ["render_index", "render_report", "table_files"]
