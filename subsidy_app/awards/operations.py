"""Recording awards and designations, each with the claim it gives rise to."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import extract, select
from sqlalchemy.exc import IntegrityError

from ..claims import operations as claims
from ..core import audit
from ..core.errors import Conflict, invalid
from ..core.permissions import Actor, require
from ..core.timeutil import local_today
from ..extensions import db
from ..organizations.models import Organization
from ..talents import operations as talents
from .models import AWARD_PROGRAM, BASE_PROGRAM, Award, AwardKind, BaseLevel, DemonstrationBase


def record_award(actor: Actor, *, kind: AwardKind | str, talent_code: str, year: int) -> Award:
    """十四: a Friendship Award for a talent and a year; creates the bonus claim (a draft
    filed by HR: the award certificate is attached, then it is submitted and reviewed)."""
    require(actor, "award.record")
    kind = AwardKind(kind)
    if year > local_today().year:
        raise invalid("year", _("An award cannot be recorded for a future year."))
    talent = talents.find_talent(talent_code)
    if talent is None:
        raise invalid("talent_code", _("No talent has this code."))
    existing = db.session.execute(
        select(Award).where(Award.kind == kind, Award.talent_id == talent.id)
    ).scalar_one_or_none()
    if existing is not None:
        raise _already(
            _("This award is already recorded for this person (%(year)s).", year=existing.year),
            existing.claim_id,
        )
    award = Award(kind=kind, talent_id=talent.id, year=year, recorded_by_id=actor.id)
    _insert(award, _("This award is already recorded for this person."))
    claim = claims.create_claim(
        actor,
        program_code=AWARD_PROGRAM[kind],
        talent_code=talent.talent_code,
        details={"year": year, "award_id": award.id},
    )
    award.claim_id = claim.id
    audit.record(
        actor,
        "award.record",
        "award",
        award.id,
        after={"kind": kind, "talent_code": talent.talent_code, "year": year, "claim_id": claim.id},
    )
    return award


def record_base(
    actor: Actor, *, level: BaseLevel | str, organization_id: int, designated_on: date
) -> DemonstrationBase:
    """十五: a designation as a demonstration base; creates the reward claim."""
    require(actor, "award.record")
    level = BaseLevel(level)
    if designated_on > local_today():
        raise invalid("designated_on", _("A designation cannot be recorded before it is made."))
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise invalid("organization_id", _("No organisation has this id."))
    existing = db.session.execute(
        select(DemonstrationBase).where(
            DemonstrationBase.level == level, DemonstrationBase.organization_id == organization.id
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise _already(
            _(
                "This organisation was already designated at this level (%(day)s).",
                day=existing.designated_on.isoformat(),
            ),
            existing.claim_id,
        )
    base = DemonstrationBase(
        level=level, organization_id=organization.id, designated_on=designated_on, recorded_by_id=actor.id
    )
    _insert(base, _("This organisation was already designated at this level."))
    claim = claims.create_claim(
        actor,
        program_code=BASE_PROGRAM[level],
        organization_id=organization.id,
        details={"designated_on": designated_on.isoformat(), "base_id": base.id},
    )
    base.claim_id = claim.id
    audit.record(
        actor,
        "demonstration_base.record",
        "demonstration_base",
        base.id,
        after={
            "level": level,
            "organization_id": organization.id,
            "designated_on": designated_on.isoformat(),
            "claim_id": claim.id,
        },
    )
    return base


def _already(message: str, claim_id: int | None) -> Conflict:
    return Conflict(message, code="duplicate", claim_id=claim_id)


def _insert(row, message: str) -> None:
    """Insert under the unique constraint: two HR users recording the same award at once
    get one row and one 409, not two bonuses."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(message, code="duplicate") from None


def list_awards(actor: Actor, *, year: int | None = None, kind: AwardKind | None = None):
    require(actor, "award.read")
    stmt = select(Award).order_by(Award.year.desc(), Award.id.desc())
    if year is not None:
        stmt = stmt.where(Award.year == year)
    if kind is not None:
        stmt = stmt.where(Award.kind == kind)
    return stmt


def list_bases(actor: Actor, *, year: int | None = None, level: BaseLevel | None = None):
    """Bases by year of designation (new provincial bases are designated every year)."""
    require(actor, "award.read")
    stmt = select(DemonstrationBase).order_by(
        DemonstrationBase.designated_on.desc(), DemonstrationBase.id.desc()
    )
    if year is not None:
        stmt = stmt.where(extract("year", DemonstrationBase.designated_on) == year)
    if level is not None:
        stmt = stmt.where(DemonstrationBase.level == level)
    return stmt
