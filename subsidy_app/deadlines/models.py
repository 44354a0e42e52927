from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db


class StageTimeLimit(db.Model):
    """How many working days a stage may take, from a date. Append-only: a change is a row."""

    __tablename__ = "stage_time_limits"
    __table_args__ = (
        UniqueConstraint("stage", "effective_from", name="uq_stage_time_limits_from"),
        CheckConstraint("working_days > 0 AND working_days <= 365", name="working_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(40))
    working_days: Mapped[int]
    effective_from: Mapped[date] = mapped_column(Date)
    is_default: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a weekday off
    WORKDAY = "workday"  # a weekend day worked (调休)


class CalendarDay(db.Model):
    """An exception to Monday–Friday, as the State Council publishes them each year."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[DayKind] = mapped_column(enum_column(DayKind, "kind"))
    name: Mapped[str] = mapped_column(String(100))
