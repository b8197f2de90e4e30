"""scripts/system-deps.sh: a browser it cannot install is a hint locally and an error under CI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system-deps.sh"


def run_unprivileged(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the script as if by a normal user on a machine without Chromium or CJK fonts."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "id").write_text("#!/bin/sh\necho 1000\n")
    (fake / "fc-list").write_text("#!/bin/sh\necho DejaVu Sans\n")
    for tool in fake.iterdir():
        tool.chmod(0o755)
    base = {k: v for k, v in os.environ.items() if k != "CI"}
    return subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, check=False, timeout=30,
        env={**base, "PATH": f"{fake}:{os.environ['PATH']}",
             "SEMWB_CHROMIUM": str(tmp_path / "no-chromium"), **env})


def test_outside_ci_a_missing_browser_is_a_hint(tmp_path: Path) -> None:
    done = run_unprivileged(tmp_path)
    assert done.returncode == 0
    assert "apt-get install chromium fonts-noto-cjk" in done.stderr


@pytest.mark.parametrize("ci", ["true", "1"])
def test_under_ci_a_missing_browser_fails(tmp_path: Path, ci: str) -> None:
    done = run_unprivileged(tmp_path, CI=ci)
    assert done.returncode == 1
    assert "CI is set" in done.stderr
