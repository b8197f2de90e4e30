"""Hostile inputs made by the tests themselves, and a runner that bounds their time and memory.

Every file is generated small (a few kB to a few hundred kB on disk) into the test's temporary
folder; what makes it hostile is what it declares or expands to. :func:`bounded` runs a call in
a forked child under an address-space limit (``RLIMIT_AS``) and a deadline, so a limit that
stopped working fails the test instead of taking the machine down.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INSTRUMENT_HEAD = "instrument: demo\ntitle: {en: Demo}\nscale: {min: 1, max: 5}\n"
CONSTRUCTS = ("constructs:\n  AR:\n    name: {en: Routines}\n    source: test\n    items:\n"
              "      - {id: ar1, text: {en: a}}\n      - {id: ar2, text: {en: b}}\n")


@dataclass(frozen=True)
class Outcome:
    """How a bounded call ended: the exception's type and message (empty when it returned)."""

    error: str
    message: str
    seconds: float


def _vm_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def _child(conn: Any, limit: int, call: Callable[..., Any], args: tuple[Any, ...]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (_vm_bytes() + limit, resource.RLIM_INFINITY))
    try:
        call(*args)
        conn.send(("", ""))
    except BaseException as exc:
        conn.send((type(exc).__name__, str(exc)[:20_000] or traceback.format_exc()[-2000:]))


def bounded(call: Callable[..., Any], *args: Any, seconds: float = 20,
            megabytes: int = 400) -> Outcome:
    """Run ``call(*args)`` in a forked child with ``megabytes`` more address space than it
    starts with and ``seconds`` to finish; raise AssertionError when it takes longer."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    start = time.monotonic()
    process = context.Process(target=_child, args=(child, megabytes * 1_000_000, call, args))
    process.start()
    child.close()
    if not parent.poll(seconds):
        process.kill()
        process.join()
        raise AssertionError(f"{call.__name__} took more than {seconds} s")
    error, message = parent.recv()
    process.join()
    return Outcome(error, message, time.monotonic() - start)


class CliExitError(Exception):
    """How :func:`semwb_cli` ended: ``"<exit code>: <what it printed on stderr>"``."""


def semwb_cli(*args: str) -> None:
    """Run the ``semwb`` entry point with ``args`` in this process (meant for :func:`bounded`'s
    child); always raises :class:`CliExitError`."""
    import contextlib
    import io
    import sys

    from semwb.cli import main

    sys.argv = ["semwb", *args]
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            main()
            code: object = 0
        except SystemExit as exc:
            code = exc.code
    raise CliExitError(f"{code}: {err.getvalue()}")


def billion_laughs(levels: int = 9) -> str:
    """YAML whose aliases nest ``levels`` deep, tenfold each (about 400 bytes)."""
    lines = ['l0: &l0 "lol"']
    lines += [f"l{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * 10) + "]"
              for k in range(1, levels + 1)]
    return "\n".join(lines) + f"\nnote: *l{levels}\n"


def nested_brackets(depth: int = 100_000) -> str:
    """A YAML value of ``depth`` nested flow sequences."""
    return "[" * depth + "]" * depth


def xlsx_bomb(path: Path, megabytes: int = 50) -> Path:
    """A workbook-shaped zip whose one sheet expands ``megabytes`` from a few tens of kB."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b" " * 1_000_000
            for _ in range(megabytes):
                sheet.write(chunk)
    return path


def xlsx_with_far_cell(path: Path, cell: str) -> Path:
    """A real three-row workbook whose last value is moved to ``cell`` (say ``XFD1048576``) by
    editing its sheet XML, so that the row may lie even past Excel's last row."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["A2"], sheet["A3"] = "ar1", 1, 7
    plain = path.with_name("in-plain.xlsx")
    book.save(plain)
    row = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'r="3"', f'r="{row}"'.encode()).replace(
                    b'r="A3"', f'r="{cell}"'.encode())
            target.writestr(member, data)
    return path


def stat_file_declaring(path: Path, rows: int) -> Path:
    """A real two-row ``.dta`` or ``.sav`` whose header is edited to declare ``rows`` rows."""
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame({"ar1": [1.0, 2.0], "ar2": [3.0, 4.0]})
    if path.suffix == ".dta":
        pyreadstat.write_dta(frame, str(path))
        data = bytearray(path.read_bytes())
        at = data.index(b"<N>") + 3
        data[at:at + 8] = rows.to_bytes(8, "little")
    else:
        pyreadstat.write_sav(frame, str(path))
        data = bytearray(path.read_bytes())
        data[80:84] = rows.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def leftovers(folder: Path) -> list[str]:
    """Files under ``folder`` other than the inputs a test wrote (names starting with 'in-')."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and not p.name.startswith("in-"))

