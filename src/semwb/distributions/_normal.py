"""The standard normal distribution function and its inverse, in NumPy.

``ndtr`` follows W. J. Cody's rational Chebyshev approximations of the error function (Cody 1969,
*Math. Comp.* 23, 631-637; the coefficients of his SPECFUN routine CALERF): ``erf`` on
``|z| <= 0.46875`` and the scaled complement ``exp(z**2) erfc(z)`` beyond, with ``z = x / sqrt(2)``.
The Gaussian factor ``exp(-x**2 / 2)`` is taken from ``x`` itself in two parts (Cody's split at
multiples of 1/16), so that no rounding of ``x**2`` or of ``z`` is amplified in the far tails.
``ndtri`` is Wichura's algorithm AS 241 (PPND16, *Applied Statistics* 37, 477-484, 1988),
accurate to about 1e-16.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

# Cody (1969): erf(z) = z A(z^2) / B(z^2) on |z| <= 0.46875 (A, B from the highest power down).
_ERF_NUM = (1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
            3.77485237685302021e02, 3.20937758913846947e03)
_ERF_DEN = (1.0, 2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
            2.84423683343917062e03)
# exp(z^2) erfc(z) = C(z) / D(z) on (0.46875, 4].
_MID_NUM = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
            6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
            1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03)
_MID_DEN = (1.0, 1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
            1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
            3.43936767414372164e03, 1.23033935480374942e03)
# exp(z^2) erfc(z) = (1/sqrt(pi) - w P(w) / Q(w)) / z with w = 1/z^2 on (4, inf).
_FAR_NUM = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
            1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_FAR_DEN = (1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
            6.05183413124413191e-2, 2.33520497626869185e-3)
_RSQRT_PI = 0.56418958354775628695
_SQRT1_2 = 0.70710678118654752440

# Wichura (1988), AS 241: numerators and denominators from the highest power down.
_CENTRAL = ((2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4,
             4.5921953931549871457e4, 1.3731693765509461125e4, 1.9715909503065514427e3,
             1.3314166789178437745e2, 3.3871328727963666080e0),
            (5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4,
             2.1213794301586595867e4, 5.3941960214247511077e3, 6.8718700749205790830e2,
             4.2313330701600911252e1, 1.0))
_NEAR = ((7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
          1.27045825245236838258e0, 3.64784832476320460504e0, 5.76949722146069140550e0,
          4.63033784615654529590e0, 1.42343711074968357734e0),
         (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
          1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e0,
          2.05319162663775882187e0, 1.0))
_TAIL = ((2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
          2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e0,
          5.46378491116411436990e0, 6.65790464350110377720e0),
         (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
          7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
          5.99832206555887937690e-1, 1.0))


def _poly(coefficients: tuple[float, ...], x: Array) -> Array:
    """Horner's rule, coefficients from the highest power down."""
    out = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        out = out * x + c
    return out


def half_gauss_tail(x: Array) -> Array:
    """``P(Z > x)`` for ``x >= 0.46875 * sqrt(2)`` (``0`` at ``inf``): ``erfc(x / sqrt 2) / 2``."""
    y = np.minimum(x, 40.0)  # beyond 38.5 the tail is below the smallest double
    z = y * _SQRT1_2
    w = 1.0 / (z * z)
    far = (_RSQRT_PI - w * _poly(_FAR_NUM, w) / _poly(_FAR_DEN, w)) / z
    scaled = np.where(z <= 4.0, _poly(_MID_NUM, z) / _poly(_MID_DEN, z), far)
    whole = np.trunc(y * 16.0) / 16.0  # whole**2 / 2 is exact
    rest = (y - whole) * (y + whole)
    tail = 0.5 * scaled * np.exp(-whole * whole * 0.5) * np.exp(-rest * 0.5)
    return np.where(x > 38.6, 0.0, tail)


def ndtr(x: Array) -> Array:
    """The standard normal distribution function ``P(Z <= x)``, elementwise (NaN stays NaN)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        a = np.abs(x)
        z2 = 0.5 * x * x
        central = 0.5 + 0.5 * (x * _SQRT1_2) * _poly(_ERF_NUM, z2) / _poly(_ERF_DEN, z2)
        tail = half_gauss_tail(np.maximum(a, 0.66))
        out = np.where(a <= 0.46875 / _SQRT1_2, central, np.where(x < 0, tail, 1.0 - tail))
    return np.where(np.isnan(x), np.nan, out)


def ndtri(p: Array) -> Array:
    """The standard normal quantile (AS 241); ``-inf``/``inf`` at 0/1, NaN outside [0, 1]."""
    p = np.asarray(p, dtype=float)
    with np.errstate(all="ignore"):
        q = p - 0.5
        r = 0.180625 - q * q
        central = q * _poly(_CENTRAL[0], r) / _poly(_CENTRAL[1], r)
        s = np.sqrt(-np.log(np.where(q < 0, p, 1.0 - p)))
        near = _poly(_NEAR[0], s - 1.6) / _poly(_NEAR[1], s - 1.6)
        far = _poly(_TAIL[0], s - 5.0) / _poly(_TAIL[1], s - 5.0)
        tail = np.where(s <= 5.0, near, far)
        out = np.where(np.abs(q) <= 0.425, central, np.where(q < 0, -tail, tail))
    out = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, out))
    return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, out)
