"""Instrument files: the seed instrument's fixed ids, and every validation rule with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from semwb.errors import InstrumentError
from semwb.survey.instrument import load_instrument, parse_instrument
from semwb.survey.instrument_lookup import find_instrument
from survey_helpers import SEED_INSTRUMENT, SMALL_YAML, small_instrument


def test_seed_instrument_has_the_ids_other_stages_rely_on() -> None:
    inst = load_instrument(SEED_INSTRUMENT)
    assert inst.instrument == "alliance-portfolio-innovation"
    assert inst.constructs["AR"].item_ids == ["ar1", "ar2", "ar3", "ar4"]
    assert inst.constructs["IOL"].item_ids == ["iol1", "iol2", "iol3", "iol4"]
    assert inst.constructs["AI"].item_ids == [f"ai{i}" for i in range(1, 7)]
    assert inst.reverse_items == ["ar4"]
    assert [c.id for c in inst.checks] == ["att1"]
    for construct in inst.constructs.values():
        assert 3 <= len(construct.items) <= 6
        assert construct.source
        assert all(item.text.en and item.text.zh for item in construct.items)


def test_text_gives_either_language() -> None:
    inst = small_instrument()
    assert inst.text("TR", "zh") == "信任"
    assert inst.text("tr1") == "Partners keep their word."
    with pytest.raises(KeyError, match="neither a construct nor an item"):
        inst.text("nope")


def _broken(old: str, new: str) -> str:
    assert old in SMALL_YAML
    return SMALL_YAML.replace(old, new, 1)


@pytest.mark.parametrize(("text", "pattern"), [
    (_broken("reverse: true}", "revers: true}"), r"small.yaml, line 12: unknown key 'revers'"),
    (_broken("scale: {min: 1, max: 5}", "scale: {min: 5, max: 1}"),
     r"line 4: 'scale': .*max must exceed min"),
    (_broken("ks1, text", "tr1, text"),
     r"line 17: item 'tr1' is in both construct TR and construct KS"),
    (_broken("ks2, text", "ks1, text"), r"line 18: item 'ks1' is listed twice in construct KS"),
    (_broken("      - {id: ks2, text: {en: \"We share know-how.\", zh: \"我们分享诀窍。\"}}\n"
             "      - {id: ks3, text: {en: \"Partners answer our questions.\", "
             "zh: \"伙伴回答我们的问题。\"}}\n", ""), r"construct KS has 1 item\(s\)"),
    (_broken("expect: [1]", "expect: [9]"), r"line 21: attention check 'att1' expects \[9\]"),
    (_broken("source: test\n    items:\n      - {id: ks1", "source: test\n    source: again\n"
             "    items:\n      - {id: ks1"), r"line 16: key 'source' is given twice"),
    (_broken("title:", "titel:"), r"(?s)line 1: 'title' is required.*line 3: unknown key 'titel'"),
    (SMALL_YAML + "controls:\n  - {id: age, type: numeric, min: 1, max: 90, reverse: true, "
                  "text: {en: Age}}\n",
     r"line 23: item 'age' is numeric, not Likert; only Likert items can be reverse-coded"),
    (SMALL_YAML + "controls:\n  - {id: own, type: categorical, text: {en: Owner}}\n",
     r"categorical item 'own' needs 'levels'"),
    (_broken("id: tr1", "id: Tr-1"), r"item id 'Tr-1' must be lower case"),
    ("constructs: [\n", r"small.yaml, line 2: not valid YAML"),
    ("", r"the file is empty"),
])
def test_bad_instruments_are_reported_with_their_line(text: str, pattern: str) -> None:
    with pytest.raises(InstrumentError, match=pattern):
        parse_instrument(text, source="small.yaml")


def test_every_problem_is_reported_at_once() -> None:
    text = _broken("reverse: true}", "revers: true}").replace("ks2, text", "ks1, text")
    text = text.replace("expect: [1]", "expect: [0]")
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, source="small.yaml")
    message = str(caught.value)
    assert message.startswith("small.yaml has 3 problems:")
    for needle in ("unknown key 'revers'", "'ks1' is listed twice", "expects [0]"):
        assert needle in message


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match=r"nope.yaml: no such instrument file"):
        load_instrument(tmp_path / "nope.yaml")


def test_find_instrument_by_id_or_path(tmp_path: Path) -> None:
    surveys = SEED_INSTRUMENT.parent
    assert find_instrument("alliance-portfolio-innovation", folders=[tmp_path, surveys]) \
        == SEED_INSTRUMENT
    assert find_instrument(SEED_INSTRUMENT.name, folders=[tmp_path, surveys]) == SEED_INSTRUMENT
    (tmp_path / "small.yaml").write_text(SMALL_YAML, encoding="utf-8")
    assert find_instrument("small", folders=[tmp_path]) == tmp_path / "small.yaml"
    with pytest.raises(InstrumentError, match=r"instrument 'nope' not found in .*; put its YAML"):
        find_instrument("nope", folders=[tmp_path])
    (tmp_path / "m").mkdir()
    with pytest.raises(InstrumentError) as raised:  # a folder reached twice is named once
        find_instrument("nope", folders=[tmp_path, tmp_path / "m" / "..", tmp_path / "m"])
    assert str(raised.value).startswith(f"instrument 'nope' not found in {tmp_path}, "
                                        f"{tmp_path / 'm'}; put")
