"""User text never becomes markup: item wording, construct names, titles, hypotheses, warnings."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from report_support import Text, instrument, mediation_measurement, mediation_results
from semwb.report import render_index, render_report
from semwb.report.svg import element

SCRIPT = "<script>alert(1)</script>"
NAME = 'Routines "R&D" <b>'


def hostile_report(lang: str) -> str:
    results = mediation_results()
    results = results.model_copy(update={
        "title": {"en": SCRIPT, "zh": SCRIPT},
        "warnings": [SCRIPT],
        "exclusions": [{"reason": SCRIPT, "count": 2}],
        "hypotheses": [{"id": SCRIPT, "path": "AR -> IOL", "expected": "positive",
                        "text": {"en": SCRIPT, "zh": SCRIPT}}],
        "syntax": f"# {SCRIPT}\n" + results.syntax,
    })
    inst = instrument(names={"AR": Text(NAME, NAME)}, ar1=Text(SCRIPT, SCRIPT))
    return render_report(results, lang=lang, instrument=inst, measurement=mediation_measurement())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_script_and_quotes_come_out_escaped_everywhere(lang: str) -> None:
    html = hostile_report(lang)
    assert "<script" not in html.lower()
    assert "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None
    assert "&lt;script&gt;" in title.group(1)
    # the construct name in the tables, the diagram and the charts
    assert "Routines &#34;R&amp;D&#34; &lt;b&gt;" in html
    assert "Routines &#34;R&amp;D&#34; &lt;b&gt; (AR)" in html  # tables
    diagram = html[html.index('<svg'):html.index('</svg>') + 6]
    assert "Routines &#34;R&amp;D&#34; &lt;b&gt;" in diagram
    ET.fromstring(diagram)  # still well-formed XML


def test_every_svg_in_the_report_is_well_formed() -> None:
    html = hostile_report("en")
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 4  # diagram, loadings chart, two bootstrap histograms
    for picture in svgs:
        ET.fromstring(picture)


def test_svg_writer_escapes_attributes_and_text() -> None:
    out = element("text", {"x": 1.0, "data_note": '"><script>'}, SCRIPT)
    assert str(out) == ('<text x="1" data-note="&#34;&gt;&lt;script&gt;">'
                        "&lt;script&gt;alert(1)&lt;/script&gt;</text>")


def test_index_escapes_names_and_keeps_links_relative() -> None:
    results = mediation_results().model_copy(update={"model": SCRIPT,
                                                     "title": {"en": NAME}})
    html = render_index([results], links=["javascript:alert(1)"])
    assert "<script" not in html.lower()
    assert 'href="javascript:' not in html
    assert 'href="javascript%3Aalert%281%29"' in html
    assert "Routines &#34;R&amp;D&#34; &lt;b&gt;" in html


def test_the_report_has_no_script_and_no_external_resource() -> None:
    html = render_report(mediation_results(), measurement=mediation_measurement())
    assert "<script" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "@import" not in html
    assert "url(http" not in html
    assert "default-src 'none'" in html
