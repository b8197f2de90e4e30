"""The path diagram of a fitted model as inline SVG.

Latent variables are ellipses, indicators boxes; exogenous variables stand on the left and outcomes
on the right (columns by the longest chain of regressions leading to a variable). The first-order
factors of a second-order factor are ellipses in the column left of it, each with an arrow (and
its standardized loading) from the second-order factor. Paths carry
standardized coefficients with significance stars; non-significant paths are dashed. A mediator
that a direct path would cross is lifted above it, so the classic mediation triangle appears.
Every text goes through :mod:`semwb.report.svg`, which escapes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup

from semwb.report.filters import fmt_std, stars
from semwb.report.labels import Labels
from semwb.report.parts import ModelParts, is_significant
from semwb.report.svg import element, svg, text_width
from semwb.results import ParameterRow

FONT = 15.0
SMALL = 11.0
RY = 32.0
BOX_H = 24.0
BOX_GAP = 8.0
IND_GAP = 48.0
COL_GAP = 120.0
#: Item labels wider than this stand upright in narrow boxes (a row of wide boxes would shrink
#: the whole picture to fit the page); labels longer than ``LABEL_MAX`` characters are cut with
#: an ellipsis, the full name in the box's tooltip.
UPRIGHT_AT = 48.0
LABEL_MAX = 28
MARGIN = 24.0
INK = "#1f2d3d"
MUTED = "#7a8594"


@dataclass
class _Node:
    name: str
    label: str
    sub: str
    latent: bool
    indicators: list[str]
    layer: int = 0
    x: float = 0.0
    y: float = 0.0
    above: bool = False
    rx: float = field(init=False)

    def __post_init__(self) -> None:
        widest = max(text_width(self.label, FONT), text_width(self.sub, SMALL))
        self.rx = max(56.0, widest / 2 * 1.25 + 16) if self.latent else max(40.0, widest / 2 + 12)

    @property
    def ry(self) -> float:
        return RY if self.latent else RY * 0.75

    @property
    def upright(self) -> bool:
        """Whether the item labels stand upright (one is wider than :data:`UPRIGHT_AT`)."""
        return any(text_width(i, SMALL) > UPRIGHT_AT for i in self.indicators)

    @property
    def box_h(self) -> float:
        """Height of the item boxes: a row height, or the longest upright label."""
        if not self.upright:
            return BOX_H
        return max(text_width(_short(i), SMALL) for i in self.indicators) + 14

    @property
    def reach(self) -> float:
        """How far the item boxes reach beyond the shape."""
        return IND_GAP + self.box_h

    @property
    def gap(self) -> float:
        """Space between item boxes; upright ones leave room for their loadings."""
        return BOX_GAP * 1.5 if self.upright else BOX_GAP

    def box_widths(self) -> list[float]:
        if self.upright:
            return [SMALL + 9] * len(self.indicators)
        return [max(34.0, text_width(i, SMALL) + 14) for i in self.indicators]

    def width(self) -> float:
        boxes = self.box_widths()
        row = sum(boxes) + self.gap * max(len(boxes) - 1, 0)
        return max(2 * self.rx, row)

    def edge_point(self, tx: float, ty: float) -> tuple[float, float]:
        """Where the line from the centre towards (tx, ty) leaves the shape."""
        dx, dy = tx - self.x, ty - self.y
        if dx == 0 and dy == 0:
            return self.x, self.y
        if self.latent:
            scale = 1 / ((dx / self.rx) ** 2 + (dy / self.ry) ** 2) ** 0.5
        else:
            scale = min(self.rx / abs(dx) if dx else 1e9, self.ry / abs(dy) if dy else 1e9)
        return self.x + dx * scale, self.y + dy * scale


def _layers(names: list[str], paths: list[ParameterRow],
            components: Mapping[str, list[str]]) -> dict[str, int]:
    """Column of each variable: the longest chain of regressions leading to it (cycles capped).

    A first-order factor of a second-order factor (``components``) that takes part in no
    regression stands one column left of its second-order factor.
    """
    placed = [n for n in names if not any(n in parts for parts in components.values())
              or any(n in (r.lhs, r.rhs) for r in paths)]
    if not paths:
        layer = {name: i for i, name in enumerate(placed)}
    else:
        layer = dict.fromkeys(placed, 0)
        for _ in range(len(names)):
            for row in paths:
                layer[row.lhs] = min(max(layer[row.lhs], layer[row.rhs] + 1), len(names))
    for factor, parts in components.items():
        for name in parts:
            if name not in layer:
                layer[name] = layer.get(factor, 0) - 1
    low = min(layer.values(), default=0)
    return {name: value - low for name, value in layer.items()}


def _short(item: str) -> str:
    """An item label cut to :data:`LABEL_MAX` characters."""
    return item if len(item) <= LABEL_MAX else item[:LABEL_MAX - 1] + "…"


def _stack(column: list[_Node]) -> None:
    """Stack a column's nodes top to bottom, indicators outward, centred on y = 0."""
    y = 0.0
    for i, node in enumerate(column):
        node.above = i < (len(column) - 1) / 2
        up = node.reach if node.above and node.indicators else 0.0
        down = node.reach if not node.above and node.indicators else 0.0
        node.y = y + up + node.ry
        y = node.y + node.ry + down + 48
    middle = (column[0].y + column[-1].y) / 2
    for node in column:
        node.y -= middle


