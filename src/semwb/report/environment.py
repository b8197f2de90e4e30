"""The one Jinja environment of semwb's reports: autoescape on, undefined names are errors.

Templates ship inside the package (``semwb/report/templates``); a user folder given as
``templates`` is searched first, so any template (a section partial, the CSS) can be overridden.
Compiled templates are kept in a private per-user cache (:mod:`semwb.report.template_cache`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
)

from semwb.errors import OptionError
from semwb.report.filters import FILTERS
from semwb.report.template_cache import bytecode_cache


@lru_cache(maxsize=8)
def _environment(templates: Path | None) -> Environment:
    loaders: list[BaseLoader] = [PackageLoader("semwb.report", "templates")]
    if templates is not None:
        loaders.insert(0, FileSystemLoader(str(templates)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.bytecode_cache = bytecode_cache(env)
    return env


def get_environment(templates: str | Path | None = None) -> Environment:
    """Return the report environment, with a folder of overriding templates searched first.

    Raises
    ------
    OptionError
        When ``templates`` is given but is not a folder.
    """
    if templates is None:
        return _environment(None)
    folder = Path(templates)
    if not folder.is_dir():
        raise OptionError(
            f"--templates {folder}: not a folder. Give a folder holding the templates to override "
            "(for example report.html or _fit.html)."
        )
    return _environment(folder.resolve())
