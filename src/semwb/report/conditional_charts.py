"""Inline SVG for conditional effects: the Johnson-Neyman plot and curves with their bands.

Inputs are the plain lists of ``results.json -> conditional`` (built by
:mod:`semwb.conditional.summary`); every text goes through :mod:`semwb.report.svg`, which escapes
it, in the style of :mod:`semwb.report.charts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from semwb.report.charts import BAND, FONT_FAMILY, INK, _text
from semwb.report.filters import fmt_est
from semwb.report.svg import element, num, svg

WIDTH, HEIGHT = 540.0, 260.0
PAD_L, PAD_R, PAD_T, PAD_B = 54.0, 16.0, 30.0, 40.0
LEGEND_W = 100.0
OBSERVED = "#eef2f7"
SIGNIFICANT = "#b0413e"
ZERO = "#9aa3ad"
#: (line colour, band colour, dash) per curve: low, mean, high moderator value.
SERIES = (("#1f4e8c", "#c9d7ec", None), ("#1f2d3d", "#f6e3b4", "5 3"),
          ("#8c3b1f", "#eccfc2", "2 3"))


@dataclass(frozen=True)
class _Frame:
    """Linear maps from data to pixels over ``[x0, x1] x [y0, y1]``."""

    x0: float
    x1: float
    y0: float
    y1: float

    def sx(self, value: float) -> float:
        return PAD_L + (value - self.x0) / (self.x1 - self.x0) * (WIDTH - PAD_L - PAD_R)

    def sy(self, value: float) -> float:
        return PAD_T + (self.y1 - value) / (self.y1 - self.y0) * (HEIGHT - PAD_T - PAD_B)


def _frame(xs: Sequence[float], ys: Sequence[float], *, with_zero: bool) -> _Frame | None:
    if len(xs) < 2 or not ys:
        return None
    y0, y1 = min(ys), max(ys)
    if with_zero:
        y0, y1 = min(y0, 0.0), max(y1, 0.0)
    if y1 <= y0:
        y0, y1 = y0 - 1.0, y1 + 1.0
    margin = 0.06 * (y1 - y0)
    if xs[-1] <= xs[0]:
        return None
    return _Frame(float(xs[0]), float(xs[-1]), y0 - margin, y1 + margin)


def _band(frame: _Frame, xs: Sequence[float], lower: Sequence[float],
          upper: Sequence[float], fill: str, opacity: float = 1.0) -> Markup:
    top = [f"{num(frame.sx(x))},{num(frame.sy(u))}" for x, u in zip(xs, upper, strict=True)]
    bottom = [f"{num(frame.sx(x))},{num(frame.sy(lo))}"
              for x, lo in zip(reversed(xs), reversed(lower), strict=True)]
    return element("polygon", {"points": " ".join(top + bottom), "fill": fill,
                               "fill-opacity": opacity if opacity < 1 else None})


def _line(frame: _Frame, xs: Sequence[float], ys: Sequence[float], colour: str,
          dash: str | None = None) -> Markup:
    points = " ".join(f"{num(frame.sx(x))},{num(frame.sy(y))}"
                      for x, y in zip(xs, ys, strict=True))
    return element("polyline", {"points": points, "fill": "none", "stroke": colour,
                                "stroke-width": 2.0, "stroke-dasharray": dash})


def _axes(frame: _Frame, x_label: str, y_label: str) -> list[Markup]:
    base = HEIGHT - PAD_B
    parts = [element("line", {"x1": PAD_L, "x2": WIDTH - PAD_R, "y1": base, "y2": base,
                              "stroke": INK, "stroke-width": 1.0}),
             element("line", {"x1": PAD_L, "x2": PAD_L, "y1": PAD_T, "y2": base,
                              "stroke": INK, "stroke-width": 1.0})]
    for value, anchor in ((frame.x0, "start"), (frame.x1, "end")):
        parts.append(_text(frame.sx(value), base + 14, fmt_est(value, 2), anchor=anchor,
                           size=10.0))
    for value in (frame.y0, frame.y1):
        parts.append(_text(PAD_L - 4, frame.sy(value) + 4, fmt_est(value, 2), anchor="end",
                           size=10.0))
    parts.append(_text((PAD_L + WIDTH - PAD_R) / 2, HEIGHT - 6, x_label, size=11.0))
    parts.append(element("text", {"x": 12, "y": (PAD_T + base) / 2, "font-size": 11.0,
                                  "text-anchor": "middle",
                                  "transform": f"rotate(-90 12 {num((PAD_T + base) / 2)})"},
                         y_label))
    return parts


def _zero(frame: _Frame) -> Markup:
    line = element("line", {"x1": PAD_L, "x2": WIDTH - PAD_R, "y1": frame.sy(0.0),
                            "y2": frame.sy(0.0), "stroke": ZERO, "stroke-width": 1.0})
    return line + _text(PAD_L - 4, frame.sy(0.0) + 4, "0", anchor="end", size=10.0)


def _vertical(frame: _Frame, x: float, colour: str, dash: str) -> Markup:
    return element("line", {"x1": frame.sx(x), "x2": frame.sx(x), "y1": PAD_T,
                            "y2": HEIGHT - PAD_B, "stroke": colour, "stroke-width": 1.2,
                            "stroke-dasharray": dash})


def johnson_neyman_svg(probe: Mapping[str, Any], *, title: str, x_label: str,
                       y_label: str) -> Markup | None:
    """Draw the slope of the focal predictor and its band over the moderator (JN plot).

    The observed range of the moderator is shaded grey, the Johnson-Neyman bounds are dashed
    red lines labelled with their values, and the parts of the observed range where the slope
    is significant are a red strip along the axis.

    Parameters
    ----------
    probe
        A block of ``results.json -> conditional -> moderations``.
    title, x_label, y_label
        The accessible title and the axis labels (already in the report's language).

    Returns
    -------
    Markup or None
        One ``<svg>``; ``None`` when the band has fewer than two points.
    """
    band, jn = probe["band"], probe["jn"]
    xs = band["value"]
    frame = _frame(xs, band["ci_lower"] + band["ci_upper"], with_zero=True)
    if frame is None:
        return None
    low, high = jn["observed"]
    body = [element("rect", {"x": frame.sx(low), "y": PAD_T,
                             "width": frame.sx(high) - frame.sx(low),
                             "height": HEIGHT - PAD_T - PAD_B, "fill": OBSERVED}),
            _band(frame, xs, band["ci_lower"], band["ci_upper"], BAND), _zero(frame),
            _line(frame, xs, band["est"], INK)]
    for left, right in jn["significant"]:
        body.append(element("rect", {"x": frame.sx(left), "y": HEIGHT - PAD_B - 4,
                                     "width": max(frame.sx(right) - frame.sx(left), 1.0),
                                     "height": 4.0, "fill": SIGNIFICANT}))
    for bound in jn["bounds"]:
        if frame.x0 <= bound <= frame.x1:
            body.append(_vertical(frame, bound, SIGNIFICANT, "4 3"))
            body.append(_text(frame.sx(bound), PAD_T - 4, fmt_est(bound, 2), size=10.0))
    body += _axes(frame, x_label, y_label)
    body.append(_text(PAD_L, 14, title, anchor="start", size=12.0, weight="600"))
    group = element("g", {"font-family": FONT_FAMILY, "fill": INK}, body)
    return svg(WIDTH, HEIGHT, [group], title=title, css_class="chart")


def curves_svg(curve: Mapping[str, Any], *, title: str, x_label: str, y_label: str,
               legend: Sequence[str]) -> Markup | None:
    """Draw a curve and its band at each moderator value, turning points marked.

    Parameters
    ----------
    curve
        A block of ``results.json -> conditional -> curves`` (its ``at`` list).
    title, x_label, y_label
        The accessible title and the axis labels.
    legend
        One legend entry per block of ``at`` (empty for an unmoderated curve).
    """
    blocks = curve["at"]
    if not blocks:
        return None
    xs = blocks[0]["band"]["x"]
    ys = [y for b in blocks for y in b["band"]["ci_lower"] + b["band"]["ci_upper"]]
    frame = _frame(xs, ys, with_zero=False)
    if frame is None:
        return None
    body: list[Markup] = []
    for i, block in enumerate(blocks):
        _, fill, _ = SERIES[i % len(SERIES)]
        band = block["band"]
        body.append(_band(frame, band["x"], band["ci_lower"], band["ci_upper"], fill, 0.6))
    for i, block in enumerate(blocks):
        colour, _, dash = SERIES[i % len(SERIES)]
        band = block["band"]
        body.append(_line(frame, band["x"], band["est"], colour, dash))
        point = block["turning_point"]["est"]
        if point is not None and frame.x0 <= point <= frame.x1:
            body.append(_vertical(frame, point, colour, "2 3"))
        if i < len(legend) and legend[i]:  # in the title row, right of the title
            x = WIDTH - PAD_R - LEGEND_W * (len(blocks) - i)
            body.append(element("line", {"x1": x, "x2": x + 20, "y1": 10.0, "y2": 10.0,
                                         "stroke": colour, "stroke-width": 2.0,
                                         "stroke-dasharray": dash}))
            body.append(_text(x + 24, 14, legend[i], anchor="start", size=10.0))
    body += _axes(frame, x_label, y_label)
    body.append(_text(PAD_L, 14, title, anchor="start", size=12.0, weight="600"))
    group = element("g", {"font-family": FONT_FAMILY, "fill": INK}, body)
    return svg(WIDTH, HEIGHT, [group], title=title, css_class="chart")
