"""The ``modindices:`` spec key: its schema, and the table ``run_analysis`` puts in the results.

``modindices: true`` (or a block ``{minimum: 3.84, top: 10, op: ['=~', '~~']}``) makes
:func:`semwb.pipeline.run_analysis` compute lavaan's modification indices of the fitted model
(:func:`semwb.sem.modindices.modification_indices`) and keep the largest in
``Results.modindices``; the report shows them. They are defined for complete-data ML fits of one
group; for any other fit the results get a warning instead (the fit itself stands).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult

Op = Literal["=~", "~~", "~", "~1"]


class ModIndicesOptions(BaseModel):
    """The ``modindices:`` block: which indices the results keep (largest first)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    minimum: float = Field(3.84, ge=0, description="keep indices above this (3.84: p < .05)")
    top: int = Field(10, ge=1, le=1000, description="keep at most this many rows")
    op: list[Op] = Field(default_factory=list, description="only these operators (all if empty)")


def _as_block(value: object) -> object:
    """``true`` is the default block, ``false`` none; anything else but a block is an error."""
    if value is True:
        return {}
    if value is False or value is None or isinstance(value, dict | ModIndicesOptions):
        return None if value is False else value
    raise ValueError("must be true, false or a block such as {minimum: 3.84, top: 10, "
                     "op: ['=~', '~~']} (docs/reviewers.md)")


#: The type of ``ModelSpec.modindices``.
ModIndicesKey = Annotated[ModIndicesOptions | None, BeforeValidator(_as_block)]


def modindices_results(fit: FitResult,
                       options: ModIndicesOptions) -> tuple[dict[str, Any] | None, list[str]]:
    """The ``Results.modindices`` mapping of a fit, or None and the warning saying why not.

    Returns
    -------
    tuple
        ``{"minimum", "top", "op", "above": <indices above minimum (of those operators)>,
        "candidates": <all>,
        "rows": [<MI_COLUMNS record>, ...]}`` (largest first) and no warning; or None and one
        warning when the fit is not a complete-data ML fit of one group or the indices fail.
    """
    from semwb.errors import SemwbError
    from semwb.sem.modindices import modification_indices, top_indices

    spec = fit.spec
    if spec.estimator != "ML" or spec.missing != "listwise" or spec.group is not None:
        return None, [f"modification indices were not computed: they are defined here for "
                      f"complete-data ML fits of one group (estimator: ML, missing: listwise, "
                      f"no group); this fit has estimator {spec.estimator}, missing "
                      f"{spec.missing}{', groups' if spec.group is not None else ''}."]
    try:
        table = modification_indices(fit, sort=True)
    except SemwbError as exc:
        return None, [f"modification indices were not computed: {exc}"]
    above = top_indices(table, minimum=options.minimum, ops=tuple(options.op))
    shown = above.head(options.top)
    values = zip(*(shown[c].tolist() for c in shown.columns), strict=True)
    rows = [{c: None if isinstance(v, float) and math.isnan(v) else v
             for c, v in zip(shown.columns, row, strict=True)} for row in values]
    return ({"minimum": options.minimum, "top": options.top, "op": list(options.op),
             "above": len(above), "candidates": len(table), "rows": rows}, [])
