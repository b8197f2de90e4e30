"""``semwb fit`` imports what a fit and its report use, not the slow optional stacks."""

from __future__ import annotations

import gc
import importlib
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from semwb.cli import app, narrowed
from semwb.cli.allocator import keep_freed_memory
from semwb.cli.app import ONE_COMMAND, library_imports

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "models" / "routines_learning_ambidexterity.yaml"

#: Imported by no plain ML fit and no report: about a second of CPU together.
HEAVY = ("scipy.stats", "scipy.optimize", "semopy", "docx", "openpyxl")
#: Imported only when a spec asks for what they do (issue 10 (b), bench/README.md): scipy.linalg
#: for '==' constraints (a tenth of a second), the bootstrap and its worker pool for draws,
#: imputation and prediction beside the fit, the probing of product terms and LMS.
OPTIONAL = ("scipy.linalg", "multiprocessing", "concurrent.futures.process",
            "semwb.sem.bootstrap", "semwb.sem.bootstrap_draws", "semwb.explore.imputation",
            "semwb.explore.prediction", "semwb.conditional.analysis",
            "semwb.conditional.probing", "semwb.conditional.latent_products",
            "semwb.conditional.lms_model")


def test_fit_without_bootstrap_loads_no_heavy_module(tmp_path: Path) -> None:
    names = HEAVY + OPTIONAL
    code = (
        "import gc, sys\n"
        "from semwb.cli import main\n"
        f"sys.argv = ['semwb', 'fit', {str(SPEC)!r}, '--no-bootstrap', '--out', "
        f"{str(tmp_path / 'out')!r}]\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 10_000)\n"
        f"print(*[name for name in {names!r} if name in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=tmp_path)
    assert (tmp_path / "out").is_dir()
    assert done.stdout.splitlines()[-1].split() == []
    # the console script froze the imported library and left the collector on
    assert done.stdout.splitlines()[-2].split() == ["True", "True"]


def test_the_command_named_is_the_only_one_built() -> None:
    fit = narrowed(["fit", "spec.yaml", "--no-bootstrap"])
    assert fit is not app
    assert [c.callback.__name__ for c in fit.registered_commands if c.callback] == ["fit"]
    assert fit.registered_groups == []
    user = narrowed(["user", "--help"])
    assert user.registered_commands == []
    assert [g.name for g in user.registered_groups] == ["user"]
    named = narrowed(["efa"])  # registered under an explicit name
    assert [c.name for c in named.registered_commands] == ["efa"]
    # the whole application for its own help and version, and for a mistyped command
    for args in ([], ["--help"], ["--version"], ["fti"]):
        assert narrowed(args) is app
    assert len(app.registered_commands) > 1  # narrowing copies; the application keeps all


def test_library_imports_freeze_only_in_a_one_command_process() -> None:
    before = gc.get_freeze_count()
    assert not ONE_COMMAND["process"]  # tests call commands in a long-lived process
    with library_imports():
        assert gc.isenabled()
    assert gc.get_freeze_count() == before
    ONE_COMMAND["process"] = True
    try:
        with library_imports():
            assert not gc.isenabled()
        assert gc.isenabled()
        assert gc.get_freeze_count() > before
    finally:
        ONE_COMMAND["process"] = False
        gc.unfreeze()


def test_the_allocator_is_tuned_only_in_a_one_command_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []

    def record() -> bool:
        calls.append(True)
        return True

    cli_app = importlib.import_module("semwb.cli.app")  # semwb.cli.app is also the Typer app
    monkeypatch.setattr(cli_app, "keep_freed_memory", record)
    with library_imports():
        pass
    assert calls == []
    ONE_COMMAND["process"] = True
    try:
        with library_imports():
            pass
    finally:
        ONE_COMMAND["process"] = False
        gc.unfreeze()
    assert calls == [True]


def test_keep_freed_memory_sets_glibc_thresholds_unless_the_user_did(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"):
        monkeypatch.delenv(name, raising=False)
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert keep_freed_memory() is glibc
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert keep_freed_memory() is False
