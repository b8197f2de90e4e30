"""``semwb score``: score constructs, flag careless respondents, assess measurement quality."""

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from semwb.cli.app import app, err_console
from semwb.cli.terminal import MEASUREMENT_WORDS, print_measurement, say
from semwb.errors import OptionError


@app.command("score", short_help="Score constructs, flag careless respondents, check quality.")
def score(
    instrument: Annotated[Path, typer.Argument(
        metavar="INSTRUMENT", help="Instrument YAML (surveys/<name>.yaml).")],
    responses: Annotated[Path, typer.Argument(
        metavar="RESPONSES",
        help="Responses: CSV, XLSX, SAV, DTA, Qualtrics or Wenjuanxing export.")],
    out: Annotated[Path, typer.Option(
        help="Folder for scores.csv, flagged.csv and measurement.json.")] = Path("reports/score"),
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="Mapping file (column: item).")] = None,
    exclude: Annotated[str, typer.Option(
        help="Comma-separated flag rules that exclude respondents: "
             "attention, long_string, too_fast, mahalanobis, mahalanobis_mcd.")] = "",
    min_share: Annotated[float, typer.Option(
        help="Share of a construct's items a respondent must answer to get a score.")] = 0.5,
    missing_code: Annotated[list[str] | None, typer.Option(
        help="Extra token meaning 'no answer' (repeatable), e.g. -99.")] = None,
    constructs: Annotated[str, typer.Option(
        help="Comma-separated constructs to assess (default: all in the data; the CFA of "
             "many takes minutes).")] = "",
    lang: Annotated[str, typer.Option(help="Language of the printed table: en or zh.")] = "en",
    robust_outliers: Annotated[bool, typer.Option(
        "--robust-outliers", help="Also flag robust (MCD) Mahalanobis outliers, over the items "
        "of --constructs (default: all items; needs 5 respondents per item).")] = False,
) -> None:
    """Score constructs, flag careless respondents and assess measurement quality."""
    import json

    from semwb.files import atomic_write_text

    # Imported here, as in every command: scipy and the SEM engine take seconds to load.
    from semwb.measurement.cfa import measure_constructs
    from semwb.survey.instrument import load_instrument
    from semwb.survey.responses import read_responses
    from semwb.survey.scoring import score_constructs, scores_table
    from semwb.survey.tables import excel_safe

    if lang not in MEASUREMENT_WORDS:
        raise OptionError(f"--lang must be one of {', '.join(MEASUREMENT_WORDS)}; got '{lang}'.")
    inst = load_instrument(instrument)
    data = read_responses(responses, inst, sheet=sheet, mapping=mapping,
                          missing_codes=tuple(missing_code or ()))
    for warning in data.warnings:
        err_console.print(Text(f"semwb: warning: {warning}"), soft_wrap=True)
    rules = [r.strip() for r in exclude.split(",") if r.strip()]
    chosen = [c.strip() for c in constructs.split(",") if c.strip()] or None
    robust: bool | list[str] = robust_outliers or "mahalanobis_mcd" in rules
    if robust and chosen:
        robust = [i for c in chosen if c in inst.constructs for i in inst.constructs[c].item_ids]
    scores = score_constructs(data, inst, min_share=min_share, exclude=rules, robust=robust)
    quality = measure_constructs(scores.analysis_items, inst, constructs=chosen)
    table = scores_table(scores, data)
    flagged = table[table["any"]]
    atomic_write_text(out / "scores.csv", excel_safe(table).to_csv(index=False))
    atomic_write_text(out / "flagged.csv", excel_safe(flagged).to_csv(index=False))
    atomic_write_text(out / "measurement.json", json.dumps(
        quality.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    for line in scores.log:
        say(line)
    print_measurement(quality, inst, "zh" if lang == "zh" else "en")
    say(f"{len(flagged)} flagged respondent(s)")
    for row in flagged.itertuples():
        say(f"  {row.respondent} (row {row.row}): {row.reasons}")
    say(f"wrote {out / 'scores.csv'}, {out / 'flagged.csv'}, {out / 'measurement.json'}")
