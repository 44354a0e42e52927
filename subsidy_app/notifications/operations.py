"""Who is told what, and delivering e-mail after commit."""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..claims import signals
from ..claims.models import Claim, Stage
from ..claims.operations import claim_subjects, outstanding_deferrals
from ..claims.workflow import (
    APPLICANTS,
    FINANCE_REVIEWERS,
    HR_REVIEWERS,
    OPEN_STATUSES,
    SENIOR_HR,
    TRANSITIONS,
)
from ..conflicts.operations import reviewers_conflicted_with, standing_conflicts
from ..core.errors import NotFound
from ..core.permissions import Actor, Role, require
from ..core.timeutil import local_today, utcnow
from ..deadlines.operations import working_days_left
from ..extensions import db
from ..jobs import engine
from ..users.models import User
from .messages import render
from .models import Notification, OutgoingEmail

log = logging.getLogger(__name__)


def notify(
    users, kind: str, claim=None, params: dict | None = None, *, email: bool = True
) -> list[Notification]:
    """Put a message in each user's inbox, and queue an e-mail to those with an address
    (``email=False``: later, see :func:`mail_job_notices`)."""
    created = []
    seen = set()
    for user in users:
        if user is None or user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        note = Notification(
            user_id=user.id, claim_id=claim.id if claim else None, kind=kind, params=params or {}
        )
        db.session.add(note)
        created.append(note)
        if user.email and email:
            db.session.flush()
            _queue_email(note, user.email)
    return created


def _queue_email(note: Notification, address: str) -> None:
    zh, en = render(note.kind, note.params, "zh"), render(note.kind, note.params, "en")
    email = OutgoingEmail(
        notification_id=note.id,
        to_address=address,
        subject=f"山西省引进外国人才资助系统 · {zh[:80]}",
        body=f"{zh}\n\n{en}\n",
    )
    db.session.add(email)
    db.session.flush()
    g.setdefault("queued_emails", []).append(email.id)


# --- who is told about a claim -----------------------------------------------------------------


def _active(role: Role, *, senior_only: bool = False) -> list[User]:
    stmt = select(User).where(User.role == role, User.is_active.is_(True))
    if senior_only:
        stmt = stmt.where(User.is_senior.is_(True))
    return list(db.session.execute(stmt).scalars())


def _reviewers(role: Role, claim, *, senior_only: bool = False, exclude_ids=()) -> list[User]:
    """Active reviewers of a role, less those recused from the claim (they are not told)."""

    orgs, talents = claim_subjects(claim)
    recused = reviewers_conflicted_with(organization_ids=orgs, talent_ids=talents)
    return [
        user
        for user in _active(role, senior_only=senior_only)
        if user.id not in recused and user.id not in exclude_ids
    ]


def _applicants(claim) -> list[User]:
    users = []
    if claim.organization_id is not None:
        users += (
            db.session.execute(
                select(User).where(User.organization_id == claim.organization_id, User.is_active.is_(True))
            )
            .scalars()
            .all()
        )
    if claim.filed_by.role == Role.HR:
        users.append(claim.filed_by)
    return users


def _params(claim, **extra) -> dict:
    return {
        "claim": claim.id,
        "program": claim.program.code,
        "deadline": claim.stage_deadline.isoformat() if claim.stage_deadline else None,
        **extra,
    }


def _audience(audience: str, claim, actor: Actor) -> list[User]:

    me = {actor.id}
    if audience == HR_REVIEWERS:  # an appeal goes to another reviewer than the one who rejected
        return _reviewers(
            Role.HR, claim, exclude_ids=me | ({claim.rejected_by_id} if claim.appealed_at else set())
        )
    if audience == SENIOR_HR:
        return _reviewers(Role.HR, claim, senior_only=True, exclude_ids=me)
    if audience == FINANCE_REVIEWERS:
        return _reviewers(Role.FINANCE, claim)
    if audience == APPLICANTS:
        return _applicants(claim)
    raise LookupError(f"unknown audience {audience!r}")


def _notice_params(kind: str, claim, comment: str | None) -> dict:
    """What each message shows beyond the claim, its program and deadline."""
    if kind == "claim_second_approval":
        return _params(claim, amount=f"{claim.amount_approved:,.2f}")
    if kind in ("claim_returned", "claim_rejected"):
        return _params(claim, comment=comment)
    if kind == "documents_deferred":
        deferrals = claim.deferrals
        return _params(
            claim,
            documents=", ".join(d.kind for d in deferrals),
            due_date=max(d.due_date for d in deferrals).isoformat() if deferrals else None,
        )
    return _params(claim)


