"""Test fixtures: a clean, migrated database per test, on SQLite and on PostgreSQL.

Every test that takes ``app`` (or a fixture built on it) runs once per backend. Each
backend's schema is built once per session by the real migrations (plus the plan):

* SQLite: the built file is copied for each test; tests see real commits.
* PostgreSQL: one shared database; each test runs inside an outer transaction that is
  rolled back at the end, and the application's session commits and rolls back
  savepoints inside it (``join_transaction_mode="create_savepoint"``). Creating a
  database per test costs ~0.4 s here; this costs nothing.

Tests that need several real connections (concurrency, the CLI in a subprocess,
migrations) take ``isolated_app`` / ``database_url``: a database of their own, copied from
a template (``CREATE DATABASE … TEMPLATE``).

``SUBSIDY_TEST_BACKENDS=sqlite`` limits a local run to SQLite; CI runs both.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from sqlalchemy.engine import make_url

from subsidy_app import create_app
from subsidy_app.extensions import db
from subsidy_app.organizations import credit_code

pytest_plugins = ["tests.world"]

BACKENDS = [b for b in os.environ.get("SUBSIDY_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DEFAULT_PASSWORD = "correct-horse-battery"

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    # Light argon2 parameters: the algorithm is the same, the cost is not what is tested.
    "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    # Long work runs in the requesting thread once its transaction has committed (the job
    # answers 202 queued, and is finished by the time the client asks again). Tests of the
    # engines themselves (threads, Celery, several servers) turn this off.
    "JOBS_EAGER": True,
}


def _pg_admin():
    return psycopg.connect(PG_ADMIN_URL, autocommit=True)


def _sqlalchemy_pg_url(name: str) -> str:
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def _build_schema(url: str, flavor: str = "plain") -> dict | None:
    """Migrate an empty database to head and load the plan, as `make run` does; for the
    "world" flavor, add the claim tests' world (tests/world.py) and return its data."""
    from flask_migrate import upgrade

    from subsidy_app.programs import operations as programs

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        programs.load_plan()
        db.session.commit()
    world = None
    if flavor == "world":
        from tests.world import build_world

        world = build_world(app)
    with app.app_context():
        db.engine.dispose()
    return world


class DatabaseFactory:
    """Makes one fresh database per test from a per-session template."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.run_id = uuid.uuid4().hex[:8]
        self.templates: dict[tuple[str, str], str] = {}
        self.shared_pg: dict[str, str] = {}
        self.worlds: dict[tuple[str, str], dict | None] = {}
        self.counter = itertools.count(1)

    def shared_postgresql(self, flavor: str = "plain") -> str:
        """The database that transactional PostgreSQL tests share (built once per flavor)."""
        if flavor not in self.shared_pg:
            name = f"subsidy_shared_{flavor}_{self.run_id}"
            with _pg_admin() as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self.worlds[("postgresql", flavor)] = _build_schema(_sqlalchemy_pg_url(name), flavor)
            self.shared_pg[flavor] = name
        return _sqlalchemy_pg_url(self.shared_pg[flavor])

    def template(self, backend: str, flavor: str = "plain") -> str:
        key = (backend, flavor)
        if key not in self.templates:
            if backend == "sqlite":
                path = self.workdir / f"template_{flavor}.sqlite3"
                self.worlds[key] = _build_schema(f"sqlite:///{path}", flavor)
                self.templates[key] = str(path)
            else:
                name = f"subsidy_tmpl_{flavor}_{self.run_id}"
                with _pg_admin() as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                self.worlds[key] = _build_schema(_sqlalchemy_pg_url(name), flavor)
                self.templates[key] = name
        return self.templates[key]

    def create(self, backend: str, flavor: str = "plain") -> tuple[str, callable]:
        template = self.template(backend, flavor)
        n = next(self.counter)
        if backend == "sqlite":
            path = self.workdir / f"test_{n}.sqlite3"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
        name = f"subsidy_t_{self.run_id}_{n}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

        def drop():
            with _pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return _sqlalchemy_pg_url(name), drop

    def close(self) -> None:
        names = [name for (backend, _f), name in self.templates.items() if backend == "postgresql"]
        names += list(self.shared_pg.values())
        with _pg_admin() as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", autouse=True)
def _savepoint_sessions():
    """Sessions bound to a test's connection commit and roll back savepoints only."""
    db.session.session_factory.kw["join_transaction_mode"] = "create_savepoint"


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["SUBSIDY_INSTANCE_PATH"] = str(instance)
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.close()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def flavor(request) -> str:
    """Tests that use the claim world get databases that already hold it."""
    return "world" if "world" in request.fixturenames else "plain"


@pytest.fixture
def database_url(backend, database_factory, flavor):
    url, drop = database_factory.create(backend, flavor)
    yield url
    drop()


@pytest.fixture
def empty_database_url(backend, database_factory):
    """A database with nothing in it (to run the migrations on)."""
    n = next(database_factory.counter)
    if backend == "sqlite":
        path = database_factory.workdir / f"empty_{n}.sqlite3"
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)
        return
    name = f"subsidy_e_{database_factory.run_id}_{n}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _sqlalchemy_pg_url(name)
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def isolated_app(database_url, database_factory, backend, flavor):
    """An application on a database of its own: real commits, any number of connections."""
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TEST_WORLD": database_factory.worlds.get((backend, flavor)),
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def _in_outer_transaction(app):
    """Bind the application to one connection inside a transaction that is rolled back.

    Flask-SQLAlchemy 3.1 keeps the engines of an app in ``_app_engines``; a Connection
    stands in for the Engine, and the session joins it with savepoints.
    """
    engines = db._app_engines[app]
    engine = engines[None]
    connection = engine.connect()
    transaction = connection.begin()
    engines[None] = connection
    try:
        yield
    finally:
        engines[None] = engine
        transaction.rollback()
        connection.close()
        engine.dispose()


