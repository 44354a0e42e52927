"""Listing and lifting, and the questions eligibility and queues ask of the lists."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..claims.models import Claim
from ..core import audit
from ..core.errors import Conflict, NotFound, invalid
from ..core.permissions import Actor, require
from ..core.timeutil import local_today, utcnow
from ..extensions import db
from ..inspections import operations as inspections
from ..subjects.kinds import SubjectKind
from ..subjects.resolve import resolve_subject
from .models import CreditList, CreditListing

AUDITED = ("subject_kind", "organization_id", "talent_id", "list", "reason", "listed_on", "source")


def _active_listing(subject: dict, which: CreditList) -> CreditListing | None:
    stmt = select(CreditListing).where(CreditListing.list == which, CreditListing.lifted_at.is_(None))
    for column, value in subject.items():
        stmt = stmt.where(getattr(CreditListing, column) == value)
    return db.session.execute(stmt).scalars().first()


def list_subject(
    actor: Actor | None,
    *,
    subject_kind: SubjectKind | str,
    subject_id,
    list: CreditList | str,
    reason: str,
    listed_on: date | None = None,
    source: str = "manual",
    inspection_result_id: int | None = None,
) -> CreditListing:
    """Put an organisation or a talent on the red or the black list (十七).

    Black-listing someone on the red list ends the red listing: one cannot be both. A
    listing may take up what a spot check proposed (``inspection_result_id``).
    """
    require(actor, "credit.list")
    subject_kind, which = SubjectKind(subject_kind), CreditList(list)
    if not reason or not reason.strip():
        raise invalid("reason", _("Say why the listing is made."))
    subject = resolve_subject(subject_kind, subject_id)
    if inspection_result_id is not None:
        source = _proposal_source(inspection_result_id, subject, which)
    if _active_listing(subject, which) is not None:
        raise Conflict(_("Already on this list."), code="already_listed")
    if which == CreditList.BLACK:
        red = _active_listing(subject, CreditList.RED)
        if red is not None:
            _lift(actor, red, _("Superseded by a black listing."))
    listing = CreditListing(
        subject_kind=subject_kind,
        list=which,
        reason=reason.strip(),
        listed_on=listed_on or local_today(),
        source=source,
        listed_by_id=actor.id if actor else None,
        **subject,
    )
    db.session.add(listing)
    db.session.flush()
    audit.record(
        actor,
        "credit.list",
        "credit_listing",
        listing.id,
        after=audit.snapshot(listing, *AUDITED),
        reason=listing.reason,
    )
    return listing


def _proposal_source(result_id: int, subject: dict, which: CreditList) -> str:
    """The listing must be the one the spot check proposed, of the object it checked (for a
    paid claim: its organisation or its talent), and taken up once."""
    result, item = inspections.proposal(result_id)
    refused = invalid(
        "inspection_result_id", _("This spot check proposed another listing or another subject.")
    )
    if result.proposed_listing != which.value:
        raise refused
    if item.object_kind == "organization":
        checked = [{"organization_id": item.object_id}]
    elif item.object_kind == "talent":
        checked = [{"talent_id": item.object_id}]
    else:
        claim = db.session.get(Claim, item.object_id)
        checked = [{"organization_id": claim.organization_id}, {"talent_id": claim.talent_id}]
    if subject not in checked:
        raise refused
    source = f"inspection_result:{result_id}"
    if db.session.execute(select(CreditListing.id).where(CreditListing.source == source)).first():
        raise Conflict(_("This proposal was already taken up."), code="already_listed")
    return source


def _lift(actor: Actor | None, listing: CreditListing, reason: str) -> None:
    listing.lifted_at = utcnow()
    listing.lifted_by_id = actor.id if actor else None
    listing.lift_reason = reason
    audit.record(
        actor,
        "credit.lift",
        "credit_listing",
        listing.id,
        before={"active": True},
        after={"active": False},
        reason=reason,
    )


def lift(actor: Actor, listing_id: int, *, reason: str) -> CreditListing:
    require(actor, "credit.lift")
    listing = db.session.get(CreditListing, listing_id)
    if listing is None:
        raise NotFound(_("Not found."))
    if not reason or not reason.strip():
        raise invalid("reason", _("Say why the listing is lifted."))
    if not listing.active:
        raise Conflict(_("This listing was already lifted."), code="already_lifted")
    _lift(actor, listing, reason.strip())
    db.session.flush()
    return listing


def listings(
    actor: Actor,
    *,
    active: bool | None = None,
    which: CreditList | None = None,
    subject_kind: SubjectKind | None = None,
):
    require(actor, "credit.read")
    stmt = select(CreditListing).order_by(CreditListing.id.desc())
    if active is not None:
        stmt = stmt.where(
            CreditListing.lifted_at.is_(None) if active else CreditListing.lifted_at.is_not(None)
        )
    if which is not None:
        stmt = stmt.where(CreditListing.list == which)
    if subject_kind is not None:
        stmt = stmt.where(CreditListing.subject_kind == subject_kind)
    return stmt


# --- questions asked by eligibility and queues ---------------------------------------------


def black_listed(*, organization_ids=(), talent_ids=()) -> list[CreditListing]:
    """The active black listings of any of these subjects."""
    organization_ids = [i for i in organization_ids if i is not None]
    talent_ids = [i for i in talent_ids if i is not None]
    if not organization_ids and not talent_ids:
        return []
    stmt = select(CreditListing).where(
        CreditListing.list == CreditList.BLACK, CreditListing.lifted_at.is_(None)
    )
    stmt = stmt.where(
        CreditListing.organization_id.in_(organization_ids) | CreditListing.talent_id.in_(talent_ids)
    )
    return list(db.session.execute(stmt).scalars())


def red_listed_organizations_subquery():
    """Ids of organisations on the red list now (for ordering queues)."""
    return select(CreditListing.organization_id).where(
        CreditListing.list == CreditList.RED,
        CreditListing.lifted_at.is_(None),
        CreditListing.organization_id.is_not(None),
    )


def is_red_listed(organization_id: int | None) -> bool:
    if organization_id is None:
        return False
    return (
        db.session.execute(
            red_listed_organizations_subquery().where(CreditListing.organization_id == organization_id)
        ).first()
        is not None
    )


def black_listed_ids() -> tuple[set[int], set[int]]:
    """Organisation ids and talent ids on the black list now."""
    rows = db.session.execute(
        select(CreditListing.organization_id, CreditListing.talent_id).where(
            CreditListing.list == CreditList.BLACK, CreditListing.lifted_at.is_(None)
        )
    ).all()
    return {o for o, _t in rows if o}, {t for _o, t in rows if t}
