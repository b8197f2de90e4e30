"""Small charts as inline SVG: the bootstrap distribution of an effect, and the loadings.

Every text goes through :mod:`semwb.report.svg`, which escapes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from semwb.report.filters import MINUS, fmt_est, fmt_std
from semwb.report.i18n import Lang, strings
from semwb.report.svg import element, svg, text_width

INK = "#1f2d3d"
BAR = "#7d9cc7"
BAND = "#f6e3b4"
WEAK = "#d7dee8"
NEGATIVE = "#c98a88"
FONT_FAMILY = ("system-ui, 'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', "
               "'PingFang SC', sans-serif")


def _text(x: float, y: float, text: str, *, anchor: str = "middle", size: float = 11.0,
          weight: str | None = None) -> Markup:
    return element("text", {"x": x, "y": y, "text-anchor": anchor, "font-size": size,
                            "font-weight": weight}, text)


def bootstrap_histogram_svg(
    edges: Sequence[float],
    counts: Sequence[int],
    *,
    estimate: float | None,
    ci: tuple[float | None, float | None],
    title: str,
) -> Markup | None:
    """Draw a histogram of bootstrap draws with the interval shaded and the estimate marked.

    Parameters
    ----------
    edges, counts
        Bin edges (one more than counts) and the number of draws in each bin.
    estimate
        The point estimate (solid line).
    ci
        Lower and upper bounds of the interval (shaded band).
    title
        Name of the effect; the accessible title of the picture.

    Returns
    -------
    Markup or None
        One ``<svg>``; ``None`` when the histogram is empty or malformed.
    """
    if len(edges) != len(counts) + 1 or not counts or max(counts) <= 0 or edges[-1] <= edges[0]:
        return None
    width, height, pad_l, pad_r, pad_t, pad_b = 520.0, 170.0, 16.0, 16.0, 24.0, 30.0
    lo, hi = float(edges[0]), float(edges[-1])
    width_data = hi - lo
    if 0 < lo < width_data or -width_data < hi < 0:  # zero is near: show it for reference
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    top = max(counts)

    def sx(value: float) -> float:
        return pad_l + (min(max(value, lo), hi) - lo) / (hi - lo) * plot_w

    base = pad_t + plot_h
    body: list[Markup] = []
    lower, upper = ci
    if lower is not None and upper is not None:
        body.append(element("rect", {"x": sx(lower), "y": pad_t, "height": plot_h,
                                     "width": max(sx(upper) - sx(lower), 1.0), "fill": BAND}))
    for left, right, count in zip(edges[:-1], edges[1:], counts, strict=True):
        bar_h = count / top * plot_h
        body.append(element("rect", {"x": sx(left), "y": base - bar_h, "height": bar_h,
                                     "width": max(sx(right) - sx(left) - 0.5, 0.5),
                                     "fill": BAR}))
    body.append(element("line", {"x1": pad_l, "x2": width - pad_r, "y1": base, "y2": base,
                                 "stroke": INK, "stroke-width": 1.0}))
    if lo <= 0 <= hi:
        body.append(element("line", {"x1": sx(0.0), "x2": sx(0.0), "y1": pad_t, "y2": base,
                                     "stroke": "#9aa3ad", "stroke-width": 1.2}))
    if estimate is not None:
        body.append(element("line", {"x1": sx(estimate), "x2": sx(estimate), "y1": pad_t - 4,
                                     "y2": base, "stroke": INK, "stroke-width": 2.0}))
        body.append(_text(sx(estimate), pad_t - 8, fmt_est(estimate), weight="600"))
    ticks = [(lo, "start"), (hi, "end")]
    if lower is not None and upper is not None:
        ticks += [(lower, "end"), (upper, "start")]
    for value, anchor in ticks:
        body.append(_text(sx(value) + (-2 if anchor == "end" else 2), base + 16, fmt_est(value),
                          anchor=anchor, size=10.0))
    body.append(_text(pad_l, 14, title, anchor="start", size=12.0, weight="600"))
    group = element("g", {"font-family": FONT_FAMILY, "fill": INK}, body)
    return svg(width, height, [group], title=title, css_class="chart")


def loadings_chart_svg(
    groups: Sequence[tuple[str, Sequence[tuple[str, float | None]]]], *, lang: Lang,
    minimum: float = 0.60,
) -> Markup:
    """Draw standardized loadings as horizontal bars, grouped by construct, with the guideline.

    Parameters
    ----------
    groups
        ``(construct name, [(item id, standardized loading), ...])`` in display order.
    lang
        Language of the accessible title.
    minimum
        The guideline drawn as a vertical line; bars below it are shaded lighter.

    A negative loading is drawn to the left of zero, in red: the axis then runs from -1 to 1.
    """
    row_h, head_h = 20.0, 24.0
    label_w = max([text_width(item, 11.0) for _, rows in groups for item, _ in rows] + [30.0]) + 12
    plot_w, pad_r = 360.0, 40.0
    # A negative loading (an item that looks reverse-worded) gets a bar to the left of zero.
    signed = any(v is not None and v < 0 for _, rows in groups for _, v in rows)
    zero, scale = (label_w + 36 + plot_w / 2, plot_w / 2) if signed else (label_w, plot_w)
    width = zero + scale + pad_r
    body: list[Markup] = []
    y = 8.0
    for name, rows in groups:
        body.append(_text(4, y + 14, name, anchor="start", size=12.0, weight="600"))
        y += head_h
        for item, value in rows:
            body.append(_text(label_w - 6, y + 14, item, anchor="end"))
            if value is not None:
                bar = min(abs(value), 1.0) * scale
                fill = NEGATIVE if value < 0 else WEAK if abs(value) < minimum else BAR
                left = zero - bar if value < 0 else zero
                body.append(element("rect", {"x": left, "y": y + 4, "width": max(bar, 1.0),
                                             "height": row_h - 7, "fill": fill}))
                body.append(_text(left - 4 if value < 0 else zero + bar + 4, y + 14,
                                  fmt_std(value), anchor="end" if value < 0 else "start",
                                  size=10.0))
            y += row_h
        y += 6
    height = y + 18
    guide = zero + minimum * scale
    body.append(element("line", {"x1": guide, "x2": guide, "y1": 8.0, "y2": height - 18,
                                 "stroke": "#b0413e", "stroke-width": 1.2,
                                 "stroke-dasharray": "4 3"}))
    ticks = ((-1.0, MINUS + "1"), (0.0, "0"), (1.0, "1")) if signed else ((0.0, "0"), (1.0, "1"))
    for tick, shown in ticks:
        body.append(_text(zero + tick * scale, height - 4, shown, size=10.0))
    if signed:
        body.append(element("line", {"x1": zero, "x2": zero, "y1": 8.0, "y2": height - 18,
                                     "stroke": INK, "stroke-width": 0.8}))
    body.append(_text(guide, height - 4, fmt_std(minimum), size=10.0))
    group = element("g", {"font-family": FONT_FAMILY, "fill": INK}, body)
    return svg(width, height, [group], title=strings(lang)["loadings_chart"], css_class="chart")
