"""The web app's embedded store: one SQLite file in the data dir, plus files under generated ids.

One job per module over one connection helper (:mod:`.db`): :mod:`.accounts` (users, sessions),
:mod:`.projects` (projects, members, uploaded files, models), :mod:`.runs` and :mod:`.sharing`.
:class:`Store` ties them to a data dir::

    store.accounts.add_user(...); store.projects.files(...); store.runs.update_run(...)

Uploaded and generated files never take a user's file name as a path: uploads live at
``<data>/files/<id><ext>`` and run outputs at ``<data>/runs/<run id>/``.
"""

from __future__ import annotations

from pathlib import Path

from semwb.web.store.accounts import SESSION_SECONDS, Accounts, Session, User
from semwb.web.store.db import Database, new_id
from semwb.web.store.projects import Model, Project, Projects, StoredFile
from semwb.web.store.runs import RUN_STATES, Run, Runs
from semwb.web.store.sharing import Share, Sharing

DB_NAME = "semwb.sqlite3"

__all__ = [
    "DB_NAME", "RUN_STATES", "SESSION_SECONDS", "Model", "Project", "Run", "Session", "Share",
    "Store", "StoredFile", "User", "new_id",
]


class Store:
    """The store of one data dir.

    Parameters
    ----------
    data_dir
        Folder holding ``semwb.sqlite3``, ``files/`` and ``runs/``; created when missing, and
        made readable by its owner only (0700; the database file is 0600).

    Attributes
    ----------
    accounts, projects, runs, sharing
        The tables, grouped by job, over one :class:`~.db.Database`.
    """

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.files_dir = self.data_dir / "files"
        self.runs_dir = self.data_dir / "runs"
        for folder in (self.data_dir, self.files_dir, self.runs_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.chmod(0o700)  # uploads and results are the researchers' data: owner only
        self.db = Database(self.data_dir / DB_NAME)
        self.accounts = Accounts(self.db)
        self.projects = Projects(self.db)
        self.runs = Runs(self.db)
        self.sharing = Sharing(self.db)

    def file_path(self, stored: StoredFile) -> Path:
        """Return where an upload's bytes are kept."""
        return self.files_dir / stored.stored_name

    def run_dir(self, run_id: str) -> Path:
        """Return the folder of a run's outputs."""
        return self.runs_dir / run_id

    def shared_run(self, token: str) -> Run | None:
        """Return the run a live (unrevoked) share token opens, or None."""
        run_id = self.sharing.shared_run_id(token)
        return None if run_id is None else self.runs.get(run_id)
