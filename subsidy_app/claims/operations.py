"""Filing, editing, reading and listing claims."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, false, func, literal_column, not_, or_, select, union_all
from sqlalchemy.orm import joinedload

from ..conflicts import operations as conflicts
from ..core import audit
from ..core.audit import AuditEvent
from ..core.errors import Conflict, Forbidden, NotFound, invalid
from ..core.permissions import Actor, is_confined, require
from ..core.timeutil import LOCAL_TZ, local_today, utcnow
from ..credit import operations as credit
from ..deadlines import operations as deadlines
from ..extensions import db
from ..organizations import operations as organizations
from ..organizations.models import Organization
from ..programs import operations as programs
from ..programs.models import DocumentRequirement, Program
from ..subjects import naming
from ..talents import operations as talents
from ..talents.models import Talent
from . import amounts, facts, rules
from .models import Claim, ClaimStatus, Stage
from .workflow import OPEN_STATUSES, STAGE_OF_STATUS

# --- who may see and who is the applicant -------------------------------------------------


def is_applicant(actor: Actor, claim: Claim) -> bool:
    """A user of the applicant organisation, or the HR user who filed the claim."""
    if is_confined(actor):
        return claim.organization_id is not None and claim.organization_id == actor.organization_id
    return actor.id == claim.filed_by_id


def claim_subjects(claim: Claim) -> tuple[set[int], set[int]]:
    """Organisations and talents a claim concerns (for recusal)."""
    orgs = {claim.organization_id}
    if claim.talent is not None:
        orgs.add(claim.talent.employer_id)
    return {o for o in orgs if o}, {claim.talent_id} if claim.talent_id else set()


def get_claim(actor: Actor, claim_id: int) -> Claim:
    """A claim the actor may see: applicants their own (404 otherwise); a reviewer with a
    declared conflict is refused (403, 回避)."""
    require(actor, "claim.read")
    claim = db.session.get(Claim, claim_id)
    if claim is None or (is_confined(actor) and not is_applicant(actor, claim)):
        raise NotFound(_("Not found."))
    orgs, talent_ids = claim_subjects(claim)
    conflicts.require_not_conflicted(actor, organization_ids=orgs, talent_ids=talent_ids)
    return claim


def recused_claim_ids(actor: Actor, claim_ids) -> list[int]:
    """Those of these claims the actor has declared a conflict with (回避): the applicant,
    the talent's employer or the talent. Paths that act on many claims at once (payment
    batches, bank results) refuse them as the single path refuses one."""
    if actor.role not in conflicts.REVIEWER_ROLES:
        return []
    orgs, talent_ids = conflicts.conflicted_subjects(actor.id)
    ids = list(dict.fromkeys(claim_ids))
    if not (orgs or talent_ids) or not ids:
        return []
    employer_conflict = exists().where(Talent.id == Claim.talent_id, Talent.employer_id.in_(orgs))
    return sorted(
        db.session.execute(
            select(Claim.id).where(
                Claim.id.in_(ids),
                or_(Claim.organization_id.in_(orgs), Claim.talent_id.in_(talent_ids), employer_conflict),
            )
        ).scalars()
    )


def require_not_recused(actor: Actor, claim_ids) -> None:
    recused = recused_claim_ids(actor, claim_ids)
    if recused:
        raise Forbidden(
            _("You have declared a conflict of interest with this claim's applicant or talent (回避)."),
            code="recused",
            claims=recused,
        )


# --- evaluation ---------------------------------------------------------------------------------


def evaluate(claim: Claim, source: facts.FactSource | None = None) -> tuple[rules.Verdict, amounts.Amount]:
    """Run the rules and the amount rule on a claim. Within one request the result is
    reused (an action evaluates, then its answer shows the claim): nothing the rules read
    changes in between."""
    cache = g.setdefault("claim_evaluations", {}) if has_request_context() and source is None else None
    if cache is not None and claim.id in cache:
        return cache[claim.id]
    claim_facts = facts.for_claim(claim, source)
    program = claim.program
    verdict = rules.evaluate(claim_facts, program.rules or [])
    result = (
        verdict,
        amounts.payable(claim_facts, program.amount_rule.value, program.benchmark_categories or []),
    )
    if cache is not None and claim.id is not None:
        cache[claim.id] = result
    return result


def forget_evaluation(claim: Claim) -> None:
    """What the rules read has changed (details, amount, documents): evaluate again."""
    if has_request_context():
        g.setdefault("claim_evaluations", {}).pop(claim.id, None)


def lock_subjects(claim: Claim) -> None:
    """Take the rows of the claim's talent and organisation until commit, so that two
    submissions for the same person or organisation are decided one after the other: the
    second sees the first when its once-only rules run (PostgreSQL row locks; on SQLite a
    writing request holds the database's write lock from its start)."""
    if claim.talent_id is not None:
        db.session.execute(select(Talent.id).where(Talent.id == claim.talent_id).with_for_update())
    if claim.organization_id is not None:
        db.session.execute(
            select(Organization.id).where(Organization.id == claim.organization_id).with_for_update()
        )
    forget_evaluation(claim)


def record_verdict(claim: Claim, verdict: rules.Verdict) -> None:
    claim.eligible = verdict.eligible
    claim.eligibility = verdict.as_dicts()
    claim.evaluated_at = utcnow()


def enter_stage(claim: Claim, status: ClaimStatus, stage: Stage | None = None) -> None:
    """Set status and stage, and the stage's deadline in working days (限时办结)."""
    stage = stage or STAGE_OF_STATUS[status]
    started = utcnow()
    with db.session.no_autoflush:
        due = deadlines.deadline(stage.value, started)
    claim.status, claim.stage, claim.stage_started_at, claim.stage_deadline = status, stage, started, due


# --- documents the program asks for -----------------------------------------------------------


def documents_present(claim: Claim) -> set[str]:
    return {d.kind for d in claim.documents}


def missing_documents(claim: Claim, requirement: DocumentRequirement) -> list[str]:
    present = documents_present(claim)
    return [k for k in claim.program.documents_by(requirement) if k not in present]


def outstanding_deferrals(claim: Claim) -> list:
    present = documents_present(claim)
    return [d for d in claim.deferrals if d.kind not in present]


# --- filing and editing --------------------------------------------------------------------


def _resolve_organization(actor: Actor, organization_id: int | None, talent):
    """The applicant organisation: a confined user's own; staff name any (or the talent's
    employer by default). Another organisation's id is answered as an unknown one."""
    if is_confined(actor):
        if organization_id is not None and organization_id != actor.organization_id:
            raise invalid("organization_id", _("No organisation has this id."))
        return organizations.find_organization(actor.organization_id)
    if organization_id is None:
        return talent.employer if talent is not None else None
    organization = organizations.find_organization(organization_id)
    if not naming.may_name_organization(actor, organization):
        raise invalid("organization_id", _("No organisation has this id."))
    return organization


def _resolve_talent(actor: Actor, talent_code: str | None, program):
    """The talent named, if the actor may name it on this program (CONTRACT "Who may name
    whom"); a talent the actor may not name is answered exactly as an unknown code."""
    if not talent_code:
        return None
    talent = talents.find_talent(talent_code)
    if not naming.may_name_talent(actor, talent, program):
        raise invalid("talent_code", _("No talent has this code."))
    return talent


def create_claim(
    actor: Actor,
    *,
    program_code: str,
    talent_code: str | None = None,
    organization_id: int | None = None,
    amount_requested=None,
    details: dict | None = None,
) -> Claim:
    """File a claim as a draft, with the verdict of every rule. An ineligible claim is
    kept as a draft (it can be corrected), but cannot be submitted."""
    require(actor, "claim.create")
    program = programs.find_program(program_code)
    if program is None:
        raise invalid("program_code", _("No program has this code."))
    talent = _resolve_talent(actor, talent_code, program)
    organization = _resolve_organization(actor, organization_id, talent)
    # 回避: a reviewer does not file on behalf of a party they are conflicted with
    conflicts.require_not_conflicted(
        actor,
        organization_ids={organization.id if organization else None, talent.employer_id if talent else None},
        talent_ids={talent.id if talent else None},
    )
    claim = Claim(
        program=program,
        organization=organization,
        talent=talent,
        filed_by_id=actor.id,
        amount_requested=amount_requested,
        details=audit.jsonable(details or {}),
    )
    claim.filed_by = actor
    enter_stage(claim, ClaimStatus.DRAFT)
    db.session.add(claim)
    db.session.flush()
    verdict, _amount = evaluate(claim)
    record_verdict(claim, verdict)
    db.session.flush()
    audit.record(
        actor,
        "claim.create",
        "claim",
        claim.id,
        after={
            "status": claim.status,
            "program": program.code,
            "talent": claim.talent_code,
            "organization_id": claim.organization_id,
            "amount_requested": amount_requested,
            "eligible": verdict.eligible,
        },
    )
    return claim


def update_claim(
    actor: Actor,
    claim_id: int,
    *,
    amount_requested=None,
    details: dict | None = None,
    clear_amount: bool = False,
) -> Claim:
    """Correct a draft or a returned claim (the applicant's answer to a return)."""
    claim = get_claim(actor, claim_id)
    if not is_applicant(actor, claim):
        raise Forbidden(_("Only the applicant can change the claim."))
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.RETURNED):
        raise Conflict(_("Only a draft or a returned claim can be changed."), code="invalid_status")
    before = {"amount_requested": claim.amount_requested, "details": dict(claim.details or {})}
    if amount_requested is not None or clear_amount:
        claim.amount_requested = amount_requested
    if details is not None:
        claim.details = {**(claim.details or {}), **audit.jsonable(details)}
    forget_evaluation(claim)
    verdict, _amount = evaluate(claim)
    record_verdict(claim, verdict)
    db.session.flush()
    audit.record(
        actor,
        "claim.update",
        "claim",
        claim.id,
        before=before,
        after={
            "amount_requested": claim.amount_requested,
            "details": claim.details,
            "eligible": verdict.eligible,
        },
    )
    return claim


