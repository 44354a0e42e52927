"""The audit trail: one append-only table of every state change, with who, when, what and why.

The database refuses UPDATE and DELETE on it (triggers, see ``append_only.py``).
Operations call :func:`record` in the same transaction as the change they describe, so a
change and its record are committed or rolled back together.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db
from .db import UTCDateTime
from .money import money_str
from .permissions import Actor
from .timeutil import utcnow


class AuditEvent(Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Snapshots: the name and role at the time, even if the user changes later.
    actor_name: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)


SYSTEM_ACTOR_NAME = "system"


def jsonable(value):
    """A JSON-safe copy of a snapshot value."""
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj, *names: str) -> dict:
    return {name: jsonable(getattr(obj, name)) for name in names}


def event_values(
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
    occurred_at: datetime | None = None,
) -> dict:
    """The column values of an audit event (for :func:`record`, and for paths that insert
    many events at once)."""
    return dict(
        occurred_at=occurred_at or utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", SYSTEM_ACTOR_NAME),
        actor_role=str(actor.role) if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        reason=reason,
    )


def record(
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction. ``actor`` None means the system
    (a CLI seed, a scheduled job)."""
    event = AuditEvent(
        **event_values(actor, action, object_type, object_id, before=before, after=after, reason=reason)
    )
    db.session.add(event)
    return event
