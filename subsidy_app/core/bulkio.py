"""Writing many rows fast: COPY on PostgreSQL, executemany on SQLite.

Used by the set-based paths (bulk approval, payment batches, the ledger) where one row at
a time would take minutes. Values go through each column's own type (Money, UTC times,
enums, JSON), so the rows are the same as the ORM would write.
"""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager

from sqlalchemy import JSON
from sqlalchemy.exc import DBAPIError

from ..extensions import db

CHUNK = 20000


def insert_rows(table, rows: list[dict]) -> None:
    """Insert ``rows`` into ``table``. A failure of the driver (a unique index violated by a
    concurrent request, say) is raised as SQLAlchemy's own exception (``IntegrityError``…),
    as the ORM would raise it, so that ``core.errors`` answers it (409)."""
    if not rows:
        return
    connection = db.session.connection()
    dbapi = connection.dialect.loaded_dbapi
    try:
        if connection.dialect.name != "postgresql":
            _executemany(connection, table, rows)
        else:
            _copy(connection, table, rows)
    except dbapi.Error as exc:
        raise DBAPIError.instance(
            f"INSERT INTO {table.name} (bulk)", None, exc, dbapi.Error, dialect=connection.dialect
        ) from exc


def _copy(connection, table, rows: list[dict]) -> None:
    columns = list(rows[0])
    json_columns = {name for name in columns if _json_like(table.c[name].type)}
    raw = connection.connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        if not json_columns:  # enums are str subclasses, Decimals and aware datetimes copy as they are
            for row in rows:
                copy.write_row(list(row.values()))
            return
        for row in rows:
            copy.write_row(
                [
                    json.dumps(v, ensure_ascii=False) if c in json_columns and v is not None else v
                    for c, v in row.items()
                ]
            )


def _json_like(column_type) -> bool:

    return isinstance(getattr(column_type, "impl", column_type), JSON) or isinstance(column_type, JSON)


def _executemany(connection, table, rows: list[dict]) -> None:
    """SQLite: each column's own conversion once per value, then the driver's executemany
    (its loop runs in C) without SQLAlchemy's per-row parameter handling."""
    columns = list(rows[0])
    dialect = connection.dialect
    processors = [table.c[name].type.bind_processor(dialect) for name in columns]
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' for _ in columns)})"
    raw = connection.connection.driver_connection
    raw.executemany(
        sql,
        (
            [p(v) if p is not None and v is not None else v for p, v in zip(processors, row.values())]
            for row in rows
        ),
    )


@contextmanager
def no_gc_pauses():
    """Pause the cyclic garbage collector while a set-based operation builds hundreds of
    thousands of short-lived objects: each full collection scans them all, which makes the
    work grow with the square of the claims. Reference counting still frees memory."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
