"""A database per hypothesis example, cheaply: the claim world afresh for each run of the
state machine in test_random_use.py."""

from __future__ import annotations

import shutil
from contextlib import ExitStack, contextmanager
from pathlib import Path

from subsidy_app import create_app
from subsidy_app.extensions import db
from subsidy_app.users import operations as users
from tests.conftest import TEST_CONFIG, _in_outer_transaction


class Databases:
    """One application per backend; each hypothesis example gets the world database afresh:
    a new copy of the template file (SQLite), or an outer transaction rolled back at the
    end (PostgreSQL), as tests/conftest.py does for each test."""

    def __init__(self, backend: str, factory):
        self.backend = backend
        if backend == "sqlite":
            self.template = factory.template("sqlite", "world")
            url, self._drop = factory.create("sqlite", "world")
            self.path = url.removeprefix("sqlite:///")
        else:
            url, self._drop = factory.shared_postgresql("world"), lambda: None
        self.world = factory.worlds[(backend, "world")]
        self.app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "TEST_WORLD": self.world})

    @contextmanager
    def fresh(self):
        """A fresh world, with a fresh token per user (a soak may outlive the template's)."""
        with ExitStack() as stack:
            if self.backend == "sqlite":
                self._dispose()
                for suffix in ("-wal", "-shm"):
                    Path(self.path + suffix).unlink(missing_ok=True)
                shutil.copyfile(self.template, self.path)
            else:
                stack.enter_context(_in_outer_transaction(self.app))
            with self.app.app_context():
                tokens = {
                    name: users.issue_token(users.get_user(user["id"]))[0]
                    for name, user in self.world["users"].items()
                }
                db.session.commit()
            yield tokens

    def _dispose(self):
        with self.app.app_context():
            db.engine.dispose()

    def close(self):
        self._dispose()
        self._drop()
