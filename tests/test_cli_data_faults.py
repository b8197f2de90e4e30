"""Data and spec faults a new user meets, checked at the command line: a missing-value code read
as an answer, a hypothesis naming an effect the model lacks, an id column given as the group, a
tiny group. Each must be refused with a message naming where and what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli_support import run_semwb

REPO = Path(__file__).resolve().parents[1]
ALLIANCE = REPO / "surveys" / "examples" / "alliance.csv"
MEDIATION = REPO / "tests" / "reference" / "mediation_single"
CFA = "AR =~ ar1 + ar2 + ar3 + ar4\nIOL =~ iol1 + iol2 + iol3 + iol4\n"


def run(*args: str) -> tuple[int, str]:
    done = run_semwb(*args)
    assert "Traceback" not in done.stderr
    return done.returncode, " ".join((done.stdout + done.stderr).split())


def test_a_missing_value_code_in_a_likert_column_is_refused(tmp_path: Path) -> None:
    data = pd.read_csv(ALLIANCE)
    data.loc[[3, 10, 40], "ar2"] = 99
    data.loc[[5], "iol3"] = -9
    data.to_csv(tmp_path / "code99.csv", index=False)
    (tmp_path / "model.lav").write_text(CFA, encoding="utf-8")
    code, output = run("fit", str(tmp_path / "model.lav"), "--data",
                       str(tmp_path / "code99.csv"), "--out", str(tmp_path / "out"))
    assert code == 1
    assert "column ar2: 99 in 3 rows is far outside the column's scale 1-7" in output
    assert "column iol3: -9 in 1 row" in output
    assert "missing-value code; empty those cells" in output
    assert not (tmp_path / "out").exists()


def test_a_nine_inside_a_zero_to_ten_scale_is_an_answer(tmp_path: Path) -> None:
    data = pd.read_csv(MEDIATION / "data.csv")
    (tmp_path / "model.lav").write_text((MEDIATION / "model.lav").read_text("utf-8"), "utf-8")
    data["ar1"] = data["ar1"].where(data.index % 7 != 0, 9)  # 9 next to 8: a 1-9 scale
    data["ar1"] = data["ar1"].where(data.index % 11 != 0, 8)
    data.to_csv(tmp_path / "nine.csv", index=False)
    code, output = run("fit", str(tmp_path / "model.lav"), "--data", str(tmp_path / "nine.csv"),
                       "--out", str(tmp_path / "out"), "--no-bootstrap")
    assert code == 0, output


@pytest.mark.parametrize(("hypothesis", "message"), [
    ("{id: H1c, effect: indirect}", "hypotheses.0.effect (H1c): 'indirect' is neither a := "
     "effect nor a regression label of the model (did you mean 'ind'?); they are: ind, total, "
     "a, b, cp."),
    ("{id: H2, path: IOL -> AR}", "hypotheses.0.path (H2): 'IOL -> AR': the model has no "
     "regression AR ~ IOL (its paths: AR -> IOL, IOL -> AI, AR -> AI)."),
    ("{id: H3, path: AR -> AI -> IOL}", "hypotheses.0.path (H3): 'AR -> AI -> IOL': the model "
     "has no regression IOL ~ AI"),
])
def test_a_hypothesis_naming_what_the_model_lacks_is_refused(tmp_path: Path, hypothesis: str,
                                                              message: str) -> None:
    syntax = (MEDIATION / "model.lav").read_text("utf-8")
    spec = tmp_path / "med.yaml"
    spec.write_text("model: med\nsyntax: |\n" + "".join(f"  {line}\n" for line in
                                                     syntax.splitlines())
                    + f"hypotheses:\n  - {hypothesis}\n", encoding="utf-8")
    code, output = run("fit", str(spec), "--data", str(MEDIATION / "data.csv"),
                       "--out", str(tmp_path / "out"), "--no-bootstrap")
    assert code == 1
    assert f"med.yaml, {message}" in output


def test_hypotheses_naming_a_label_a_path_and_a_chain_are_accepted(tmp_path: Path) -> None:
    syntax = (MEDIATION / "model.lav").read_text("utf-8")
    spec = tmp_path / "med.yaml"
    spec.write_text("model: med\nsyntax: |\n" + "".join(f"  {line}\n" for line in
                                                     syntax.splitlines())
                    + "hypotheses:\n  - {id: H1, effect: a}\n  - {id: H2, path: AR -> IOL}\n"
                    "  - {id: H3, path: AR -> IOL -> AI}\n  - {id: H4, effect: ind}\n",
                    encoding="utf-8")
    code, output = run("fit", str(spec), "--data", str(MEDIATION / "data.csv"),
                       "--out", str(tmp_path / "out"), "--no-bootstrap")
    assert code == 0, output
    report = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "Not evaluated" not in report
    assert all(f"<strong>H{n}</strong>" in report for n in range(1, 5))


def test_an_id_column_given_as_the_group_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "model.lav").write_text(CFA, encoding="utf-8")
    code, output = run("fit", str(tmp_path / "model.lav"), "--data", str(ALLIANCE),
                       "--group", "rid", "--out", str(tmp_path / "out"))
    assert code == 1
    assert "column rid: 320 groups for 320 rows" in output
    assert "is it an id column?" in output
    assert len(output) < 1000


def test_many_problems_list_the_first_ten_and_the_total(tmp_path: Path) -> None:
    data = pd.read_csv(ALLIANCE)
    model = CFA + "AI =~ ai1 + ai2 + ai3 + ai4 + ai5 + ai6\n"
    items = [c for c in model.split() if c[-1].isdigit()]
    data.loc[:19, items] = 99
    data.to_csv(tmp_path / "codes.csv", index=False)
    (tmp_path / "model.lav").write_text(model, encoding="utf-8")
    done = run_semwb("fit", str(tmp_path / "model.lav"), "--data", str(tmp_path / "codes.csv"),
                     "--out", str(tmp_path / "o"))
    assert done.returncode == 1
    listed = [line for line in done.stderr.splitlines() if line.startswith("- ")]
    assert "14 problems" in done.stderr
    assert len(listed) == 11
    assert listed[-1] == "- ... and 4 more (14 in all)"


def test_a_group_with_fewer_rows_than_variables_is_not_called_collinear(tmp_path: Path) -> None:
    data = pd.read_csv(ALLIANCE)
    data = data.assign(site=["small" if i < 5 else "large" for i in range(len(data))])
    data.to_csv(tmp_path / "sites.csv", index=False)
    (tmp_path / "model.lav").write_text(CFA, encoding="utf-8")
    code, output = run("fit", str(tmp_path / "model.lav"), "--data", str(tmp_path / "sites.csv"),
                       "--group", "site", "--out", str(tmp_path / "out"))
    assert code == 1
    assert "(group site = small): 4 complete rows for 8 observed variables" in output
    assert "linearly dependent" not in output


def test_a_tli_above_one_is_kept_but_not_ticked_and_explained(tmp_path: Path) -> None:
    done = run_semwb("fit", str(MEDIATION / "model.lav"), "--data", str(MEDIATION / "data.csv"),
                     "--out", str(tmp_path), "--no-bootstrap")
    assert done.returncode == 0, done.stderr
    results = tmp_path / "results.json"
    text = results.read_text("utf-8")
    fit = json.loads(text)["fit"]
    fit.update(tli=1.271, cfi=1.0, rmsea=0.0, srmr=0.03)
    results.write_text(json.dumps({**json.loads(text), "fit": fit}), "utf-8")
    assert run_semwb("report", str(tmp_path)).returncode == 0
    report = (tmp_path / "report.html").read_text("utf-8")
    row = next(line for line in report.splitlines() if "<td>TLI</td>" in line)
    assert "1.271" in row
    assert "✓" not in row
    assert "TLI = 1.271 is above 1" in report
    assert "signals overfitting" in report
    assert "All of CFI, TLI, RMSEA and SRMR meet" not in report


def test_each_group_size_is_reported_and_a_tiny_group_is_warned_about(tmp_path: Path) -> None:
    data = pd.read_csv(ALLIANCE)
    data = data.assign(site=["small" if i < 14 else "large" for i in range(len(data))])
    data.to_csv(tmp_path / "sites.csv", index=False)
    items = [c for c in CFA.split() if c[-1].isdigit()]
    complete = data.dropna(subset=items).groupby("site").size().to_dict()
    (tmp_path / "model.lav").write_text(CFA, encoding="utf-8")
    code, output = run("fit", str(tmp_path / "model.lav"), "--data", str(tmp_path / "sites.csv"),
                       "--group", "site", "--out", str(tmp_path / "out"), "--no-bootstrap")
    assert code == 0, output
    results = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    assert results["group_n"] == {"small": complete["small"], "large": complete["large"]}
    assert sum(results["group_n"].values()) == results["n_obs"]
    assert f"(small {complete['small']}, large {complete['large']})" in output
    warning = (f"group site = small has {complete['small']} rows for the 25 free parameters of "
               "its part of the model")
    assert warning in output
    assert any(warning in w for w in results["warnings"])
    report = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert (f"site = small (n = {complete['small']}), site = large (n = {complete['large']:,})"
            in report)  # as the invariance line writes them


def test_the_invariance_ladder_names_each_group_size_and_warns_once(tmp_path: Path) -> None:
    data = pd.read_csv(ALLIANCE)
    data = data.assign(site=["small" if i < 14 else "large" for i in range(len(data))])
    data.to_csv(tmp_path / "sites.csv", index=False)
    (tmp_path / "model.lav").write_text(CFA, encoding="utf-8")
    done = run_semwb("invariance", str(tmp_path / "model.lav"), "--data",
                     str(tmp_path / "sites.csv"), "--group", "site", "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    ladder = json.loads((tmp_path / "o" / "invariance.json").read_text("utf-8"))
    assert ladder["group_n"] == {"small": 13, "large": 294}
    sizes = "site = small (n = 13), site = large (n = 294)"  # as the model report writes them
    assert f"across site: {sizes}; N = 307" in done.stdout
    assert " ".join(done.stdout.split()).count("group site = small has 13 rows") == 1
    assert "SemwbWarning" not in done.stderr
    page = (tmp_path / "o" / "invariance.html").read_text("utf-8")
    assert f"{sizes} (<i>N</i> = 307)" in page


def _fit_partners(folder: Path, key: str, out: str) -> tuple[int, str]:
    """``semwb fit`` of a spec on the alliance data with ``partners`` (a count, 1-6 with a few
    9s) as a cause of learning, plus ``key`` (a line of YAML, or empty)."""
    data = pd.read_csv(ALLIANCE)
    partners = [1 + i % 6 for i in range(len(data))]
    for row in (7, 50, 120):
        partners[row] = 9  # nine alliance partners: a real answer
    data.assign(partners=partners).to_csv(folder / "partners.csv", index=False)
    spec = folder / "partners.yaml"
    spec.write_text(f"model: partners\ndata: partners.csv\n{key}syntax: |\n"
                    + "".join(f"  {line}\n" for line in CFA.splitlines())
                    + "  IOL ~ AR + partners\n", encoding="utf-8")
    return run("fit", str(spec), "--out", str(folder / out), "--no-bootstrap")


def test_a_real_nine_on_a_count_is_kept_when_the_spec_says_so(tmp_path: Path) -> None:
    code, output = _fit_partners(tmp_path, "", "refused")
    assert code == 1
    assert ("partners.csv, column partners: 9 in 3 rows is far outside the column's scale 1-6 "
            "and looks like a missing-value code") in output
    assert "if it is a real value (a count, say), add 'no_missing_codes: [partners]' to the spec" \
        in output
    code, output = _fit_partners(tmp_path, "no_missing_codes: [partner]\n", "misspelt")
    assert code == 1
    assert ("partners.yaml, 'no_missing_codes': 'partner' is not a column of partners.csv (did "
            "you mean 'partners'?)") in output
    assert not (tmp_path / "misspelt").exists()
    code, output = _fit_partners(tmp_path, "no_missing_codes: [partners]\n", "out")
    assert code == 0, output
    results = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    complete = pd.read_csv(tmp_path / "partners.csv").dropna(
        subset=[c for c in CFA.split() if c[-1].isdigit()])
    assert results["n_obs"] == len(complete)  # no row with a 9 left out
    variance = next(r for r in results["parameters"]
                    if (r["lhs"], r["op"], r["rhs"]) == ("partners", "~~", "partners"))
    assert variance["est"] == pytest.approx(complete["partners"].var(ddof=0), rel=1e-6)
