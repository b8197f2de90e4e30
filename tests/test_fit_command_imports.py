"""``semwb fit`` imports what a fit and its report use, not the slow optional stacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "models" / "routines_learning_ambidexterity.yaml"

#: Imported by no plain ML fit and no report: about a second of CPU together.
HEAVY = ("scipy.stats", "scipy.optimize", "semopy", "docx", "openpyxl")


def test_fit_without_bootstrap_loads_no_heavy_module(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from semwb.cli import main\n"
        f"sys.argv = ['semwb', 'fit', {str(SPEC)!r}, '--no-bootstrap', '--out', "
        f"{str(tmp_path / 'out')!r}]\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
        f"print(*[name for name in {HEAVY!r} if name in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=tmp_path)
    assert (tmp_path / "out").is_dir()
    assert done.stdout.splitlines()[-1].split() == []
