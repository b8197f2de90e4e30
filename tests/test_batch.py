"""The batch runner with a fake backend: discovery, isolation of failures, the cache, the lock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from batch_fakes import BACKEND, write_data, write_spec
from semwb.batch import find_specs, run_batch
from semwb.batch import plan as plan_module
from semwb.batch.cache import STAMP, fingerprint, is_up_to_date
from semwb.batch.lock import output_lock
from semwb.batch.runner import BatchSummary
from semwb.errors import OptionError
from semwb.files import sha256_file
from semwb.results import read_results


def statuses(summary: BatchSummary) -> dict[str, str]:
    return {m.name: m.status for m in summary.models}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    models = tmp_path / "models"
    models.mkdir()
    write_data(models / "data.csv", [1.0, 2.0, 3.0, 6.0])
    return models


# --- discovery and fingerprint ---------------------------------------------------------------

def test_find_specs_sorts_and_ignores_other_files(folder: Path) -> None:
    for name in ("b", "a"):
        write_spec(folder, name)
    (folder / "c.lav").write_text("y ~ x\n", encoding="utf-8")
    (folder / ".hidden.yaml").write_text("{}", encoding="utf-8")
    assert [p.name for p in find_specs(folder)] == ["a.yaml", "b.yaml", "c.lav"]


@pytest.mark.parametrize(("setup", "match"), [
    ("missing", "no such folder"),
    ("empty", "no model spec found"),
    ("clash", "med.yaml and med.yml would write to the same results folder"),
])
def test_find_specs_errors_name_folder_and_fix(tmp_path: Path, setup: str, match: str) -> None:
    models = tmp_path / "models"
    if setup != "missing":
        models.mkdir()
    if setup == "clash":
        (models / "med.yaml").write_text("", encoding="utf-8")
        (models / "med.yml").write_text("", encoding="utf-8")
    with pytest.raises(OptionError, match=match):
        find_specs(models)


def test_fingerprint_follows_every_input() -> None:
    base: dict[str, Any] = {"spec_sha256": "s", "data_sha256": "d", "versions": {"semwb": "1"}}
    reference = fingerprint(**base)
    assert fingerprint(**base) == reference
    changed: list[dict[str, Any]] = [
        {**base, "spec_sha256": "s2"}, {**base, "data_sha256": "d2"},
        {**base, "versions": {"semwb": "2"}}, {**base, "extra": {"instrument": "i"}},
    ]
    assert len({fingerprint(**c) for c in changed} | {reference}) == 5


# --- isolation ---------------------------------------------------------------------------------

def test_failing_models_are_recorded_and_the_others_finish(folder: Path, tmp_path: Path) -> None:
    write_spec(folder, "good1")
    write_spec(folder, "good2", sleep=0.2)
    (folder / "syntax.yaml").write_text("model: [unclosed\n", encoding="utf-8")
    write_spec(folder, "nocol", column="missing")
    write_spec(folder, "fitfail", fail="the information matrix is singular")
    write_spec(folder, "crash", crash=True)
    write_spec(folder, "diverged", converged=False)
    write_spec(folder, "nodata", data="absent.csv")
    write_spec(folder, "nan", nan_r2=True)
    out = tmp_path / "reports"

    summary = run_batch(folder, out=out, jobs=2, backend=BACKEND)

    assert statuses(summary) == {
        "crash": "failed", "diverged": "failed", "fitfail": "failed", "good1": "fitted",
        "good2": "fitted", "nan": "failed", "nocol": "failed", "nodata": "failed",
        "syntax": "failed",
    }
    assert summary.exit_code == 7
    assert read_results(out / "good1").parameters[0].est == pytest.approx(3.0)
    assert (out / "good1" / "report.html").is_file()
    errors = {name: read_results(out / name).error or "" for name in statuses(summary)}
    assert "singular" in errors["fitfail"]
    assert "column 'missing'" in errors["nocol"]
    assert "ZeroDivisionError" in errors["crash"]
    assert "Traceback" in errors["crash"]
    assert "did not converge" in errors["diverged"]
    assert "absent.csv does not exist" in errors["nodata"]
    assert "syntax.yaml" in errors["syntax"]
    assert "internal error (ValueError: Out of range float values" in errors["nan"]
    # a model that did not converge keeps where the optimizer stopped, for diagnosis
    assert read_results(out / "diverged").parameters
    for name in ("fitfail", "crash", "syntax"):
        assert not (out / name / "report.html").exists()
        assert not (out / name / STAMP).exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "fitfail (None): model 'fitfail': the information matrix is singular" in index
    assert "good2 (good2/report.html): ok" in index


def test_a_dead_worker_fails_its_model_and_the_pool_restarts(folder: Path,
                                                            tmp_path: Path) -> None:
    write_spec(folder, "a_dies", die=True)
    write_spec(folder, "b")
    write_spec(folder, "c")
    summary = run_batch(folder, out=tmp_path / "out", jobs=1, backend=BACKEND)
    assert statuses(summary) == {"a_dies": "failed", "b": "fitted", "c": "fitted"}
    assert "a worker process died" in (summary.models[0].error or "")


def test_unreadable_dataset_fails_only_its_models(folder: Path, tmp_path: Path) -> None:
    (folder / "empty.csv").write_text("x\n", encoding="utf-8")
    write_spec(folder, "ok")
    write_spec(folder, "on_empty", data="empty.csv")
    summary = run_batch(folder, out=tmp_path / "out", jobs=1, backend=BACKEND)
    assert statuses(summary) == {"ok": "fitted", "on_empty": "failed"}
    assert "empty.csv: no rows" in (summary.models[1].error or "")
    assert summary.exit_code == 1


def test_exit_code_is_capped_below_shell_signal_codes(folder: Path, tmp_path: Path) -> None:
    from semwb.batch.runner import BatchSummary, ModelStatus
    from semwb.results import Results

    failed = ModelStatus("m", "failed", Results(model="m", error="e"))
    assert BatchSummary(out=tmp_path, models=[failed] * 300).exit_code == 125
    assert BatchSummary(out=tmp_path, models=[]).exit_code == 0


# --- incremental -------------------------------------------------------------------------------

def test_rerun_skips_unchanged_and_refits_what_changed(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_data(folder / "other.csv", [10.0, 20.0])
    for name in ("a", "b", "c"):
        write_spec(folder, name)
    write_spec(folder, "d", data="other.csv")
    out = tmp_path / "reports"
    first = run_batch(folder, out=out, jobs=2, backend=BACKEND)
    assert set(statuses(first).values()) == {"fitted"}
    before = {p: p.read_bytes() for p in out.glob("*/*")}

    hashed: list[str] = []

    def counting_hash(path: str | Path) -> str:
        hashed.append(Path(path).name)
        return sha256_file(path)

    monkeypatch.setattr(plan_module, "sha256_file", counting_hash)
    again = run_batch(folder, out=out, jobs=2, backend=BACKEND)
    assert set(statuses(again).values()) == {"up to date"}
    assert {p: p.read_bytes() for p in out.glob("*/*")} == before
    # data hashed once per dataset, not once per spec
    assert sorted(hashed) == ["a.yaml", "b.yaml", "c.yaml", "d.yaml", "data.csv", "other.csv"]

    write_spec(folder, "b", sleep=0.01)  # spec edited
    write_data(folder / "other.csv", [10.0, 30.0])  # data changed
    third = run_batch(folder, out=out, jobs=2, backend=BACKEND)
    assert statuses(third) == {"a": "up to date", "b": "fitted", "c": "up to date",
                               "d": "fitted"}
    assert read_results(out / "d").parameters[0].est == pytest.approx(20.0)

    forced = run_batch(folder, out=out, jobs=2, force=True, backend=BACKEND)
    assert set(statuses(forced).values()) == {"fitted"}


def test_an_edited_instrument_refits_the_models_that_name_it(
    folder: Path, tmp_path: Path,
) -> None:
    (folder / "instruments").mkdir()
    instrument = folder / "instruments" / "inst.yaml"
    instrument.write_text("scale: 2\n", encoding="utf-8")
    write_spec(folder, "named", instrument="instruments/inst.yaml")
    write_spec(folder, "plain")
    write_spec(folder, "lost", instrument="absent.yaml")
    out = tmp_path / "out"
    first = run_batch(folder, out=out, jobs=1, backend=BACKEND)
    assert statuses(first) == {"lost": "failed", "named": "fitted", "plain": "fitted"}
    assert "instrument absent.yaml not found" in (first.models[0].error or "")
    assert read_results(out / "named").parameters[0].est == pytest.approx(6.0)
    instrument.write_text("scale: 3\n", encoding="utf-8")
    second = run_batch(folder, out=out, jobs=1, backend=BACKEND)
    assert statuses(second) == {"lost": "failed", "named": "fitted", "plain": "up to date"}
    assert read_results(out / "named").parameters[0].est == pytest.approx(9.0)


def test_an_edit_of_semwbs_code_refits_under_the_same_version(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An editable install stays 0.1.0 through every change: the code's hash is in the
    fingerprint (that the hash follows each edit is tested in test_files)."""
    write_spec(folder, "m")
    out = tmp_path / "out"
    assert statuses(run_batch(folder, out=out, jobs=1, backend=BACKEND)) == {"m": "fitted"}
    assert statuses(run_batch(folder, out=out, jobs=1, backend=BACKEND)) == {"m": "up to date"}
    monkeypatch.setattr(plan_module, "sha256_tree", lambda *args: "edited")
    assert statuses(run_batch(folder, out=out, jobs=1, backend=BACKEND)) == {"m": "fitted"}


