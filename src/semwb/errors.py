"""The one exception and warning tree of semwb.

Every error a user can cause is a :class:`SemwbError`. Its message says *what* is wrong, *where*
(file, row, column, line of syntax), the rule, what was received, and how to fix it. The faces
(CLI, web, batch) catch ``SemwbError`` only; anything else is a bug and keeps its traceback.

::

    SemwbError
     ├── InstrumentError(ValueError)     instrument YAML / spreadsheet is invalid
     ├── ResponseDataError(ValueError)   a response file cannot be read or mapped
     ├── SpecError(ValueError)           a model spec or its lavaan syntax is invalid
     ├── OptionError(ValueError)         a bad option value (draws, level, estimator, ...)
     ├── FitError(RuntimeError)          the estimator failed; the message says why
     └── ResultsError(ValueError)        a results.json cannot be read

    SemwbWarning(UserWarning)
     ├── ConvergenceWarning
     ├── HeywoodCaseWarning
     ├── LowReliabilityWarning
     └── DataQualityWarning

Each builtin second parent keeps ``except ValueError`` working for callers who know no semwb.
"""

from __future__ import annotations

from collections.abc import Iterable


class SemwbError(Exception):
    """Base of every error a user can cause and fix."""


class InstrumentError(SemwbError, ValueError):
    """An instrument file is invalid."""


class ResponseDataError(SemwbError, ValueError):
    """A response file cannot be read, or its values break the instrument's rules."""


class SpecError(SemwbError, ValueError):
    """A model spec (YAML or lavaan syntax) is invalid or does not fit the data."""


class OptionError(SemwbError, ValueError):
    """An option has a value outside what it accepts."""


class FitError(SemwbError, RuntimeError):
    """Estimation failed; the message names the model and the reason."""


class ResultsError(SemwbError, ValueError):
    """A results file cannot be read back."""


class SemwbWarning(UserWarning):
    """Base of every warning semwb emits."""


class ConvergenceWarning(SemwbWarning):
    """The optimizer stopped without meeting its convergence criterion."""


class HeywoodCaseWarning(SemwbWarning):
    """A negative variance or a standardized loading beyond 1 in absolute value."""


class LowReliabilityWarning(SemwbWarning):
    """A construct falls below the usual reliability or validity threshold."""


class DataQualityWarning(SemwbWarning):
    """A data problem the researcher may choose to accept (listed with counts)."""


#: How many problems one message lists before saying how many more there are.
MAX_LISTED = 10


def join_problems(header: str, problems: Iterable[str]) -> str:
    """Format several problems found at once into one message.

    Parameters
    ----------
    header
        What was checked, e.g. ``"models/med.yaml has 2 problems"``.
    problems
        One sentence per problem, each already naming where it is.

    Returns
    -------
    str
        The header followed by one ``- problem`` line each (the first ten, then how many more);
        just the problem when there is one.
    """
    items = list(problems)
    if len(items) == 1:
        return items[0]
    shown = [f"- {p}" for p in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        shown.append(f"- ... and {len(items) - MAX_LISTED} more ({len(items)} in all)")
    return header + ":\n" + "\n".join(shown)
