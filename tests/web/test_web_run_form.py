"""The run form (issue 15): a refused run comes back to the form with its values and the reason;
careless respondents can be excluded, and the run's results list each with its reasons."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from web_support import Web

from semwb.errors import OptionError
from semwb.results import read_results
from semwb.web import analysis

ROOT = Path(__file__).resolve().parents[2]


def test_a_refused_run_returns_to_the_form_with_its_values(ann: Web) -> None:
    project, responses, model = ann.ready_project()
    sent = {"model_id": model, "responses_id": responses, "draws": "10", "ci": "bc",
            "level": "0.9", "seed": "7", "estimator": "MLR", "ordered": "ar1",
            "missing": "fiml", "group": "firm", "lang": "zh", "exclude": ["too_fast"]}
    refused = ann.post(f"/projects/{project}/runs", sent)
    assert refused.status_code == 400
    page = refused.text
    shown = re.search(r'<pre class="problems" role="alert" id="run-error">([^<]*)</pre>', page)
    assert shown is not None
    assert "The &#39;draws&#39; option of bootstrap must be at least 100; got 10." in shown[1]
    form = page[page.index('id="run-form"'):]
    form = form[:form.index("</form>")]
    for field in ('name="draws" value="10"', 'name="level" value="0.9"', 'name="seed" value="7"',
                  'name="ordered" value="ar1"', 'name="group" value="firm"',
                  f'<option value="{model}" selected>', f'<option value="{responses}" selected>',
                  "<option selected>bc</option>", '<option value="MLR" selected>',
                  '<option value="fiml" selected>', '<option value="zh" selected>',
                  'value="too_fast" checked', 'value="attention">'):
        assert field in form, field
    assert ann.store.runs.for_project(project) == []
    fresh = ann.client.get(f"/projects/{project}").text
    assert 'name="draws" value="1000"' in fresh
    assert 'id="run-error"' not in fresh


def test_exclusion_rules_go_with_the_run_and_unknown_ones_are_refused(ann: Web) -> None:
    project, responses, model = ann.ready_project()
    started = ann.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": "0",
        "exclude": ["attention", "too_fast"]})
    assert started.status_code == 303
    [run] = ann.store.runs.for_project(project)
    assert run.options["exclude"] == ["attention", "too_fast"]
    refused = ann.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": "0", "exclude": "psychic"})
    assert refused.status_code == 400
    assert "Unknown exclusion rule(s)" in refused.text


def test_the_adapter_refuses_an_unknown_rule_naming_the_choices() -> None:
    with pytest.raises(OptionError, match="choose from attention, long_string"):
        analysis.check_run_options("AR =~ ar1 + ar2 + ar3\n", name="m", draws=0, ci="percentile",
                                   level=0.95, seed=None, lang="en", exclude=["mahalanobis_mcd"])


@pytest.mark.slow
def test_a_web_run_leaves_out_careless_respondents_and_lists_them(tmp_path: Path) -> None:
    data_path = ROOT / "surveys" / "examples" / "alliance.csv"
    syntax = "AR =~ ar1 + ar2 + ar3\nIOL =~ iol1 + iol2 + iol3\n"
    options = analysis.check_run_options(syntax, name="cfa", draws=0, ci="percentile",
                                         level=0.95, seed=None, lang="en",
                                         exclude=["attention"])
    jobs = {}
    for name, chosen in (("all", {**options, "exclude": []}), ("careful", options)):
        jobs[name] = analysis.RunJob(
            run_id=name, model_name="cfa", syntax=syntax,
            instrument_path=ROOT / "surveys" / "alliance_portfolio_innovation.yaml",
            instrument_name="study.yaml", responses_path=data_path,
            responses_name="wave 1.csv", out_dir=tmp_path / name, options=chosen)
        analysis.run_job(jobs[name], lambda fraction, message: None)
    everyone, careful = read_results(tmp_path / "all"), read_results(tmp_path / "careful")
    data = pd.read_csv(data_path)
    failed = data["att1"].ne(1)  # the instrument expects 1; a missing answer fails too
    assert failed.sum() > 0
    careless = [e for e in careful.exclusions if str(e.get("reason", "")).startswith("careless")]
    assert sorted(e["respondent"] for e in careless) == sorted(
        data.loc[failed, "rid"].astype(str))
    assert {e["reason"] for e in careless} == {"careless responding (attention)"}
    before, after = everyone.n_excluded or 0, careful.n_excluded or 0
    assert after == before + failed.sum()
    assert (careful.n_obs or 0) + after == (everyone.n_obs or 0) + before
    report = (tmp_path / "careful" / "report.html").read_text(encoding="utf-8")
    assert "careless responding (attention)" in report
    scores = pd.read_csv(tmp_path / "careful" / "scores.csv")
    assert int(scores["excluded"].sum()) == failed.sum()


def test_a_finished_runs_report_switches_language(ann: Web) -> None:
    project, responses, model = ann.ready_project()
    started = ann.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": "0", "lang": "en"})
    run = started.headers["location"].rsplit("/", 1)[-1]
    assert ann.wait_for_run(project, run)["status"] == "done"
    page = ann.client.get(f"/projects/{project}/runs/{run}").text
    assert f'src="/projects/{project}/runs/{run}/report?lang=en"' in page
    assert f'href="/projects/{project}/runs/{run}?lang=zh#report-lang" lang="zh">中文</a>' in page
    switched = ann.client.get(f"/projects/{project}/runs/{run}?lang=zh").text
    assert f'src="/projects/{project}/runs/{run}/report?lang=zh"' in switched
    assert "tables.docx?lang=zh" in switched
    own = ann.client.get(f"/projects/{project}/runs/{run}/report?lang=en").text
    assert "Report of med</h1>" in own
    other = ann.client.get(f"/projects/{project}/runs/{run}/report?lang=zh")
    assert other.status_code == 200
    assert "Report of med in zh (demo.yaml)" in other.text
    assert "sandbox" in other.headers["content-security-policy"]
    odd = ann.client.get(f"/projects/{project}/runs/{run}/report?lang=fr").text
    assert "Report of med</h1>" in odd  # an unknown language shows the run's own


@pytest.mark.slow
def test_the_adapter_renders_a_runs_report_in_the_other_language(tmp_path: Path) -> None:
    instrument = ROOT / "surveys" / "alliance_portfolio_innovation.yaml"
    job = analysis.RunJob(
        run_id="l", model_name="cfa", syntax="AR =~ ar1 + ar2 + ar3\n",
        instrument_path=instrument, instrument_name="study.yaml",
        responses_path=ROOT / "surveys" / "examples" / "alliance.csv",
        responses_name="wave 1.csv", out_dir=tmp_path, options={"draws": 0, "lang": "en"})
    analysis.run_job(job, lambda fraction, message: None)
    zh = analysis.report_in(tmp_path, "zh", instrument_path=instrument,
                            instrument_name="study.yaml")
    assert zh.name == "report.zh.html"
    text = zh.read_text(encoding="utf-8")
    assert '<html lang="zh' in text
    assert "联盟惯例" in text  # construct names from the instrument, in Chinese
    assert str(tmp_path) not in text  # the server's folders stay out of a shared report
    analysis.run_job(job, lambda fraction, message: None)  # a restart redoes the run
    assert not zh.exists()
    with pytest.raises(OptionError, match="must be one of en, zh"):
        analysis.report_in(tmp_path, "fr", instrument_path=instrument,
                           instrument_name="study.yaml")