@pytest.fixture
def app(request, backend, database_factory, flavor):
    if backend == "sqlite":
        yield request.getfixturevalue("isolated_app")
        return
    url = database_factory.shared_postgresql(flavor)
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": url,
            "TEST_WORLD": database_factory.worlds.get(("postgresql", flavor)),
        }
    )
    with _in_outer_transaction(app):
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_ctx(app):
    """An application context for calling operations directly. Do not make HTTP requests
    while holding it (they would share ``g`` and the session)."""
    with app.app_context():
        yield app


# --- factories: callables that create rows and return plain values ----------------------

_codes = itertools.count(1)


def new_credit_code(division: str = "140100") -> str:
    return credit_code.complete(f"91{division}{next(_codes):09d}")


def wrong_check(code: str) -> str:
    """The same code with another check character."""
    alphabet = credit_code.ALPHABET
    return code[:17] + alphabet[(alphabet.index(code[17]) + 1) % len(alphabet)]


@pytest.fixture
def make_org(app):
    from subsidy_app.organizations import operations as organizations

    def make(kind: str = "employer", *, name: str | None = None, city: str = "太原市") -> int:
        with app.app_context():
            org = organizations.create_organization(
                None,
                kind=kind,
                name=name or f"测试{kind}{next(_codes)}",
                credit_code=new_credit_code(),
                city=city,
            )
            db.session.commit()
            return org.id

    return make


@pytest.fixture
def make_user(app, make_org):
    from subsidy_app.users import operations as users

    counter = itertools.count(1)

    def make(
        role: str = "hr",
        *,
        organization_id: int | None = None,
        username: str | None = None,
        password: str = DEFAULT_PASSWORD,
    ) -> SimpleNamespace:
        if role in ("employer", "intermediary") and organization_id is None:
            organization_id = make_org(role)
        username = username or f"{role}{next(counter)}"
        with app.app_context():
            user = users.create_user(
                None, username=username, password=password, role=role, organization_id=organization_id
            )
            db.session.commit()
            return SimpleNamespace(
                id=user.id, username=username, password=password, role=role, organization_id=organization_id
            )

    return make


def talent_payload(employer_id=None, /, **overrides) -> dict:
    n = next(_codes)
    payload = {
        "name": f"Test Person {n}",
        "nationality": "DEU",
        "passport_no": f"P{n:08d}",
        "birth_date": "1980-01-15",
        "degree": "doctorate",
        "years_experience": 10,
        "work_permit_no": f"WP{n:010d}",
        "permit_class": "A",
        "employer_id": employer_id,
        "shanxi_start_date": "2024-03-01",
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def make_talent(app, make_org):
    from datetime import date

    from subsidy_app.talents import operations as talents

    def make(employer_id: int | None = None, **overrides) -> str:
        employer_id = employer_id or make_org("employer")
        data = talent_payload(employer_id, **overrides)
        for key in ("birth_date", "shanxi_start_date"):
            data[key] = date.fromisoformat(data[key])
        with app.app_context():
            talent = talents.register_talent(None, **data)
            db.session.commit()
            return talent.talent_code

    return make


@dataclass
class ApiClient:
    """A test client that sends a bearer token and JSON."""

    client: object
    token: str

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path, headers=None, **kwargs):
        return self.client.get(f"/api/v1{path}", headers=self._headers(headers), **kwargs)

    def post(self, path, json=None, headers=None, **kwargs):
        return self.client.post(f"/api/v1{path}", json=json, headers=self._headers(headers), **kwargs)

    def delete(self, path, json=None, headers=None, **kwargs):
        return self.client.delete(f"/api/v1{path}", json=json, headers=self._headers(headers), **kwargs)

    def job(self, path, json=None):
        """Start long work (202 and Location, as the contract says), follow the job to its
        end, and return (job, result): the result's JSON, or the file's response."""
        started = self.post(path, json=json)
        assert started.status_code == 202, started.get_json()
        location = started.headers["Location"]
        assert location == f"/api/v1/jobs/{started.json['id']}"
        job = self.client.get(location, headers=self._headers(None)).json
        assert job["status"] in ("succeeded", "failed", "cancelled"), job  # JOBS_EAGER in tests
        if job["result_url"] is None:
            return job, None
        answer = self.client.get(job["result_url"], headers=self._headers(None))
        assert answer.status_code == 200, answer.get_json()
        return job, (answer.json if answer.mimetype == "application/json" else answer)


@pytest.fixture
def api_as(app, client, make_user):
    """``api_as("hr")`` or ``api_as(user)``: an API client with a fresh token."""
    from subsidy_app.users import operations as users

    def login(role_or_user, **kwargs) -> ApiClient:
        user = make_user(role_or_user, **kwargs) if isinstance(role_or_user, str) else role_or_user
        with app.app_context():
            token, _row = users.issue_token(users.get_user(user.id))
            db.session.commit()
        api = ApiClient(client, token)
        api.user = user
        return api

    return login
