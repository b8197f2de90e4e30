"""``semwb fit`` imports what a fit and its report use, not the slow optional stacks."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from semwb.cli import app, narrowed
from semwb.cli.app import ONE_COMMAND, library_imports

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "models" / "routines_learning_ambidexterity.yaml"

#: Imported by no plain ML fit and no report: about a second of CPU together. No scipy at all:
#: scipy.special alone costs 0.3-0.45 s (semwb.distributions is NumPy only).
HEAVY = ("scipy", "scipy.special", "scipy.stats", "scipy.optimize", "semopy", "docx", "openpyxl")
#: Imported only when a spec asks for what they do (issue 10 (b), bench/README.md): scipy.linalg
#: for '==' constraints (a tenth of a second), the bootstrap and its worker pool for draws,
#: imputation and prediction beside the fit, the probing of product terms and LMS.
OPTIONAL = ("scipy.linalg", "multiprocessing", "concurrent.futures.process",
            "semwb.sem.bootstrap", "semwb.sem.bootstrap_draws", "semwb.explore.imputation",
            "semwb.explore.prediction", "semwb.conditional.analysis",
            "semwb.conditional.probing", "semwb.conditional.latent_products",
            "semwb.conditional.lms_model")


def _loaded_by_fit(tmp_path: Path, options: list[str], names: tuple[str, ...]) -> list[str]:
    """Run ``semwb fit SPEC *options`` as the console script does; the ``names`` it loaded."""
    code = (
        "import gc, sys\n"
        "from semwb.cli import main\n"
        f"sys.argv = ['semwb', 'fit', {str(SPEC)!r}, *{options!r}, '--out', "
        f"{str(tmp_path / 'out')!r}]\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 10_000)\n"
        f"print(*[name for name in {names!r} if name in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=tmp_path)
    assert (tmp_path / "out").is_dir()
    # the console script froze the imported library and left the collector on
    assert done.stdout.splitlines()[-2].split() == ["True", "True"]
    return done.stdout.splitlines()[-1].split()


def test_fit_without_bootstrap_loads_no_heavy_module(tmp_path: Path) -> None:
    assert _loaded_by_fit(tmp_path, ["--no-bootstrap"], HEAVY + OPTIONAL) == []


def test_bootstrap_intervals_load_no_scipy(tmp_path: Path) -> None:
    # BC and BCa take the normal cdf and quantile from semwb.distributions (NumPy only)
    loaded = _loaded_by_fit(tmp_path, ["--bootstrap", "200", "--ci", "bca"], HEAVY)
    assert loaded == []


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
