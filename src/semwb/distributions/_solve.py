"""Quantiles by a safeguarded Newton iteration on the logarithm of a tail, vectorised.

For ``x > 0`` on a continuous distribution with tails ``L(x) = P(X <= x)``, ``U(x) = P(X > x)``
and density ``f``, the quantile solves ``log L(e^u) = log p`` (or ``log U(e^u) = log q``, whichever
target is the smaller probability, so that no digits of it are lost), in ``u = log x``: a power
law tail is then a straight line and Newton's step ``-h / h'`` with ``h' = x f / L`` converges from
far away. Every step is kept inside the bracket the signs have established and must at least
halve the step before it (the safeguard of *Numerical Recipes*' ``rtsafe``); otherwise bisection
in ``u`` takes its place (or, while one side is still open, a doubling step out). The iteration
ends when the step is below 1e-15 in ``u`` (a relative change of ``x`` of 1e-15) while
``|log tail - log target|`` is at the level of the tails' accuracy, ``1e-13 + 2.2e-16
|log target|`` (a tiny step with a larger residual means a wrong slope, and bisection takes
over), or when the bracket is that narrow: the result does not depend on the slope's accuracy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
#: ``tails(x, index) -> (L, U, x f(x))`` for the elements ``index`` of the problem (``x f(x)`` is
#: the derivative of ``L`` with respect to ``log x``).
Tails = Callable[[Array, NDArray[np.intp]], tuple[Array, Array, Array]]

_STEP_TOL = 1e-15
_RESIDUAL_TOL = 1e-13  # of log(tail), plus 2.2e-16 |log target|: the tails' own accuracy
_MAX_STEPS = 400


def log_quantile(tails: Tails, target: Array, upper: NDArray[np.bool_], start: Array) -> Array:
    """``x > 0`` with ``L(x) = target`` (or ``U(x) = target`` where ``upper``), per element.

    ``target`` must lie in ``(0, 1)``; ``start`` is a first guess ``> 0`` (any finite one brackets).
    The iterate is kept as ``x`` and moved by factors ``exp(step)``, so that it keeps full
    relative precision however large or small it is.
    """
    x = np.array(start, dtype=float)
    lo = np.zeros_like(x)
    hi = np.full_like(x, np.inf)
    reach = np.ones_like(x)
    last = np.full_like(x, np.inf)  # the size of the step before, in log x
    log_target = np.log(target)
    todo = np.arange(x.size)
    for _ in range(_MAX_STEPS):
        if not todo.size:
            break
        xt = x[todo]
        low, up, flow = tails(xt, todo)
        up_side = upper[todo]
        tail = np.where(up_side, up, low)
        with np.errstate(all="ignore"):
            h = np.log(tail) - log_target[todo]
            h = np.where(up_side, -h, h)  # increasing in log x on both sides
            step = -h * tail / flow  # Newton's step in log x
        below = h < 0
        a = lo[todo] = np.where(below, xt, lo[todo])
        b = hi[todo] = np.where(below, hi[todo], xt)
        with np.errstate(all="ignore"):
            newton = xt * np.exp(step)
            r = reach[todo]
            out = np.where(np.isinf(b), a * np.exp(r), np.where(a == 0, b * np.exp(-r),
                                                                 np.sqrt(a) * np.sqrt(b)))
        with np.errstate(invalid="ignore"):
            # converged (the step may then not leave the bracket): a tiny step and a residual at
            # the level of the tails' rounding; a tiny step alone can come from a wrong slope
            tiny = ((np.abs(step) <= _STEP_TOL)
                    & (np.abs(h) <= _RESIDUAL_TOL - 2.2e-16 * log_target[todo]))
            # Newton only while it stays in the bracket and at least halves the step before
            # (as rtsafe does): a slow crawl is bisected instead
            halves = np.abs(step) <= 0.5 * last[todo]
        inside = tiny | (np.isfinite(newton) & (newton > a) & (newton < b) & halves
                         & (np.abs(step) > _STEP_TOL))
        reach[todo] = np.where(inside, r, 2 * r)
        new = np.where(h == 0, xt, np.where(inside, newton, out))
        with np.errstate(all="ignore"):
            last[todo] = np.abs(np.log(new / xt))
        x[todo] = new
        with np.errstate(all="ignore"):
            done = (h == 0) | tiny | (b <= a * (1 + _STEP_TOL))
        todo = todo[~done]
    return x
