"""One batch at a time per output folder: an advisory lock with a clear refusal."""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from semwb.errors import OptionError

LOCK_NAME = ".semwb-batch.lock"


@contextmanager
def output_lock(out: Path) -> Iterator[Path]:
    """Hold an exclusive lock on the output folder ``out`` for the duration of a batch.

    The lock is ``fcntl.flock`` on ``out/.semwb-batch.lock``: the operating system releases it
    when the process ends in any way (SIGKILL included), so a killed batch never leaves a stale
    lock behind. The file names the holder, for the refusal message.

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
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }).encode("utf-8"))
        yield path
    finally:
        os.close(fd)


def _describe_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"
