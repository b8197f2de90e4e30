"""The invariance ladder as a self-contained HTML page.

``templates/invariance.html`` around the ``_invariance.html`` section (autoescaped, no network),
which the model report also shows when its results carry a ladder (``invariance: true``).
"""

from __future__ import annotations

from typing import Any

from semwb.report.environment import get_environment


def render_invariance(ladder: dict[str, Any]) -> str:
    """The self-contained HTML page of a ladder (:func:`semwb.sem.invariance_json.ladder_json`)."""
    template = get_environment().get_template("invariance.html")
    return template.render(inv=ladder, lang="en")
