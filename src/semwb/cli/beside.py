"""``semwb fit --imputations M --predict``: the spec's ``imputation:`` / ``prediction:`` blocks
from the command line, and their one-line summaries after the fit (docs/explore.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from semwb.cli.app import library_imports
from semwb.cli.terminal import say
from semwb.errors import OptionError

if TYPE_CHECKING:
    from semwb.results import Results


def beside_options(spec_path: Path, *, imputations: int | None, predict: bool,
                   folds: int | None, **options: Any) -> dict[str, dict[str, Any]]:
    """The ``imputation`` / ``prediction`` spec keys that ``--imputations``, ``--predict`` and
    ``--folds`` ask for, laid over the spec's own blocks (their other keys kept).

    Raises
    ------
    OptionError
        For ``--folds`` without ``--predict`` or a ``prediction:`` block.
    """
    if imputations is None and not predict and folds is None:
        return {}
    with library_imports():  # before anything else loads numpy (one BLAS thread, no collector)
        from semwb.sem.spec import load_spec

    spec = load_spec(spec_path, **options)
    out: dict[str, dict[str, Any]] = {}
    if imputations is not None:
        block = spec.imputation.model_dump() if spec.imputation is not None else {}
        out["imputation"] = {**block, "m": imputations}
    if folds is not None and not predict and spec.prediction is None:
        raise OptionError("--folds needs --predict (or a 'prediction:' block in the spec).")
    if predict or folds is not None:
        block = spec.prediction.model_dump() if spec.prediction is not None else {}
        out["prediction"] = {**block, **({"folds": folds} if folds is not None else {})}
    return out


def print_beside(results: Results) -> None:
    """One line each for multiple imputation beside FIML and out-of-sample prediction."""
    mi, prediction = results.imputation, results.prediction
    if mi is not None:
        largest = mi.get("largest_difference")
        say(f"multiple imputation: {mi['m']} imputations (seed {mi['seed']}) pooled by Rubin's "
            "rules" + (f"; furthest from FIML: {largest['parameter']}, "
                       f"{abs(largest['diff_se']):.2f} FIML SE" if largest else ""))
    if prediction is not None:
        say(f"prediction: {prediction['folds']}-fold x {prediction['repeats']} (seed "
            f"{prediction['seed']}) on the {prediction['n_obs']} complete cases; the model "
            f"predicts {prediction['better']} of "
            f"{len(prediction['indicators'])} indicators better than the linear benchmark "
            f"({prediction['power']} predictive power)")