def test_failed_models_are_retried_on_every_run(folder: Path, tmp_path: Path) -> None:
    write_spec(folder, "bad", column="y")
    out = tmp_path / "out"
    assert statuses(run_batch(folder, out=out, jobs=1, backend=BACKEND)) == {"bad": "failed"}
    write_data(folder / "data.csv", [1.0, 2.0])  # fixing the data also changes nothing for 'y'
    assert statuses(run_batch(folder, out=out, jobs=1, backend=BACKEND)) == {"bad": "failed"}
    write_spec(folder, "bad", column="x")  # the fix
    assert statuses(run_batch(folder, out=out, jobs=1, backend=BACKEND)) == {"bad": "fitted"}
    assert read_results(out / "bad").error is None


@pytest.mark.parametrize("damage", ["results", "report", "stamp", "stamp_fingerprint",
                                    "truncated_with_matching_stamp"])
def test_a_half_written_model_folder_is_refitted(
    folder: Path, tmp_path: Path, damage: str,
) -> None:
    write_spec(folder, "m")
    out = tmp_path / "out"
    run_batch(folder, out=out, jobs=1, backend=BACKEND)
    model = out / "m"
    stamp = json.loads((model / STAMP).read_text(encoding="utf-8"))
    assert is_up_to_date(model, stamp["fingerprint"])
    if damage == "results":
        (model / "results.json").write_text('{"model": "m"}', encoding="utf-8")
    elif damage == "report":
        (model / "report.html").unlink()
    elif damage == "stamp":
        (model / STAMP).unlink()
    elif damage == "truncated_with_matching_stamp":  # the stamp edited to match: still refitted
        results = model / "results.json"
        results.write_bytes(results.read_bytes()[:200])
        files = {**stamp["files"], "results.json": sha256_file(results)}
        (model / STAMP).write_text(json.dumps({**stamp, "files": files}), encoding="utf-8")
    else:
        (model / STAMP).write_text(json.dumps({**stamp, "fingerprint": "0" * 64}),
                                   encoding="utf-8")
    assert not is_up_to_date(model, stamp["fingerprint"])
    assert statuses(run_batch(folder, out=out, jobs=1, backend=BACKEND)) == {"m": "fitted"}
    assert is_up_to_date(model, stamp["fingerprint"])