# --- reading ----------------------------------------------------------------------------------


def history(claim: Claim) -> list[AuditEvent]:
    """Every action on the claim, oldest first (from the audit trail)."""
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_type == "claim", AuditEvent.object_id == str(claim.id))
            .order_by(AuditEvent.id)
        ).scalars()
    )


def is_overdue(claim: Claim, today: date | None = None) -> bool:
    return (
        claim.status in OPEN_STATUSES
        and claim.stage_deadline is not None
        and claim.stage_deadline < (today or local_today())
    )


#: What awaits each reviewer: the stages where the move is theirs (the default of their queue).
AWAITING_STAGES = {
    "hr": (Stage.HR_REVIEW, Stage.HR_SECOND_APPROVAL, Stage.APPEAL_REVIEW),
    "finance": (Stage.FINANCE_REVIEW, Stage.PAYMENT),
}

#: The orders a list may ask for (``sort``), besides the reviewers' queue order.
SORT_KEYS = ("queue", "deadline", "created", "amount", "id")


def _sort_columns():
    return {
        "deadline": Claim.stage_deadline,
        "created": Claim.created_at,
        "amount": func.coalesce(Claim.amount_approved, Claim.amount_requested),
        "id": Claim.id,
    }


#: A search resolves the talents, organisations and incentives it matches first (one
#: statement); up to this many of a kind are then written into the claims' statements as ids
#: (an index lookup per id, and the name predicate evaluated once for the count and the page).
#: A broader search (a letter or two matching thousands of names) filters by a subquery.
SEARCH_ID_LIMIT = 500

