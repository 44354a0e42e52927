"""SQLite as an embedded production database: WAL, foreign keys, and real transactions.

pysqlite's own transaction handling begins transactions late and never for SELECT; we
turn it off and emit BEGIN ourselves (SQLAlchemy's documented recipe). Requests that
write take the write lock at the start (BEGIN IMMEDIATE): two deferred transactions that
both read and then write would otherwise fail with "database is locked" instead of
waiting their turn.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}

#: Set around work that only reads (a job writing an export): its transactions begin
#: deferred, so that hours of reading hold no write lock (logins keep writing meanwhile).
_mode: ContextVar[str | None] = ContextVar("sqlite_transaction_mode", default=None)


@contextmanager
def reading():
    token = _mode.set("read")
    try:
        yield
    finally:
        _mode.reset(token)


@contextmanager
def writing():
    """Inside :func:`reading`, a short write (a job's progress) that takes the lock at once."""
    token = _mode.set("write")
    try:
        yield
    finally:
        _mode.reset(token)


@event.listens_for(Engine, "connect")
def _configure_connection(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "busy_timeout=15000", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin(connection):
    if connection.dialect.name != "sqlite":
        return
    mode = _mode.get()
    reading = mode == "read" or (
        mode is None and has_request_context() and request.method in READ_ONLY_METHODS
    )
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
    connection.info["sqlite_writer"] = not reading


def holds_write_lock(connection) -> bool:
    """Whether ``connection`` is in a SQLite transaction begun IMMEDIATE: it holds the one
    write lock, and a second connection of the same thread that writes would wait for it
    until busy_timeout ("database is locked")."""
    return (
        connection.dialect.name == "sqlite"
        and connection.in_transaction()
        and bool(connection.info.get("sqlite_writer"))
    )
