"""``semwb serve`` as a real subprocess on a free loopback port, for end-to-end web tests.

The server runs in its own session (``start_new_session``), so its process group holds the
server, its run workers, the upload-check fork server and multiprocessing's helpers: the tests
find them by group and stop them by group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def semwb_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from semwb.cli import main; main()", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One ``semwb serve`` process over ``data``; its output goes to ``log``."""

    def __init__(self, data: Path, log: Path, *args: str) -> None:
        self.log_path = log
        self._log: IO[str] = log.open("a")
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            semwb_command("serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir",
                          str(data), "--models", str(ROOT / "models"), *args),
            stdout=self._log, stderr=subprocess.STDOUT, env=ENV, start_new_session=True)
        self.group = self.process.pid

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(self.base + "/login", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("semwb serve did not start:\n" + self.log_path.read_text())
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM to the server's group, then SIGKILL to whatever of the group is left (a
        server that hangs, or workers a failing test left behind)."""
        if self.process.poll() is None:
            os.killpg(self.group, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        if group_processes(self.group):
            os.killpg(self.group, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()


def group_processes(group: int) -> dict[int, str]:
    """Live (not zombie) processes of a process group: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # ended meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == group:
            found[int(entry.name)] = cmdline
    return found


def run_workers(group: int) -> dict[int, str]:
    """The run worker processes (spawned by the ProcessPoolExecutor) of a server's group."""
    return {pid: cmd for pid, cmd in group_processes(group).items() if "spawn_main" in cmd}
