"""Every fixed string exists in both languages with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from report_support import instrument, mediation_measurement, mediation_results
from semwb.errors import OptionError
from semwb.report import render_report
from semwb.report.i18n import check_lang, sentence, strings
from semwb.report.reviewer import page_strings as reviewer_strings

TEMPLATES = Path(__file__).parents[1] / "src" / "semwb" / "report" / "templates"


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    en, zh = strings("en"), strings("zh")
    assert en.keys() == zh.keys()
    for key in en:
        assert en[key].strip(), key
        assert zh[key].strip(), key
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", zh[key])), key


def test_every_string_a_template_reads_exists() -> None:
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\.(\w+)", template.read_text(encoding="utf-8")))
    assert used
    assert used <= strings("en").keys()


def test_every_string_a_reviewer_page_reads_exists() -> None:
    """The comparison and modification-index pages read their own table (``tr``)."""
    used = set()
    for name in ("comparison.html", "modindices.html"):
        used |= set(re.findall(r"\btr\.(\w+)", (TEMPLATES / name).read_text(encoding="utf-8")))
    assert used
    assert used <= reviewer_strings("en").keys()


def test_sentence_fills_placeholders() -> None:
    assert sentence("zh", "reliability_bad", list="AR α = .62") == "未达标准：AR α = .62。"


def test_languages_are_checked() -> None:
    assert check_lang("zh") == "zh"
    with pytest.raises(OptionError):
        check_lang("ZH")


def test_every_heading_of_the_chinese_report_is_chinese() -> None:
    html = render_report(mediation_results(), lang="zh", instrument=instrument(),
                         measurement=mediation_measurement())
    headings = re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html)
    assert len(headings) > 15
    for heading in headings:
        assert re.search(r"[\u4e00-\u9fff]", heading), heading
    assert 'lang="zh-CN"' in html
