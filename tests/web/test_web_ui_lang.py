"""The interface language (issue 15): every fixed text of the pages has its Chinese, the header
switches it with a cookie, and the switch only ever returns to a page of this site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from web_support import Web

from semwb.web.ui_lang import ZH

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "semwb" / "web" / "templates"


def test_every_fixed_text_of_the_templates_has_its_chinese() -> None:
    found = set()
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\("([^"]*)"\)', text))
    assert len(found) > 60
    assert sorted(found - set(ZH)) == []


def test_the_header_switches_the_interface_to_chinese_and_back(ann: Web) -> None:
    project, _, _ = ann.ready_project()
    english = ann.client.get(f"/projects/{project}").text
    assert '<html lang="en">' in english
    assert "<h2>1. Instrument</h2>" in english
    switch = re.search(r'<a href="(/lang/zh\?next=[^"]+)" lang="zh">中文</a>', english)
    assert switch is not None
    back = ann.client.get(switch[1].replace("&amp;", "&"), follow_redirects=False)
    assert back.status_code == 303
    assert back.headers["location"] == f"/projects/{project}"
    chinese = ann.client.get(f"/projects/{project}").text
    assert '<html lang="zh">' in chinese
    for text in ("<h2>1. 问卷</h2>", "<h2>4. 运行</h2>", "报告语言", "未通过注意力检验",
                 "按模型设定（未设定则列删）", "退出"):
        assert text in chinese, text
    assert "Upload instrument" not in chinese
    ann.client.get("/lang/en?next=/", follow_redirects=False)
    assert "<h1>Projects</h1>" in ann.client.get("/").text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_the_switch_never_leaves_the_site(ann: Web, target: str) -> None:
    response = ann.client.get("/lang/zh", params={"next": target}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_an_unknown_language_is_not_found(ann: Web) -> None:
    assert ann.client.get("/lang/fr", follow_redirects=False).status_code == 404
