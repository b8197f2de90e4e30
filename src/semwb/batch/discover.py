"""Finding the model specs of a batch."""

from __future__ import annotations

from pathlib import Path

from semwb.errors import OptionError

SPEC_SUFFIXES = (".yaml", ".yml", ".lav")


def find_specs(folder: str | Path) -> list[Path]:
    """Return the model specs in ``folder`` (not its subfolders), sorted by file name.

    A spec is a ``.yaml``, ``.yml`` or ``.lav`` file whose name does not start with a dot. Each
    spec's results go to ``<out>/<file name without suffix>/``, so that name must be unique.

    Raises
    ------
    OptionError
        When ``folder`` is not a folder, holds no spec, or two specs share a name
        (``med.yaml`` and ``med.lav``).
    """
    root = Path(folder)
    if not root.is_dir():
        raise OptionError(
            f"{root}: no such folder. Pass the folder that holds your model specs, "
            "e.g. 'semwb batch models/'."
        )
    specs = sorted(
        p for p in root.iterdir()
        if p.is_file() and p.suffix.lower() in SPEC_SUFFIXES and not p.name.startswith(".")
    )
    if not specs:
        raise OptionError(
            f"{root}: no model spec found (looked for {', '.join(SPEC_SUFFIXES)} files). "
            "Add one, e.g. with 'semwb demo', or point 'semwb batch' at another folder."
        )
    seen: dict[str, Path] = {}
    clashes: list[str] = []
    for spec in specs:
        if spec.stem in seen:
            clashes.append(f"{seen[spec.stem].name} and {spec.name}")
        seen.setdefault(spec.stem, spec)
    if clashes:
        raise OptionError(
            f"{root}: specs {'; '.join(clashes)} would write to the same results folder. "
            "Rename one of each pair."
        )
    return specs
