"""``semwb`` run as a user runs it: a subprocess with a plain environment, one thread."""

from __future__ import annotations

import subprocess
import sys


def run_semwb(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``semwb ARGS`` in a subprocess; never raises on a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", *args],
        capture_output=True, text=True, check=False,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "COLUMNS": "160"})
