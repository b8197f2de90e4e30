"""``semwb cmv``: common-method variance by a marker construct (Lindell & Whitney; CFA marker)."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from semwb.cli.app import LangOption, app
from semwb.cli.efa import ConstructsOption, ExcludeOption, InstrumentArg, ResponsesArg, survey_items
from semwb.cli.terminal import say
from semwb.errors import FitError, OptionError

if TYPE_CHECKING:
    import pandas as pd


def _records(frame: "pd.DataFrame") -> list[dict[str, Any]]:
    """Rows of a table, JSON-ready (NaN as None, numpy scalars as Python numbers)."""
    from semwb.measurement.assessment import json_ready

    rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return [json_ready(r) for r in rows]


@app.command("cmv", short_help="Common-method variance: marker variable, CFA marker, ULMC.")
def cmv(
    instrument: InstrumentArg,
    responses: ResponsesArg,
    marker: Annotated[str, typer.Option(
        help="The marker construct: theoretically unrelated to the others, same method.")],
    constructs: ConstructsOption = "",
    exclude: ExcludeOption = "",
    out: Annotated[Path, typer.Option(help="Folder for cmv.json and cmv.txt.")
    ] = Path("reports/cmv"),
    lang: LangOption = "en",
) -> None:
    """Marker-variable correction, CFA marker technique and ULMC, with a summary to paste."""
    import json

    from semwb.files import atomic_write_text
    from semwb.measurement.cmv import cfa_marker, cmv_summary, marker_correction, ulmc
    from semwb.report.i18n import check_lang
    from semwb.survey.scoring import compute_composites

    check_lang(lang)
    chosen = ",".join(filter(None, [constructs, marker])) if constructs else ""
    inst, _, items, groups = survey_items(instrument, responses, chosen, exclude)
    if marker not in groups:
        raise OptionError(f"--marker {marker}: not a construct of {instrument.name} with all its "
                          f"items in the data; the constructs are {', '.join(groups)}.")
    substantive = {c: v for c, v in groups.items() if c != marker}
    scores = compute_composites(items, inst)[list(groups)]
    corrected = marker_correction(scores, marker)
    technique = cfa_marker(items, substantive, groups[marker])
    try:
        fits, test, share = ulmc(items, substantive)
        ulmc_part: dict[str, Any] = {
            "test": _records(test), "method_share": _records(share),
            "fit": {k: f.fit.model_dump() for k, f in fits.items()}}
    except FitError as exc:  # equal method loadings are often not identified
        ulmc_part = {"error": str(exc)}
    summary = cmv_summary(lang=lang, marker_name=marker, corrected=corrected, marker=technique,
                          latent=None if "error" in ulmc_part else (test, share),
                          latent_failed="error" in ulmc_part)
    result = {
        "marker": marker, "marker_correction": _records(corrected),
        "cfa_marker": {"tests": _records(technique.tests), "chosen": technique.chosen,
                       "method_share": _records(technique.share),
                       "fit": {k: f.fit.model_dump() for k, f in technique.models.items()}},
        "ulmc": ulmc_part,
        "summary": summary,
    }
    atomic_write_text(out / "cmv.json", json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(out / "cmv.txt", summary + "\n")
    say(summary)
    say(f"wrote {out / 'cmv.json'}, {out / 'cmv.txt'}")
