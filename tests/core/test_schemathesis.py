"""The API against its own OpenAPI document: schemathesis generates requests for every
operation, valid and invalid, as each role, and checks every answer.

It fails on any 5xx and on any answer the document does not describe (status code,
content type, headers, body schema), and on invalid input that is accepted (negative data
rejection). Not checked: ``positive_data_acceptance`` — the document describes the shape of
requests, not the rules behind them (a credit code's checksum, a city of Shanxi, an ISO
nationality, who may name whom), so a well-formed request is often rightly refused with 422;
and the stateful checks (``use_after_free``, ``ensure_resource_availability``), which need
links between operations the document does not declare.

One backend only: PostgreSQL when the run includes it — the stricter one (integer columns
overflow at 2³¹, NUL characters and invalid escapes are refused, so more server errors show
there) — else SQLite, so that a SQLite-only run still checks the document. Both backends
meet the same hostile input in test_hostile_input.py; this test is about the document and
takes minutes, so it is not run twice.

A fixed seed (``derandomize``) and a bounded number of examples per operation keep it
reproducible and at about two minutes on a two-core machine (``-n 2``): some 4,800 cases of
the coverage phase and 8 generated requests per operation and role (85 operations, six
roles), with the explicit examples.
"""

from __future__ import annotations

import os
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from subsidy_app import create_app
from subsidy_app.extensions import db
from tests.conftest import BACKENDS, TEST_CONFIG, _in_outer_transaction

#: The coverage phase (boundary values and every kind of invalid input, deterministic) runs
#: as HR, who may call nearly everything: input is validated before anyone's rights are
#: looked at, so it would meet the same answers as any other role. Every role then gets
#: generated requests (valid and invalid) of its own.
COVERAGE_ROLE = "hr"
ROLES = ["hr", "finance", "employer", "agent", "auditor", "admin"]
MAX_EXAMPLES = 8  # per operation and role, beside the coverage phase's own cases


def _config(*, coverage: bool) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "generation": {
                "mode": "all",  # valid and invalid requests
                "deterministic": True,
                "max-examples": MAX_EXAMPLES,
                # Query parameters the document does not name are ignored, as HTTP APIs do
                # (``?lang=`` picks the language on any call); unknown body fields are refused
                # (422), and that is checked.
                "allow-extra-parameters": False,
                # The bearer token is added by the test: a generated (or removed) one would only
                # be overridden. ``ignored_auth`` still checks that every call needs one.
                "with-security-parameters": False,
            },
            # Every built-in check (as `--checks all`) but positive_data_acceptance (see above).
            "checks": {"positive_data_acceptance": {"enabled": False}},
            "phases": {"coverage": {"enabled": coverage}, "stateful": {"enabled": False}},
        }
    )


FUZZ_BACKEND = "postgresql" if "postgresql" in BACKENDS else "sqlite"


def _openapi_document() -> dict:
    """The document as the application serves it (read at collection time, from an
    application with a throwaway instance folder and no database)."""
    saved = os.environ.get("SUBSIDY_INSTANCE_PATH")
    with tempfile.TemporaryDirectory() as instance:
        os.environ["SUBSIDY_INSTANCE_PATH"] = instance
        try:
            app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
            return app.test_client().get("/api/v1/openapi.json").json
        finally:
            if saved is None:
                os.environ.pop("SUBSIDY_INSTANCE_PATH", None)
            else:
                os.environ["SUBSIDY_INSTANCE_PATH"] = saved


# Loaded at collection time and given the application on each call: the fixture-based
# loader (schemathesis.pytest.from_fixture) does not run on pytest 9.2 (it sets
# ``node._nodeid``, which pytest 9.2 no longer has).
DOCUMENT = _openapi_document()
coverage_schema = schemathesis.openapi.from_dict(DOCUMENT, config=_config(coverage=True))
fuzzing_schema = schemathesis.openapi.from_dict(DOCUMENT, config=_config(coverage=False))


@pytest.fixture(scope="module")
def fuzz_app(database_factory):
    """The application on the claim world, on one backend (see the module's docstring)."""
    if FUZZ_BACKEND == "sqlite":
        url, drop = database_factory.create("sqlite", "world")
    else:
        url, drop = database_factory.shared_postgresql("world"), None
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": url,
            "TEST_WORLD": database_factory.worlds[(FUZZ_BACKEND, "world")],
        }
    )
    # Every role's token must open this database: were they another world's, every answer
    # would be 401 and the run would check next to nothing.
    for role in ROLES:
        token = app.config["TEST_WORLD"]["users"][role]["token"]
        me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, f"the world's token of {role} is refused"
    yield app
    with app.app_context():
        db.engine.dispose()
    if drop:
        drop()


@pytest.fixture
def wsgi_app(fuzz_app):
    """PostgreSQL: each test inside a transaction rolled back at its end (tests/conftest.py);
    SQLite: the module's tests share one copy of the world."""
    if FUZZ_BACKEND == "sqlite":
        yield fuzz_app
        return
    with _in_outer_transaction(fuzz_app):
        yield fuzz_app


@pytest.fixture(params=ROLES)
def role(request):
    return request.param


def _call(case, app, role: str):
    token = app.config["TEST_WORLD"]["users"][role]["token"]
    case.operation.schema.app = app  # checks that send requests of their own (ignored_auth) too
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"})


SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@coverage_schema.parametrize()
@SETTINGS
def test_every_operation_meets_boundary_and_invalid_input(case, wsgi_app):
    _call(case, wsgi_app, COVERAGE_ROLE)


@fuzzing_schema.parametrize()
@SETTINGS
def test_every_operation_answers_each_role_as_documented(case, wsgi_app, role):
    _call(case, wsgi_app, role)
