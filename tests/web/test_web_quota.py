"""The per-user upload quota holds when uploads arrive at the same time."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import UploadFile

from semwb.errors import OptionError
from semwb.web.store import Store, StoredFile, User, new_id
from semwb.web.store.projects import QuotaExceededError
from semwb.web.uploads import store_upload


def upload_record(project: str, user: User, size: int) -> StoredFile:
    file_id = new_id()
    return StoredFile(id=file_id, project_id=project, kind="instrument", original_name="a.yaml",
                      stored_name=file_id + ".yaml", size=size, sha256="0" * 64, ok=True,
                      message="", summary={}, instrument_id=None, created=time.time(),
                      uploaded_by=user.id)


@pytest.fixture
def owner(tmp_path: Path) -> tuple[Store, str, User]:
    store = Store(tmp_path)
    ann = store.accounts.add_user("ann", "hash")
    return store, store.projects.create_project("Study", ann).id, ann


def test_a_file_past_the_quota_is_not_recorded(owner: tuple[Store, str, User]) -> None:
    store, project, ann = owner
    store.projects.add_file(upload_record(project, ann, 60), quota=100)
    with pytest.raises(QuotaExceededError) as refused:
        store.projects.add_file(upload_record(project, ann, 41), quota=100)
    assert refused.value.used == 60
    store.projects.add_file(upload_record(project, ann, 40), quota=100)  # exactly at the quota
    assert store.projects.bytes_uploaded_by(ann.id) == 100


def test_simultaneous_uploads_cannot_share_one_place_under_the_quota(
        owner: tuple[Store, str, User]) -> None:
    store, project, ann = owner
    threads, start = 8, threading.Barrier(8)
    outcomes: list[str] = []

    def add() -> None:
        start.wait()
        try:
            store.projects.add_file(upload_record(project, ann, 60), quota=100)
            outcomes.append("recorded")
        except QuotaExceededError:
            outcomes.append("refused")

    workers = [threading.Thread(target=add) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["recorded"] + ["refused"] * (threads - 1)
    assert store.projects.bytes_uploaded_by(ann.id) == 60


def test_an_upload_overtaken_during_its_check_is_refused_and_removed(
        owner: tuple[Store, str, User]) -> None:
    """The quota is checked before the bytes are stored and again as the row is recorded: a
    second upload of the same user recorded while the first is being validated wins."""
    store, project, ann = owner

    def check(path: Path, *, display_name: str, **_: Any) -> dict[str, Any]:
        store.projects.add_file(upload_record(project, ann, 700_000))  # the other upload lands
        return {}

    upload = UploadFile(file=io.BytesIO(b"x" * 500_000), filename="b.yaml")
    with pytest.raises(OptionError) as refused:
        asyncio.run(store_upload(store, project, upload, kind="instrument", user=ann,
                                 quota=1_000_000, allowed=(".yaml",), check=check))
    assert str(refused.value) == (
        "b.yaml: your uploads take 0.7 MB and this file would take them past this server's "
        "quota of 1 MB per user. Ask the administrator for a larger --quota-mb.")
    assert [f.size for f in store.projects.files(project, "instrument")] == [700_000]
    assert list(store.files_dir.iterdir()) == []
