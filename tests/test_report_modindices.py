"""The ``modindices:`` spec key: results.json's table and the report's section."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from semwb.errors import SpecError
from semwb.pipeline import run_analysis, write_results
from semwb.report import render_report
from semwb.report.filters import fmt_est
from semwb.results import Results, read_results
from semwb.sem.estimate import fit_model
from semwb.sem.modindices import modification_indices
from semwb.sem.spec import load_spec, spec_from_syntax
from survey_helpers import REPO

HS = REPO / "tests" / "reference" / "holzinger_swineford"
SYNTAX = (HS / "model.lav").read_text("utf-8")


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(HS / "data.csv")


def _results(data: pd.DataFrame, **options: Any) -> Results:
    return run_analysis(spec_from_syntax(SYNTAX, name="hs", defaults="cfa", **options), data)


def test_the_key_puts_the_largest_indices_in_results_json(data: pd.DataFrame,
                                                          tmp_path: Path) -> None:
    spec = spec_from_syntax(SYNTAX, name="hs", defaults="cfa",
                            modindices={"minimum": 5, "top": 4, "op": ["=~"]})
    saved = read_results(write_results(run_analysis(spec, data), tmp_path))
    table = modification_indices(fit_model(spec, data), sort=True)
    expected = table[(table["mi"] > 5) & (table["op"] == "=~")]
    mi = saved.modindices
    assert mi is not None
    assert [(r["lhs"], r["op"], r["rhs"]) for r in mi["rows"]] == list(
        expected[["lhs", "op", "rhs"]].head(4).itertuples(index=False, name=None))
    assert [r["mi"] for r in mi["rows"]] == pytest.approx(list(expected["mi"].head(4)),
                                                          rel=1e-10)
    assert mi["above"] == len(expected) > 4
    assert mi["candidates"] == len(table)
    assert not saved.warnings


@pytest.mark.parametrize(("lang", "title"), [("en", "Modification indices"), ("zh", "修正指数")])
def test_the_report_shows_the_top_row_first(data: pd.DataFrame, lang: str, title: str) -> None:
    results = _results(data, modindices=True)
    html = render_report(results, lang=lang)
    section = html[html.index('<section id="modindices">'):]
    section = section[:section.index("</section>")]
    top = modification_indices(fit_model(spec_from_syntax(SYNTAX, name="hs", defaults="cfa"),
                                         data), sort=True).iloc[0]
    first = re.search(r"<tbody>\s*<tr>(.*?)</tr>", section, re.S)
    assert first is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", first.group(1))
    assert cells[:4] == [f"<code>{top.lhs}</code>", f"<code>{top.op}</code>",
                         f"<code>{top.rhs}</code>", fmt_est(float(top.mi), 2)]
    assert f"<h2>{title}</h2>" in section
    assert f'<a href="#modindices">{title}</a>' in html


def test_without_the_key_no_section(data: pd.DataFrame) -> None:
    results = _results(data)
    assert results.modindices is None
    assert 'id="modindices"' not in render_report(results)


@pytest.mark.parametrize(("options", "named"), [
    ({"missing": "fiml"}, "missing fiml"), ({"estimator": "MLR"}, "estimator MLR"),
    ({"group": "school"}, "groups")])
def test_other_fits_get_a_warning_not_a_failure(data: pd.DataFrame, options: dict[str, Any],
                                                named: str) -> None:
    results = _results(data.assign(school=data["id"] % 2), modindices=True, **options)
    assert results.modindices is None
    assert results.converged
    assert any(w.startswith("modification indices were not computed") and named in w
               for w in results.warnings)


@pytest.mark.parametrize(("value", "where"), [
    ("maybe", "'modindices' must be true, false or a block"),
    ("3", "'modindices' must be true, false or a block"),
    ("{minimum: -1}", "'modindices.minimum'"),
    ("{top: 0}", "'modindices.top'"),
    ("{op: ['=>']}", "'modindices.op.0'"),
    ("{mini: 3}", "unknown key 'modindices.mini'"),
])
def test_a_bad_value_is_one_line_naming_file_and_key(tmp_path: Path, value: str,
                                                     where: str) -> None:
    path = tmp_path / "hs.yaml"
    path.write_text(f"model: hs\nsyntax: 'visual =~ x1 + x2 + x3'\nmodindices: {value}\n",
                    encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert where in message


@pytest.mark.parametrize("value", ["true", "false", "{top: 3}"])
def test_good_values_load(tmp_path: Path, value: str) -> None:
    path = tmp_path / "hs.yaml"
    path.write_text(f"model: hs\nsyntax: 'visual =~ x1 + x2 + x3'\nmodindices: {value}\n",
                    encoding="utf-8")
    options = load_spec(path).modindices
    assert (options is None) == (value == "false")
    if value == "{top: 3}":
        assert options is not None
        assert (options.top, options.minimum) == (3, 3.84)


def test_user_names_come_out_escaped(data: pd.DataFrame) -> None:
    results = _results(data, modindices=True)
    assert results.modindices is not None
    hostile = {**results.modindices, "rows": [{**results.modindices["rows"][0],
                                               "lhs": "<script>alert(1)</script>"}]}
    html = render_report(results.model_copy(update={"modindices": hostile}))
    assert "<script" not in html.lower()
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in html


def _semwb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from semwb.cli import main; main()", *args],
                          capture_output=True, text=True, check=False, cwd=cwd,
                          env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})


def test_semwb_fit_and_report_show_indices_and_the_nested_comparison(tmp_path: Path) -> None:
    """The user's path: two specs fitted by ``semwb fit``, the index by ``semwb report``."""
    shutil.copy(HS / "data.csv", tmp_path / "hs.csv")
    body = "".join(f"  {line}\n" for line in SYNTAX.strip().splitlines())
    (tmp_path / "three.yaml").write_text(
        f"model: three\ndata: hs.csv\ndefaults: cfa\nmodindices: {{top: 2}}\nsyntax: |\n{body}",
        encoding="utf-8")
    (tmp_path / "orthogonal.yaml").write_text(
        f"model: orthogonal\ndata: hs.csv\ndefaults: cfa\northogonal: true\n"
        f"nested_in: [three]\nsyntax: |\n{body}", encoding="utf-8")
    for name in ("three", "orthogonal"):
        done = _semwb("fit", f"{name}.yaml", "--out", f"reports/{name}", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    saved = read_results(tmp_path / "reports" / "three")
    assert saved.modindices is not None
    assert [r["rhs"] for r in saved.modindices["rows"]] == ["x9", "x8"]
    assert '<section id="modindices">' in (tmp_path / "reports" / "three" / "report.html"
                                           ).read_text("utf-8")
    done = _semwb("report", "reports", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    index = (tmp_path / "reports" / "index.html").read_text("utf-8")
    assert "<td><code>orthogonal</code></td><td><code>three</code></td>" in index


def test_semwb_fit_with_a_bad_value_says_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("model: bad\nsyntax: 'f =~ x1 + x2 + x3'\n"
                                       "modindices: {top: many}\n", encoding="utf-8")
    done = _semwb("fit", "bad.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "bad.yaml: 'modindices.top'" in done.stderr
