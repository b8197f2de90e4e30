"""Planning a batch: load each spec, resolve and hash its data once per dataset, fingerprint it.

Planning runs in the batch's own process and reads only small things (specs, file hashes). Data
files are hashed once each, however many specs use them, and parsed later, once, only when a
model that uses them must be refitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from semwb import __version__
from semwb.batch.cache import fingerprint
from semwb.batch.work import Backend, ModelTask, describe_bug
from semwb.errors import SemwbError
from semwb.files import sha256_file


@dataclass(frozen=True)
class PlannedModel:
    """One spec of the batch: a task to run, or the error that stopped it before fitting."""

    name: str
    spec_path: Path
    spec_sha256: str
    task: ModelTask | None
    data_path: Path | None
    error: str | None

    @property
    def model(self) -> str:
        """The model's own name (from the spec), or the folder name when the spec is unreadable."""
        return self.task.model if self.task is not None else self.name


def code_versions() -> dict[str, str]:
    """Versions of the code whose output the fingerprint must follow: semwb and semopy."""
    try:
        semopy = version("semopy")
    except PackageNotFoundError:
        semopy = "absent"
    return {"semwb": __version__, "semopy": semopy}


def plan_batch(
    specs: list[Path], *, data: Path | None, lang: str, backend: Backend,
) -> list[PlannedModel]:
    """Turn spec files into planned models.

    Parameters
    ----------
    specs
        Spec files, as :func:`~semwb.batch.discover.find_specs` returns them.
    data
        A data file that replaces every spec's own ``data`` (the ``--data`` option), or None.
    lang
        The reports' language: it changes the outputs, so it is part of the fingerprint.
    backend
        Supplies ``load_spec``.

    Returns
    -------
    list of PlannedModel
        In the order of ``specs``. A spec that cannot be loaded, or whose data file is missing,
        gets ``error`` (naming the file and the fix) and no task; the others are unaffected.
    """
    versions = code_versions()
    data_hashes: dict[Path, str] = {}
    planned = []
    for spec_path in specs:
        spec_sha = sha256_file(spec_path)
        try:
            spec = backend.load_spec(spec_path)
        except SemwbError as exc:
            planned.append(PlannedModel(spec_path.stem, spec_path, spec_sha, None, None, str(exc)))
            continue
        except Exception as exc:  # a bug on one spec must not stop the batch
            planned.append(PlannedModel(spec_path.stem, spec_path, spec_sha, None, None,
                                        describe_bug(exc)))
            continue
        data_path = data if data is not None else spec.data
        problem = _data_problem(spec_path, data_path, from_option=data is not None)
        if problem is not None or data_path is None:
            planned.append(PlannedModel(spec_path.stem, spec_path, spec_sha, None, data_path,
                                        problem))
            continue
        resolved = data_path.resolve()
        if resolved not in data_hashes:
            data_hashes[resolved] = sha256_file(resolved)
        data_sha = data_hashes[resolved]
        fp = fingerprint(spec_sha256=spec_sha, data_sha256=data_sha, versions=versions,
                         extra={"lang": lang})
        task = ModelTask(name=spec_path.stem, model=spec.name, spec=spec, data_key=data_sha,
                         fingerprint=fp, lang=lang)
        planned.append(PlannedModel(spec_path.stem, spec_path, spec_sha, task, data_path, None))
    return planned


def _data_problem(spec_path: Path, data_path: Path | None, *, from_option: bool) -> str | None:
    if data_path is None:
        return (f"{spec_path}: the spec names no data file. Add 'data: path/to/responses.csv' "
                "to it, or pass --data FILE.")
    if not data_path.is_file():
        where = "--data" if from_option else f"{spec_path}, key 'data'"
        return (f"{where}: data file {data_path} does not exist. Correct the path (a spec's "
                "'data' is relative to the spec's folder) or pass --data FILE.")
    return None
