"""A per-user cache of compiled report templates, used only where no one else can write it.

Compiling the report's templates costs about 0.15 s of CPU per command; loading them compiled
costs 5 ms. Jinja's :class:`~jinja2.FileSystemBytecodeCache` stores the compiled code (Python
``marshal`` data, which is executed when loaded), so the folder is trusted only when this user
owns it, it is a real folder (not a symbolic link) and neither group nor others have any access
to it; otherwise templates are compiled as without a cache. An entry is found by the template's
name and file and is used only while the template's source is unchanged (Jinja checks a hash of
the source); the file names carry a fingerprint of Jinja's version and the environment's lexer
options, so code compiled under other settings is never loaded.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import jinja2
from jinja2 import Environment, FileSystemBytecodeCache


def cache_folder() -> Path:
    """``$XDG_CACHE_HOME/semwb/templates`` (``~/.cache/semwb/templates`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "semwb" / "templates"


def is_private(folder: Path) -> bool:
    """Whether ``folder`` is a real folder of this user that no one else can read or write."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and stat.S_IMODE(info.st_mode) & 0o077 == 0)


def bytecode_cache(env: Environment, folder: Path | None = None) -> FileSystemBytecodeCache | None:
    """The compiled-template cache for ``env`` in ``folder`` (:func:`cache_folder` by default).

    The folder is created with mode 0700 when missing. None (compile every time) on systems
    without user ids, when the folder cannot be made, or when it is not private
    (:func:`is_private`).
    """
    if not hasattr(os, "getuid"):
        return None
    folder = cache_folder() if folder is None else folder
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    if not is_private(folder):
        return None
    options = (jinja2.__version__, env.block_start_string, env.block_end_string,
               env.variable_start_string, env.variable_end_string, env.comment_start_string,
               env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
               env.trim_blocks, env.lstrip_blocks, env.newline_sequence,
               env.keep_trailing_newline, env.autoescape, sorted(env.extensions))
    fingerprint = hashlib.sha256(repr(options).encode()).hexdigest()[:16]
    return FileSystemBytecodeCache(str(folder), f"{fingerprint}-%s.cache")
