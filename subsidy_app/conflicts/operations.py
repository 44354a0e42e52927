"""Declaring, recording and ending conflicts; and the question "is this reviewer conflicted"."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..core import audit
from ..core.errors import Conflict, Forbidden, NotFound, invalid
from ..core.permissions import Actor, Role, require
from ..core.timeutil import utcnow
from ..extensions import db
from ..subjects.kinds import SubjectKind
from ..subjects.resolve import resolve_subject
from ..users import operations as users
from .models import ReviewerConflict

REVIEWER_ROLES = {Role.HR, Role.FINANCE}


def declare(
    actor: Actor, *, subject_kind: SubjectKind | str, subject_id, reason: str, reviewer_id: int | None = None
) -> ReviewerConflict:
    """A reviewer declares a conflict; HR may record one for another reviewer."""
    require(actor, "conflict.declare")
    reviewer_id = reviewer_id or actor.id
    if reviewer_id != actor.id:
        require(actor, "conflict.record_for_others")
    reviewer = users.get_user(reviewer_id) if reviewer_id != actor.id else actor
    if reviewer.role not in REVIEWER_ROLES:
        raise invalid("reviewer_id", _("Only HR and finance reviewers recuse themselves."))
    subject_kind = SubjectKind(subject_kind)
    subject = resolve_subject(subject_kind, subject_id)
    existing = (
        db.session.execute(
            select(ReviewerConflict).where(
                ReviewerConflict.reviewer_id == reviewer.id,
                ReviewerConflict.ended_at.is_(None),
                *(getattr(ReviewerConflict, k) == v for k, v in subject.items()),
            )
        )
        .scalars()
        .first()
    )
    if existing is not None:
        raise Conflict(_("This conflict is already on record."), code="already_declared")
    conflict = ReviewerConflict(
        reviewer_id=reviewer.id,
        subject_kind=subject_kind,
        reason=reason.strip(),
        declared_by_id=actor.id,
        **subject,
    )
    db.session.add(conflict)
    db.session.flush()
    audit.record(
        actor,
        "conflict.declare",
        "reviewer_conflict",
        conflict.id,
        after={"reviewer_id": reviewer.id, "subject_kind": subject_kind, **subject},
        reason=conflict.reason,
    )
    return conflict


def end(actor: Actor, conflict_id: int, *, reason: str) -> ReviewerConflict:
    """End a conflict: another HR user than the reviewer, with a reason (回避). A reviewer
    who could end their own recusal could lift it and decide the claim alone."""
    require(actor, "conflict.end")
    conflict = db.session.get(ReviewerConflict, conflict_id)
    if conflict is None:
        raise NotFound(_("Not found."))
    if conflict.reviewer_id == actor.id:
        raise Forbidden(
            _("A reviewer cannot end their own conflict of interest: another HR user ends it (回避)."),
            code="segregation_of_duties",
        )
    if not reason or not reason.strip():
        raise invalid("reason", _("Say why the conflict has ended."))
    if not conflict.active:
        raise Conflict(_("This conflict has already ended."), code="already_ended")
    conflict.ended_at = utcnow()
    conflict.ended_by_id = actor.id
    conflict.end_reason = reason.strip()
    audit.record(
        actor,
        "conflict.end",
        "reviewer_conflict",
        conflict.id,
        before={"active": True},
        after={"active": False, "reviewer_id": conflict.reviewer_id},
        reason=conflict.end_reason,
    )
    return conflict


def list_conflicts(actor: Actor, *, active: bool | None = None):
    require(actor, "conflict.read")
    stmt = select(ReviewerConflict).order_by(ReviewerConflict.id.desc())
    if actor.role == Role.FINANCE:
        stmt = stmt.where(ReviewerConflict.reviewer_id == actor.id)
    if active is not None:
        stmt = stmt.where(
            ReviewerConflict.ended_at.is_(None) if active else ReviewerConflict.ended_at.is_not(None)
        )
    return stmt


def conflicted_subjects(reviewer_id: int) -> tuple[set[int], set[int]]:
    """Organisation ids and talent ids the reviewer is conflicted with now."""
    rows = db.session.execute(
        select(ReviewerConflict.organization_id, ReviewerConflict.talent_id).where(
            ReviewerConflict.reviewer_id == reviewer_id, ReviewerConflict.ended_at.is_(None)
        )
    ).all()
    return ({o for o, _t in rows if o is not None}, {t for _o, t in rows if t is not None})


def require_not_conflicted(actor: Actor, *, organization_ids, talent_ids) -> None:
    """Recusal: a reviewer with a conflict may not act (nor look)."""
    if actor.role not in REVIEWER_ROLES:
        return
    orgs, talents = conflicted_subjects(actor.id)
    if orgs & {i for i in organization_ids if i} or talents & {i for i in talent_ids if i}:
        raise Forbidden(
            _("You have declared a conflict of interest with this claim's applicant or talent (回避)."),
            code="recused",
        )


def standing_conflicts() -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Every standing conflict, as {organisation id: reviewer ids} and {talent id: reviewer ids}."""
    by_org: dict[int, set[int]] = {}
    by_talent: dict[int, set[int]] = {}
    for reviewer, org, talent in db.session.execute(
        select(
            ReviewerConflict.reviewer_id, ReviewerConflict.organization_id, ReviewerConflict.talent_id
        ).where(ReviewerConflict.ended_at.is_(None))
    ):
        if org is not None:
            by_org.setdefault(org, set()).add(reviewer)
        if talent is not None:
            by_talent.setdefault(talent, set()).add(reviewer)
    return by_org, by_talent


def reviewers_conflicted_with(*, organization_ids, talent_ids) -> set[int]:
    """Reviewers with a standing conflict with any of these organisations or talents."""
    organization_ids = [i for i in organization_ids if i]
    talent_ids = [i for i in talent_ids if i]
    if not organization_ids and not talent_ids:
        return set()
    return set(
        db.session.execute(
            select(ReviewerConflict.reviewer_id).where(
                ReviewerConflict.ended_at.is_(None),
                ReviewerConflict.organization_id.in_(organization_ids)
                | ReviewerConflict.talent_id.in_(talent_ids),
            )
        ).scalars()
    )
