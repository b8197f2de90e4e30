"""``semwb user remove``, run as a command: the account, its sessions and memberships go; what
it did in other people's projects stays with them; its own projects go only on request."""

from __future__ import annotations

import time
from pathlib import Path

from test_web_cli import semwb

from semwb.web.auth import authenticate
from semwb.web.store import Project, Run, Store, StoredFile, User


def _account(data_dir: Path, name: str) -> User:
    assert semwb("user", "add", name, "--password-stdin", "--data-dir", str(data_dir),
                 stdin="a long secret\n").returncode == 0
    user = authenticate(Store(data_dir), name, "a long secret")
    assert user is not None
    return user


def _upload_and_run(store: Store, project: Project, user: User, tag: str) -> tuple[Path, Run]:
    """An instrument and a response file uploaded by ``user`` (bytes on disk), and a run."""
    instrument = StoredFile(
        id=tag * 32, project_id=project.id, kind="instrument", original_name="i.yaml",
        stored_name=tag * 32 + ".yaml", size=3, sha256="0" * 64, ok=True, message="",
        summary={}, instrument_id=None, created=time.time(), uploaded_by=user.id)
    responses = StoredFile(**{**instrument.__dict__, "id": tag.upper() * 32, "kind": "responses",
                              "stored_name": tag.upper() * 32 + ".csv",
                              "instrument_id": instrument.id})
    for stored in (instrument, responses):
        store.projects.add_file(stored)
        store.file_path(stored).write_bytes(b"1,2")
    model = store.projects.save_model(project.id, "med", "Y ~ X")
    run = store.runs.create(project.id, model, responses, {"draws": 0})
    store.run_dir(run.id).mkdir()
    (store.run_dir(run.id) / "results.json").write_text("{}")
    return store.file_path(responses), run


def remove(data_dir: Path, *args: str) -> tuple[int, str]:
    done = semwb("user", "remove", *args, "--data-dir", str(data_dir))
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout + done.stderr


def test_user_remove_keeps_others_projects_and_deletes_its_own_only_on_request(
        tmp_path: Path) -> None:
    ann, ben = _account(tmp_path, "ann"), _account(tmp_path, "ben")
    store = Store(tmp_path)
    bens = store.projects.create_project("Ben's study", ben)
    store.projects.add_member(bens.id, ann)
    ann_upload, bens_run = _upload_and_run(store, bens, ann, "b")
    share = store.sharing.create_share(bens_run.id, ann)
    anns = store.projects.create_project("Ann's pilot", ann)
    own_upload, own_run = _upload_and_run(store, anns, ann, "a")
    session = store.accounts.create_session(ann)

    code, said = remove(tmp_path, "ann")
    assert code == 1
    assert "'ann' owns 1 project(s): \"Ann's pilot\". Nothing was removed." in said
    assert "--delete-projects" in said
    assert store.accounts.get_session(session.token) is not None
    assert own_upload.exists()

    code, said = remove(tmp_path, "ann", "--delete-projects")
    assert code == 1  # the queued run of her project
    assert "queued or running; nothing was removed" in said
    store.runs.update(own_run.id, status="done")

    code, said = remove(tmp_path, "ann", "--delete-projects")
    assert code == 0, said
    assert "account 'ann' removed" in said
    assert "deleted its 1 project(s): Ann's pilot" in said
    assert authenticate(store, "ann", "a long secret") is None
    assert store.accounts.get_session(session.token) is None
    assert store.projects.projects_for(ann) == []
    assert not own_upload.exists()
    assert not store.run_dir(own_run.id).exists()
    # Ben's project keeps everything Ann did in it; her share link now answers to Ben.
    assert store.projects.members(bens.id) == []
    kept = store.projects.files(bens.id, "responses")
    assert [f.uploaded_by for f in kept] == [None]
    assert ann_upload.exists()
    assert store.shared_run(share.token) == store.runs.get(bens_run.id)
    assert store.runs.get(bens_run.id) is not None

    code, said = remove(tmp_path, "ann")
    assert code == 1
    assert "No account is called 'ann'" in said
    code, said = remove(tmp_path, "ben")
    assert code == 1
    assert "'ben' owns 1 project(s)" in said
    listed = semwb("user", "list", "--data-dir", str(tmp_path)).stdout
    assert [line.split()[0] for line in listed.splitlines()] == ["ben"]


def test_user_remove_takes_the_exact_name_only(tmp_path: Path) -> None:
    _account(tmp_path, "ann")
    code, said = remove(tmp_path, "Ann")  # a look-alike of ann is not ann
    assert code == 1
    assert "No account is called 'Ann'" in said
    code, said = remove(tmp_path, "ann")
    assert code == 0, said
    assert "deleted" not in said
    assert Store(tmp_path).accounts.count_users() == 0
