"""Real model specs for the batch tests: the single-mediation reference model and variants."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

REFERENCE = Path(__file__).parent / "reference" / "mediation_single"
SYNTAX = (REFERENCE / "model.lav").read_text(encoding="utf-8")


def write_mediation_specs(folder: Path) -> Path:
    """Write two good specs, one naming a column the data lack, one that is not YAML."""
    folder.mkdir()
    shutil.copy(REFERENCE / "data.csv", folder / "data.csv")
    specs = {
        "mediation": SYNTAX,
        "direct_only": SYNTAX.replace("IOL ~ a*AR", "IOL ~ 0*AR").replace(
            "ind   := a*b\n", "").replace("total := cp + a*b\n", ""),
        "typo": SYNTAX.replace("ar4", "selfeff"),
    }
    for name, syntax in specs.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(
            {"model": name, "data": "data.csv", "syntax": syntax}, sort_keys=False),
            encoding="utf-8")
    (folder / "unreadable.yaml").write_text("model: x\nsyntax: [\n", encoding="utf-8")
    return folder
