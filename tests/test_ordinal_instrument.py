"""An instrument marking items ordinal: ``ordinal:`` on the scale, a construct or an item, taken
by a spec with ``estimator: WLSMV`` that lists no ``ordered:`` of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import run_semwb
from semwb.errors import InstrumentError, SpecError
from semwb.pipeline import read_data, run_analysis
from semwb.results import Results
from semwb.sem.ordinal.spec import with_instrument_items
from semwb.sem.spec import load_spec
from semwb.survey.instrument import parse_instrument
from semwb.survey.instrument_lookup import spec_instrument

REFERENCE = Path(__file__).parent / "reference"
CASE = REFERENCE / "ordinal_mediation"
ITEMS = {"AR": ["ar1", "ar2", "ar3", "ar4"], "IOL": ["iol1", "iol2", "iol3", "iol4"],
         "AI": ["ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]}


def instrument_text(scale: str = "", construct: dict[str, str] | None = None,
                    item: dict[str, str] | None = None, controls: str = "") -> str:
    """The ordinal_mediation items as an instrument, with ``ordinal`` marks where asked."""
    lines = ["instrument: ordinal-test", "title: {en: Ordinal test, zh: 有序测试}",
             f"scale: {{min: 1, max: 5{scale}}}", "constructs:"]
    for name, items in ITEMS.items():
        lines += [f"  {name}:", f"    name: {{en: {name}}}", "    source: test"]
        lines += [f"    {(construct or {}).get(name, '')}", "    items:"]
        lines += [f"      - {{id: {v}, text: {{en: item {v}}}{(item or {}).get(v, '')}}}"
                  for v in items]
    return "\n".join(lines) + "\n" + controls


def write_case(tmp_path: Path, instrument: str, spec_extra: str = "estimator: WLSMV\n") -> Path:
    (tmp_path / "inst.yaml").write_text(instrument, encoding="utf-8")
    syntax = "".join(f"  {line}\n" for line in
                     (CASE / "model.lav").read_text(encoding="utf-8").splitlines())
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"model: ordinal\ninstrument: inst.yaml\ndata: {CASE / 'data.csv'}\n"
                    f"{spec_extra}syntax: |\n{syntax}", encoding="utf-8")
    return spec


def run(spec_path: Path, data: Path = CASE / "data.csv") -> Results:
    """``run_analysis`` as ``semwb fit`` calls it: data read through the spec's instrument."""
    spec = load_spec(spec_path)
    instrument = spec_instrument(spec)
    return run_analysis(spec, read_data(data, instrument=instrument), data_path=data,
                        instrument=instrument)


def test_marks_resolve_item_then_construct_then_scale() -> None:
    inst = parse_instrument(instrument_text(
        scale=", ordinal: true", construct={"IOL": "ordinal: false"},
        item={"ar2": ", ordinal: false", "iol3": ", ordinal: true"},
        controls="controls:\n  - {id: size, text: {en: Size}, type: categorical, "
                 "levels: {1: {en: small}, 2: {en: large}}, ordinal: true}\n"))
    assert inst.ordinal_items == ["ar1", "ar3", "ar4", "iol3", "ai1", "ai2", "ai3", "ai4",
                                  "ai5", "ai6", "size"]
    assert parse_instrument(instrument_text()).ordinal_items == []


def test_a_numeric_control_cannot_be_ordinal() -> None:
    text = instrument_text(controls="controls:\n  - {id: age, text: {en: Age}, type: numeric, "
                                    "min: 0, max: 100, ordinal: true}\n")
    with pytest.raises(InstrumentError, match=r"line \d+: item 'age' is numeric; only Likert"):
        parse_instrument(text)


