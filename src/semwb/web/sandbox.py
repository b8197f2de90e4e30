"""Checking an uploaded file in a throw-away process with a memory and a time cap.

The library's readers refuse files that declare too much before reading them (see
:mod:`semwb.survey.limits`); this is the second wall, for whatever a hostile file finds that the
limits did not foresee. Each check runs in a child of a fork server (started once, with the
adapter preloaded, so a check costs a fork rather than an interpreter start). The child lowers
its own address-space limit (``RLIMIT_AS``) and CPU-time limit (``RLIMIT_CPU``) before reading;
the server waits at most a little longer than the CPU limit and then kills it. A child that runs
out of memory or time becomes a :class:`~semwb.errors.SemwbError` naming the file; a
``SemwbError`` of the check comes back as it was raised.
"""

from __future__ import annotations

import importlib
import multiprocessing
import resource
import signal
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from semwb.errors import SemwbError


@dataclass(frozen=True)
class Limits:
    """Caps of one check: extra address space (bytes) and CPU seconds."""

    memory: int = 1_500_000_000
    seconds: int = 60


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _child(conn: Connection, module: str, function: str, args: tuple[Any, ...],
           kwargs: dict[str, Any], limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + limits.memory, resource.RLIM_INFINITY))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.seconds, limits.seconds + 5))
    try:
        conn.send(("ok", getattr(importlib.import_module(module), function)(*args, **kwargs)))
    except SemwbError as exc:
        conn.send(("error", exc))
    except MemoryError:
        conn.send(("memory", None))
    except Exception:  # a bug of the check: its traceback goes to the server's log
        conn.send(("bug", traceback.format_exc()))


class Sandbox:
    """Run module-level functions in capped child processes.

    Parameters
    ----------
    preload
        Modules the fork server imports once, so that each child starts with them.
    limits
        The caps of each call.
    """

    def __init__(self, preload: list[str], limits: Limits) -> None:
        self.limits = limits
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(preload)

    def call(self, module: str, function: str, *args: Any, display_name: str,
             error: type[SemwbError], **kwargs: Any) -> Any:
        """Return ``module.function(*args, display_name=display_name, **kwargs)`` from a child.

        Raises
        ------
        SemwbError
            The check's own error, or ``error`` when the child passed its memory or time cap.
        RuntimeError
            When the check had a bug (with the child's traceback).
        """
        receiver, sender = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_child, daemon=True,
            args=(sender, module, function, args, {"display_name": display_name, **kwargs},
                  self.limits))
        process.start()
        sender.close()
        try:
            ready = receiver.poll(self.limits.seconds + 10)
            kind, value = receiver.recv() if ready else ("time", None)
        except EOFError:  # the child died without a word: killed by a limit
            kind, value = "died", None
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join()
        if kind == "died":
            kind = "time" if process.exitcode == -signal.SIGXCPU else "memory"
        if kind == "ok":
            return value
        if kind == "error" and isinstance(value, SemwbError):
            raise value
        if kind == "bug":
            raise RuntimeError(f"checking {display_name} failed:\n{value}")
        limit = (f"{self.limits.memory / 1e9:.1f} GB of memory" if kind == "memory"
                 else f"{self.limits.seconds} s")
        raise error(f"{display_name}: reading this file needed more than {limit}, this "
                    "server's limit for one upload. Save it as a plain CSV of the responses "
                    "only, or split it.")