def claim_moved(claim, *, action: str, actor: Actor, comment: str | None = None, **_extra) -> None:
    """Tell whom the transition table says to tell of this move (subscribed to
    ``claims.signals.claim_moved``): those who must act next, and those who are waiting."""

    transition = TRANSITIONS.get(action)
    for notice in transition.notices if transition else ():
        if notice.when is None or notice.when(claim):
            notify(
                _audience(notice.audience, claim, actor),
                notice.kind,
                claim,
                _notice_params(notice.kind, claim, comment),
            )


def claims_moved_in_bulk(action: str, *, moved: list, **_extra) -> None:
    """Tell the same people as :func:`claim_moved` tells of each claim (finance reviewers
    not recused from it after HR approval; the applicants), one message per person with
    the number of claims, instead of one per claim."""

    told: dict[int, dict[int, None]] = defaultdict(dict)  # user → claims, in order
    users: dict[int, User] = {}
    if action == "hr_approve":
        by_org, by_talent = standing_conflicts()
        finance = _active(Role.FINANCE)
        users.update((u.id, u) for u in finance)
        for m in moved:
            recused = set().union(
                *(by_org.get(o, set()) for o in m.organization_ids), by_talent.get(m.talent_id, set())
            )
            for user in finance:
                if user.id not in recused:
                    told[user.id][m.claim_id] = None
    organization_ids = {m.organization_id for m in moved} - {None}
    members: dict[int, list[User]] = defaultdict(list)
    if organization_ids:
        for user in db.session.execute(
            select(User).where(User.organization_id.in_(organization_ids), User.is_active.is_(True))
        ).scalars():
            members[user.organization_id].append(user)
    for m in moved:
        applicants = list(members.get(m.organization_id, []))
        if m.filed_by_role == Role.HR:  # filed on an applicant's behalf: the filer follows it
            applicants.append(users.get(m.filed_by_id) or db.session.get(User, m.filed_by_id))
        for user in applicants:
            users[user.id] = user
            told[user.id][m.claim_id] = None
    kind = "claims_bulk_hr_approved" if action == "hr_approve" else "claims_bulk_finance_approved"
    scratch = engine.job_scratch()
    for user_id, claim_ids in told.items():
        params = {"count": len(claim_ids), "first": next(iter(claim_ids))}
        if scratch is None:
            notify([users[user_id]], kind, None, params)
            continue
        # in a job, chunk after chunk: one notice per person for the whole job, its count kept
        # up to date in each chunk's transaction, mailed once when the job ends
        kept = scratch.setdefault("notices", {})
        note = db.session.get(Notification, kept[(user_id, kind)]) if (user_id, kind) in kept else None
        if note is not None:
            note.params = {**note.params, "count": note.params["count"] + len(claim_ids)}
            continue
        for created in notify([users[user_id]], kind, None, params, email=False):
            db.session.flush()
            kept[(user_id, kind)] = created.id


def mail_job_notices(scratch: dict) -> None:
    """When a job ends: mail the notices it kept, with their final counts."""
    for note_id in scratch.get("notices", {}).values():
        note = db.session.get(Notification, note_id)
        user = db.session.get(User, note.user_id) if note is not None else None
        if user is not None and user.email:
            _queue_email(note, user.email)


def subscribe() -> None:
    """Listen to the claims' moves (called once by the app factory)."""

    signals.claim_moved.connect(claim_moved)
    signals.claims_moved_in_bulk.connect(claims_moved_in_bulk)
    engine.on_commit(deliver_queued)
    engine.on_job_end(mail_job_notices)


# --- the inbox ----------------------------------------------------------------------------------


def inbox(actor: Actor, *, unread: bool | None = None):
    require(actor, "notification.read")
    stmt = select(Notification).where(Notification.user_id == actor.id).order_by(Notification.id.desc())
    if unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    return stmt


def mark_read(actor: Actor, notification_id: int) -> Notification:
    require(actor, "notification.read")
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != actor.id:
        raise NotFound(_("Not found."))
    if note.read_at is None:
        note.read_at = utcnow()
    return note


# --- delivery -----------------------------------------------------------------------------------


