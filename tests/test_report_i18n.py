"""Every fixed string exists in both languages with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from report_support import instrument, mediation_measurement, mediation_results
from semwb.errors import OptionError
from semwb.report import render_report
from semwb.report.i18n import Lang, check_lang, sentence, strings
from semwb.report.reviewer import page_strings as reviewer_strings
from semwb.results import ParameterRow

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


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("key", ["ci_boot", "rule_boot"])
def test_the_bca_name_is_not_put_in_a_second_pair_of_brackets(lang: Lang, key: str) -> None:
    shown = sentence(lang, key, level="95%", draws="5,000", ci=strings(lang)["ci_bca"])
    assert "BCa" in shown
    for doubled in ("))", "））", "（偏差"):
        assert doubled not in shown


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_covariance_fixed_by_fixed_x_gets_a_note(lang: Lang) -> None:
    results = mediation_results()
    paths = [r for r in results.parameters if r.op == "~"]
    a, b = paths[0].rhs, paths[-1].lhs  # two variables of the structural model
    fixed = ParameterRow(lhs=a, op="~~", rhs=b, free=False, est=0.2)  # no SE, p or CI
    note = strings(lang)["fixed_x_note"]
    assert note not in render_report(results, lang=lang, instrument=instrument())
    shown = results.model_copy(update={"parameters": [*results.parameters, fixed]})
    assert note in render_report(shown, lang=lang, instrument=instrument())
