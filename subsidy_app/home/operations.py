"""What each role's landing page shows (read-only queries, scoped like the API)."""

from __future__ import annotations

from sqlalchemy import func, select

from ..core.audit import AuditEvent
from ..core.permissions import Actor, Role, can
from ..core.timeutil import local_today
from ..extensions import db
from ..organizations import operations as organizations
from ..organizations.models import Organization
from ..programs import operations as programs
from ..reports import operations as reports
from ..talents import operations as talents
from ..talents.models import Talent
from ..users.models import User


def _first(stmt, n: int = 10) -> list:
    return list(db.session.execute(stmt.limit(n)).scalars())


def landing_data(actor: Actor) -> dict:
    role = Role(actor.role)
    data: dict = {"programs": programs.list_programs(actor)}
    if role in (Role.EMPLOYER, Role.INTERMEDIARY):
        data["organization"] = organizations.get_organization(actor, actor.organization_id)
        data["talents"] = _first(talents.visible_talents(actor), 20)
    else:
        data["counts"] = {
            "organizations": db.session.execute(select(func.count(Organization.id))).scalar_one(),
            "talents": db.session.execute(select(func.count(Talent.id))).scalar_one(),
            "users": db.session.execute(select(func.count(User.id))).scalar_one(),
        }
        data["recent_talents"] = _first(
            talents.visible_talents(actor).order_by(None).order_by(Talent.id.desc())
        )
    if can(actor, "report.read"):
        quarter, due = reports.next_quarterly_due()
        data["quarterly_due"] = {
            "quarter": str(quarter),
            "due_date": due,
            "days_left": (due - local_today()).days,
        }
    if can(actor, "audit.read"):
        data["audit_events"] = _first(select(AuditEvent).order_by(AuditEvent.id.desc()), 20)
    if can(actor, "user.create"):
        data["users"] = _first(select(User).order_by(User.id), 50)
    return data
