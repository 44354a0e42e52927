"""Issue 15: the search box of the claims queue finds talents and organisations by any part
of their name (``ILIKE '%…%'``) through an index.

* ``ix_talents_name_search`` and ``ix_organizations_name_search`` on ``name``: on PostgreSQL
  a GIN index of trigrams (``pg_trgm``, ``gin_trgm_ops``), which answers ``LIKE``/``ILIKE``
  with a pattern of 3 characters or more (Chinese included) without reading the table.
* ``pg_trgm`` is a contrib extension: it is created if the server has it and the user may
  (it is a trusted extension since PostgreSQL 13: a database owner may). Where it is absent
  or refused, the migration does not fail: the same index is a plain B-tree on ``name`` (the
  search then reads the table, as before; once ``pg_trgm`` is installed, drop and recreate
  the index ``USING gin (name gin_trgm_ops)``).
* On SQLite a plain index of the same name (so that the models and the migrated schema
  agree on every database; SQLite has no index for ``LIKE '%…%'``).

Revision ID: c15a00000003
Revises: c15a00000002
Create Date: 2026-12-03 22:00:00
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "c15a00000003"
down_revision = "c15a00000002"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

INDEXES = (("ix_talents_name_search", "talents"), ("ix_organizations_name_search", "organizations"))


def _trigrams(bind) -> bool:
    """Whether ``pg_trgm`` is (or could be made) installed in this database."""
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar():
        return True
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar():
        log.warning("pg_trgm is not available on this server: the name search indexes are plain B-trees")
        return False
    try:
        with bind.begin_nested():  # a savepoint: a refusal does not abort the migration
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm could not be created (%s): the name search indexes are plain B-trees", exc.orig)
        return False
    return True


def upgrade():
    bind = op.get_bind()
    gin = bind.dialect.name == "postgresql" and _trigrams(bind)
    for name, table in INDEXES:
        if gin:
            op.create_index(
                name, table, ["name"], postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}
            )
        else:
            op.create_index(name, table, ["name"])


def downgrade():
    # The extension stays: other databases' objects or a DBA may rely on it.
    for name, table in INDEXES:
        op.drop_index(name, table_name=table)
