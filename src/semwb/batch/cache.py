"""The batch's memory: which models are up to date, and writing a model's folder safely.

A model's folder ``<out>/<name>/`` holds its report (``report.html``, or ``report.zh.html``
in Chinese), ``results.json`` and, written last, the stamp ``.batch-stamp.json``::

    {"fingerprint": "<sha256 of the inputs>",
     "files": {"report.html": "<sha256>", "results.json": "<sha256>"}}

Every file is written atomically (temporary file, then rename). A model is up to date when the
stamp's fingerprint equals the one computed from the current inputs *and* every file it lists
still has the recorded hash. The report language is not an input: a batch in another language
adds that language's report to an up-to-date model, and a refit rewrites the reports of the
other languages already there, so reports in several languages describe one run.

A batch killed between two writes therefore leaves a folder whose stamp is missing or does not
match: the model is refitted, never trusted half-written. Failed models get a ``results.json``
with ``error`` set and no stamp, so they are retried on every run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from semwb.errors import SemwbError
from semwb.files import atomic_write_text, sha256_bytes, sha256_file

STAMP = ".batch-stamp.json"
RESULTS = "results.json"
REPORTS = "report*.html"
TABLES = ("tables*.docx", "tables*.xlsx")
FINGERPRINT_SCHEME = 2


def fingerprint(
    *, spec_sha256: str, data_sha256: str, versions: Mapping[str, str],
    extra: Mapping[str, str | None] | None = None,
) -> str:
    """Return the hash that decides whether a model must be refitted.

    Parameters
    ----------
    spec_sha256, data_sha256
        Hashes of the spec file's bytes and of the data file's bytes.
    versions
        Versions of the code that computes results (semwb, semopy).
    extra
        Other inputs or options that change results (e.g. the instrument's hash), by name.

    Returns
    -------
    str
        Hex SHA-256 of all of the above in a canonical JSON form.
    """
    payload = {
        "scheme": FINGERPRINT_SCHEME, "spec": spec_sha256, "data": data_sha256,
        "versions": dict(versions), "extra": dict(extra or {}),
    }
    return sha256_bytes(json.dumps(payload, sort_keys=True).encode("utf-8"))


def is_up_to_date(folder: Path, expected: str) -> bool:
    """Tell whether ``folder`` holds finished results for the inputs hashed as ``expected``.

    The stamp must match and so must every file it lists; ``results.json`` must also read as
    results (a stamp edited to match a truncated file would otherwise stop the batch at the
    index): anything else means "refit".
    """
    from semwb.results import read_results

    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
        if stamp["fingerprint"] != expected:
            return False
        files: dict[str, str] = stamp["files"]
        if RESULTS not in files or not all(
                sha256_file(folder / name) == digest for name, digest in files.items()):
            return False
        read_results(folder)
        return True
    except (OSError, ValueError, KeyError, TypeError, SemwbError):
        return False


def write_finished(
    folder: Path, results_json: str, reports: Mapping[str, str], fp: str,
) -> None:
    """Write a fitted model's reports, ``results.json`` and, last, its stamp.

    ``reports`` maps each report's file name to its HTML (none: no report). Reports and tables
    left from an earlier run that are not rewritten here are removed, so the folder never mixes
    two runs.
    """
    _clear(folder)
    texts = {RESULTS: results_json, **reports}
    for name, html in reports.items():
        atomic_write_text(folder / name, html)
    atomic_write_text(folder / RESULTS, results_json)
    _stamp(folder, fp, {name: sha256_bytes(text.encode("utf-8")) for name, text in texts.items()})


def add_report(folder: Path, name: str, html: str) -> None:
    """Add a report (another language) to an up-to-date model's folder and to its stamp."""
    stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    atomic_write_text(folder / name, html)
    _stamp(folder, stamp["fingerprint"],
           {**stamp["files"], name: sha256_bytes(html.encode("utf-8"))})


def _stamp(folder: Path, fp: str, files: Mapping[str, str]) -> None:
    atomic_write_text(folder / STAMP, json.dumps(
        {"fingerprint": fp, "files": dict(sorted(files.items()))}, indent=2))


def write_failed(folder: Path, results_json: str) -> None:
    """Write a failed model's ``results.json`` (with ``error`` set) and drop any old report."""
    _clear(folder)
    atomic_write_text(folder / RESULTS, results_json)


def _clear(folder: Path) -> None:
    """Remove the stamp first (the folder is then unfinished), then earlier reports and tables."""
    (folder / STAMP).unlink(missing_ok=True)
    for pattern in (REPORTS, *TABLES):
        for old in folder.glob(pattern):
            old.unlink()


def remove_stale_temporaries(out: Path) -> list[Path]:
    """Delete temporary files a killed batch left in ``out`` and its model folders.

    Call it only while holding the output folder's lock: then no other writer can own them.

    Returns
    -------
    list of Path
        The files removed.
    """
    leftovers = [*out.glob(".*.tmp"), *out.glob("*/.*.tmp")]
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers
