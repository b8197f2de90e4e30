"""Windows of years (``2018-2020``), as a spec's ``portfolio.window`` and ``--window`` write them.

Below both :mod:`semwb.sem` (which checks a spec's window when it is loaded) and
:mod:`semwb.portfolio` (which computes the measures in each window).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from semwb.errors import OptionError


@dataclass(frozen=True)
class Window:
    """Years ``first``-``last`` inclusive; both None for the whole list."""

    first: int | None = None
    last: int | None = None

    @property
    def label(self) -> str:
        """``2018-2020``, ``2019``, or ``all``."""
        if self.first is None or self.last is None:
            return "all"
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


def parse_windows(text: str) -> list[Window]:
    """Parse ``"2018-2020"`` or ``"2016-2018,2019-2021"`` or ``"2019"``; empty = whole list.

    Raises
    ------
    OptionError
        A window that is not ``YEAR`` or ``FIRST-LAST`` with ``FIRST <= LAST``, or one given
        twice.
    """
    windows = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        match = re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?", part)
        if match is None or int(match.group(1)) > int(match.group(2) or match.group(1)):
            raise OptionError(f"--window: '{part}' is not a window; write FIRST-LAST years, e.g. "
                              "2018-2020 (several separated by commas).")
        window = Window(int(match.group(1)), int(match.group(2) or match.group(1)))
        if window in windows:
            raise OptionError(f"--window: {window.label} is given twice; name each window once.")
        windows.append(window)
    return windows or [Window()]
