"""``semwb fit`` imports what a fit and its report use, not the slow optional stacks."""

from __future__ import annotations

import gc
import importlib
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from semwb.cli import app, narrowed
from semwb.cli.allocator import keep_freed_memory
from semwb.cli.app import ONE_COMMAND, library_imports

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "models" / "routines_learning_ambidexterity.yaml"
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

#: Imported by no plain ML fit and no report: about a second of CPU together. No scipy at all:
#: scipy.special alone costs 0.3-0.45 s (semwb.distributions is NumPy only), and with it goes
#: charset_normalizer (numpy's f2py loaded it).
HEAVY = ("scipy", "scipy.special", "scipy.stats", "scipy.optimize", "semopy", "docx", "openpyxl",
         "charset_normalizer")
#: Imported only when a spec asks for what they do (issue 10 (b), bench/README.md): scipy.linalg
#: for '==' constraints (a tenth of a second), the bootstrap and its worker pool for draws,
#: imputation and prediction beside the fit, the probing of product terms and LMS and their
#: charts, robust estimators' scaled test, auxiliary variables' baseline, the index page and
#: its difference tests, the report's exploratory section; rich's progress display for draws and
#: for imputation and prediction steps.
OPTIONAL = ("scipy.linalg", "multiprocessing", "concurrent.futures.process",
            "semwb.sem.bootstrap", "semwb.sem.bootstrap_draws", "semwb.explore.imputation",
            "semwb.explore.prediction", "semwb.conditional.analysis",
            "semwb.conditional.probing", "semwb.conditional.latent_products",
            "semwb.conditional.lms_model", "semwb.report.conditional_charts",
            "semwb.sem.scaled_test", "semwb.sem.estimators.robust", "semwb.sem.auxiliary_fit",
            "semwb.report.index", "semwb.chisq_difference", "semwb.report.explore_context",
            "rich.progress")


def _loaded_by_fit(tmp_path: Path, options: list[str], names: tuple[str, ...]) -> list[str]:
    """Run ``semwb fit SPEC *options`` as the console script does; the ``names`` it loaded."""
    code = (
        "import gc, sys\n"
        "from semwb.cli import main\n"
        f"sys.argv = ['semwb', 'fit', {str(SPEC)!r}, *{options!r}, '--out', "
        f"{str(tmp_path / 'out')!r}]\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 10_000)\n"
        "from threadpoolctl import threadpool_info\n"
        "print(*sorted({i['num_threads'] for i in threadpool_info()}))\n"
        f"print(*[name for name in {names!r} if name in sys.modules])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREADS}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=tmp_path, env=env)
    assert (tmp_path / "out").is_dir()
    # BLAS was asked for one thread before numpy loaded it (its spinning threads cost CPU)
    assert done.stdout.splitlines()[-2].split() == ["1"]
    # the console script froze the imported library and left the collector on
    assert done.stdout.splitlines()[-3].split() == ["True", "True"]
    return done.stdout.splitlines()[-1].split()


def test_fit_without_bootstrap_loads_no_heavy_module(tmp_path: Path) -> None:
    assert _loaded_by_fit(tmp_path, ["--no-bootstrap"], HEAVY + OPTIONAL) == []


def test_bootstrap_intervals_load_no_scipy(tmp_path: Path) -> None:
    # BC and BCa take the normal cdf and quantile from semwb.distributions (NumPy only)
    assert _loaded_by_fit(tmp_path, ["--bootstrap", "200", "--ci", "bca"], HEAVY) == []


def test_the_report_package_and_a_utf8_file_load_no_heavy_module(tmp_path: Path) -> None:
    """``semwb fit`` checks --lang (``semwb.report.i18n``) before the library is imported with
    the collector paused and one BLAS thread: the package does not load the renderer. A UTF-8
    or GB18030 file is read without the encoding detector (charset_normalizer, 15 ms)."""
    (tmp_path / "answers.csv").write_text("id,x1\n1,3\n2,4\n", encoding="utf-8")
    code = (
        "import sys\n"
        "import semwb.report.i18n\n"
        "print(*[m for m in ('numpy', 'pandas', 'jinja2') if m in sys.modules])\n"
        "from semwb.survey.tables import read_table\n"
        "assert len(read_table('answers.csv').cells) == 2\n"
        "print('charset_normalizer' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=tmp_path)
    assert done.stdout.splitlines() == ["", "False"]


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



def test_the_console_script_collects_nothing_before_the_command_starts(tmp_path: Path) -> None:
    """``semwb`` (``semwb.__main__``) pauses the cyclic collector before typer, rich and
    pydantic are imported and while typer parses the options; the command starts with them
    frozen and the collector on. Before: about 85 collections over those objects."""
    code = (
        "import gc, sys\n"
        "from semwb.__main__ import main\n"
        "early = []\n"
        "gc.callbacks.append(lambda phase, info: phase == 'start' and "
        "gc.get_freeze_count() == 0 and early.append(info['generation']))\n"
        f"sys.argv = ['semwb', 'fit', {str(SPEC)!r}, '--no-bootstrap', '--out', "
        f"{str(tmp_path / 'out')!r}]\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "from pydantic.plugin import _loader\n"
        "print(len(early), gc.isenabled(), gc.get_freeze_count() > 10_000, _loader._plugins)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=tmp_path, env=env)
    # pydantic never scanned the installed distributions for plugins (PYDANTIC_DISABLE_PLUGINS)
    assert done.stdout.splitlines()[-1].split() == ["0", "True", "True", "None"]


def test_the_narrowed_command_calls_on_start_when_it_runs(tmp_path: Path) -> None:
    """``main`` resumes the collector through ``on_start``: when a command (or a ``user``
    subcommand) starts, after its options are parsed; not for its help; the application
    itself keeps its own callbacks."""
    calls: list[str] = []
    store = ["--data-dir", str(tmp_path)]
    for args in (["user", "list", *store], ["report", str(tmp_path)], ["report", "--help"]):
        done = CliRunner().invoke(narrowed(args, on_start=lambda: calls.append("start")), args)
        calls.append(str(done.exit_code))
    # user list ran (0); report started and refused the folder (1); --help never started it
    assert calls == ["start", "0", "start", "1", "0"]
    assert all(not hasattr(c.callback, "__wrapped__") for c in app.registered_commands)
    user = next(g for g in app.registered_groups if g.name == "user").typer_instance
    assert user is not None
    assert all(not hasattr(c.callback, "__wrapped__") for c in user.registered_commands)

@pytest.fixture
def blas_env_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The BLAS variables a one-command ``library_imports`` sets are undone after the test."""
    for name in BLAS_THREADS:
        monkeypatch.setenv(name, os.environ.get(name, "1"))


@pytest.mark.usefixtures("blas_env_kept")
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


def test_fit_beside_options_load_the_spec_under_the_same_rules(tmp_path: Path) -> None:
    """``--imputations`` / ``--predict`` read the spec before the fit: that first import of the
    library happens with one BLAS thread too."""
    code = (
        "from semwb.cli.app import ONE_COMMAND\n"
        "from semwb.cli.beside import beside_options\n"
        "ONE_COMMAND['process'] = True\n"
        f"print(beside_options({str(SPEC)!r}, imputations=5, predict=False, folds=None))\n"
        "from threadpoolctl import threadpool_info\n"
        "print(*sorted({i['num_threads'] for i in threadpool_info()}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREADS}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=tmp_path, env=env)
    assert "'m': 5" in done.stdout.splitlines()[-2]
    assert done.stdout.splitlines()[-1].split() == ["1"]


@pytest.mark.usefixtures("blas_env_kept")
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