def _crossed(node: _Node, y: float, nodes: Mapping[str, _Node],
             paths: list[ParameterRow]) -> bool:
    """Whether a path skipping the node's column would run through ``node`` placed at ``y``."""
    for row in paths:
        start, end = nodes[row.rhs], nodes[row.lhs]
        low, high = sorted((start.layer, end.layer))
        if low < node.layer < high and start.x != end.x:
            line_y = start.y + (end.y - start.y) * (node.x - start.x) / (end.x - start.x)
            if abs(y - line_y) < node.ry + 24:
                return True
    return False


def _collides(node: _Node, y: float, nodes: Mapping[str, _Node]) -> bool:
    """Whether ``node`` placed at ``y`` would overlap another node of its column."""
    for other in nodes.values():
        if other is node or other.layer != node.layer:
            continue
        reach = max((n.reach for n in (node, other) if n.indicators), default=0.0)
        gap = node.ry + other.ry + 32 + reach
        if abs(y - other.y) < gap:
            return True
    return False


def _place(nodes: dict[str, _Node], paths: list[ParameterRow]) -> None:
    columns: dict[int, list[_Node]] = {}
    for node in nodes.values():
        columns.setdefault(node.layer, []).append(node)
    x = 0.0
    for layer in sorted(columns):
        column = columns[layer]
        width = max(n.width() for n in column)
        for node in column:
            node.x = x + width / 2
        _stack(column)
        x += width + COL_GAP
    # Move a node that a path skipping its column would run through (the mediation triangle),
    # to the nearest free height away from the middle.
    step = (2 * RY + IND_GAP + BOX_H + 56) * 0.6
    for layer in sorted(columns):
        for node in columns[layer]:
            if not _crossed(node, node.y, nodes, paths):
                continue
            outward = 1.0 if node.y > 0 else -1.0
            for k in range(1, 2 * len(nodes) + 2):
                candidate = node.y + outward * step * ((k + 1) // 2) * (1 if k % 2 else -1)
                if not (_crossed(node, candidate, nodes, paths)
                        or _collides(node, candidate, nodes)):
                    node.above = candidate < node.y or (candidate == node.y and node.above)
                    node.y = candidate
                    break


def _label(x: float, y: float, text: str, *, size: float = SMALL, bold: bool = False) -> Markup:
    """A text on a white plate, so it stays readable over the lines."""
    width = text_width(text, size) + 6
    return Markup("").join([
        element("rect", {"x": x - width / 2, "y": y - size * 0.8, "width": width,
                         "height": size * 1.3, "fill": "#fff", "rx": 2.0}),
        element("text", {"x": x, "y": y + size * 0.35, "text-anchor": "middle",
                         "font-size": size, "font-weight": "600" if bold else None}, text),
    ])


def _line(x1: float, y1: float, x2: float, y2: float, *, dashed: bool, width: float) -> Markup:
    return element("line", {
        "x1": x1, "y1": y1, "x2": x2, "y2": y2, "stroke": INK if not dashed else MUTED,
        "stroke-width": width, "stroke-dasharray": "6 4" if dashed else None,
        "marker-end": "url(#semwb-arrow)",
    })


def _coefficient(row: ParameterRow) -> str:
    return fmt_std(row.std_all) + stars(row.pvalue)


def _indicators(node: _Node, loadings: Mapping[str, ParameterRow]) -> list[Markup]:
    out: list[Markup] = []
    widths = node.box_widths()
    left = node.x - (sum(widths) + node.gap * (len(widths) - 1)) / 2
    for item, width in zip(node.indicators, widths, strict=True):
        bx = left + width / 2
        height = node.box_h
        top = node.y - node.ry - IND_GAP - height if node.above else node.y + node.ry + IND_GAP
        edge_y = top + height if node.above else top
        sx, sy = node.edge_point(bx, edge_y)
        row = loadings.get(item)
        out.append(_line(sx, sy, bx, edge_y, dashed=False, width=1.0))
        out.append(element("rect", {"x": left, "y": top, "width": width, "height": height,
                                    "fill": "#fff", "stroke": INK, "stroke-width": 1.0},
                           [element("title", None, item)] if _short(item) != item else None))
        out.append(_item_text(item, bx, top + height / 2, upright=node.upright))
        if row is not None and row.std_all is not None:
            lx, ly = sx + (bx - sx) * 0.6, sy + (edge_y - sy) * 0.6
            out.append(_label(lx, ly, fmt_std(row.std_all), size=10.0))
        left += width + node.gap
    return out


def _item_text(item: str, x: float, y: float, *, upright: bool) -> Markup:
    """An item's label centred on (x, y); upright: Chinese in vertical writing (characters
    stay upright), other text turned to read from bottom to top."""
    attrs: dict[str, str | float | None] = {
        "x": x, "y": y + SMALL * 0.35, "text-anchor": "middle", "font-size": SMALL}
    if upright and any(ord(ch) >= 0x2E80 for ch in item):
        attrs.update({"y": y, "writing-mode": "vertical-rl"})
    elif upright:
        attrs["transform"] = f"rotate(-90 {x:.1f} {y:.1f})"
    return element("text", attrs, _short(item))


def _control(a: _Node, b: _Node) -> tuple[float, float]:
    """Control point of a covariance arc: left of a column, above two nodes side by side.

    The farther apart the two ends, the farther out the arc bulges, so that an arc between
    the first and the third node of a column passes outside the second one and outside the
    shorter arcs (their labels, at the arcs' midpoints, then stand apart).
    """
    if a.x == b.x:
        return min(a.x - a.rx, b.x - b.rx) - 50 - 0.45 * abs(a.y - b.y), (a.y + b.y) / 2
    return (a.x + b.x) / 2, min(a.y, b.y) - 60 - 0.3 * abs(a.x - b.x)


def _covariance(a: _Node, b: _Node, row: ParameterRow) -> list[Markup]:
    cx, cy = _control(a, b)
    (x1, y1), (x2, y2) = a.edge_point(cx, cy), b.edge_point(cx, cy)
    dashed = not is_significant(row)
    path = element("path", {
        "d": f"M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}", "fill": "none",
        "stroke": MUTED if dashed else INK, "stroke-width": 1.2,
        "stroke-dasharray": "6 4" if dashed else None,
        "marker-start": "url(#semwb-arrow)", "marker-end": "url(#semwb-arrow)",
    })
    mx, my = 0.25 * x1 + 0.5 * cx + 0.25 * x2, 0.25 * y1 + 0.5 * cy + 0.25 * y2
    return [path, _label(mx, my, _coefficient(row))]


def _shape(node: _Node) -> Markup:
    if node.latent:
        shape = element("ellipse", {"cx": node.x, "cy": node.y, "rx": node.rx, "ry": node.ry,
                                    "fill": "#eaf1fb", "stroke": "#2b4c7e", "stroke-width": 1.6})
    else:
        shape = element("rect", {"x": node.x - node.rx, "y": node.y - node.ry,
                                 "width": 2 * node.rx, "height": 2 * node.ry, "fill": "#fff",
                                 "stroke": INK, "stroke-width": 1.4})
    lines = [element("text", {"x": node.x, "y": node.y + (-3.0 if node.sub else 5.0),
                              "text-anchor": "middle", "font-size": FONT,
                              "font-weight": "600"}, node.label)]
    if node.sub:
        lines.append(element("text", {"x": node.x, "y": node.y + 15, "text-anchor": "middle",
                                      "font-size": SMALL, "fill": "#4a5568"}, node.sub))
    return Markup("").join([shape, *lines])


def path_diagram_svg(
    parts: ModelParts, *, labels: Labels, r2: Mapping[str, float], title: str
) -> Markup:
    """Draw the model as an SVG path diagram.

    Parameters
    ----------
    parts
        The parameter rows by role (loadings, paths, covariances).
    labels
        Names of constructs in the report's language; ids when a name is unknown.
    r2
        Explained variance of endogenous variables, shown inside their shapes.
    title
        Accessible title of the picture (escaped like every text).

    Returns
    -------
    Markup
        One ``<svg>`` element, safe to insert in the page.
    """
    names = parts.structural
    components = {f: [i for i in items if i in parts.latents] for f, items in parts.latents.items()}
    components = {f: items for f, items in components.items() if items}
    layer = _layers(names, parts.paths, components)
    nodes: dict[str, _Node] = {}
    for name in names:
        label = labels.name(name)
        sub = [name] if label != name else []
        if name in r2:
            sub.append(f"R² = {fmt_std(r2[name])}")
        nodes[name] = _Node(name=name, label=label, sub=" · ".join(sub),
                            latent=name in parts.latents,
                            indicators=[i for i in parts.latents.get(name, [])
                                        if i not in parts.latents],
                            layer=layer[name])
    _place(nodes, parts.paths)
    loadings = {row.rhs: row for row in parts.loadings}
    body: list[Markup] = []
    for node in nodes.values():
        body += _indicators(node, loadings)
    labels_on_top: list[Markup] = []
    second_order = [r for r in parts.loadings if r.lhs in components and r.rhs in components[r.lhs]]
    for row in [*second_order, *parts.paths]:
        start, end = (nodes[row.lhs], nodes[row.rhs]) if row.op == "=~" else (
            nodes[row.rhs], nodes[row.lhs])
        x1, y1 = start.edge_point(end.x, end.y)
        x2, y2 = end.edge_point(start.x, start.y)
        dashed = row.op == "~" and not is_significant(row)  # a loading is measurement: solid
        body.append(_line(x1, y1, x2, y2, dashed=dashed, width=1.3 if dashed else 1.8))
        labels_on_top.append(_label((x1 + x2) / 2, (y1 + y2) / 2, _coefficient(row),
                                    size=13.0, bold=not dashed))
    for row in parts.covariances:
        pieces = _covariance(nodes[row.lhs], nodes[row.rhs], row)
        body.append(pieces[0])
        labels_on_top += pieces[1:]
    body += [_shape(node) for node in nodes.values()] + labels_on_top
    return _frame(body, nodes, parts, title)


def _frame(body: list[Markup], nodes: Mapping[str, _Node], parts: ModelParts,
           title: str) -> Markup:
    """Wrap the drawing in an <svg> whose view box holds every shape and covariance arc."""
    xs = [v for n in nodes.values() for v in (n.x - n.width() / 2, n.x + n.width() / 2)]
    ys = [n.y - n.ry - (n.reach if n.above and n.indicators else 0) for n in nodes.values()]
    ys += [n.y + n.ry + (n.reach if not n.above and n.indicators else 0) for n in nodes.values()]
    for row in parts.covariances:  # an arc stays inside the hull of its ends and control point
        cx, cy = _control(nodes[row.lhs], nodes[row.rhs])
        xs.append(cx)
        ys.append(cy)
    left, top = min(xs) - MARGIN, min(ys) - MARGIN
    width, height = max(xs) - left + MARGIN, max(ys) - top + MARGIN
    marker = element("marker", {"id": "semwb-arrow", "viewBox": "0 0 10 10", "refX": "9",
                                "refY": "5", "markerWidth": "7", "markerHeight": "7",
                                "orient": "auto-start-reverse"},
                     [element("path", {"d": "M0,0 L10,5 L0,10 z", "fill": INK})])
    group = element("g", {"transform": f"translate({-left:.1f},{-top:.1f})",
                          "font-family": "system-ui, 'Noto Sans CJK SC', 'Noto Sans SC', "
                                         "'Microsoft YaHei', 'PingFang SC', sans-serif",
                          "fill": INK}, body)
    return svg(width, height, [element("defs", None, [marker]), group], title=title,
               css_class="diagram")
