"""One batch at a time per output folder: an advisory lock with a clear refusal."""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from semwb.errors import OptionError

LOCK_NAME = ".semwb-batch.lock"


@dataclass(frozen=True)
class HeldLock:
    """The lock a batch holds, and what it found in the file when it took it."""

    path: Path
    taken_over: str | None = None  # a sentence about the dead batch whose lock file was left


@contextmanager
def output_lock(out: Path) -> Iterator[HeldLock]:
    """Hold an exclusive lock on the output folder ``out`` for the duration of a batch.

    The lock is ``fcntl.flock`` on ``out/.semwb-batch.lock``: the operating system releases it
    when the process ends in any way (SIGKILL included), so a killed batch never blocks the next
    one. The file names the holder, for the refusal message, and is emptied when the batch ends;
    a file still naming a holder that is gone (a batch killed or crashed) is taken over, and
    ``HeldLock.taken_over`` says so.

    Raises
    ------
    OptionError
        When another batch holds the lock; the message names it and the ways out.

    Notes
    -----
    ``flock`` is reliable on local file systems; on NFS it depends on the server, so give
    concurrent batches on network storage different ``--out`` folders.
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe_holder(fd)
            raise OptionError(
                f"{out}: another 'semwb batch' is writing to this folder ({holder}). Wait for it "
                "to finish, or pass a different --out folder."
            ) from None
        previous = _describe_holder(fd) if os.fstat(fd).st_size else None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }).encode("utf-8"))
        taken_over = None if previous is None else (
            f"{path}: took over the lock of an earlier batch that ended without releasing it "
            f"({previous}, no longer running); its finished models are kept.")
        try:
            yield HeldLock(path, taken_over)
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def _describe_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"
