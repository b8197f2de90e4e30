"""The command's own behaviour: version, help, and one-line errors without a traceback."""

from __future__ import annotations

import subprocess
import sys

from semwb import __version__


def run_semwb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", *args],
        capture_output=True, text=True, check=False,
    )


def test_version_is_printed() -> None:
    done = run_semwb("--version")
    assert done.returncode == 0
    assert __version__ in done.stdout
