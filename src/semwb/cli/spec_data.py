"""A spec's data as ``semwb fit`` reads it, for the commands that fit a spec in their own way."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from semwb.errors import SpecError

if TYPE_CHECKING:
    from semwb.model_data import ModelData
    from semwb.sem.spec import ModelSpec
    from semwb.survey.instrument import Instrument


def read_spec_data(spec: ModelSpec, data: Path | None, *, instrument_path: Path | None = None,
                   sheet: str | None = None,
                   ) -> tuple[ModelData, Instrument | None, Path]:
    """The spec's data read, reverse-coded and built as ``semwb fit`` does.

    Parameters
    ----------
    spec
        The loaded spec; its ``data:`` is read unless ``data`` is given.
    data
        ``--data``: a data file that replaces the spec's.
    instrument_path
        ``--instrument``: an instrument that replaces the one the spec names.
    sheet
        ``--sheet`` of an Excel data file.

    Returns
    -------
    tuple
        The spec's data after its data keys (:func:`semwb.model_data.model_data`: aggregation,
        portfolio measures, composites, product terms), the instrument it was read through
        (None without one) and the data file's path.

    Raises
    ------
    SpecError
        When neither the spec nor ``data`` names a data file.
    """
    from semwb.model_data import model_data
    from semwb.pipeline import prepare_data, read_data
    from semwb.survey.instrument import load_instrument
    from semwb.survey.instrument_lookup import spec_instrument

    data_path = data if data is not None else spec.data
    if data_path is None:
        raise SpecError(f"{spec.source}: no data; add 'data: FILE' to the spec or pass --data "
                        "FILE.")
    instrument = (load_instrument(instrument_path) if instrument_path is not None
                  else spec_instrument(spec))
    frame = prepare_data(read_data(data_path, instrument=instrument, sheet=sheet),
                         instrument=instrument)
    built = model_data(spec, frame, instrument=instrument, data_name=Path(data_path).name)
    return built, instrument, Path(data_path)
