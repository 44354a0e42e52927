"""Migrations build the schema the models describe, on each backend, both ways."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from subsidy_app.extensions import db


def test_models_and_migrations_agree(isolated_app):
    with isolated_app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == [], f"the models differ from the migrated schema: {diff}"


def test_downgrade_to_base_and_upgrade_again(isolated_app):
    with isolated_app.app_context():
        downgrade(revision="base")
        with db.engine.connect() as connection:
            tables = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        with db.engine.connect() as connection:
            assert "talents" in db.inspect(connection).get_table_names()
