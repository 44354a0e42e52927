"""Where payees are paid, under four eyes: the one place that changes a payee's account.

An organisation proposes a new account for itself, an employer for its own talent: the
change waits until an HR user other than the proposer confirms it, and until then the last
confirmed account stays in effect (the payee's ``bank_name`` / ``bank_account_no``, what
payment batches read). HR and administrators set an account directly, in effect at once but
on one person's word: payment batches flag it. Every step is on the audit trail with the old
and the new account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from ..core import audit
from ..core.db import in_ids
from ..core.errors import Conflict, Forbidden, NotFound, invalid
from ..core.permissions import Actor, Role, can, is_confined, require
from ..core.timeutil import utcnow
from ..extensions import db
from ..organizations import operations as organizations
from ..organizations.models import Organization
from ..subjects.kinds import SubjectKind
from ..talents import operations as talents
from ..talents.models import Talent
from ..users.models import User
from .models import EFFECTIVE, TRANSITIONS, BankAccountChange, ChangeStatus

CHUNK = 20000


# --- whose account ------------------------------------------------------------------------


def _kind_of(subject) -> SubjectKind:
    return SubjectKind.ORGANIZATION if isinstance(subject, Organization) else SubjectKind.TALENT


def _columns(subject) -> dict:
    return {"organization_id": subject.id} if isinstance(subject, Organization) else {"talent_id": subject.id}


def _object_id(subject):
    """How the audit trail names the payee (as the rest of the trail does)."""
    return subject.id if isinstance(subject, Organization) else subject.talent_code


def _find(actor: Actor, subject_kind, subject_id):
    """The payee, if the actor may see it; "not found" otherwise (even if it exists)."""
    if SubjectKind(subject_kind) == SubjectKind.ORGANIZATION:
        text = str(subject_id)
        if not text.isdigit() or not 0 < int(text) < 2**31:
            raise NotFound(_("Not found."))
        return organizations.get_organization(actor, int(text))
    return talents.get_talent(actor, str(subject_id))


def _payee_for_change(actor: Actor, subject_kind, subject_id):
    """The payee whose account the actor may change: HR and administrators any; an
    organisation its own account, an employer its own talent's."""
    subject_kind = SubjectKind(subject_kind)
    require(
        actor,
        "organization.bank_account" if subject_kind == SubjectKind.ORGANIZATION else "talent.bank_account",
    )
    return _find(actor, subject_kind, subject_id)


def _account(subject) -> dict:
    return {"bank_name": subject.bank_name, "account_no": subject.bank_account_no}


# --- reading ------------------------------------------------------------------------------


def pending_change(subject) -> BankAccountChange | None:
    """The change of this payee that waits for HR, if any (at most one)."""
    return db.session.execute(
        select(BankAccountChange).filter_by(status=ChangeStatus.PENDING, **_columns(subject))
    ).scalar_one_or_none()


