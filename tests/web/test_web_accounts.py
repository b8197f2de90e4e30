"""Accounts and sessions: stored token hashes, no anonymous rows, throttling, names, passwords,
private files, and the migration of a store made before these rules."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_support import PASSWORD, Web, csrf_of

from semwb.errors import OptionError
from semwb.web.auth import add_user, authenticate
from semwb.web.names import check_new_password, check_user_name, name_key
from semwb.web.store import Store
from semwb.web.store.db import _MIGRATIONS


def session_rows(client: TestClient) -> list[sqlite3.Row]:
    store: Store = client.app.state.store
    with store.db.connect() as conn:
        return conn.execute("SELECT * FROM sessions").fetchall()


def sign_in(client: TestClient, name: str, password: str) -> int:
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_of(page.text), "name": name,
                                           "password": password}, follow_redirects=False)
    status: int = response.status_code
    return status


def test_anonymous_visits_store_nothing_and_tokens_are_kept_hashed(
        app_client: TestClient) -> None:
    for _ in range(5):
        page = app_client.get("/login")
    assert session_rows(app_client) == []
    assert "semwb_session" not in app_client.cookies
    token = csrf_of(page.text)
    assert app_client.cookies["semwb_login"] == token
    assert sign_in(app_client, "ann", PASSWORD) == 303
    cookie = app_client.cookies["semwb_session"]
    (row,) = session_rows(app_client)
    assert row["token_hash"] == hashlib.sha256(cookie.encode()).hexdigest()
    assert cookie not in [str(v) for v in tuple(row)]


def test_sign_in_without_the_login_cookie_is_forbidden(app_client: TestClient) -> None:
    token = csrf_of(app_client.get("/login").text)
    app_client.cookies.clear()
    response = app_client.post("/login", data={"csrf_token": token, "name": "ann",
                                               "password": PASSWORD})
    assert response.status_code == 403


def test_failed_sign_ins_are_throttled_per_name(app_client: TestClient) -> None:
    for _ in range(5):
        assert sign_in(app_client, "ann", "wrong password!") == 401
    assert sign_in(app_client, "ann", PASSWORD) == 429  # even the right password waits
    assert sign_in(app_client, "ANN", PASSWORD) == 429  # the same account by its key
    page = app_client.get("/login")
    assert page.status_code == 200
    assert sign_in(app_client, "bob", PASSWORD) == 303  # another account is not locked


def test_failed_sign_ins_are_throttled_per_client(app_client: TestClient) -> None:
    for k in range(20):
        assert sign_in(app_client, f"nobody{k}", "wrong password!") == 401
    assert sign_in(app_client, "bob", PASSWORD) == 429


@pytest.mark.parametrize("name", ["Alice", "ALICE", "\uff41\uff4c\uff49\uff43\uff45",
                                  "\u0430lice", "al\u0456ce"])
def test_look_alike_names_are_one_account(tmp_path: Path, name: str) -> None:
    store = Store(tmp_path)
    add_user(store, "alice", PASSWORD)
    assert name_key(name) == "alice"
    # refused as taken, or (mixed Latin and Cyrillic) as written in two scripts
    with pytest.raises(OptionError, match=r"already exists|in one script"):
        add_user(store, name, PASSWORD)
    assert store.accounts.count_users() == 1
    assert authenticate(store, name, PASSWORD) is not None


@pytest.mark.parametrize("name", ["p\u0430yp\u0430l-x", "a b", "", "x" * 65, "ann<script>"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(OptionError, match="A user name must be 1-64 letters"):
        check_user_name(name)


def test_chinese_names_are_accepted() -> None:
    assert check_user_name("王小明") == "王小明"


@pytest.mark.parametrize("password", ["x" * 9, "a" * 40, " " * 12, "\t \t \t \t \t"])
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(OptionError, match="at least 10 characters"):
        check_new_password(password)


def test_store_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    store = Store(data)
    for folder in (data, store.files_dir, store.runs_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(store.db.path.stat().st_mode) == 0o600


def test_a_store_from_before_is_migrated(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "semwb.sqlite3")
    conn.executescript(f"BEGIN; {_MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
    conn.execute("INSERT INTO users (name, password_hash, created) VALUES ('Ann', 'h', 0)")
    conn.execute("INSERT INTO sessions VALUES ('plain-token', 1, 'c', 9e9)")
    conn.commit()
    conn.close()
    store = Store(tmp_path)
    assert store.db.schema_version() == 3
    assert store.accounts.get_session("plain-token") is None  # old plain tokens are gone
    found = store.accounts.user_by_name("ann")
    assert found is not None
    assert found[0].name == "Ann"


def test_upload_is_private(ann: Web) -> None:
    from web_support import INSTRUMENT

    project = ann.new_project()
    ann.upload(project, "instrument", "demo.yaml", INSTRUMENT)
    store = ann.client.app.state.store
    stored = store.file_path(store.projects.files(project, "instrument")[0])
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
