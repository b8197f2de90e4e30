"""Golden files: the mediation report and an index, byte for byte (time, versions, seed pinned).

Nothing in a report reads the clock or the installed versions: what it shows comes from
``results.json``, whose provenance is pinned in the fixture. After an intended change, regenerate
with ``SEMWB_UPDATE_GOLDEN=1 pytest tests/test_report_golden.py`` (each rewritten file fails its
test), review the diff, and run again.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from report_support import instrument, mediation_measurement, mediation_results
from semwb.report import render_index, render_report

GOLDEN = Path(__file__).parent / "golden" / "report"


def check_golden(name: str, text: str, *, folder: Path = GOLDEN) -> None:
    """Compare ``text`` with the golden file; in update mode write it and fail, for a review."""
    path = folder / name
    if os.environ.get("SEMWB_UPDATE_GOLDEN") == "1":
        assert not os.environ.get("CI"), "golden files are compared in CI, never rewritten"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            pytest.fail(f"wrote {path}: review the diff, then run again without "
                        "SEMWB_UPDATE_GOLDEN")
    assert path.is_file(), f"{path} is missing: run with SEMWB_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from the golden file; if intended, regenerate it with "
        "SEMWB_UPDATE_GOLDEN=1 and review the diff")


@pytest.mark.parametrize("update", ["0", "1"])
def test_check_golden_never_passes_on_a_file_it_just_wrote(
        update: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("SEMWB_UPDATE_GOLDEN", update)
    with pytest.raises(pytest.fail.Exception if update == "1" else AssertionError):
        check_golden("new.html", "<p>new</p>", folder=tmp_path)
    (tmp_path / "old.html").write_text("<p>old</p>", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception if update == "1" else AssertionError):
        check_golden("old.html", "<p>changed</p>", folder=tmp_path)
    expected = "<p>changed</p>" if update == "1" else "<p>old</p>"
    assert (tmp_path / "old.html").read_text(encoding="utf-8") == expected
    check_golden("old.html", expected, folder=tmp_path)  # the same text passes in both modes


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mediation_report_matches_golden(lang: str) -> None:
    html = render_report(mediation_results(), lang=lang, instrument=instrument(),
                         measurement=mediation_measurement(), results_dir="reports/mediation",
                         downloads=False)  # the embedded tables have golden files of their own
    check_golden(f"mediation.{lang}.html", html)


def test_report_is_deterministic() -> None:
    first = render_report(mediation_results(), measurement=mediation_measurement())
    assert first == render_report(mediation_results(), measurement=mediation_measurement())


def test_index_matches_golden() -> None:
    full = mediation_results()
    direct = full.model_copy(update={
        "model": "routines-no-direct-path", "nested_in": [full.model],
        "title": {"en": "Full mediation (no direct path)", "zh": "完全中介（无直接路径）"},
        "fit": full.fit.model_copy(update={"chisq": 145.98, "df": 102, "aic": 11236.17,
                                           "bic": 11394.45})})
    failed = full.model_copy(update={"model": "broken-spec", "error": "models/broken.yaml, "
                                     "syntax line 2: 'selfeff' is not in the data."})
    html = render_index([full, direct, failed], lang="en")
    check_golden("index.en.html", html)
