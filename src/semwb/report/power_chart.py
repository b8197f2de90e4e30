"""Power against sample size: one line per path or effect, the 0.80 level marked (SVG)."""

from __future__ import annotations

from markupsafe import Markup

from semwb.report.charts import FONT_FAMILY, INK
from semwb.report.svg import element, svg

_COLOURS = ("#1f5f8b", "#b5651d", "#2e7d32", "#8e3b8e", "#7a7a2e", "#5d4037", "#00838f")


def power_curve_svg(ns: list[int], lines: dict[str, list[float]], *, title: str) -> Markup:
    """Draw power (0-1) against ``ns`` for each named line, with a dashed line at 0.80."""
    width, height, left, right, top, bottom = 560.0, 300.0, 44.0, 150.0, 28.0, 36.0
    plot_w, plot_h = width - left - right, height - top - bottom
    lo, hi = min(ns), max(ns)

    def sx(n: float) -> float:
        return left + (0.5 if hi == lo else (n - lo) / (hi - lo)) * plot_w

    def sy(p: float) -> float:
        return top + (1 - p) * plot_h

    body = [element("line", {"x1": left, "x2": left + plot_w, "y1": sy(0), "y2": sy(0),
                             "stroke": INK}),
            element("line", {"x1": left, "x2": left, "y1": sy(0), "y2": sy(1), "stroke": INK}),
            element("line", {"x1": left, "x2": left + plot_w, "y1": sy(0.8), "y2": sy(0.8),
                             "stroke": "#9aa3ad", "stroke-dasharray": "4 3"})]
    for p in (0.0, 0.5, 0.8, 1.0):
        body.append(element("text", {"x": left - 6, "y": sy(p) + 4, "text-anchor": "end",
                                     "font-size": 10.0}, f"{p:.1f}"))
    for n in ns:
        body.append(element("text", {"x": sx(n), "y": sy(0) + 16, "text-anchor": "middle",
                                     "font-size": 10.0}, str(n)))
    body.append(element("text", {"x": left + plot_w / 2, "y": height - 4,
                                 "text-anchor": "middle", "font-size": 11.0}, "N"))
    for k, (name, values) in enumerate(lines.items()):
        colour = _COLOURS[k % len(_COLOURS)]
        points = " ".join(f"{sx(n):.1f},{sy(p):.1f}" for n, p in zip(ns, values, strict=True)
                          if p == p)
        body.append(element("polyline", {"points": points, "fill": "none", "stroke": colour,
                                          "stroke-width": 2.0}))
        body.append(element("text", {"x": left + plot_w + 8, "y": top + 14 * k + 10,
                                     "font-size": 11.0, "fill": colour}, name))
    body.append(element("text", {"x": left, "y": 16, "font-size": 12.0, "font-weight": "600"},
                        title))
    group = element("g", {"font-family": FONT_FAMILY, "fill": INK}, body)
    return svg(width, height, [group], title=title, css_class="chart")
