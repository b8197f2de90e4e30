"""Progress callbacks of the slow library loops (cross-validation, imputation, parallel analysis).

A library function takes ``progress(done, total)`` (or None) and reports after each unit of
work; the CLI draws it as a bar (:func:`semwb.cli.progress_bar.progress_bar`), the web as a
fraction. :func:`counter` turns it into a one-step callback for loops that run in parts.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]

__all__ = ["Progress", "counter"]


def counter(progress: Progress | None, total: int) -> Callable[[int], None] | None:
    """A callback ``step(k)`` that adds ``k`` units done and reports ``progress(done, total)``.

    Parameters
    ----------
    progress
        The caller's callback (None: no reporting, and None is returned).
    total
        Units of work in all.

    Returns
    -------
    callable or None
    """
    if progress is None:
        return None
    done = 0

    def step(units: int) -> None:
        nonlocal done
        done += units
        progress(done, total)

    return step
