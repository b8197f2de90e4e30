"""Number formatting for reports, in APA style; the templates call these and never format numbers.

APA (7th ed., 6.36) drops the leading zero for values that cannot exceed 1 in absolute value
(correlations, standardized coefficients, proportions, p values) and keeps it for the others. A true
minus sign (U+2212) is used so that columns of signed numbers line up. ``None`` (an undefined
number, ``null`` in ``results.json``) is shown as an en dash.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

MISSING = "–"
MINUS = "−"


def _finite(value: float | None) -> float | None:
    """Return ``value`` as a float, or ``None`` when it is undefined (None, NaN, infinite)."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _fixed(value: float, digits: int, *, leading_zero: bool) -> str:
    text = f"{abs(value):.{digits}f}"
    if not leading_zero and text.startswith("0."):
        text = text[1:]
    # A value that rounds to zero has no sign ("-0.00" would be noise).
    negative = value < 0 and any(ch not in "0." for ch in text)
    return (MINUS if negative else "") + text


def fmt_est(value: float | None, digits: int = 3) -> str:
    """Format an unbounded estimate (an unstandardized coefficient, an SE, a chi-square).

    >>> fmt_est(-0.12345)
    '−0.123'
    """
    value = _finite(value)
    if value is None:
        return MISSING
    return _fixed(value, digits, leading_zero=True)


def fmt_std(value: float | None, digits: int = 2) -> str:
    """Format a bounded value (r, beta, a loading, alpha, CR, AVE, CFI) without the leading zero.

    Values beyond 1 in absolute value (a Heywood case) keep their integer part, so they stand out.

    >>> fmt_std(0.456)
    '.46'
    """
    value = _finite(value)
    if value is None:
        return MISSING
    return _fixed(value, digits, leading_zero=False)


def fmt_p(value: float | None) -> str:
    """Format a p value as APA does: three decimals, no leading zero, ``< .001`` below that.

    >>> fmt_p(0.0004), fmt_p(0.0312)
    ('< .001', '.031')
    """
    value = _finite(value)
    if value is None:
        return MISSING
    if value < 0.001:
        return "< .001"
    if value > 0.999:
        return "> .999"
    return _fixed(value, 3, leading_zero=False)


def fmt_p_eq(value: float | None) -> str:
    """Format a p value for running text: ``= .031`` or ``< .001`` (APA).

    >>> fmt_p_eq(0.0312)
    '= .031'
    """
    shown = fmt_p(value)
    return shown if shown[0] in "<>" + MISSING else f"= {shown}"


def stars(p: float | None) -> str:
    """Significance stars: ``***`` p < .001, ``**`` p < .01, ``*`` p < .05, else empty."""
    p = _finite(p)
    if p is None:
        return ""
    for cut, mark in ((0.001, "***"), (0.01, "**"), (0.05, "*")):
        if p < cut:
            return mark
    return ""


MAX_DIGITS = 6


def nonzero_digits(value: float, digits: int) -> int:
    """Decimals enough for ``value`` not to print as zero when it is not (at most 6).

    A confidence bound of 0.00036 shown as ``0.000`` reads as "touches zero"; it needs 4.

    >>> nonzero_digits(0.00036, 3), nonzero_digits(0.12, 3), nonzero_digits(0.0, 3)
    (4, 3, 3)
    """
    while value != 0 and digits < MAX_DIGITS and round(abs(value), digits) == 0:
        digits += 1
    return digits


def fmt_ci(
    bounds: Sequence[float | None] | None, digits: int = 3, *, bounded: bool = False
) -> str:
    """Format a confidence interval as ``[lower, upper]`` (APA), en dash when unknown.

    A bound that is not zero never prints as zero: it gets the decimals it needs.

    >>> fmt_ci((0.12, 0.3456)), fmt_ci((0.00036, 0.378))
    ('[0.120, 0.346]', '[0.0004, 0.378]')
    """
    if bounds is None or len(bounds) != 2 or any(_finite(b) is None for b in bounds):
        return MISSING
    fmt: Callable[[float | None, int], str] = fmt_std if bounded else fmt_est
    low, high = (float(b) for b in bounds)  # type: ignore[arg-type]  # finite, checked above
    return (f"[{fmt(low, nonzero_digits(low, digits))}, "
            f"{fmt(high, nonzero_digits(high, digits))}]")


def fmt_int(value: float | None) -> str:
    """Format a count with thousands separators (``5,000``)."""
    value = _finite(value)
    if value is None:
        return MISSING
    return f"{round(value):,}"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """Format a proportion as a percentage (``0.3521`` -> ``35.2%``)."""
    value = _finite(value)
    if value is None:
        return MISSING
    return f"{value * 100:.{digits}f}%"


def fmt_level(level: float | None) -> str:
    """Format a confidence level as a percentage without needless decimals (``0.95`` -> ``95%``)."""
    level = _finite(level)
    if level is None:
        return MISSING
    return f"{level * 100:g}%"


FILTERS: dict[str, Callable[..., str]] = {
    "fmt_est": fmt_est,
    "fmt_std": fmt_std,
    "fmt_p": fmt_p,
    "fmt_p_eq": fmt_p_eq,
    "fmt_ci": fmt_ci,
    "fmt_int": fmt_int,
    "fmt_pct": fmt_pct,
    "fmt_level": fmt_level,
    "stars": stars,
}
