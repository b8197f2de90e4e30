"""Planning a batch: load each spec, resolve and hash its data once per dataset, fingerprint it.

Planning runs in the batch's own process and reads only small things (specs, instruments, file
hashes). Data files are hashed once each, however many specs use them, and parsed later, once,
only when a model that uses them must be refitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import semwb
from semwb import __version__
from semwb.batch.cache import fingerprint
from semwb.batch.work import Backend, ModelTask, describe_bug
from semwb.errors import ResponseDataError, SemwbError
from semwb.files import sha256_file, sha256_tree


@dataclass(frozen=True)
class PlannedModel:
    """One spec of the batch: a task to run, or the error that stopped it before fitting."""

    name: str
    spec_path: Path
    spec_sha256: str
    task: ModelTask | None
    data_path: Path | None
    error: str | None
    data_sha256: str | None = None

    @property
    def model(self) -> str:
        """The model's own name (from the spec), or the folder name when the spec is unreadable."""
        return self.task.model if self.task is not None else self.name


def code_versions() -> dict[str, str]:
    """Versions of the code whose output the fingerprint must follow: semwb (its version and its
    source and templates, since an editable install keeps one version through every change) and
    semopy."""
    try:
        semopy = version("semopy")
    except PackageNotFoundError:
        semopy = "absent"
    code = sha256_tree(Path(semwb.__file__).parent, ("*.py", "*.html", "*.css", "*.js"))
    return {"semwb": __version__, "semwb_code": code, "semopy": semopy}


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
        The reports' language, carried by each task (not part of the fingerprint: the results
        do not depend on it).
    backend
        Supplies ``load_spec`` and ``spec_instrument``.

    Returns
    -------
    list of PlannedModel
        In the order of ``specs``. A spec that cannot be loaded, whose data file is missing or
        whose instrument cannot be found or read gets ``error`` (naming the file and the fix)
        and no task; the others are unaffected.
    """
    planner = _Planner(data=data, lang=lang, backend=backend)
    return [planner.plan(spec_path) for spec_path in specs]


class _Planner:
    """Plans one spec at a time, hashing each data file once however many specs share it."""

    def __init__(self, *, data: Path | None, lang: str, backend: Backend) -> None:
        self.data = data
        self.lang = lang
        self.backend = backend
        self.versions = code_versions()
        self.hashes: dict[Path, str] = {}

    def plan(self, spec_path: Path) -> PlannedModel:
        spec_sha = self._hash(spec_path)
        data_path: Path | None = None
        try:
            spec = self.backend.load_spec(spec_path)
            data_path = self.data if self.data is not None else spec.data
            data_path = _check_data(spec_path, data_path, from_option=self.data is not None)
            named = (None if self.backend.spec_instrument is None
                     else self.backend.spec_instrument(spec))
        except SemwbError as exc:
            return PlannedModel(spec_path.stem, spec_path, spec_sha, None, data_path, str(exc))
        except Exception as exc:  # a bug on one spec must not stop the batch
            return PlannedModel(spec_path.stem, spec_path, spec_sha, None, data_path,
                                describe_bug(exc))
        data_sha = self._hash(data_path)
        instrument, instrument_sha = (None, None) if named is None else named
        extra: dict[str, str | None] = {"instrument": instrument_sha}
        portfolio = getattr(spec, "portfolio", None)  # a changed partner list: new measures
        if portfolio is not None:
            extra |= {key: self._hash(path) if path.is_file() else None
                      for key, path in (("partners", portfolio.partners),
                                        ("ties", portfolio.ties)) if path is not None}
        fp = fingerprint(spec_sha256=spec_sha, data_sha256=data_sha, versions=self.versions,
                         extra=extra)
        # The same file read through another instrument (or none) is another dataset.
        data_key = data_sha if instrument_sha is None else f"{data_sha}+{instrument_sha}"
        task = ModelTask(name=spec_path.stem, model=spec.name, spec=spec, data_key=data_key,
                         fingerprint=fp, lang=self.lang, instrument=instrument)
        return PlannedModel(spec_path.stem, spec_path, spec_sha, task, data_path, None,
                            data_sha256=data_sha)

    def _hash(self, path: Path) -> str:
        key = path.resolve()
        if key not in self.hashes:
            self.hashes[key] = sha256_file(key)
        return self.hashes[key]


def _check_data(spec_path: Path, data_path: Path | None, *, from_option: bool) -> Path:
    """Return the data file, or raise naming the spec (or --data) and the fix."""
    if data_path is None:
        raise ResponseDataError(
            f"{spec_path}: the spec names no data file. Add 'data: path/to/responses.csv' to "
            "it, or pass --data FILE.")
    if not data_path.is_file():
        where = "--data" if from_option else f"{spec_path}, key 'data'"
        raise ResponseDataError(
            f"{where}: data file {data_path} does not exist. Correct the path (a spec's 'data' "
            "is relative to the spec's folder) or pass --data FILE.")
    return data_path