def last_effective_change(subject) -> BankAccountChange | None:
    """The change that put this payee's account in effect (none for an account given at
    registration)."""
    return db.session.execute(
        select(BankAccountChange)
        .filter_by(**_columns(subject))
        .where(BankAccountChange.status.in_(EFFECTIVE))
        .order_by(BankAccountChange.decided_at.desc(), BankAccountChange.id.desc())
        .limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class LastChange:
    """When a payee's account in effect last changed, who made the change and who confirmed
    it (None: set by HR or an administrator alone)."""

    changed_at: datetime
    changed_by: str | None
    confirmed_by: str | None


def last_changes(*, organization_ids=(), talent_ids=()) -> dict[tuple[SubjectKind, int], LastChange]:
    """The last change of each of these payees' accounts in effect, read for many at once
    (payment batches), by ``(subject_kind, organization or talent id)``."""
    proposer, decider = aliased(User), aliased(User)
    C = BankAccountChange
    base = (
        select(
            C.subject_kind,
            C.organization_id,
            C.talent_id,
            C.status,
            C.decided_at,
            proposer.username,
            decider.username,
        )
        .outerjoin(proposer, proposer.id == C.proposed_by_id)
        .outerjoin(decider, decider.id == C.decided_by_id)
        .where(C.status.in_(EFFECTIVE))
    )
    found: dict[tuple[SubjectKind, int], LastChange] = {}
    queries = []
    for column, ids in (
        (C.organization_id, sorted(set(organization_ids) - {None})),
        (C.talent_id, sorted(set(talent_ids) - {None})),
    ):
        for start in range(0, len(ids), CHUNK):
            queries.append(base.where(in_ids(column, ids[start : start + CHUNK])))
    for stmt in queries:
        for kind, org_id, talent_id, status, decided_at, by, decided_by in db.session.execute(
            stmt.order_by(C.decided_at, C.id)
        ):
            key = (SubjectKind(kind), org_id if org_id is not None else talent_id)
            found[key] = LastChange(decided_at, by, decided_by if status == ChangeStatus.CONFIRMED else None)
    return found


def visible_changes(
    actor: Actor, *, status: ChangeStatus | None = None, subject_kind: SubjectKind | None = None
):
    """Changes the actor may see, newest first: staff all; an organisation's users those of
    its own account (and an employer those of its talents)."""
    require(actor, "bank_account.read")
    stmt = select(BankAccountChange).order_by(BankAccountChange.id.desc())
    if is_confined(actor):
        own = BankAccountChange.organization_id == actor.organization_id
        if actor.role == Role.EMPLOYER:
            own = own | BankAccountChange.talent_id.in_(
                select(Talent.id).where(Talent.employer_id == actor.organization_id)
            )
        stmt = stmt.where(own)
    if status is not None:
        stmt = stmt.where(BankAccountChange.status == status)
    if subject_kind is not None:
        stmt = stmt.where(BankAccountChange.subject_kind == subject_kind)
    return stmt


def may_decide(actor: Actor, change: BankAccountChange | None) -> bool:
    """Whether the actor may confirm (or refuse) this pending change: an HR user who did
    not propose it."""
    return (
        change is not None
        and change.status == ChangeStatus.PENDING
        and can(actor, "bank_account.decide")
        and change.proposed_by_id != actor.id
    )


# --- changing -------------------------------------------------------------------------------


def _move(actor: Actor | None, change: BankAccountChange, to: ChangeStatus, now: datetime, **values) -> None:
    """Decide a change once: a conditional UPDATE, so that two deciders at the same time
    cannot both succeed (the second finds nothing pending: 409)."""
    if to not in TRANSITIONS[change.status]:
        raise Conflict(_("This bank account change is already decided."), code="invalid_status")
    moved = db.session.execute(
        update(BankAccountChange)
        .where(BankAccountChange.id == change.id, BankAccountChange.status == change.status)
        .values(status=to, decided_by_id=getattr(actor, "id", None), decided_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise Conflict(_("This bank account change is already decided."), code="no_pending_change")
    db.session.expire(change)


def _supersede(actor: Actor, subject, now: datetime) -> BankAccountChange | None:
    """A newer change replaces the one that waits, if any."""
    older = pending_change(subject)
    if older is not None:
        _move(actor, older, ChangeStatus.SUPERSEDED, now)
        db.session.flush()
    return older


def _apply(subject, change: BankAccountChange) -> None:
    subject.bank_name, subject.bank_account_no = change.bank_name, change.account_no


def set_bank_account(
    actor: Actor,
    subject_kind: SubjectKind | str,
    subject_id,
    *,
    bank_name: str,
    account_no: str,
    reason: str | None = None,
    four_eyes: bool = False,
) -> BankAccountChange:
    """Change where a payee is paid.

    HR and administrators set it directly: in effect at once (status ``direct``), unless
    they ask for a second person (``four_eyes``). An organisation's own users propose: the
    change is ``pending`` until another HR user confirms it. A newer change supersedes a
    pending one.
    """
    subject = _payee_for_change(actor, subject_kind, subject_id)
    if fields := organizations.bank_account_errors(bank_name, account_no):
        raise invalid(fields)
    kind = _kind_of(subject)
    direct = can(actor, "bank_account.set_directly") and not four_eyes
    now = utcnow()
    before = _account(subject)
    older = _supersede(actor, subject, now)
    change = BankAccountChange(
        subject_kind=kind,
        bank_name=bank_name.strip(),
        account_no=organizations.normalize_account(account_no),
        previous_bank_name=subject.bank_name,
        previous_account_no=subject.bank_account_no,
        status=ChangeStatus.DIRECT if direct else ChangeStatus.PENDING,
        proposed_by_id=actor.id,
        proposed_at=now,
        decided_by_id=actor.id if direct else None,
        decided_at=now if direct else None,
        reason=(reason or "").strip() or None,
        **_columns(subject),
    )
    db.session.add(change)
    db.session.flush()
    if older is not None:
        audit.record(
            actor,
            f"{kind}.bank_account.supersede",
            kind.value,
            _object_id(subject),
            before={
                "change_id": older.id,
                "bank_name": older.bank_name,
                "account_no": older.account_no,
                "status": ChangeStatus.PENDING,
            },
            after={"status": ChangeStatus.SUPERSEDED, "superseded_by": change.id},
        )
    if direct:
        _apply(subject, change)
    audit.record(
        actor,
        f"{kind}.bank_account.{'set' if direct else 'propose'}",
        kind.value,
        _object_id(subject),
        before=before,
        after={
            "bank_name": change.bank_name,
            "account_no": change.account_no,
            "change_id": change.id,
            "status": change.status,
        },
        reason=change.reason,
    )
    return change


def _pending_to_decide(actor: Actor, subject_kind, subject_id, change_id: int | None):
    require(actor, "bank_account.decide")
    subject = _find(actor, subject_kind, subject_id)
    change = pending_change(subject)
    if change is None:
        raise Conflict(_("No bank account change waits for confirmation."), code="no_pending_change")
    if change_id is not None and change.id != change_id:
        raise Conflict(
            _("This change was superseded by a newer one: look at it again."),
            code="no_pending_change",
            change_id=change.id,
        )
    return subject, change


def confirm(actor: Actor, subject_kind: SubjectKind | str, subject_id, change_id: int | None = None):
    """The second pair of eyes: an HR user other than the proposer puts the pending change
    in effect. Returns the payee."""
    subject, change = _pending_to_decide(actor, subject_kind, subject_id, change_id)
    if change.proposed_by_id == actor.id:
        raise Forbidden(
            _("Who proposed a bank account change cannot confirm it (four eyes)."),
            code="segregation_of_duties",
        )
    kind, before = _kind_of(subject), _account(subject)
    proposer = change.proposed_by_name
    _move(
        actor,
        change,
        ChangeStatus.CONFIRMED,
        utcnow(),
        previous_bank_name=subject.bank_name,
        previous_account_no=subject.bank_account_no,
    )
    _apply(subject, change)
    audit.record(
        actor,
        f"{kind}.bank_account.confirm",
        kind.value,
        _object_id(subject),
        before=before,
        after={
            "bank_name": change.bank_name,
            "account_no": change.account_no,
            "change_id": change.id,
            "proposed_by": proposer,
            "status": ChangeStatus.CONFIRMED,
        },
    )
    return subject


def reject(
    actor: Actor, subject_kind: SubjectKind | str, subject_id, *, reason: str, change_id: int | None = None
) -> BankAccountChange:
    """HR refuses a pending change, saying why: the account in effect stays."""
    require(actor, "bank_account.decide")
    if not reason or not reason.strip():
        raise invalid("reason", _("Say why the change is refused."))
    subject, change = _pending_to_decide(actor, subject_kind, subject_id, change_id)
    kind = _kind_of(subject)
    _move(actor, change, ChangeStatus.REJECTED, utcnow(), decision_reason=reason.strip())
    audit.record(
        actor,
        f"{kind}.bank_account.reject",
        kind.value,
        _object_id(subject),
        before=_account(subject),
        after={
            "bank_name": change.bank_name,
            "account_no": change.account_no,
            "change_id": change.id,
            "proposed_by": change.proposed_by_name,
            "status": ChangeStatus.REJECTED,
        },
        reason=reason.strip(),
    )
    return change


def get_change(actor: Actor, change_id: int) -> BankAccountChange:
    change = db.session.execute(
        visible_changes(actor).where(BankAccountChange.id == change_id)
    ).scalar_one_or_none()
    if change is None:
        raise NotFound(_("Not found."))
    return change
