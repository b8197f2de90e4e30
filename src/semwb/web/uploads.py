"""Storing an uploaded file under a generated id and recording its validation.

The name the browser sends is kept only as text to show (escaped) and to put in messages; the
bytes go to ``<data>/files/<generated id><suffix>``, where the suffix is one of a fixed list so
that the survey importers can tell CSV from Excel from SPSS.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from semwb.errors import OptionError, SemwbError
from semwb.files import atomic_write_bytes, sha256_bytes
from semwb.web.store import Store, StoredFile, User, new_id
from semwb.web.store.projects import QuotaExceededError

MAX_NAME = 200


def display_name(raw: str | None) -> str:
    """Return the uploaded file's name as safe text: its last path part, no control characters.

    ``../../etc/passwd`` becomes ``passwd``, ``C:\\data\\x.csv`` becomes ``x.csv``.
    """
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:MAX_NAME] or "upload"


def allowed_suffix(name: str, allowed: tuple[str, ...]) -> str:
    """Return the lower-case suffix of ``name`` if it is in ``allowed``, else raise OptionError."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in allowed:
        raise OptionError(
            f"{name}: files of this type cannot be read here; upload one of "
            f"{', '.join(allowed)}."
        )
    return suffix


async def store_upload(
    store: Store, project_id: str, upload: UploadFile, *, kind: str, user: User, quota: int,
    allowed: tuple[str, ...], check: Callable[..., dict[str, Any]],
    instrument: StoredFile | None = None, **check_options: Any,
) -> StoredFile:
    """Save an upload, validate it with ``check`` and record both; return the record.

    A file that fails validation is kept too (nothing uploaded is lost) with ``ok`` False and the
    library's message, which the project page shows next to it. A file that cannot be recorded
    (the check had a bug, the store failed) is removed again: no bytes without a row.

    Parameters
    ----------
    user, quota
        Who uploads, and the bytes of uploads each user may keep (OptionError past it).
    check
        The adapter's check (``check_instrument`` / ``check_responses``, usually through
        :class:`semwb.web.sandbox.Sandbox`); called in a thread with the stored path,
        ``display_name=`` and ``check_options``.
    instrument
        For responses: the instrument file they are checked against.
    """
    name = display_name(upload.filename)
    suffix = allowed_suffix(name, allowed)
    data = await upload.read()
    if not data:
        raise OptionError(f"{name} is empty; choose the file again.")
    used = store.projects.bytes_uploaded_by(user.id)
    if used + len(data) > quota:  # before storing; add_file checks again as it records
        raise _past_quota(name, used, quota)
    file_id = new_id()
    stored_name = file_id + suffix
    path = store.files_dir / stored_name
    atomic_write_bytes(path, data, mode=0o600)
    try:
        ok, message, summary = True, "", {}
        try:
            summary = await run_in_threadpool(check, path, display_name=name, **check_options)
        except SemwbError as exc:
            ok, message = False, str(exc)
        record = StoredFile(
            id=file_id, project_id=project_id, kind=kind, original_name=name,
            stored_name=stored_name, size=len(data), sha256=sha256_bytes(data), ok=ok,
            message=message, summary=summary,
            instrument_id=instrument.id if instrument else None, created=time.time(),
            uploaded_by=user.id,
        )
        store.projects.add_file(record, quota=quota)
    except QuotaExceededError as exc:  # another upload of this user was recorded meanwhile
        path.unlink(missing_ok=True)
        raise _past_quota(name, exc.used, quota) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return record


def _past_quota(name: str, used: int, quota: int) -> OptionError:
    return OptionError(
        f"{name}: your uploads take {used / 1e6:.1f} MB and this file would take them past "
        f"this server's quota of {quota / 1e6:g} MB per user. Ask the administrator for a "
        "larger --quota-mb.")
