"""Monotonic counters for codes that are issued once and never reused (一人一码)."""

from __future__ import annotations

from sqlalchemy import String, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db


class CodeSequence(Model):
    __tablename__ = "code_sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


def next_value(name: str) -> int:
    """Take the next value of a named counter, atomically, inside the current transaction.

    The row lock taken by the UPDATE serialises concurrent issuers until commit; a
    rolled-back transaction gives its number back, a committed one never does.
    """
    stmt = (
        update(CodeSequence)
        .where(CodeSequence.name == name)
        .values(last_value=CodeSequence.last_value + 1)
        .returning(CodeSequence.last_value)
    )
    value = db.session.execute(stmt).scalar_one_or_none()
    if value is not None:
        return value
    try:
        with db.session.begin_nested():
            db.session.execute(insert(CodeSequence).values(name=name, last_value=1))
        return 1
    except IntegrityError:  # another transaction created it first
        return db.session.execute(stmt).scalar_one()


def iso7064_mod11_2(digits: str) -> str:
    """The check character of ISO 7064 MOD 11-2 (as on Chinese identity numbers)."""
    total = 0
    for ch in digits:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)
