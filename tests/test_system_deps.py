"""scripts/system-deps.sh: a browser it cannot install is a hint locally and an error under CI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system-deps.sh"


def run_unprivileged(tmp_path: Path, fonts: str = "echo DejaVu Sans", uid: int = 1000,
                     apt_get: str = "exit 1", **env: str) -> subprocess.CompletedProcess[str]:
    """Run the script as if by a normal user (or ``uid``); ``fonts`` and ``apt_get`` are the
    shell bodies of a fake ``fc-list`` and ``apt-get``."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (fake / "fc-list").write_text(f"#!/bin/sh\n{fonts}\n")
    (fake / "apt-get").write_text(f"#!/bin/sh\n{apt_get}\n")
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


def test_a_long_font_list_with_the_cjk_font_first_is_found(tmp_path: Path) -> None:
    """fc-list writing far more than a pipe holds after the match (a real machine with
    fonts-noto-cjk installed) must not read as a missing font (SIGPIPE under pipefail)."""
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    long_list = 'echo "Noto Sans CJK SC"; i=0; while [ $i -lt 20000 ]; do ' \
                'echo "DejaVu Sans Mono Bold Oblique $i"; i=$((i+1)); done'
    done = run_unprivileged(tmp_path, fonts=long_list, CI="1", SEMWB_CHROMIUM=str(chromium))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


@pytest.mark.parametrize(("apt_get", "message"), [
    ("exit 100", "apt-get could not install chromium fonts-noto-cjk"),
    ("exit 0", "still missing after apt-get: chromium fonts-noto-cjk"),
])
def test_as_root_an_install_that_fails_fails_under_ci(tmp_path: Path, apt_get: str,
                                                       message: str) -> None:
    done = run_unprivileged(tmp_path, uid=0, apt_get=apt_get, CI="true")
    assert done.returncode == 1
    assert message in done.stderr
    assert "CI is set" in done.stderr


def test_as_root_an_install_that_fails_is_a_hint_outside_ci(tmp_path: Path) -> None:
    done = run_unprivileged(tmp_path, uid=0, apt_get="exit 100")
    assert done.returncode == 0
    assert "apt-get could not install" in done.stderr
