"""A model started from a stored spec keeps the spec's title, hypotheses and missing rule
through the editor, the store and the run form (issue 15), with the fake analysis; then the real
adapter on a shipped spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from web_support import SYNTAX, Web

from semwb.results import read_results
from semwb.web import analysis

ROOT = Path(__file__).resolve().parents[2]

SPEC = f"""model: med-spec
title: {{en: Routines and learning, zh: 惯例与学习}}
missing: fiml
syntax: |
{"".join("  " + line + chr(10) for line in SYNTAX.splitlines())}hypotheses:
  - {{id: H1, expected: positive, effect: a, text: {{en: Routines increase learning}}}}
"""


def _spec_model(ann: Web, data_dir: Path) -> tuple[str, str, str]:
    """A ready project with a second model saved from the stored spec ``med-spec``."""
    (data_dir.parent / "models" / "med.yaml").write_text(SPEC, encoding="utf-8")
    project, responses, _ = ann.ready_project()
    editor = ann.client.get(f"/projects/{project}/models/new?start=med-spec").text
    assert 'name="start" value="med-spec"' in editor
    assert "Routines and learning" in editor
    assert "1 hypothesis: H1" in editor
    assert "missing-data rule (fiml)" in editor
    saved = ann.post(f"/projects/{project}/models", {
        "name": "med-spec", "syntax": SYNTAX, "action": "save", "start": "med-spec"})
    assert saved.status_code == 303
    model = next(m for m in ann.store.projects.models(project) if m.name == "med-spec")
    return project, responses, model.id


def _run(ann: Web, project: str, responses: str, model: str, **form: str) -> dict[str, object]:
    response = ann.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": "0", "lang": "en", **form})
    assert response.status_code == 303, response.text
    run = response.headers["location"].rsplit("/", 1)[-1]
    assert ann.wait_for_run(project, run)["status"] == "done"
    results: dict[str, object] = json.loads(ann.client.get(
        f"/projects/{project}/runs/{run}/download/results.json").content)
    return results


def test_a_run_from_a_stored_spec_carries_its_title_hypotheses_and_missing_rule(
        ann: Web, data_dir: Path) -> None:
    project, responses, model = _spec_model(ann, data_dir)
    results = _run(ann, project, responses, model)
    assert results["title"] == {"en": "Routines and learning", "zh": "惯例与学习"}
    assert results["hypotheses"] == [{"id": "H1", "expected": "positive", "effect": "a",
                                      "text": {"en": "Routines increase learning"}}]
    assert results["missing"] == "fiml"
    chosen = _run(ann, project, responses, model, missing="listwise")
    assert chosen["missing"] == "listwise"  # the form's explicit choice wins


def test_editing_a_spec_model_keeps_its_keys_and_a_plain_model_has_none(
        ann: Web, data_dir: Path) -> None:
    project, responses, model = _spec_model(ann, data_dir)
    edit = ann.client.get(f"/projects/{project}/models/{model}").text
    assert 'name="start" value=""' in edit
    assert "1 hypothesis: H1" in edit
    ann.post(f"/projects/{project}/models", {"name": "med-spec", "syntax": SYNTAX + "AR ~~ AR\n",
                                             "action": "save", "model_id": model})
    kept = ann.store.projects.get_model(project, model)
    assert kept is not None
    assert kept.spec["missing"] == "fiml"
    assert kept.syntax.endswith("AR ~~ AR\n")
    plain = next(m for m in ann.store.projects.models(project) if m.name == "med")
    assert plain.spec == {}
    results = _run(ann, project, responses, plain.id)
    assert results["missing"] == "listwise"
    assert results["title"] == {}
    assert results["hypotheses"] == []


def test_save_refuses_an_edit_that_drops_what_a_hypothesis_names_and_keeps_the_edit(
        ann: Web, data_dir: Path) -> None:
    project, _, model = _spec_model(ann, data_dir)
    edited = SYNTAX.replace("a*AR", "b*AR")
    for form in ({"start": "med-spec"}, {"model_id": model}):  # a new model, a saved one
        refused = ann.post(f"/projects/{project}/models", {
            "name": "med-spec", "syntax": edited, "action": "save", **form})
        assert refused.status_code == 400
        assert ("model med-spec, hypotheses.0.effect (H1): &#39;a&#39; is neither a := effect "
                "nor a regression label") in refused.text
        assert f">{edited}</textarea>" in refused.text  # nothing typed is lost
        assert "1 hypothesis: H1" in refused.text
    kept = ann.store.projects.get_model(project, model)
    assert kept is not None
    assert kept.syntax == SYNTAX
    assert [m.name for m in ann.store.projects.models(project)].count("med-spec") == 1
    plain = ann.post(f"/projects/{project}/models", {"name": "plain", "syntax": edited,
                                                      "action": "save"})
    assert plain.status_code == 303  # a model without hypotheses saves as before


def _starter(name: str) -> dict[str, Any]:
    """A shipped spec as the web's model editor offers it."""
    return next(s for s in analysis.starter_specs(ROOT / "models") if s["name"] == name)


def _run_real(starter: dict[str, Any], out_dir: Path, lang: str) -> None:
    """A run of the starter spec's model by the real adapter on the example data, no draws."""
    options = analysis.check_run_options(
        starter["syntax"], name=starter["name"], draws=0, ci="percentile", level=0.95,
        seed=None, lang=lang, missing=starter["spec"]["missing"], spec=starter["spec"])
    job = analysis.RunJob(
        run_id="s", model_name=starter["name"], syntax=starter["syntax"],
        instrument_path=ROOT / "surveys" / "alliance_portfolio_innovation.yaml",
        instrument_name="study.yaml", responses_path=ROOT / "surveys" / "examples" /
        "alliance.csv", responses_name="wave 1.csv", out_dir=out_dir, options=options)
    analysis.run_job(job, lambda fraction, message: None)


@pytest.mark.slow
def test_the_real_adapter_runs_a_shipped_spec_with_its_title_and_hypotheses(
        tmp_path: Path) -> None:
    starter = _starter("routines-learning-ambidexterity")
    assert starter["spec"]["missing"] == "listwise"
    assert [h["id"] for h in starter["spec"]["hypotheses"]] == ["H1a", "H1b", "H1c"]
    out_dir = tmp_path / "out"
    _run_real(starter, out_dir, "zh")
    results = read_results(out_dir)
    assert results.title["zh"] == "联盟惯例、组织间学习与双元创新"
    assert [h["id"] for h in results.hypotheses] == ["H1a", "H1b", "H1c"]
    report = (out_dir / "report.html").read_text(encoding="utf-8")
    assert "联盟惯例、组织间学习与双元创新" in report
    assert "联盟惯例促进组织间学习" in report  # H1a's Chinese text in the hypothesis table


@pytest.mark.slow
def test_a_spec_key_a_web_run_does_not_take_is_named_in_the_run_warnings(
        tmp_path: Path) -> None:
    """The groups spec's 'group' and 'invariance' are not applied by a web run: its results
    say so, so a report titled 'across ownership types' never hides a one-group fit."""
    starter = _starter("routines-learning-ownership-groups")
    assert {"group", "invariance"} <= set(starter["spec"]["not_carried"])
    _run_real(starter, tmp_path / "out", "en")
    (warning,) = [w for w in read_results(tmp_path / "out").warnings if "a web run does not" in w]
    assert "group" in warning
    assert "invariance" in warning
