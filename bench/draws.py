"""Benchmark: the 5000 bootstrap draws of the 14-item mediation spec alone, in process.

``semwb fit models/routines_learning_ambidexterity.yaml`` is run in this process up to its
bootstrap, whose ``bootstrap_draws`` arguments (the model with its estimate, the 301 complete
rows) are kept; then ``bootstrap_draws(..., draws=5000, rng=1)`` is timed ``--repeat`` times
(CPU seconds of this process), with glibc's thresholds set as the console script sets them.

Run from the repository root, alternating with another tree's sources (``PYTHONPATH`` first)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/draws.py [--repeat 3] [--save THETA.npy]
    OPENBLAS_NUM_THREADS=1 PYTHONPATH=OTHER/src .venv/bin/python bench/draws.py ...
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from semwb.cli.allocator import keep_freed_memory

SPEC = Path(__file__).resolve().parent.parent / "models" / "routines_learning_ambidexterity.yaml"


class _CapturedError(Exception):
    """Stops the command at its bootstrap with the draws' arguments."""

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        super().__init__("captured")
        self.args_kwargs = (args, kwargs)


def _capture() -> tuple[tuple[Any, ...], dict[str, Any]]:
    import semwb.sem.bootstrap as boot
    from semwb.cli import main

    def record(*args: Any, **kwargs: Any) -> None:
        raise _CapturedError(args, kwargs)

    boot.bootstrap_draws = record
    with tempfile.TemporaryDirectory() as out:
        sys.argv = ["semwb", "fit", str(SPEC), "--out", out]
        try:
            main()
        except _CapturedError as done:
            return done.args_kwargs
    raise SystemExit("the command ran no bootstrap")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--save", type=Path, help="write the last run's draws (numpy .npy)")
    args = parser.parse_args()
    keep_freed_memory()
    (mm, X), kwargs = _capture()
    from semwb.sem.bootstrap_draws import bootstrap_draws

    cpu = []
    for _ in range(args.repeat):
        start = time.process_time()
        draws = bootstrap_draws(mm, X, draws=5000, rng=1, start=kwargs.get("start"))
        cpu.append(time.process_time() - start)
    if args.save:
        np.save(args.save, draws.theta)
    print(f"draws CPU s: {' '.join(f'{c:.3f}' for c in cpu)}; best {min(cpu):.3f}; "
          f"refits {draws.refits}, failed {len(draws.failed)}")


if __name__ == "__main__":
    main()
