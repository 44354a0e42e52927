"""Deadlines of stages, from dated time limits and the working calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select

from ..core import audit
from ..core.errors import Conflict, invalid
from ..core.permissions import Actor, require
from ..core.timeutil import local_today, to_local
from ..extensions import db
from .models import CalendarDay, DayKind, StageTimeLimit
from .workdays import add_working_days, working_days_between


def known_stages() -> list[str]:
    return sorted(set(db.session.execute(select(StageTimeLimit.stage)).scalars()))


def time_limit(stage: str, on: date) -> StageTimeLimit | None:
    """The limit of a stage in force on a date (the table is read once per request)."""
    rows = [r for r in _time_limits() if r.stage == stage and r.effective_from <= on]
    return max(rows, key=lambda r: (r.effective_from, r.id)) if rows else None


def _time_limits() -> list[StageTimeLimit]:
    if has_request_context() and "stage_time_limits" in g:
        return g.stage_time_limits
    rows = list(db.session.execute(select(StageTimeLimit)).scalars())
    if has_request_context():
        g.stage_time_limits = rows
    return rows


def calendar(start: date, end: date) -> tuple[frozenset[date], frozenset[date]]:
    """Holidays and worked weekend days between two dates."""
    holidays, workdays = _calendar_days()
    return (
        frozenset(d for d in holidays if start <= d <= end),
        frozenset(d for d in workdays if start <= d <= end),
    )


def _calendar_days() -> tuple[set[date], set[date]]:
    """Every exception to Monday–Friday (a few dozen a year), read once per request."""
    if has_request_context() and "calendar_days" in g:
        return g.calendar_days
    holidays, workdays = set(), set()
    for day, kind in db.session.execute(select(CalendarDay.day, CalendarDay.kind)):
        (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
    if has_request_context():
        g.calendar_days = (holidays, workdays)
    return holidays, workdays


def add_days(start: date, working_days: int) -> date:
    # a year of calendar covers any limit a stage can have (at most 365 working days)
    holidays, workdays = calendar(start, start + timedelta(days=2 * working_days + 60))
    return add_working_days(start, working_days, holidays, workdays)


def deadline(stage: str, started_at: datetime) -> date | None:
    """The last day of a stage that started at ``started_at``; None if it has no limit."""
    started = to_local(started_at).date()
    limit = time_limit(stage, started)
    return add_days(started, limit.working_days) if limit else None


def working_days_left(due: date, today: date | None = None) -> int:
    today = today or local_today()
    holidays, workdays = calendar(min(today, due), max(today, due))
    return working_days_between(today, due, holidays, workdays)


def list_time_limits(actor: Actor):
    require(actor, "deadline.read")
    return list(
        db.session.execute(
            select(StageTimeLimit).order_by(StageTimeLimit.stage, StageTimeLimit.effective_from)
        ).scalars()
    )


def change_time_limit(
    actor: Actor, *, stage: str, working_days: int, effective_from: date, reason: str
) -> StageTimeLimit:
    require(actor, "deadline.change")
    if stage not in known_stages():
        raise invalid("stage", _("Must be one of: %(choices)s.", choices=", ".join(known_stages())))
    if db.session.execute(
        select(StageTimeLimit.id).where(
            StageTimeLimit.stage == stage, StageTimeLimit.effective_from == effective_from
        )
    ).first():
        raise Conflict(
            _(
                "A time limit from %(day)s is already recorded; choose another date.",
                day=effective_from.isoformat(),
            ),
            fields={"effective_from": [_("Already used.")]},
        )
    before = time_limit(stage, effective_from)
    g.pop("stage_time_limits", None)
    row = StageTimeLimit(
        stage=stage,
        working_days=working_days,
        effective_from=effective_from,
        reason=reason.strip(),
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "deadline.change",
        "stage_time_limit",
        stage,
        before={"working_days": before.working_days if before else None},
        after={"working_days": working_days, "effective_from": effective_from},
        reason=reason.strip(),
    )
    return row


def list_calendar(actor: Actor, year: int) -> list[CalendarDay]:
    require(actor, "deadline.read")
    return list(
        db.session.execute(
            select(CalendarDay)
            .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
            .order_by(CalendarDay.day)
        ).scalars()
    )


def set_calendar_day(actor: Actor, *, day: date, kind: DayKind | str, name: str) -> CalendarDay:
    """Record a public holiday or a worked weekend day (an administrator, from the notice)."""
    require(actor, "deadline.change")
    g.pop("calendar_days", None)
    if db.session.execute(select(CalendarDay.id).where(CalendarDay.day == day)).first():
        raise Conflict(_("This day is already in the calendar."), fields={"day": [_("Already used.")]})
    row = CalendarDay(day=day, kind=DayKind(kind), name=name.strip())
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor, "calendar.set", "calendar_day", day.isoformat(), after={"kind": row.kind, "name": row.name}
    )
    return row


# --- loading from the plan file -------------------------------------------------------------


def load_from_plan(plan: dict) -> dict[str, int]:
    added = {"stage_limits": 0, "calendar_days": 0}
    header = plan["plan"]
    for stage, spec in plan.get("stage_limits", {}).items():
        if time_limit(stage, date.max) is None:
            db.session.add(
                StageTimeLimit(
                    stage=stage,
                    working_days=spec["working_days"],
                    effective_from=header["effective_from"],
                    is_default=True,
                    reason=spec.get("note", "default"),
                )
            )
            added["stage_limits"] += 1
    present = set(db.session.execute(select(CalendarDay.day)).scalars())
    for first, last, name in plan.get("calendar", {}).get("holidays", []):
        day = first
        while day <= last:
            if day not in present:
                db.session.add(CalendarDay(day=day, kind=DayKind.HOLIDAY, name=name))
                added["calendar_days"] += 1
            day += timedelta(days=1)
    for day, name in plan.get("calendar", {}).get("workdays", []):
        if day not in present:
            db.session.add(CalendarDay(day=day, kind=DayKind.WORKDAY, name=name))
            added["calendar_days"] += 1
    db.session.flush()
    return added
