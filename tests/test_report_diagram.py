"""The path diagram: layout left to right, the mediation triangle, dashes, stars, Chinese labels."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import pairwise

from report_support import instrument, mediation_results
from semwb.report.diagram import path_diagram_svg
from semwb.report.labels import labels_from_instrument
from semwb.report.parts import split_parameters
from semwb.results import ParameterRow, Results
from semwb.survey.instrument import Lang

NS = "{http://www.w3.org/2000/svg}"


def draw(lang: Lang = "en", results: Results | None = None) -> ET.Element:
    results = results or mediation_results()
    svg = path_diagram_svg(split_parameters(results), r2=results.r2, title="t",
                           labels=labels_from_instrument(instrument(), lang))
    return ET.fromstring(str(svg))


def ellipse_centres(root: ET.Element) -> dict[str, tuple[float, float]]:
    centres = {}
    texts = [t for t in root.iter(f"{NS}text") if t.get("font-weight") == "600"]
    for ellipse in root.iter(f"{NS}ellipse"):
        cx, cy = float(ellipse.get("cx", 0)), float(ellipse.get("cy", 0))
        label = next(t.text for t in texts
                     if float(t.get("x", 0)) == cx and abs(float(t.get("y", 0)) - cy) < 10)
        centres[str(label)] = (cx, cy)
    return centres


def test_exogenous_left_outcome_right_mediator_lifted() -> None:
    c = ellipse_centres(draw())
    ar, iol, ai = (c["Alliance routines"], c["Inter-organizational learning"],
                   c["Ambidextrous innovation"])
    assert ar[0] < iol[0] < ai[0]
    assert iol[1] < ar[1] == ai[1]  # the triangle: the direct path passes below the mediator


def test_indicators_are_boxes_with_their_loadings() -> None:
    root = draw()
    boxes = [t.text for t in root.iter(f"{NS}text") if re.fullmatch(r"[a-z]+\d", t.text or "")]
    assert len(boxes) == 14
    assert ".58" in [t.text for t in root.iter(f"{NS}text")]


def test_significant_paths_solid_with_stars_nonsignificant_dashed() -> None:
    root = draw()
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert {".47***", ".41***", ".13"} <= set(texts)
    structural = [line for line in root.iter(f"{NS}line") if line.get("stroke-width") != "1"]
    dashed = [line for line in structural if line.get("stroke-dasharray")]
    assert len(structural) == 3
    assert len(dashed) == 1  # cp, p = .061


def test_chinese_labels_get_wide_enough_shapes() -> None:
    root = draw("zh")
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "组织间学习" in texts
    assert "IOL · R² = .22" in texts
    widths = [float(e.get("rx", 0)) for e in root.iter(f"{NS}ellipse")]
    assert min(widths) >= 5 * 15 / 2  # five CJK glyphs of 15 px fit in the ellipse


def test_covariances_and_observed_variables() -> None:
    results = mediation_results()
    extra = [
        ParameterRow(lhs="AI", op="~", rhs="size", label="", est=0.05, se=0.04, pvalue=0.2,
                     std_all=0.06),
        ParameterRow(lhs="AR", op="~~", rhs="size", est=0.1, se=0.03, pvalue=0.001,
                     std_all=0.21),
    ]
    root = draw(results=results.model_copy(update={"parameters": [*results.parameters, *extra]}))
    assert len(list(root.iter(f"{NS}path"))) == 2  # the arrow marker and the covariance arc
    assert ".21**" in [t.text for t in root.iter(f"{NS}text")]
    assert "size" in [t.text for t in root.iter(f"{NS}text")]


def test_a_cfa_without_paths_is_drawn_in_a_row() -> None:
    results = mediation_results()
    cfa = [r for r in results.parameters if r.op != "~"]
    c = ellipse_centres(draw(results=results.model_copy(update={"parameters": cfa})))
    ys = {y for _, y in c.values()}
    assert len(c) == 3
    assert len(ys) == 1


def _rows(syntax: str) -> list[ParameterRow]:
    """Parameter rows for a lavaan syntax with made-up, significant estimates."""
    rows = []
    for line in syntax.strip().splitlines():
        op = "=~" if "=~" in line else "~"
        lhs, rhs = (part.strip() for part in line.split(op))
        for term in rhs.split("+"):
            label, _, name = term.strip().rpartition("*")
            rows.append(ParameterRow(lhs=lhs, op=op, rhs=name, label=label, est=0.3, se=0.05,
                                     pvalue=0.001, std_all=0.3))
    return rows


def test_no_direct_path_runs_through_a_mediator() -> None:
    # hypothesis 2: three exogenous constructs, one mediator, direct paths to the outcome
    syntax = """
        SCS =~ scs1 + scs2 + scs3
        SCR =~ scr1 + scr2 + scr3
        SCC =~ scc1 + scc2 + scc3
        KS =~ ks1 + ks2 + ks3
        IP =~ ip1 + ip2 + ip3
        KS ~ a1*SCS + a2*SCR + a3*SCC
        IP ~ b*KS + c1*SCS + c2*SCR + c3*SCC
    """
    results = mediation_results().model_copy(update={"parameters": _rows(syntax), "r2": {}})
    root = draw(results=results)
    centres = ellipse_centres(root)
    ks_x, ks_y = centres["KS"]
    for source in ("SCS", "SCR", "SCC"):
        (x1, y1), (x2, y2) = centres[source], centres["IP"]
        line_y = y1 + (y2 - y1) * (ks_x - x1) / (x2 - x1)
        assert abs(line_y - ks_y) > 32 + 20, f"{source} -> IP runs through KS"
    ys = sorted(y for label, (_, y) in centres.items() if label.startswith("SC"))
    assert all(b - a > 2 * 32 for a, b in pairwise(ys))


def test_a_second_order_factor_points_at_its_first_order_ellipses() -> None:
    syntax = """
        PRO =~ pro1 + pro2 + pro3
        RGOV =~ rgov1 + rgov2 + rgov3
        APMC =~ PRO + RGOV
        LC =~ lc1 + lc2 + lc3
        LC ~ a*APMC
    """
    results = mediation_results().model_copy(update={"parameters": _rows(syntax), "r2": {}})
    root = draw(results=results)
    centres = ellipse_centres(root)
    assert set(centres) == {"PRO", "RGOV", "APMC", "LC"}  # first-order factors are ellipses
    boxes = {t.text for t in root.iter(f"{NS}text") if t.text in ("PRO", "RGOV")
             and t.get("font-size") == "11"}
    assert boxes == set()  # ... and not indicator boxes of APMC
    apmc, lc = centres["APMC"], centres["LC"]
    assert centres["PRO"][0] < apmc[0] < lc[0]
    solid = [line for line in root.iter(f"{NS}line")
             if line.get("stroke-width") == "1.8" and line.get("marker-end")]
    starts = sorted((float(line.get("x1", 0)), float(line.get("x2", 0))) for line in solid)
    assert len(solid) == 3  # APMC -> PRO, APMC -> RGOV, APMC -> LC
    assert sum(x1 > x2 for x1, x2 in starts) == 2  # two arrows run left, from APMC


def test_covariance_arcs_of_one_column_nest_and_their_labels_stand_apart() -> None:
    syntax = """
        A =~ a1 + a2 + a3
        B =~ b1 + b2 + b3
        C =~ c1 + c2 + c3
        Y =~ y1 + y2 + y3
        Y ~ A + B + C
    """
    covs = [ParameterRow(lhs=x, op="~~", rhs=y, est=0.3, se=0.05, pvalue=0.0001, std_all=s)
            for x, y, s in (("A", "B", 0.41), ("B", "C", 0.42), ("A", "C", 0.43))]
    results = mediation_results().model_copy(update={"parameters": _rows(syntax) + covs,
                                                     "r2": {}})
    root = draw(results=results)
    plates = {}
    texts = list(root.iter(f"{NS}text"))
    for rect in root.iter(f"{NS}rect"):
        x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
        w, h = float(rect.get("width", 0)), float(rect.get("height", 0))
        label = next((t.text for t in texts if t.text in (".41***", ".42***", ".43***")
                      and abs(float(t.get("x", 0)) - (x + w / 2)) < 0.5
                      and y <= float(t.get("y", 0)) <= y + h), None)
        if label:
            plates[label] = (x, y, x + w, y + h)
    assert len(plates) == 3
    for (a, pa), (b, pb) in pairwise(sorted(plates.items())):
        apart = pa[2] <= pb[0] or pb[2] <= pa[0] or pa[3] <= pb[1] or pb[3] <= pa[1]
        assert apart, f"labels {a} and {b} overlap"
    assert plates[".43***"][0] < min(plates[".41***"][0], plates[".42***"][0])  # A-C bulges out
