"""The web app's one adapter to the library: every check and every analysis goes through here.

The web app has no validation or rendering of its own: it calls the same functions as the CLI
(``semwb.survey``, ``semwb.sem``, ``semwb.pipeline``, ``semwb.report``) and shows their
``SemwbError`` messages. Uploads are stored under generated names, so messages that quote the
stored path are rewritten to quote the file name the user uploaded instead.

The run worker (:mod:`semwb.web.run_queue`) imports this module by name in another process,
so everything here is a plain top-level function over picklable values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from semwb.errors import OptionError, SemwbError
from semwb.files import atomic_write_text
from semwb.report.i18n import LANGS
from semwb.sem.spec import CI_TYPES

#: File name suffixes accepted for each kind of upload (lower case, with the dot).
INSTRUMENT_SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx")
RESPONSE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".sav", ".dta")

#: The run outputs offered for download, in the order they are listed.
OUTPUTS = ("results.json", "scores.csv", "report.html")

#: Bootstrap interval methods offered on the run form (the spec's own list), report languages.
CI_METHODS = CI_TYPES
LANGUAGES = LANGS

#: Careless-responding rules a run can exclude respondents by (``semwb.survey.scoring``'s flags;
#: the robust MCD distance is left to ``semwb score``).
EXCLUSION_RULES = ("attention", "long_string", "too_fast", "mahalanobis")

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class RunJob:
    """Everything one run needs, as plain picklable values (it may run in another process)."""

    run_id: str
    model_name: str
    syntax: str
    instrument_path: Path
    instrument_name: str
    responses_path: Path
    responses_name: str
    out_dir: Path
    options: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None


def _renamed(text: str, path: Path, display_name: str) -> str:
    """Return a library message about ``path`` naming ``display_name`` instead."""
    return text.replace(str(path), display_name).replace(path.name, display_name)


@contextmanager
def _shown_as(path: Path, display_name: str) -> Iterator[None]:
    """Re-raise a SemwbError about ``path`` so that it names ``display_name`` instead."""
    try:
        yield
    except SemwbError as exc:
        raise type(exc)(_renamed(str(exc), path, display_name)) from exc


def _instrument(path: Path, display_name: str) -> Any:
    from semwb.survey.instrument import load_instrument

    with _shown_as(path, display_name):
        return load_instrument(path)


def _responses(path: Path, display_name: str, instrument: Any, sheet: str | None) -> Any:
    from semwb.survey.responses import read_responses

    with _shown_as(path, display_name):
        return read_responses(path, instrument, sheet=sheet or None)


def check_instrument(path: Path, *, display_name: str) -> dict[str, Any]:
    """Validate an uploaded instrument and return what the project page shows of it.

    Returns
    -------
    dict
        ``name``, ``title``, ``scale`` (``"1-7"``), and ``constructs``: a list of
        ``{"id", "name", "items": [{"id", "text", "reverse"}]}`` in questionnaire order.

    Raises
    ------
    InstrumentError
        With every problem and its line, naming ``display_name``.
    """
    inst = _instrument(path, display_name)
    return {
        "name": inst.instrument,
        "title": inst.title.get("en"),
        "scale": f"{inst.scale.min}-{inst.scale.max}",
        "constructs": [
            {"id": cid, "name": c.name.get("en"),
             "items": [{"id": it.id, "text": it.text.get("en"), "reverse": it.reverse}
                       for it in c.items]}
            for cid, c in inst.constructs.items()
        ],
    }


def check_responses(path: Path, *, display_name: str, instrument_path: Path,
                    instrument_name: str, sheet: str | None = None) -> dict[str, Any]:
    """Read an uploaded response file against an instrument; return its summary.

    Returns
    -------
    dict
        ``rows`` (respondents), ``columns`` (column names kept), ``warnings`` (list of str),
        ``sheet`` (as given, to read the file the same way later).

    Raises
    ------
    ResponseDataError
        Naming ``display_name``, the row and the column of the first problems.
    """
    inst = _instrument(instrument_path, instrument_name)
    responses = _responses(path, display_name, inst, sheet)
    return {
        "rows": len(responses.data),
        "columns": [str(c) for c in responses.data.columns],
        "warnings": [_renamed(str(w), path, display_name) for w in responses.warnings],
        "sheet": sheet,
    }


def check_syntax(syntax: str, *, name: str, responses_path: Path | None = None,
                 responses_name: str = "", instrument_path: Path | None = None,
                 instrument_name: str = "", sheet: str | None = None,
                 hypotheses: list[dict[str, Any]] | None = None) -> None:
    """Check a model's lavaan syntax, and against a response file when one is given.

    The same checks as ``semwb fit``: the syntax and its ``:=`` definitions
    (``spec_from_syntax``), the ``hypotheses`` a model keeps from its stored spec against the
    syntax as the run will fit it (``check_hypotheses``, after the data keys when there are
    data, as the run checks them: a web run takes no ``process:`` block, so no ``:=`` line is
    written after the data are read), then the variables, values and identification against
    the data (``check_data``).

    Raises
    ------
    SpecError
        Every problem, with its line of syntax and the closest column for an unknown variable,
        or the hypothesis (id) naming what the model lacks, with the closest name.
    """
    from semwb.model_data import model_data
    from semwb.pipeline import prepare_data
    from semwb.sem.data_checks import check_data
    from semwb.sem.hypothesis_check import check_hypotheses
    from semwb.sem.spec import spec_from_syntax

    spec = spec_from_syntax(syntax, name=name, source=f"model {name}",
                            **({"hypotheses": hypotheses} if hypotheses else {}))
    if responses_path is None or instrument_path is None:
        check_hypotheses(spec, spec.parsed)
        return
    inst = _instrument(instrument_path, instrument_name)
    responses = _responses(responses_path, responses_name, inst, sheet)
    built = model_data(spec, prepare_data(responses.data, instrument=inst), instrument=inst,
                       data_name=responses_name)  # product terms, as the run makes them
    check_hypotheses(spec, built.spec.parsed)
    check_data(built.spec, built.data, data_name=responses_name)


def check_run_options(syntax: str, *, name: str, draws: int, ci: str, level: float,
                      seed: int | None, lang: str, missing: str = "listwise",
                      estimator: str = "ML", group: str = "", ordered: str = "",
                      spec: dict[str, Any] | None = None,
                      exclude: list[str] | None = None, imputations: int = 0,
                      predict: bool = False, folds: int = 10) -> dict[str, Any]:
    """Check a run's options with the spec's own rules; return them as a plain dict.

    ``draws`` 0 means no bootstrap (Wald intervals only); ``missing`` is ``listwise`` or
    ``fiml``; ``estimator`` is ``ML``, ``MLR``, ``MLM`` (robust estimators without a
    bootstrap) or ``WLSMV``; ``group`` names the column of a multiple-group model (``""``: one
    group); ``ordered`` lists the ordinal items, ``all`` or names separated by commas (``""``:
    none; the spec's ``ordered``, fitted by WLSMV). ``spec`` holds the keys a model started
    from a stored spec keeps (:func:`spec_keys`); its ``title`` and ``hypotheses`` go into the
    options, so that the run's results and report carry them. ``exclude`` names the
    careless-responding rules (:data:`EXCLUSION_RULES`) whose flagged respondents the run leaves
    out, each recorded with its reasons in the results. ``imputations`` (0: none) and
    ``predict`` with ``folds`` are the spec's ``imputation:`` and ``prediction:`` blocks, run
    beside the fit (docs/explore.md), refused with the same messages as ``semwb fit``.

    Raises
    ------
    SpecError, OptionError
        Naming the option, the rule and the value received.
    """
    if lang not in LANGUAGES:
        raise OptionError(
            f"The report language must be one of {', '.join(LANGUAGES)}; got {lang!r}.")
    if ordered_items(ordered) and estimator == "ML":
        raise OptionError("Ordered items are fitted by WLSMV: choose the estimator WLSMV, or "
                          "leave 'Ordered items' empty to fit the items as continuous.")
    options = {"draws": draws, "ci": ci, "level": level, "seed": seed, "lang": lang,
               "missing": missing, "estimator": estimator, "group": group,
               "ordered": ordered_items(ordered), **beside_run_options(imputations, predict, folds)}
    options.update({key: value for key, value in (spec or {}).items()
                    if key in ("title", "hypotheses", "not_carried") and value})
    unknown = sorted(set(exclude or ()) - set(EXCLUSION_RULES))
    if unknown:
        raise OptionError(f"Unknown exclusion rule(s) {', '.join(unknown)}; choose from "
                          f"{', '.join(EXCLUSION_RULES)}.")
    if exclude:
        options["exclude"] = [rule for rule in EXCLUSION_RULES if rule in exclude]
    _spec(syntax, name, options)  # the spec's own checks
    return options


def ordered_items(text: str) -> list[str] | str | None:
    """The run form's ordered items as the spec's ``ordered``: ``"all"``, a list, or None."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        return None
    return "all" if items == ["all"] else items


def beside_run_options(imputations: int, predict: bool, folds: int) -> dict[str, Any]:
    """The run form's multiple imputation and prediction fields as the spec's blocks (only the
    ones asked for, so older runs' options read the same)."""
    return {**({"imputation": {"m": imputations}} if imputations else {}),
            **({"prediction": {"folds": folds}} if predict else {})}


def _spec(syntax: str, name: str, options: dict[str, Any]) -> Any:
    from semwb.sem.spec import spec_from_syntax

    bootstrap = ({key: options[key] for key in ("draws", "ci", "level", "seed")}
                 if options.get("draws") else None)
    ordinal = {"ordered": options["ordered"]} if options.get("ordered") else {}
    stored = {key: options[key] for key in ("title", "hypotheses", "imputation", "prediction")
              if options.get(key)}
    return spec_from_syntax(syntax, name=name, source=f"model {name}", bootstrap=bootstrap,
                            missing=options.get("missing", "listwise"),
                            estimator=options.get("estimator", "ML"),
                            group=options.get("group") or None, **ordinal, **stored)


def starter_specs(models_dir: Path | None) -> list[dict[str, Any]]:
    """Return the specs of ``models_dir`` to start a model from.

    Each is ``name``, ``title`` (English), ``syntax`` and ``spec``: the keys a model saved from
    it keeps (:func:`spec_keys`). Specs that do not load are left out: the model editor offers
    only working starting points.
    """
    if models_dir is None or not models_dir.is_dir():
        return []
    from semwb.sem.spec import load_spec

    specs = []
    for path in sorted(models_dir.glob("*.y*ml")):
        try:
            spec = load_spec(path)
        except SemwbError:
            continue
        title = spec.title.get("en", "") if isinstance(spec.title, dict) else str(spec.title or "")
        specs.append({"name": spec.name, "title": title, "syntax": spec.syntax,
                      "spec": spec_keys(spec)})
    return specs


def spec_keys(spec: Any) -> dict[str, Any]:
    """The keys of a stored spec that a web model keeps beside its syntax, as plain JSON values.

    ``title`` (per language), ``hypotheses`` (as in the spec) and ``missing``: a run of the model
    reports the spec's title and tests its hypotheses, and the run form's missing-data choice
    defaults to the spec's rule.
    """
    not_carried = sorted(key for key in spec.model_fields_set - _CARRIED
                         if not (key == "estimator" and spec.estimator == "ML"))
    return {"title": dict(spec.title),
            "hypotheses": [h.model_dump(exclude_none=True) for h in spec.hypotheses],
            "missing": spec.missing, "not_carried": not_carried}


#: Spec keys a web model keeps or whose meaning the run form or the upload gives.
_CARRIED = frozenset({"name", "source", "syntax", "data", "instrument", "title", "hypotheses",
                      "missing"})


def not_carried_warning(keys: list[str]) -> str:
    """The run's warning that the spec's other keys were not applied (never silently)."""
    return (f"this model was started from a spec whose keys {', '.join(keys)} a web run does "
            "not take: the run used the run form's choices instead (estimator, bootstrap, "
            "group, ordered items) and none of the others; run 'semwb fit SPEC' for the spec "
            "as written.")


def run_job(job: RunJob, progress: Progress) -> None:
    """Run one analysis and write ``results.json``, ``scores.csv`` and ``report.html``.

    Parameters
    ----------
    job
        The inputs and options (``draws``, ``ci``, ``level``, ``seed``, ``lang``).
    progress
        Called with the fraction done (0-1) and a short message.
    """
    from semwb.pipeline import run_analysis, write_results
    from semwb.report import render_report
    from semwb.survey.scoring import score_constructs, scores_table
    from semwb.survey.tables import excel_safe

    progress(0.0, "reading the data")
    inst = _instrument(job.instrument_path, job.instrument_name)
    responses = _responses(job.responses_path, job.responses_name, inst, job.sheet)
    spec = _spec(job.syntax, job.model_name, job.options)

    def on_progress(done: int, total: int) -> None:
        progress(0.1 + 0.85 * done / max(total, 1), f"bootstrap draw {done} of {total}")

    scores = score_constructs(responses, inst, exclude=job.options.get("exclude", []))
    progress(0.05, "fitting the model")
    with _shown_as(job.responses_path, job.responses_name):
        results = run_analysis(spec, responses.data.loc[scores.kept],
                               data_path=job.responses_path, data_name=job.responses_name,
                               instrument=inst, progress=on_progress)
    results = with_careless_exclusions(results, scores.exclusions)
    if job.options.get("not_carried"):
        results = results.model_copy(update={"warnings": [
            *results.warnings, not_carried_warning(job.options["not_carried"])]})
    progress(0.96, "writing the report")
    job.out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(job.out_dir / "scores.csv",
                      excel_safe(scores_table(scores, responses)).to_csv(index=False))
    atomic_write_text(job.out_dir / "report.html",
                      render_report(results, lang=job.options.get("lang", "en"), instrument=inst))
    for stale in job.out_dir.glob("report.*.html"):  # other languages of an earlier attempt
        stale.unlink()
    write_results(results, job.out_dir)
    progress(1.0, "finished")


def report_in(out_dir: Path, lang: str, *, instrument_path: Path,
              instrument_name: str) -> Path:
    """A finished run's report in another language: ``report.<lang>.html``, rendered once from
    its ``results.json`` with its instrument (``run_job`` removes it when the run is redone).

    Raises
    ------
    OptionError
        For a language reports are not written in.
    """
    from semwb.report.i18n import check_lang
    from semwb.report.writer import report_of

    path = out_dir / f"report.{check_lang(lang)}.html"
    if not path.is_file():
        inst = _instrument(instrument_path, instrument_name)
        atomic_write_text(path, report_of(out_dir, lang=check_lang(lang), instrument=inst))
    return path


def with_careless_exclusions(results: Any, exclusions: Any) -> Any:
    """``results`` with the respondents a run's exclusion rules left out counted and listed first.

    ``exclusions`` is :attr:`semwb.survey.scoring.Scores.exclusions` (``respondent``,
    ``reasons``); each becomes ``{"respondent", "reason"}`` in ``Results.exclusions``.
    """
    if exclusions.empty:
        return results
    careless = [{"respondent": str(row.respondent),
                 "reason": f"careless responding ({row.reasons})"}
                for row in exclusions.itertuples()]
    return results.model_copy(update={
        "n_excluded": results.n_excluded + len(careless),
        "exclusions": [*careless, *results.exclusions]})
