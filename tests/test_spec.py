"""The lavaan syntax parser, the spec schema and the checks of a spec against data.

Error wording is pinned: each message names the file, the syntax line or the data row and
column, what is wrong and how to fix it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from semwb.errors import ResponseDataError, SpecError
from semwb.sem.data_checks import check_data
from semwb.sem.partable import build_partable
from semwb.sem.spec import load_spec, spec_from_syntax
from semwb.sem.syntax import parse_syntax

REFERENCE = Path(__file__).parent / "reference"
MEDIATION = """AR  =~ ar1 + ar2 + ar3 + ar4
IOL =~ iol1 + iol2 + iol3 + iol4
AI  =~ ai1 + ai2 + ai3 + ai4 + ai5 + ai6
IOL ~ a*AR
AI  ~ b*IOL + cp*AR
ind := a*b
"""


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "mediation_single" / "data.csv")


# --- parser ---------------------------------------------------------------------------------

def test_parser_reads_every_supported_form() -> None:
    parsed = parse_syntax(
        "# comment line\n"
        "F =~ NA*x1 + start(0.8)*x2 +   ! trailing comment\n"
        "     lam*x3 + label(\"l4\")*x4\n"
        "F ~~ 1*F; y ~ 0.5*F\n"
        "y ~ 1\n"
        "x1 ~~ 0*x2\n"
        "d := lam^2 + sqrt(l4)\n"
    )
    terms = {(t.lhs, t.op, t.rhs): t for t in parsed.terms}
    assert terms[("F", "=~", "x1")].free
    assert terms[("F", "=~", "x2")].start == 0.8
    assert terms[("F", "=~", "x3")].label == "lam"
    assert terms[("F", "=~", "x3")].line == 3
    assert terms[("F", "=~", "x4")].label == "l4"
    assert terms[("F", "~~", "F")].fixed == 1.0
    assert terms[("y", "~", "F")].fixed == 0.5
    assert ("y", "~1", "") in terms
    assert terms[("x1", "~~", "x2")].fixed == 0.0
    assert parsed.definitions[0].expression == "lam^2 + sqrt(l4)"
    assert parsed.latents == ("F",)
    assert parsed.observed == ("x1", "x2", "x3", "x4", "y")


def test_a_formula_continues_on_a_line_starting_with_plus() -> None:
    parsed = parse_syntax("F =~ x1 + x2\n   + x3\nG =~ x4 + x5 + x6\ntotal := c +\n  a*b\n")
    assert [t.rhs for t in parsed.terms if t.lhs == "F"] == ["x1", "x2", "x3"]
    assert parsed.definitions[0].expression == "c + a*b"


@pytest.mark.parametrize(("syntax", "match"), [
    (
        "F =~ x1 + x2 + x3\nthis is not a formula\n",
        r"syntax line 2: 'this is not a formula' has no lavaan operator; expected one of '=~'",
    ),
    ("F =~ x1 + x2 + x3\nF =~ x4 + + x5\n", r"syntax line 2: an empty term after '=~'"),
    (
        "F =~ x1 + x2 + x3\nx1 ~~ x2\ny ~ 2x*F\n",
        r"syntax line 3: '2x' is not a modifier; expected a label \(a\*x\), a number",
    ),
    (
        "F =~ x1 + x2 + x3\nAR => ar1\n",
        r"syntax line 2: '=>' is not a lavaan operator; did you mean '=~'\?",
    ),
    ("y <- x\n", r"syntax line 1: '<-' is not a lavaan operator; did you mean '~'\?"),
    ("F =~ x1 + x2 + x3\na ==\n", r"syntax line 2: a constraint needs an expression on both"),
    ("F <~ x1 + x2\n", r"syntax line 1: formative indicators \('<~'\) are not supported"),
    (
        "F =~ start(high)*x1 + x2\n",
        r"syntax line 1: start\(\) needs one number, as in start\(0.5\)\*x; got 'start\(high\)'",
    ),
    ("F =~ x1 + x2 + x3\nF G =~ x4\n", r"syntax line 2: 'F G' left of '=~' is not a variable name"),
    ("F =~ x1 + 3y\n", r"syntax line 1: '3y' is not a variable name"),
    ("# only a comment\n", r"the syntax has no model terms"),
    ("F =~ x1 + x2 + x3\nind :=\n", r"syntax line 2: nothing right of ':='"),
])
def test_syntax_errors_name_the_line_and_what_was_expected(syntax: str, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        parse_syntax(syntax, source="models/med.yaml")


def test_a_constraint_must_name_labels() -> None:
    with pytest.raises(SpecError, match=r"syntax line 2: the constraint 'a == b' uses 'a', 'b', "
                                        r"not a label of the model"):
        spec_from_syntax("F =~ x1 + x2 + x3\na == b\n", name="t")


def test_lavaan_syntax_beyond_the_basics_parses() -> None:
    parsed = parse_syntax("组织间学习 =~ 学习1 + 学习2 + 学习3\ny1 + y2 ~ x + x:w + I(x^2)\n"
                          "x7 ~ m*1\nx8 ~ m*1\na == 2*b\ne > 0.5\n")
    assert parsed.latents == ("组织间学习",)
    assert [(t.lhs, t.rhs) for t in parsed.terms if t.op == "~"] == [
        ("y1", "x"), ("y1", "x:w"), ("y1", "I(x^2)"), ("y2", "x"), ("y2", "x:w"),
        ("y2", "I(x^2)")]
    assert [t.label for t in parsed.terms if t.op == "~1"] == ["m", "m"]
    assert [(c.lhs, c.op, c.rhs, c.line) for c in parsed.constraints] == [
        ("a", "==", "2*b", 5), ("e", ">", "0.5", 6)]


def test_all_syntax_problems_are_reported_at_once() -> None:
    with pytest.raises(SpecError) as info:
        parse_syntax("F =~ x1 + x2 + x3\nnonsense\nG =~ + x4\na => b\n", source="m.lav")
    message = str(info.value)
    assert message.startswith("m.lav has 3 syntax problems:")
    for line in ("syntax line 2", "syntax line 3", "syntax line 4"):
        assert line in message


# --- parameter table (lavaan's sem() defaults) ---------------------------------------------

def test_partable_adds_lavaans_defaults() -> None:
    rows = build_partable(parse_syntax(MEDIATION))
    keys = {r.key: r for r in rows}
    assert not keys[("AR", "=~", "ar1")].free
    assert keys[("AR", "=~", "ar1")].value == 1.0
    assert keys[("AR", "=~", "ar2")].free
    assert all(keys[(v, "~~", v)].free for v in ("ar1", "ai6", "AR", "IOL", "AI"))
    assert ("AI", "~~", "IOL") not in keys  # a mediator and its outcome: no residual covariance
    assert len([r for r in rows if r.free]) == 31  # lavaan's npar for this model


def test_partable_covaries_exogenous_latents_and_pure_outcomes() -> None:
    rows = build_partable(parse_syntax(
        "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nY1 =~ y1 + y2 + y3\nY2 =~ y4 + y5 + y6\n"
        "Y1 ~ A + B\nY2 ~ A\n"))
    keys = {r.key for r in rows}
    assert ("A", "~~", "B") in keys
    assert ("Y1", "~~", "Y2") in keys


def test_partable_fixes_exogenous_covariates() -> None:
    rows = build_partable(parse_syntax("m ~ x1 + x2\ny ~ m + x1\n"))
    fixed_x = [r.key for r in rows if r.fixed_x]
    assert fixed_x == [("x1", "~~", "x1"), ("x1", "~~", "x2"), ("x2", "~~", "x2")]
    assert ("m", "~~", "y") not in {r.key for r in rows}


def test_na_frees_the_first_loading() -> None:
    rows = build_partable(parse_syntax("F =~ NA*x1 + x2 + x3\nF ~~ 1*F\n"))
    keys = {r.key: r for r in rows}
    assert keys[("F", "=~", "x1")].free
    assert not keys[("F", "~~", "F")].free


# --- spec files -----------------------------------------------------------------------------

def _write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_spec_loads_and_resolves_data_against_its_folder(tmp_path: Path) -> None:
    path = _write(tmp_path, "model: med\ndata: data/x.csv\nsyntax: |\n  F =~ x1 + x2 + x3\n"
                  "bootstrap: {draws: 1000, ci: bca, seed: 7}\n")
    spec = load_spec(path)
    assert spec.name == "med"
    assert spec.data == (tmp_path / "data" / "x.csv").resolve()
    assert spec.bootstrap is not None
    assert spec.bootstrap.draws == 1000
    assert spec.bootstrap.ci == "bca"


def test_a_single_indicator_has_its_residual_variance_fixed_at_zero() -> None:
    rows = {r.key: r for r in build_partable(parse_syntax("F =~ x1 + x2 + x3\nG =~ x4\n"))}
    assert (rows[("x4", "~~", "x4")].free, rows[("x4", "~~", "x4")].value) == (False, 0.0)
    assert rows[("G", "~~", "G")].free


def test_lav_file_takes_options_as_keywords(tmp_path: Path) -> None:
    path = _write(tmp_path, MEDIATION, "med.lav")
    spec = load_spec(path, missing="fiml")
    assert (spec.name, spec.missing, spec.has_means) == ("med", "fiml", True)


@pytest.mark.parametrize(("text", "match"), [
    (
        "model: m\nsyntax: 'F =~ x1 + x2 + x3'\nestimater: ML\n",
        r"spec.yaml: unknown key 'estimater'",
    ),
    (
        "model: m\nsyntax: 'F =~ x1 + x2 + x3'\nbootstrap: {draws: 10}\n",
        r"spec.yaml: 'bootstrap.draws' input should be greater than or equal to 100; got 10",
    ),
    (
        "model: m\nsyntax: 'F =~ x1 + x2 + x3'\nbootstrap: {draw: 1000}\n",
        r"unknown key 'bootstrap.draw'",
    ),
    ("model: m\n", r"spec.yaml: the key 'syntax' is required"),
    (
        "model: m\nsyntax: 'F =~ x1 + x2 + x3'\nmissing: pairwise\n",
        r"'missing' input should be 'listwise' or 'fiml'; got 'pairwise'",
    ),
    (
        "model: m\nsyntax: 'F =~ x1 + x2 + x3'\nestimator: GLS\n",
        r"'estimator' input should be 'ML', .*; got 'GLS'",
    ),
    (
        "model: m\nsyntax: 'F =~ x1 + c(a, b)*x2 + x3'\n",
        r"spec.yaml, syntax line 1: the modifier vector c\(a, b\) gives one value per group, "
        r"but the spec has no 'group:' key",
    ),
    (
        "model: m\nsyntax: 'F =~ x1 + x2 + x3'\ngroup: country\ngroup_equal: [loading]\n",
        r"'group_equal.0' input should be 'loadings', 'intercepts'",
    ),
    ("model: [m\n", r"spec.yaml, line 2: not valid YAML"),
    ("- just\n- a list\n", r"expected a mapping of keys"),
    (
        "model: m\nsyntax: |\n  F =~ x1 + x2 + x3\n  ind := a*b\n",
        r"spec.yaml, syntax line 2: 'ind := a\*b' uses 'a', 'b', not a label of the model",
    ),
])
def test_bad_specs_are_rejected_with_the_key_and_file(
    tmp_path: Path, text: str, match: str
) -> None:
    with pytest.raises(SpecError, match=match):
        load_spec(_write(tmp_path, text))


def test_spec_reports_every_bad_key_at_once(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"has 2 problems:\n- .*'colour'.*\n- .*'size'"):
        load_spec(_write(tmp_path, "model: m\nsyntax: 'F =~ x1 + x2 + x3'\ncolour: red\nsize: 3\n"))


@pytest.mark.parametrize(("name", "match"), [
    ("missing.yaml", r"missing.yaml: no such spec file"),
    ("spec.txt", r"a spec must end in .yaml, .yml or .lav; got '.txt'"),
])
def test_spec_file_problems(tmp_path: Path, name: str, match: str) -> None:
    if name == "spec.txt":
        _write(tmp_path, "F =~ x1", name)
    with pytest.raises(SpecError, match=match):
        load_spec(tmp_path / name)


# --- checks against data --------------------------------------------------------------------

def _bad_data(survey: pd.DataFrame, kind: str) -> tuple[str, pd.DataFrame]:
    data = survey.copy()
    syntax = MEDIATION
    if kind == "unknown":
        syntax = MEDIATION.replace("iol3", "iol_3")
    elif kind == "text":
        data["ai4"] = data["ai4"].astype(object)
        data.loc[117, "ai4"] = "seven"
    elif kind == "constant":
        data["ar3"] = 4
    elif kind == "copy":
        data["ai6"] = data["ai5"] * 2 + 1
    elif kind == "sum":
        data["ai6"] = data["ai1"] + data["ai2"] + data["ai3"]
    elif kind == "rows":
        data = data.head(10)
    return syntax, data


@pytest.mark.parametrize(("kind", "match"), [
    (
        "unknown",
        r"med.yaml, syntax line 2: 'iol_3' is neither a column of survey.csv nor a latent "
        r"defined with =~ \(did you mean 'iol3'\?\)",
    ),
    ("text", r"survey.csv, row 118, column ai4: 'seven' is not a number"),
    (
        "constant",
        r"survey.csv, column ar3: every value is 4; a variable with zero variance cannot be "
        r"modelled",
    ),
    ("copy", r"survey.csv: columns ai5 and ai6 are perfectly collinear"),
    ("sum", r"survey.csv: the model's columns are linearly dependent"),
    ("rows", r"survey.csv: 10 complete rows for 14 observed variables"),
])
def test_bad_data_is_rejected_naming_column_and_row(
    survey: pd.DataFrame, kind: str, match: str
) -> None:
    syntax, data = _bad_data(survey, kind)
    spec = spec_from_syntax(syntax, name="med", source="models/med.yaml")
    with pytest.raises(SpecError, match=match):
        check_data(spec, data, data_name="survey.csv")


def test_data_problems_are_reported_at_once(survey: pd.DataFrame) -> None:
    data = survey.copy()
    data["ai4"] = data["ai4"].astype(object)
    data.loc[3, "ai4"] = "n/a?"
    spec = spec_from_syntax(MEDIATION.replace("iol3", "iol_3"), name="med", source="med.yaml")
    with pytest.raises(SpecError, match=r"2 problems:\n- .*iol_3.*\n- .*row 4, column ai4"):
        check_data(spec, data, data_name="survey.csv")


@pytest.mark.parametrize("missing", ["listwise", "fiml"])
def test_an_empty_column_or_no_complete_row_is_named(survey: pd.DataFrame, missing: str) -> None:
    spec = spec_from_syntax(MEDIATION, name="med", source="med.yaml", missing=missing)
    with pytest.raises(SpecError, match=r"med.yaml does not fit survey.csv: ai4: no value in any "
                                        r"row; drop it from the syntax or fill it in\.$"):
        check_data(spec, survey.assign(ai4=np.nan), data_name="survey.csv")
    holes = survey.copy()
    holes.loc[holes.index % 2 == 0, "ar1"] = np.nan
    holes.loc[holes.index % 2 == 1, "ar2"] = np.nan
    if missing == "listwise":
        with pytest.raises(SpecError, match=r"survey\.csv: no row is left to fit"):
            check_data(spec, holes, data_name="survey.csv")


def test_unused_columns_are_ignored_whatever_they_hold(survey: pd.DataFrame) -> None:
    data = survey.copy()
    data["comment"] = ["free <text>, with 'quotes'"] * len(data)
    data["constant"] = 1
    spec = spec_from_syntax(MEDIATION, name="med")
    frame, excluded = check_data(spec, data)
    assert list(frame.columns) == list(spec.parsed.observed)
    assert excluded == ()


def test_listwise_drops_incomplete_rows(survey: pd.DataFrame) -> None:
    data = survey.copy()
    data.loc[[0, 5], "ar2"] = np.nan
    frame, excluded = check_data(spec_from_syntax(MEDIATION, name="med"), data)
    assert (len(frame), excluded) == (len(data) - 2, (1, 6))


@pytest.mark.parametrize(("syntax", "match"), [
    (
        "F =~ NA*ar1 + ar2 + ar3\n",
        r"syntax line 1: the scale of latent 'F' is not set; fix one loading \(1\*ar1\) or its "
        r"variance \(F ~~ 1\*F\)",
    ),
    (
        "F =~ ar1 + ar2 + ar3\nG =~ iol1\niol1 ~~ iol1\n",
        r"syntax line 2: latent 'G' has one indicator and is not identified",
    ),
    (
        "F =~ ar1 + ar2\n",
        r"syntax line 1: latent 'F' has two indicators and no relation to another latent",
    ),
    (
        "F =~ ar1 + ar2 + ar3\nar1 ~~ ar2 + ar3\nar2 ~~ ar3\n",
        r"m.lav: the model has 9 free parameters but the data give only 6 variances, "
        r"covariances of its 3 observed variables \(degrees of freedom -3\)",
    ),
])
def test_unidentified_models_say_which_part(survey: pd.DataFrame, syntax: str, match: str) -> None:
    spec = spec_from_syntax(syntax, name="m", source="m.lav")
    with pytest.raises(SpecError, match=match):
        check_data(spec, survey)


def test_two_indicator_latent_related_to_another_is_accepted(survey: pd.DataFrame) -> None:
    spec = spec_from_syntax("F =~ ar1 + ar2\nG =~ iol1 + iol2 + iol3\nG ~ F\n", name="m")
    frame, _ = check_data(spec, survey)
    assert len(frame) == len(survey)


def test_unreadable_data_file_is_a_response_error(tmp_path: Path) -> None:
    from semwb.pipeline import read_data

    with pytest.raises(ResponseDataError, match=r"nope.csv: no such data file"):
        read_data(tmp_path / "nope.csv")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(ResponseDataError, match=r"unknown file type '.json'"):
        read_data(tmp_path / "x.json")


# --- property: what the parser reads back is what was written -----------------------------

_names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)


@given(
    st.lists(st.tuples(_names, st.lists(_names, min_size=1, max_size=5, unique=True)),
             min_size=1, max_size=4, unique_by=lambda t: t[0]),
    st.sampled_from([" + ", "+", " +\n      "]),
)
def test_parser_round_trips_measurement_formulas(
    blocks: list[tuple[str, list[str]]], joiner: str
) -> None:
    text = "\n".join(f"F_{latent} =~ {joiner.join(items)}  # {latent}" for latent, items in blocks)
    parsed = parse_syntax(text)
    expected = [(f"F_{latent}", item) for latent, items in blocks for item in items]
    assert [(t.lhs, t.rhs) for t in parsed.terms] == expected
    assert all(t.op == "=~" for t in parsed.terms)


@pytest.mark.parametrize("path", sorted((Path(__file__).parent.parent / "models").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_every_shipped_spec_loads(path: Path) -> None:
    spec = load_spec(path)
    assert spec.parsed.terms
    assert spec.data is not None
    assert spec.data.name.endswith(".csv")


@given(st.text(alphabet="Fxyab12 ~=*+:#!;()\"'.\n^-NA", max_size=80))
def test_any_text_parses_or_raises_a_spec_error(text: str) -> None:
    """Whatever a user types, the parser answers with a result or a SpecError, never a crash."""
    message = ""
    try:
        spec = spec_from_syntax(text, name="fuzz", source="fuzz.lav")  # parses and compiles :=
    except SpecError as exc:
        message = str(exc)
    else:
        assert spec.parsed.terms
    assert message == "" or message.startswith("fuzz.lav")


@pytest.mark.parametrize(("hypothesis", "message"), [
    ("{id: H1, effect: a, expect: positive}", r"unknown key 'hypotheses.0.expect'"),
    ("{id: H1, effect: a, expected: up}",
     r"'hypotheses.0.expected' input should be 'positive', 'negative' or 'nonzero'"),
])
def test_hypotheses_reject_unknown_keys_and_directions(tmp_path: Path, hypothesis: str,
                                                       message: str) -> None:
    spec = tmp_path / "h.yaml"
    spec.write_text("model: h\nsyntax: 'y ~ a*x'\nhypotheses:\n  - " + hypothesis + "\n",
                    encoding="utf-8")
    with pytest.raises(SpecError, match=message):
        load_spec(spec)


def test_a_spec_that_is_not_utf8_is_a_spec_error(tmp_path: Path) -> None:
    spec = tmp_path / "gbk.yaml"
    spec.write_bytes("model: m\ntitle: {zh: 联盟惯例}\nsyntax: 'y ~ x'\n".encode("gbk"))
    with pytest.raises(SpecError, match=r"gbk.yaml: not UTF-8 text \(byte \d+\); save it as UTF-8"):
        load_spec(spec)
