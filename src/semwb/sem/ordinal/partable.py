"""The parameter table of ordinal items in lavaan's delta (default) or theta parameterization.

For each ordinal item lavaan lists its thresholds ``x | t1``, ``x | t2``, ... (free), its scale
``x ~*~ x``, its intercept ``x ~ 1`` (fixed at 0) and its residual variance ``x ~~ x``. Delta:
the scale is fixed at 1 and the residual variance is a fixed row whose value is ``1 - `` the
variance the model explains (the latent response ``x*`` has unit variance). Theta: the residual
variance is fixed at 1 and the scale is ``1/sd(x*)``. Latents get means fixed at 0. User
threshold lines keep their labels, fixed values and starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from semwb.errors import SpecError
from semwb.sem.partable import ParRow


def ordinal_rows(rows: Sequence[ParRow], items: Sequence[str], latents: Sequence[str], *,
                 continuous: Sequence[str] = (), theta: bool = False) -> tuple[ParRow, ...]:
    """``rows`` with the data-independent rows of the delta (or ``theta``) parameterization.

    Delta: the residual variances of ``items`` become fixed (their value is filled after the
    fit) and the scales are 1. Theta: the residual variances are fixed at 1 and the scales are
    filled after the fit. The intercept and latent-mean rows are added (free intercepts for the
    ``continuous`` observed variables; observed covariates' means are fixed.x cells, the sample
    means). Thresholds the user did
    not write are added by :func:`with_thresholds` once the data tell the number of categories.
    """
    ordinal = set(items)
    covariates = list(dict.fromkeys(r.lhs for r in rows if r.fixed_x))
    continuous = [v for v in continuous if v not in covariates]
    out = [replace(r, free=False, value=1.0 if theta else None) if r.op == "~~"
           and r.lhs == r.rhs and r.lhs in ordinal else r for r in rows]
    out += [ParRow(v, "~*~", v, free=False, value=None if theta else 1.0) for v in items]
    out += [ParRow(v, "~1", "", free=v in continuous, value=None if v in continuous else 0.0)
            for v in (*items, *continuous)]
    out += [ParRow(v, "~1", "", free=False, fixed_x=True) for v in covariates]
    out += [ParRow(v, "~1", "", free=False, value=0.0) for v in latents]
    return tuple(out)


def with_thresholds(rows: Sequence[ParRow], counts: dict[str, int],
                    source: str) -> tuple[ParRow, ...]:
    """``rows`` with ``K - 1`` threshold rows for each item of ``counts`` (item -> categories).

    Raises
    ------
    SpecError
        When the syntax names a threshold beyond the item's ``K - 1``.
    """
    written = {(r.lhs, r.rhs): r for r in rows if r.op == "|"}
    for (item, name), row in written.items():
        if int(name[1:]) > counts[item] - 1:
            raise SpecError(f"{source}, syntax line {row.line}: item {item} has {counts[item]} "
                            f"categories in the data, so thresholds t1..t{counts[item] - 1}; "
                            f"there is no '{name}'.")
    plain = [r for r in rows if r.op != "|"]
    cut = next((k for k, r in enumerate(plain) if r.op == "~~"), len(plain))
    thresholds = [written.get((item, f"t{k}"), ParRow(item, "|", f"t{k}", free=True))
                  for item, n in counts.items() for k in range(1, n)]
    return (*plain[:cut], *thresholds, *plain[cut:])