def test_wlsmv_spec_takes_the_instruments_ordinal_items(tmp_path: Path) -> None:
    ref = json.loads((CASE / "lavaan.json").read_text())
    results = run(write_case(tmp_path, instrument_text(scale=", ordinal: true")))
    assert results.estimator == "WLSMV"
    fit = results.fit
    assert fit.chisq_scaled == pytest.approx(ref["fit"]["chisq_scaled"], rel=1e-6)
    assert fit.cfi_robust == pytest.approx(ref["fit"]["cfi_robust"], abs=1e-6)
    assert sum(r.op == "|" for r in results.parameters) == 14 * 4


def test_a_construct_marked_not_ordinal_stays_continuous(tmp_path: Path) -> None:
    case = REFERENCE / "ordinal_polyserial"  # ar and iol ordinal, ai continuous (7 points)
    ref = json.loads((case / "lavaan.json").read_text())
    text = instrument_text(scale=", ordinal: true", construct={"AI": "ordinal: false"})
    (tmp_path / "inst.yaml").write_text(text.replace("max: 5", "max: 7"), encoding="utf-8")
    data = case / "data.csv"
    syntax = "".join(f"  {line}\n" for line in (case / "model.lav").read_text().splitlines())
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"model: m\ninstrument: inst.yaml\ndata: {data}\nestimator: WLSMV\n"
                    f"syntax: |\n{syntax}", encoding="utf-8")
    results = run(spec, data)
    assert results.fit.chisq_scaled == pytest.approx(ref["fit"]["chisq_scaled"], rel=1e-6)
    assert not any(r.op == "|" and r.lhs.startswith("ai") for r in results.parameters)


def test_a_covariate_the_instrument_marks_stays_a_covariate(tmp_path: Path) -> None:
    """A control marked ordinal and used as a covariate is conditioned on, as lavaan does."""
    controls = ("controls:\n  - {id: size, text: {en: Size}, type: categorical, "
                "levels: {1: {en: small}}, ordinal: true}\n")
    text = instrument_text(scale=", ordinal: true", controls=controls)
    (tmp_path / "inst.yaml").write_text(text, encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text("model: m\ninstrument: inst.yaml\nestimator: WLSMV\nsyntax: |\n"
                    "  IOL =~ iol1 + iol2 + iol3 + iol4\n  IOL ~ size\n", encoding="utf-8")
    marked = parse_instrument(text).ordinal_items
    assert "size" in marked
    resolved = with_instrument_items(load_spec(spec), marked, instrument="ordinal-test")
    assert resolved.ordered == ["iol1", "iol2", "iol3", "iol4"]


def test_the_specs_own_ordered_wins(tmp_path: Path) -> None:
    spec = write_case(tmp_path, instrument_text(scale=", ordinal: true"),
                      spec_extra="estimator: WLSMV\nordered: [ar1, ar2, ar3, ar4]\n")
    results = run(spec)
    thresholds = {r.lhs for r in results.parameters if r.op == "|"}
    assert thresholds == {"ar1", "ar2", "ar3", "ar4"}


def test_wlsmv_without_ordinal_items_names_the_fix(tmp_path: Path) -> None:
    spec = write_case(tmp_path, instrument_text())
    with pytest.raises(SpecError, match=r"spec.yaml: 'estimator: WLSMV' is for ordinal items, "
                                        r"but the spec lists none under 'ordered:' and "
                                        r"instrument ordinal-test marks none"):
        run(spec)


def test_semwb_fit_with_instrument_option_fits_wlsmv(tmp_path: Path) -> None:
    (tmp_path / "inst.yaml").write_text(instrument_text(scale=", ordinal: true"),
                                        encoding="utf-8")
    done = run_semwb(
        "fit", str(CASE / "model.lav"), "--data", str(CASE / "data.csv"), "--estimator", "wlsmv",
        "--instrument", str(tmp_path / "inst.yaml"), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "WLSMV: scaled χ²(74) = 85.19" in done.stdout
    bare = run_semwb(
        "fit", str(CASE / "model.lav"), "--data", str(CASE / "data.csv"), "--estimator", "wlsmv",
        "--out", str(tmp_path / "out2"))
    assert bare.returncode == 1
    assert "no instrument read for this command marks them" in bare.stderr + bare.stdout

