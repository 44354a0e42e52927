"""Column types shared by every model."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Enum, Numeric, any_, bindparam, cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeDecorator

from ..extensions import db
from .money import to_money


class Money(TypeDecorator):
    """Yuan as ``Numeric(14, 2)``; Python side always a two-place ``Decimal``."""

    impl = Numeric(14, 2, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        amount = to_money(value)
        # SQLite has no decimal type; SQLAlchemy would convert Decimal to float with a
        # warning. A string keeps every digit, and SQLite's NUMERIC affinity stores it
        # as the exact integer or the nearest REAL.
        return str(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return to_money(value if isinstance(value, Decimal) else str(value))


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware UTC times")
        value = value.astimezone(UTC)
        # SQLite stores text; keep it naive-UTC so that it sorts and compares.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls, name: str, length: int = 20) -> Enum:
    """A string column restricted to an enum's values by a named CHECK constraint
    (``ck_<table>_<name>``); the Python side gets the enum member."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def in_ids(column, ids):
    """``column IN ids`` for many ids: PostgreSQL gets a single array parameter
    (``= ANY(…)``) instead of thousands of bind parameters to convert and plan. The array is
    cast to the column's own type, so that PostgreSQL hashes it (an int2[] against an int4
    column would be searched linearly for every row)."""

    ids = list(ids)
    if db.session.get_bind().dialect.name == "postgresql" and len(ids) > 100:
        return column == any_(cast(bindparam(None, ids, type_=ARRAY(column.type)), ARRAY(column.type)))
    return column.in_(ids)
