"""``semwb simulate``: draw raw Likert responses from a population model."""

from pathlib import Path
from typing import Annotated

import typer

from semwb.cli.app import app
from semwb.cli.terminal import say
from semwb.errors import SpecError


@app.command("simulate", short_help="Draw Likert responses from a population model.")
def simulate(
    population: Annotated[Path, typer.Argument(
        metavar="POPULATION", help="Population model, lavaan syntax (.lav).")],
    instrument: Annotated[Path, typer.Argument(
        metavar="INSTRUMENT", help="Instrument YAML whose items to simulate.")],
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same file).")],
    n: Annotated[int, typer.Option("--n", help="Number of respondents.")] = 320,
    missing: Annotated[float, typer.Option(help="Share of Likert answers left empty.")] = 0.01,
    careless: Annotated[float, typer.Option(help="Share of careless respondents.")] = 0.04,
    square: Annotated[list[str] | None, typer.Option(
        help="Numeric column to add its square <name>_sq for (repeatable).")] = None,
) -> None:
    """Draw raw Likert responses from a population model (for examples and tests)."""
    from semwb.files import atomic_write_text
    from semwb.survey.instrument import load_instrument
    from semwb.survey.simulate import simulate_responses

    inst = load_instrument(instrument)
    try:
        syntax = population.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise SpecError(f"{population}: no such population model file.") from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"{population}: not UTF-8 text (byte {exc.start}); save it as UTF-8."
                        ) from exc
    frame = simulate_responses(syntax, inst, n=n, rng=seed, missing=missing, careless=careless,
                               squares=tuple(square or ()))
    atomic_write_text(out, frame.convert_dtypes().to_csv(index=False))
    say(f"wrote {out}: {len(frame)} respondents x {frame.shape[1]} columns (seed {seed})")
