"""Atomic writes: whole files only, with the permissions a plain write would give."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from semwb.files import atomic_write_text


def test_atomic_write_replaces_whole_file_with_umask_permissions(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "results.json"
    old = os.umask(0o022)
    try:
        atomic_write_text(target, "first")
        atomic_write_text(target, "second")
    finally:
        os.umask(old)
    assert target.read_text(encoding="utf-8") == "second"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]  # no temp file left
