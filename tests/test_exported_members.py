"""The public API of ``semwb``: pinned, importable, and light to import."""

from __future__ import annotations

import subprocess
import sys

import pytest

import semwb

EXPECTED = [
    "BootstrapResult", "FitResult", "Instrument", "MeasurementQuality", "ModelSpec",
    "Responses", "Results", "Scores", "SemwbError", "__version__", "assess_measurement",
    "bootstrap_model", "excel_safe", "find_instrument", "fit_model", "load_instrument",
    "load_spec", "measure_constructs", "parse_instrument", "read_data", "read_responses",
    "read_results", "render_index", "render_report", "reverse_code", "run_analysis", "run_batch",
    "score_constructs", "scores_table", "simulate_responses", "spec_from_syntax", "spec_instrument",
    "write_report", "write_reports", "write_results",
]


def test_all_is_pinned_and_sorted() -> None:
    assert semwb.__all__ == ["__version__", *sorted(n for n in EXPECTED if n != "__version__")]


def test_every_exported_name_resolves_to_its_owner() -> None:
    for name in semwb.__all__:
        value = getattr(semwb, name)
        if name != "__version__":
            assert value.__name__ == name, name


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="not_a_member"):
        semwb.not_a_member  # noqa: B018


def test_import_semwb_does_not_load_the_engine() -> None:
    code = "import sys, semwb; print('semopy' in sys.modules, 'pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "False"]


def test_help_loads_neither_the_library_nor_the_version_lookup() -> None:
    """``semwb --help`` (issue 10 (a)): no numerical stack, ``importlib.metadata`` (30 ms)
    only when the version is printed, and plain help: typer's rich formatter imports
    rich.markdown (markdown_it, pygments: 0.1 s). The commands import rich's tables and
    progress bars, json and the hashing file helpers where they use them."""
    code = ("import sys\nfrom semwb.cli import main\nsys.argv = ['semwb', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(*[m for m in ('numpy', 'pandas', 'pydantic', 'importlib.metadata', "
            "'typer.rich_utils', 'rich.markdown', 'rich.table', 'rich.progress', 'hashlib', "
            "'json') if m in sys.modules])\n"
            "import semwb\nprint(semwb.__version__ != '', 'importlib.metadata' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines()[-2:] == ["", "True True"]