_INT_MAX = 2**31 - 1


def _contains(column, text: str):
    """``column`` contains ``text``, whatever the case (``%`` and ``_`` match themselves).
    ``ILIKE`` (SQLite: ``lower() LIKE lower()``, as before); a text without letter case
    (Chinese, digits) takes ``LIKE``: the same rows, without PostgreSQL lowering every name
    (which is most of the cost of scanning names when the trigram index cannot serve: a
    pattern under 3 characters). Both use the trigram indexes ``ix_*_name_search``."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    if text.lower() == text.upper():
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def _search(q: str):
    """One box: a claim number (``123`` or ``#123``), a talent's name (any part, any case) or
    code, an organisation's name (any part), an incentive's name (any part) or code.

    The matching talents, organisations and incentives are read first, in one statement
    (the names through their trigram indexes on PostgreSQL); the claims are then filtered
    by those ids (``ix_claims_talent_id``, ``…organization_id``, ``…program_id``: a bitmap
    of index lookups), so the count and the page's ids do not each scan the names again."""
    text = q.strip()
    number = text.removeprefix("#").strip()
    kinds = (
        (
            Claim.talent_id,
            Talent.id,
            or_(_contains(Talent.name, text), Talent.talent_code == text.upper()),
        ),
        (Claim.organization_id, Organization.id, _contains(Organization.name, text)),
        (
            Claim.program_id,
            Program.id,
            or_(
                func.lower(Program.code) == text.lower(),
                _contains(Program.name_zh, text),
                _contains(Program.name_en, text),
            ),
        ),
    )
    matched = [
        select(literal_column(str(n)).label("kind"), id_column.label("id"))
        .where(match)
        .limit(SEARCH_ID_LIMIT + 1)
        .subquery()
        for n, (_, id_column, match) in enumerate(kinds)
    ]
    found: dict[int, list[int]] = {n: [] for n in range(len(kinds))}
    for kind, id_ in db.session.execute(union_all(*(select(m.c.kind, m.c.id) for m in matched))):
        found[int(kind)].append(id_)
    conditions = []
    for n, (claim_column, id_column, match) in enumerate(kinds):
        if len(found[n]) > SEARCH_ID_LIMIT:
            conditions.append(claim_column.in_(select(id_column).where(match)))
        elif found[n]:
            conditions.append(claim_column.in_(found[n]))
    if number.isascii() and number.isdigit() and len(number) <= 10 and int(number) <= _INT_MAX:
        conditions.append(Claim.id == int(number))
    return or_(*conditions) if conditions else false()


def red_listed_organization_ids() -> set[int]:
    """Organisations on the red list now: few, read once per page (the queue's order and the
    rows' "red list" mark)."""
    return set(db.session.execute(credit.red_listed_organizations_subquery()).scalars())


def visible_claims(
    actor: Actor,
    *,
    status: ClaimStatus | None = None,
    program_code: str | None = None,
    organization_id: int | None = None,
    talent_code: str | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    overdue: bool | None = None,
    stage: Stage | None = None,
    order: str | None = None,
    q: str | None = None,
    awaiting: str | None = None,
    sort: str | None = None,
    direction: str | None = None,
    red_ids: set[int] | None = None,
):
    """The claims the actor may see, filtered. Reviewers get their queue order by default:
    red-listed applicants first (十七), then the nearest deadline. ``q`` searches one box
    (see ``_search``); ``awaiting`` ("hr", "finance") keeps the stages where the move is that
    reviewer's; ``sort`` (``SORT_KEYS``) with ``direction`` ("asc"/"desc") orders otherwise.
    ``red_ids``: the red-listed organisations, if already read."""
    require(actor, "claim.list")
    stmt = select(Claim)
    if is_confined(actor):
        stmt = stmt.where(Claim.organization_id == actor.organization_id)
    elif actor.role in conflicts.REVIEWER_ROLES:
        orgs, talent_ids = conflicts.conflicted_subjects(actor.id)
        if orgs or talent_ids:
            employer_conflict = exists().where(Talent.id == Claim.talent_id, Talent.employer_id.in_(orgs))
            stmt = stmt.where(
                not_(or_(Claim.organization_id.in_(orgs), Claim.talent_id.in_(talent_ids), employer_conflict))
            )
    if status is not None:
        stmt = stmt.where(Claim.status == status)
    if stage is not None:
        stmt = stmt.where(Claim.stage == stage)
    if awaiting in AWAITING_STAGES:
        stmt = stmt.where(Claim.stage.in_(AWAITING_STAGES[awaiting]))
    if program_code:
        program = programs.find_program(program_code)
        stmt = stmt.where(Claim.program_id == (program.id if program else -1))
    if organization_id is not None:
        stmt = stmt.where(Claim.organization_id == organization_id)
    if talent_code:
        talent = talents.find_talent(talent_code)
        stmt = stmt.where(Claim.talent_id == (talent.id if talent else -1))
    if created_from is not None:
        stmt = stmt.where(Claim.created_at >= _day_start(created_from))
    if created_to is not None:
        stmt = stmt.where(Claim.created_at < _day_start(created_to, plus_days=1))
    if overdue is not None:
        late = and_(Claim.status.in_(OPEN_STATUSES), Claim.stage_deadline < local_today())
        stmt = stmt.where(late if overdue else not_(late) | Claim.stage_deadline.is_(None))
    if q and q.strip():
        stmt = stmt.where(_search(q))
    columns = _sort_columns()
    if sort in columns:
        column = columns[sort]
        if direction == "desc":
            return stmt.order_by(column.desc().nulls_last(), Claim.id.desc())
        return stmt.order_by(column.asc().nulls_last(), Claim.id)
    if sort != "queue" and (order == "newest" or (order is None and is_confined(actor))):
        return stmt.order_by(Claim.id.desc())
    return stmt.order_by(*_queue_order(red_ids))


def _queue_order(red_ids: set[int] | None) -> list:
    """Red-listed applicants first (十七), then the nearest deadline (none last), then the
    oldest claim. The red list is a handful of organisations, read first and written into the
    statement as a list of ids: the order is then a function of the claim row alone, and the
    ids of a page are sorted without a join (see ``claim_page``)."""
    if red_ids is None:
        red_ids = red_listed_organization_ids()
    order = []
    if red_ids:
        order.append(case((Claim.organization_id.in_(sorted(red_ids)), 0), else_=1))
    return [*order, Claim.stage_deadline.asc().nulls_last(), Claim.id]


def claim_page(actor: Actor, page: int, per_page: int, **filters) -> dict:
    """One page of ``visible_claims`` in a constant number of statements, whatever the page
    size: the red list (once), the count, the page's ids (ordered on the claims table alone,
    no joins), then the page's rows with their program, applicant, talent and filer in one
    statement (documents and deferrals: one batched statement each).
    ``{"items", "total", "page", "per_page", "red_ids"}``."""
    red_ids = red_listed_organization_ids()
    stmt = visible_claims(actor, red_ids=red_ids, **filters)
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    ids = list(
        db.session.execute(
            stmt.with_only_columns(Claim.id).limit(per_page).offset((page - 1) * per_page)
        ).scalars()
    )
    items: list[Claim] = []
    if ids:
        rows = (
            db.session.execute(select(Claim).where(Claim.id.in_(ids)).options(joinedload(Claim.filed_by)))
            .unique()
            .scalars()
        )
        by_id = {c.id: c for c in rows}
        items = [by_id[i] for i in ids if i in by_id]
    return {"items": items, "total": total, "page": page, "per_page": per_page, "red_ids": red_ids}


def _day_start(day: date, plus_days: int = 0):
    """Midnight in Shanghai, as a UTC time (dates people type are local dates)."""

    return datetime.combine(day + timedelta(days=plus_days), time(), LOCAL_TZ)


def red_listed(claim: Claim, red_ids: set[int] | None = None) -> bool:
    if red_ids is not None:
        return claim.organization_id in red_ids
    return credit.is_red_listed(claim.organization_id)


def db_list(stmt, limit: int) -> list[Claim]:
    """The first ``limit`` claims of a listing (for pages that show a short list)."""
    return list(db.session.execute(stmt.limit(limit)).scalars())