def test_temporaries_left_by_a_killed_batch_are_removed(folder: Path, tmp_path: Path) -> None:
    write_spec(folder, "m")
    out = tmp_path / "out"
    (out / "m").mkdir(parents=True)
    leftover = out / "m" / ".results.json.abc123.tmp"
    leftover.write_text("{", encoding="utf-8")
    run_batch(folder, out=out, jobs=1, backend=BACKEND)
    assert not leftover.exists()
    assert read_results(out / "m").error is None


# --- concurrency ---------------------------------------------------------------------------------

def test_a_second_batch_on_the_same_folder_is_refused(folder: Path, tmp_path: Path) -> None:
    write_spec(folder, "m")
    out = tmp_path / "out"
    with output_lock(out), pytest.raises(OptionError, match=r"another 'semwb batch' is "
                                         r"writing to this folder \(pid \d+ on .*different --out"):
        run_batch(folder, out=out, jobs=1, backend=BACKEND)
    assert not (out / "m").exists()
    # once released, the folder is usable again
    assert statuses(run_batch(folder, out=out, jobs=1, backend=BACKEND)) == {"m": "fitted"}


def test_a_lock_file_left_by_a_killed_batch_is_taken_over_with_a_note(
        folder: Path, tmp_path: Path) -> None:
    write_spec(folder, "m")
    out = tmp_path / "out"
    first = run_batch(folder, out=out, jobs=1, backend=BACKEND)
    assert first.notes == ()  # a batch that ends normally leaves nothing to take over
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    (out / ".semwb-batch.lock").write_text(json.dumps(
        {"pid": int(dead.stdout), "host": "here", "started": "2026-01-01T00:00:00+00:00"}),
        encoding="utf-8")
    summary = run_batch(folder, out=out, jobs=1, backend=BACKEND)
    assert statuses(summary) == {"m": "up to date"}
    assert len(summary.notes) == 1
    assert f"took over the lock left by an earlier batch (pid {int(dead.stdout)} on here, " \
           "started 2026-01-01T00:00:00+00:00), which is no longer running" in summary.notes[0]
    assert run_batch(folder, out=out, jobs=1, backend=BACKEND).notes == ()


