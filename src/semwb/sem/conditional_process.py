"""Conditional indirect effects and the index of moderated mediation, as functions of parameters.

An indirect effect is a product of paths along a chain (``a * b``); in a conditional process model
some paths depend on a moderator ``w``: ``a(w) = a1 + a3 w``. Every function here takes the
parameter vector -- or a stack of them, shape ``(draws, npar)``, one row per bootstrap or Monte
Carlo draw -- so one call evaluates an effect on every draw.

Notes
-----
The index of moderated mediation (Hayes, 2015) is the slope of the indirect effect in ``w`` when
that effect is linear in ``w``: ``a3 * b`` (first-stage moderation, PROCESS model 7), ``a * b3``
(second stage, model 14). When both stages are moderated by the same ``w`` (models 58, 59) the
indirect effect is quadratic in ``w`` and has no single index; probe it at values of ``w``.
Checked against R ``lm`` coefficients (tests/reference/moderated_mediation_observed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from semwb.errors import OptionError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float64]


@dataclass(frozen=True)
class ModeratedPath:
    """A path whose value is ``base + by * w`` (``by`` None for an unmoderated path).

    Attributes are parameter labels.
    """

    base: str
    by: str | None = None


@dataclass(frozen=True)
class ConditionalIndirect:
    """The product of the paths of a chain, each possibly moderated by the same ``w``."""

    paths: tuple[ModeratedPath, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """Every parameter label the effect uses."""
        return tuple(dict.fromkeys(
            name for p in self.paths for name in (p.base, p.by) if name is not None))

    @property
    def is_linear(self) -> bool:
        """Whether the effect is linear in ``w`` (exactly one moderated path)."""
        return sum(p.by is not None for p in self.paths) == 1

    def evaluate(self, names: Sequence[str], theta: Any, w: Sequence[float] | float) -> Array:
        """The conditional indirect effect at the moderator values ``w``.

        Parameters
        ----------
        names
            The parameter labels, in the order of the last axis of ``theta``.
        theta
            One parameter vector ``(npar,)`` or a stack ``(draws, npar)``; may be complex (for a
            complex-step gradient).
        w
            Moderator value(s) on the model's scale.

        Returns
        -------
        ndarray
            Shape ``theta.shape[:-1] + (len(w),)``.
        """
        import numpy as np

        theta = np.asarray(theta)
        values = np.atleast_1d(np.asarray(w, dtype=float))
        columns = _columns(names, self.labels)
        effect: Any = np.ones(theta.shape[:-1] + values.shape, dtype=theta.dtype)
        for path in self.paths:
            value = theta[..., columns[path.base], np.newaxis]
            if path.by is not None:
                value = value + theta[..., columns[path.by], np.newaxis] * values
            effect = effect * value
        return effect  # type: ignore[no-any-return]

    def index(self, names: Sequence[str], theta: Any) -> Array:
        """The index of moderated mediation (Hayes, 2015): the effect's slope in ``w``.

        Returns an array of shape ``theta.shape[:-1]``.

        Raises
        ------
        OptionError
            When the effect is not linear in ``w`` (no path or several paths moderated).
        """
        import numpy as np

        if not self.is_linear:
            raise OptionError("The index of moderated mediation needs exactly one moderated path "
                              "in the chain; with several (PROCESS models 58, 59) probe the "
                              "indirect effect at values of the moderator instead.")
        theta = np.asarray(theta)
        columns = _columns(names, self.labels)
        index: Any = np.ones(theta.shape[:-1], dtype=theta.dtype)
        for path in self.paths:
            index = index * theta[..., columns[path.by if path.by else path.base]]
        return index  # type: ignore[no-any-return]


def _columns(names: Sequence[str], labels: Sequence[str]) -> dict[str, int]:
    position = {name: i for i, name in enumerate(names)}
    missing = [label for label in labels if label not in position]
    if missing:
        raise OptionError(f"The parameter(s) {', '.join(missing)} of the conditional indirect "
                          "effect are not labelled in the model; label the paths (a1*X) or use "
                          "the syntax semwb writes for the PROCESS model.")
    return {label: position[label] for label in labels}
