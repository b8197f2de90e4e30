"""The Jinja environment: autoescape, StrictUndefined, package templates, user overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import UndefinedError

from report_support import mediation_results
from semwb.errors import OptionError
from semwb.report import render_report
from semwb.report.environment import get_environment


def test_one_environment_autoescapes_and_rejects_undefined_names() -> None:
    env = get_environment()
    assert env is get_environment()
    assert env.autoescape is True
    with pytest.raises(UndefinedError):
        env.from_string("{{ nothing }}").render()
    assert env.from_string("{{ x }}").render(x="<i>") == "&lt;i&gt;"


def test_a_user_folder_overrides_one_partial(tmp_path: Path) -> None:
    (tmp_path / "_fit.html").write_text(
        '<section id="fit"><h2>Fit, our way</h2>{{ fit.rows[0].cell.value|fmt_std(3) }}'
        "</section>\n", encoding="utf-8")
    html = render_report(mediation_results(), templates=tmp_path)
    assert "<h2>Fit, our way</h2>.978</section>" in html
    assert "<h2>Structural paths</h2>" in html  # the other partials still come from the package


def test_an_overriding_template_with_a_typo_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "_fit.html").write_text("{{ fit.cfi_typo }}", encoding="utf-8")
    with pytest.raises(UndefinedError):
        render_report(mediation_results(), templates=tmp_path)


def test_templates_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="not a folder"):
        render_report(mediation_results(), templates=tmp_path / "missing")


def test_unknown_language_is_an_option_error() -> None:
    with pytest.raises(OptionError, match="one of en, zh; got 'fr'"):
        render_report(mediation_results(), lang="fr")


def test_every_section_is_present_in_order() -> None:
    from report_support import mediation_measurement

    html = render_report(mediation_results(), measurement=mediation_measurement())
    ids = ["summary", "diagram", "measurement", "validity", "descriptives", "cmb", "fit",
           "paths", "effects", "hypotheses", "warnings", "provenance"]
    positions = [html.index(f'<section id="{i}"') for i in ids]
    assert positions == sorted(positions)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_failed_model_still_gets_a_report(lang: str) -> None:
    from semwb.results import Results

    html = render_report(Results(model="broken", error="syntax line 2: 'x' is not in the data."),
                         lang=lang)
    assert '<p class="alert">syntax line 2: &#39;x&#39; is not in the data.</p>' in html
    assert '<section id="diagram">' not in html
    assert '<section id="measurement">' not in html


def test_covariances_have_their_own_table_with_a_two_headed_arrow() -> None:
    from semwb.results import ParameterRow

    results = mediation_results()
    covariance = ParameterRow(lhs="IOL", op="~~", rhs="AI", est=0.12, se=0.04, z=3.0,
                              pvalue=0.003, ci_lower=0.04, ci_upper=0.2, std_all=0.18)
    html = render_report(results.model_copy(
        update={"parameters": [*results.parameters, covariance]}))
    paths = html[html.index('<section id="paths">'):]
    paths = paths[:paths.index("</section>")]
    assert "<h3>Covariances</h3>" in paths
    assert "↔" in paths
    assert paths.count("→") == paths.count("<tr class") - 1  # the paths, not the covariance
