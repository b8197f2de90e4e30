"""Atomic writes: whole files only, with the permissions a plain write would give."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import semwb
from semwb.batch.plan import code_versions
from semwb.files import atomic_write_text, sha256_tree


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


def test_a_tree_hash_follows_every_edit_addition_and_removal(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "pkg" / "notes.txt").write_text("ignored\n", encoding="utf-8")
    first = sha256_tree(tmp_path, ("*.py",))
    (tmp_path / "pkg" / "notes.txt").write_text("still ignored\n", encoding="utf-8")
    assert sha256_tree(tmp_path, ("*.py",)) == first
    (tmp_path / "pkg" / "a.py").write_text("x = 2\n", encoding="utf-8")
    edited = sha256_tree(tmp_path, ("*.py",))
    (tmp_path / "b.py").write_text("", encoding="utf-8")
    added = sha256_tree(tmp_path, ("*.py",))
    (tmp_path / "pkg" / "a.py").rename(tmp_path / "pkg" / "c.py")
    renamed = sha256_tree(tmp_path, ("*.py",))
    assert len({first, edited, added, renamed}) == 4


def test_the_batch_fingerprint_follows_semwbs_own_code() -> None:
    """An editable install keeps version 0.1.0 through every change: the code is hashed too."""
    versions = code_versions()
    assert versions["semwb_code"] == sha256_tree(Path(semwb.__file__).parent,
                                                 ("*.py", "*.html", "*.css", "*.js"))