def test_jobs_must_be_positive(folder: Path, tmp_path: Path) -> None:
    write_spec(folder, "m")
    with pytest.raises(OptionError, match="--jobs must be at least 1; got 0"):
        run_batch(folder, out=tmp_path / "out", jobs=0, backend=BACKEND)


def test_reports_and_index_follow_the_language(folder: Path, tmp_path: Path) -> None:
    write_spec(folder, "m")
    write_spec(folder, "bad", fail="x")
    out = tmp_path / "out"
    run_batch(folder, out=out, jobs=1, backend=BACKEND)
    english = (out / "m" / "report.html").read_text(encoding="utf-8")
    summary = run_batch(folder, out=out, jobs=1, lang="zh", backend=BACKEND)
    # the language changes no result: the model is up to date and gets its Chinese report,
    # under the file names of 'semwb report', beside the English one
    assert {m.name: m.status for m in summary.models} == {"bad": "failed", "m": "up to date"}
    assert (out / "m" / "report.zh.html").read_text(encoding="utf-8").startswith(
        "<html lang=zh>")
    assert (out / "m" / "report.html").read_text(encoding="utf-8") == english
    assert is_up_to_date(out / "m", json.loads((out / "m" / STAMP).read_text("utf-8"))[
        "fingerprint"])
    index = (out / "index.zh.html").read_text(encoding="utf-8")
    assert "m (m/report.zh.html): ok" in index
    assert "bad (None)" in index
    with pytest.raises(OptionError, match="report language must be one of en, zh; got 'fr'"):
        run_batch(folder, out=out, jobs=1, lang="fr", backend=BACKEND)


def test_a_refit_rewrites_other_languages_and_drops_old_tables(folder: Path,
                                                               tmp_path: Path) -> None:
    """A folder never mixes two runs: the other language's report is of the new results, and
    tables written from the old ones ('semwb report --tables') are gone."""
    write_spec(folder, "m")
    out = tmp_path / "out"
    run_batch(folder, out=out, jobs=1, lang="zh", backend=BACKEND)
    (out / "m" / "report.zh.html").write_text("from an earlier run", encoding="utf-8")
    (out / "m" / "tables.docx").write_bytes(b"old")
    (out / "m" / "tables.zh.xlsx").write_bytes(b"old")
    write_data(folder / "data.csv", [5.0, 5.0])  # new data: a refit
    summary = run_batch(folder, out=out, jobs=1, backend=BACKEND)
    assert statuses(summary) == {"m": "fitted"}
    assert (out / "m" / "report.zh.html").read_text(encoding="utf-8") == (
        "<html lang=zh><body>m: 5.0</body></html>\n")
    assert (out / "m" / "report.html").read_text(encoding="utf-8").startswith("<html lang=en>")
    assert not list((out / "m").glob("tables*"))
    assert statuses(run_batch(folder, out=out, jobs=1, backend=BACKEND)) == {"m": "up to date"}


def test_data_option_replaces_every_specs_data(folder: Path, tmp_path: Path) -> None:
    write_spec(folder, "own")  # data.csv: mean 3
    write_spec(folder, "none", data=None)
    other = write_data(tmp_path / "other.csv", [10.0, 30.0])
    out = tmp_path / "out"
    without = run_batch(folder, out=out, jobs=1, backend=BACKEND)
    assert statuses(without) == {"none": "failed", "own": "fitted"}
    assert "names no data file" in (without.models[0].error or "")
    assert "or pass --data FILE" in (without.models[0].error or "")
    replaced = run_batch(folder, out=out, data=other, jobs=1, backend=BACKEND)
    assert statuses(replaced) == {"none": "fitted", "own": "fitted"}
    assert read_results(out / "own").parameters[0].est == pytest.approx(20.0)
    with pytest.raises(OptionError, match="no such folder"):
        run_batch(tmp_path / "absent", out=out, data=other, backend=BACKEND)
    missing = run_batch(folder, out=out, data=tmp_path / "gone.csv", jobs=1, backend=BACKEND)
    assert "--data: data file" in (missing.models[0].error or "")