def outbox_dir() -> Path:
    return Path(current_app.config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox")


def _message(email: OutgoingEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain="subsidy.local")
    message.set_content(email.body)
    return message


def _send(message: EmailMessage) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_")
        (folder / f"{name}.eml").write_bytes(bytes(message))
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def deliver(ids: list[int] | None = None) -> tuple[int, int]:
    """Send queued e-mails (those given, or every unsent one). A failure is recorded on
    the e-mail and retried by the next call; it never undoes what caused it."""
    stmt = select(OutgoingEmail).where(OutgoingEmail.sent_at.is_(None))
    if ids is not None:
        if not ids:
            return 0, 0
        stmt = stmt.where(OutgoingEmail.id.in_(ids))
    sent = failed = 0
    for email in db.session.execute(stmt).scalars().all():
        try:
            _send(_message(email))
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            db.session.execute(
                update(OutgoingEmail).where(OutgoingEmail.id == email.id).values(error=str(exc)[:1000])
            )
            log.warning("e-mail %s to %s not sent: %s", email.id, email.to_address, exc)
        else:
            sent += 1
            db.session.execute(
                update(OutgoingEmail).where(OutgoingEmail.id == email.id).values(sent_at=utcnow(), error=None)
            )
    db.session.commit()
    return sent, failed


def deliver_queued() -> None:
    """After the transaction that queued e-mails has committed: send them off the request
    path (a Celery task, or the in-process executor); what fails is retried on schedule."""
    ids = g.pop("queued_emails", None)
    if ids:
        try:
            engine.in_background("mail", ids)
        except Exception:  # delivery must never turn a done request into an error
            log.exception("handing e-mails to the background failed; the scheduler retries")


# --- deadlines coming due -------------------------------------------------------------------


def _stage_actors(claim) -> list[User]:

    stage = claim.stage
    if stage in (Stage.HR_REVIEW, Stage.APPEAL_REVIEW):
        return _reviewers(
            Role.HR, claim, exclude_ids={claim.rejected_by_id} if stage == Stage.APPEAL_REVIEW else set()
        )
    if stage == Stage.HR_SECOND_APPROVAL:
        return _reviewers(Role.HR, claim, senior_only=True, exclude_ids={claim.first_approved_by_id})
    if stage in (Stage.FINANCE_REVIEW, Stage.PAYMENT):
        return _reviewers(Role.FINANCE, claim)
    if stage == Stage.APPLICANT_RESPONSE:
        return _applicants(claim)
    return []


def _already_told(claim_id: int, kind: str, **match) -> bool:
    notes = db.session.execute(
        select(Notification.params).where(Notification.claim_id == claim_id, Notification.kind == kind)
    ).scalars()
    return any(all(p.get(k) == v for k, v in match.items()) for p in notes)


def remind_deadlines(*, days_ahead: int = 2, today=None) -> int:
    """Tell the people who must act that a stage is due within ``days_ahead`` working
    days or overdue (the applicant, who waits, is told of overdue stages too); and tell
    applicants and HR of deferred documents past their date. Each reminder once."""

    today = today or local_today()
    count = 0
    claims = (
        db.session.execute(
            select(Claim).where(Claim.status.in_(OPEN_STATUSES), Claim.stage_deadline.is_not(None))
        )
        .scalars()
        .all()
    )
    for claim in claims:
        left = working_days_left(claim.stage_deadline, today)
        if left > days_ahead:
            continue
        kind = "deadline_overdue" if claim.stage_deadline < today else "deadline_due"
        params = _params(claim, stage=claim.stage.value)
        if _already_told(claim.id, kind, stage=params["stage"], deadline=params["deadline"]):
            continue
        people = _stage_actors(claim)
        if kind == "deadline_overdue":
            people += _applicants(claim)
        count += len(notify(people, kind, claim, params))
    for claim in db.session.execute(select(Claim).where(Claim.status.in_(OPEN_STATUSES))).scalars().all():
        late = [d for d in outstanding_deferrals(claim) if d.due_date < today]
        if not late:
            continue
        params = _params(
            claim,
            documents=", ".join(d.kind for d in late),
            due_date=min(d.due_date for d in late).isoformat(),
        )
        if _already_told(claim.id, "documents_overdue", documents=params["documents"]):
            continue
        count += len(
            notify(_applicants(claim) + _reviewers(Role.HR, claim), "documents_overdue", claim, params)
        )
    db.session.flush()
    return count


def unread_count(actor: Actor) -> int:
    """How many of the actor's notices are unread (one COUNT on the user/unread index)."""
    require(actor, "notification.read")
    return db.session.execute(
        select(func.count(Notification.id)).where(
            Notification.user_id == actor.id, Notification.read_at.is_(None)
        )
    ).scalar_one()
