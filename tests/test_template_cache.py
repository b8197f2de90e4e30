"""The compiled-template cache: used only in a private folder, and never stale."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment

from semwb.report.template_cache import bytecode_cache, cache_folder, is_private


def _env(source: str, folder: Path, *, trim: bool = False) -> Environment:
    env = Environment(loader=DictLoader({"t.html": source}), autoescape=True, trim_blocks=trim,
                      lstrip_blocks=trim)
    env.bytecode_cache = bytecode_cache(env, folder)
    return env


def test_the_folder_is_made_private_and_reused(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "templates"
    env = _env("<p>{{ x }}</p>", folder)
    assert env.bytecode_cache is not None
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700)
    assert env.get_template("t.html").render(x="<b>") == "<p>&lt;b&gt;</p>"
    assert len(list(folder.iterdir())) == 1
    again = _env("<p>{{ x }}</p>", folder)
    assert again.get_template("t.html").render(x="a") == "<p>a</p>"
    assert len(list(folder.iterdir())) == 1


def test_a_changed_template_or_other_options_are_compiled_again(tmp_path: Path) -> None:
    _env("<p>{{ x }}</p>", tmp_path / "c").get_template("t.html")
    assert _env("<i>{{ x }}</i>", tmp_path / "c").get_template("t.html").render(x=1) == "<i>1</i>"
    source = "{% if x %}\n  a\n{% endif %}\n"
    assert _env(source, tmp_path / "c").get_template("t.html").render(x=1) == "\n  a\n"
    trimmed = _env(source, tmp_path / "c", trim=True)
    assert trimmed.get_template("t.html").render(x=1) == "  a\n"


@pytest.mark.parametrize("mode", [0o755, 0o770, 0o707, 0o733])
def test_a_folder_others_can_reach_is_not_used(tmp_path: Path, mode: int) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(mode)
    assert not is_private(folder)
    assert bytecode_cache(Environment(), folder) is None


def test_a_symbolic_link_or_a_file_is_not_used(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    (tmp_path / "file").write_text("x")
    assert is_private(real)
    assert bytecode_cache(Environment(), tmp_path / "link") is None
    assert bytecode_cache(Environment(), tmp_path / "file") is None


def test_a_folder_of_another_user_is_not_used(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    assert is_private(folder)
    monkeypatch.setattr(os, "getuid", lambda: folder.stat().st_uid + 1)
    assert not is_private(folder)
    assert bytecode_cache(Environment(), folder) is None


def test_the_folder_follows_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "semwb" / "templates"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_folder() == Path.home() / ".cache" / "semwb" / "templates"
