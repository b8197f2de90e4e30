"""Finding the instrument a model spec names: by file path or by its ``instrument:`` id.

:func:`find_instrument` locates the file (an id is matched against the ``instrument:`` line of the
YAML files in the folders searched); :func:`spec_instrument` loads the one a spec names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from semwb.errors import InstrumentError
from semwb.survey.instrument import Instrument, load_instrument

_INSTRUMENT_ID = re.compile(r"^instrument:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


def find_instrument(ref: str, *, folders: Sequence[str | Path]) -> Path:
    """Locate the instrument a model spec names in its ``instrument:`` key.

    Parameters
    ----------
    ref
        A path to an instrument file (``.yaml``/``.yml``, relative to one of ``folders``), or an
        instrument id such as ``alliance-portfolio-innovation``, matched against the
        ``instrument:`` line of the ``*.yaml`` files in ``folders``.
    folders
        Where to look, in order (e.g. the spec's folder, its ``../surveys``, ``./surveys``).

    Raises
    ------
    InstrumentError
        When no file matches, naming the folders searched.
    """
    places = [Path(f) for f in folders]
    if ref.endswith((".yaml", ".yml")):
        for folder in places:
            if (folder / ref).is_file():
                return folder / ref
    else:
        for folder in places:
            for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
                # a file that is not UTF-8 cannot be the one: load_instrument says why if named
                match = _INSTRUMENT_ID.search(path.read_text(encoding="utf-8-sig",
                                                             errors="replace"))
                if match and match.group(1) == ref:
                    return path
    searched = {str(p.resolve()): str(p) for p in reversed(places)}  # each place once
    shown = list(dict.fromkeys(searched[str(p.resolve())] for p in places))
    raise InstrumentError(f"instrument '{ref}' not found in {', '.join(shown)}; put "
                          "its YAML file in surveys/ or give the file's path.")


class SpecLike(Protocol):
    """What :func:`spec_instrument` reads of a model spec (``semwb.sem.spec.ModelSpec``)."""

    @property
    def instrument(self) -> str | None: ...

    @property
    def source(self) -> str: ...


def spec_instrument(spec: SpecLike) -> Instrument | None:
    """Load the instrument a model spec names (``instrument:`` id or path), or None.

    An id is looked up in the spec folder's ``../surveys`` and in ``./surveys``; a path
    (``.yaml``) is taken relative to the spec's folder first.

    Raises
    ------
    InstrumentError
        When the instrument cannot be found or is invalid.
    """
    if spec.instrument is None:
        return None
    folder = Path(spec.source).parent
    surveys = [folder.parent / "surveys", Path("surveys")]
    # Not the spec's own folder for an id: model specs carry the same 'instrument:' line.
    by_path = spec.instrument.endswith((".yaml", ".yml"))
    path = find_instrument(spec.instrument, folders=[folder, *surveys] if by_path else surveys)
    return load_instrument(path)
