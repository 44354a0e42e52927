"""Approving a filtered selection of claims in one action (HR or finance).

Each claim meets the same rules as one approved alone: status, actor, segregation of duties,
recusal, eligibility re-evaluated, documents, and for finance the budget. What a claim fails
is reported with it; the others go through.

The work is set-based, so that a hundred thousand claims take seconds: claims are read as
plain rows (not ORM objects), what the rules need is loaded once (FactSource), budgets are
reserved by one conditional UPDATE per line, and ledger lines, status changes and history
are written with executemany.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Integer, String, bindparam, column, func, table, text, update

from ..budgets import operations as budgets
from ..budgets.models import BudgetLine
from ..conflicts import operations as conflicts
from ..core import bulkio
from ..core.audit import AuditEvent, jsonable
from ..core.db import Money
from ..core.errors import Conflict, ValidationFailed
from ..core.permissions import require
from ..core.timeutil import utcnow
from ..deadlines import operations as deadlines
from ..extensions import db
from ..ledger import operations as ledger
from ..ledger.models import Account, TransactionKind
from ..notifications import operations as notifications
from ..programs.models import DocumentRequirement
from . import amounts as amount_rules
from . import operations as claims
from . import rules
from .facts import FactSource
from .models import Claim, ClaimStatus, Stage
from .rows import COLUMNS, C, Context, Row, chunks, read
from .workflow import TRANSITIONS

MAX_BULK = 100_000
BULK_ACTIONS = ("hr_approve", "finance_approve")

def _rows(actor, claim_ids, filters) -> list[Row]:
    """The claims named (in the order given), or those the filters find (in queue order)."""
    if claim_ids:
        found = read(claim_ids)
        return [found[i] for i in dict.fromkeys(claim_ids) if i in found]
    stmt = claims.visible_claims(actor, **filters).with_only_columns(*COLUMNS).limit(MAX_BULK)
    return [Row(*r) for r in db.session.execute(stmt)]


def _refusal(actor, row: Row, action: str, ctx: Context, recused) -> tuple[str, str] | None:
    program = ctx.programs[row.program_id]
    if row.filed_by_id == actor.id:
        return "segregation_of_duties", _("Whoever filed a claim cannot review it (segregation of duties).")
    talent = ctx.talents.get(row.talent_id)
    organizations = {row.organization_id, talent.employer_id if talent else None} - {None}
    if organizations & recused[0] or ({row.talent_id} - {None}) & recused[1]:
        return "recused", _("You have declared a conflict of interest with this claim's applicant "
                            "or talent (回避).")
    if row.status not in TRANSITIONS[action].sources:
        return "invalid_status", _("A claim that is %(status)s cannot be moved by %(action)s.",
                                   status=row.status.value, action=action)
    if action == "hr_approve":
        if program.needs_senior_approval:
            return "needs_individual_decision", _("A discretionary amount is decided claim by claim.")
        if row.status == ClaimStatus.APPEALED and row.rejected_by_id == actor.id:
            return "segregation_of_duties", _("An appeal is decided by another reviewer than the "
                                              "one who rejected the claim (陈述、申辩).")
        deferred = set(ctx.deferrals[row.id])
        missing = [k for k in ctx.missing(row, DocumentRequirement.ESSENTIAL)] + [
            k for k in ctx.missing(row, DocumentRequirement.DEFERRABLE) if k not in deferred]
        if missing:
            return "missing_documents", _("Documents are missing: %(kinds)s.", kinds=", ".join(missing))
    if action == "finance_approve" and ctx.outstanding(row):
        return "documents_outstanding", _("Payment waits for deferred documents: %(kinds)s.",
                                          kinds=", ".join(ctx.outstanding(row)))
    return None


def bulk_act(actor, *, action: str, claim_ids: list[int] | None = None, filters: dict | None = None,
             comment: str | None = None) -> dict:
    with bulkio.no_gc_pauses():
        return _bulk_act(actor, action=action, claim_ids=claim_ids, filters=filters, comment=comment)


def _bulk_act(actor, *, action: str, claim_ids, filters, comment) -> dict:
    if action not in BULK_ACTIONS:
        raise ValidationFailed(_("Some fields are invalid."), fields={"action": [
            _("Must be one of: %(choices)s.", choices=", ".join(BULK_ACTIONS))]})
    require(actor, "claim.review_hr" if action == "hr_approve" else "claim.review_finance")
    if claim_ids and len(claim_ids) > MAX_BULK:
        raise ValidationFailed(_("Some fields are invalid."), fields={"claim_ids": [
            _("At most %(n)d claims at once.", n=MAX_BULK)]})
    rows = _rows(actor, claim_ids, filters or {})
    ctx = Context(rows)
    recused = conflicts.conflicted_subjects(actor.id)
    failed: list[dict] = []
    candidates = []
    for row in rows:
        refusal = _refusal(actor, row, action, ctx, recused)
        if refusal:
            failed.append({"id": row.id, "code": refusal[0], "message": refusal[1]})
        else:
            candidates.append(row)
    requested = len(rows)
    if claim_ids:
        missing = set(claim_ids) - {r.id for r in rows}
        failed += [{"id": i, "code": "not_found", "message": _("Not found.")} for i in sorted(missing)]
        requested += len(missing)
    approvable = _evaluate(action, candidates, ctx, failed)
    if action == "finance_approve":
        approvable = _reserve(actor, approvable, ctx, failed)
    _apply(actor, action, approvable, comment)
    return {"action": action, "requested": requested,
            "succeeded": [row.id for row, _v in approvable], "failed": failed}


def _evaluate(action: str, candidates: list[Row], ctx: Context, failed: list) -> list:
    """The rules again, for every candidate (a black-listing since stops the claim)."""
    subjects = [ctx.subject(row) for row in candidates]
    source = FactSource(subjects)
    approvable = []
    for row, subject in zip(candidates, subjects):
        program = subject.program
        facts = source.facts(subject, applicant_role=ctx.roles[row.filed_by_id].value,
                             amount_requested=row.amount_requested)
        verdict = rules.evaluate(facts, program.rules or [])
        if not verdict.eligible:
            failed.append({"id": row.id, "code": "not_eligible", "message": _(
                "The claim is not eligible: %(rules)s.",
                rules=", ".join(c.rule for c in verdict.checks if not c.passed))})
            continue
        if action == "hr_approve":
            amount = amount_rules.payable(facts, program.amount_rule.value,
                                          program.benchmark_categories or [])
            if amount.amount is None or amount.set_at_approval:
                failed.append({"id": row.id, "code": "needs_individual_decision",
                               "message": _("Set the amount to approve.")})
                continue
            row.amount_approved = amount.amount
        approvable.append((row, verdict))
    return approvable


def _reserve(actor, approvable: list, ctx: Context, failed: list) -> list:
    """Reserve budget line by line, in queue order, as far as each line goes: one atomic
    conditional UPDATE per line for the total of the claims that fit."""
    fiscal_year = budgets.current_fiscal_year()
    by_program = defaultdict(list)
    for entry in approvable:
        by_program[entry[0].program_id].append(entry)
    reserved, postings = [], []
    # one transaction per budget line: a debit per claim (with its claim) against one credit
    for program_id, entries in by_program.items():
        program = ctx.programs[program_id]
        line = budgets.find_line(fiscal_year, program_id)
        if line is None:
            failed += [{"id": row.id, "code": "no_budget", "message": _(
                "There is no budget for %(program)s in %(year)s.", program=program.code,
                year=fiscal_year)} for row, _v in entries]
            continue
        while True:
            db.session.refresh(line, ["allocated", "committed", "paid"])
            room, fits, total = line.available, [], Decimal("0")
            for entry in entries:
                if total + entry[0].amount_approved <= room:
                    fits.append(entry)
                    total += entry[0].amount_approved
            if not fits:
                break
            result = db.session.execute(
                update(BudgetLine).where(
                    BudgetLine.id == line.id,
                    func.round(BudgetLine.allocated - BudgetLine.committed - BudgetLine.paid - total, 2) >= 0)
                .values(committed=func.round(BudgetLine.committed + total, 2)))
            if result.rowcount == 1:
                break  # else another approval took some of the room meanwhile: count again
        fitting = {entry[0].id for entry in fits}
        lines = []
        for row, verdict in entries:
            if row.id not in fitting:
                failed.append({"id": row.id, "code": "budget_exhausted", "message": _(
                    "The budget of %(program)s for %(year)s has %(available)s left; this claim "
                    "needs %(amount)s.", program=program.code, year=fiscal_year,
                    available=f"{line.available:,.2f}", amount=f"{row.amount_approved:,.2f}")})
                continue
            amount = row.amount_approved
            lines.append(ledger.Line(Account.COMMITTED.value, debit=amount, claim_id=row.id))
            row.fiscal_year, row.amount_committed = fiscal_year, amount
            reserved.append((row, verdict))
        if lines:
            total_reserved = sum((l.debit for l in lines), Decimal("0"))
            postings.append(ledger.Posting(
                TransactionKind.COMMITMENT, lines + [ledger.cr(Account.AVAILABLE, total_reserved)],
                fiscal_year, program.code, None, f"bulk finance approval: {len(lines)} claims"))
    if postings:
        ledger.post_many(postings, actor=actor)
    return reserved


def _apply(actor, action: str, approvable: list, comment: str | None) -> None:
    """Move the claims (compare-and-set on status and version), write their history, tell
    who acts next."""
    if not approvable:
        return
    now = utcnow()
    target = ClaimStatus.HR_APPROVED if action == "hr_approve" else ClaimStatus.FINANCE_APPROVED
    stage = Stage.FINANCE_REVIEW if action == "hr_approve" else Stage.PAYMENT
    deadline = deadlines.deadline(stage.value, now)
    moves, events = [], []
    for row, _verdict in approvable:
        moves.append((row.id, row.status.value, row.version, row.amount_approved, row.fiscal_year,
                      row.amount_committed))
        events.append({"occurred_at": now, "actor_id": actor.id, "actor_name": actor.username,
                       "actor_role": actor.role.value, "action": f"claim.{action}",
                       "object_type": "claim", "object_id": str(row.id),
                       "before": {"status": row.status.value, "stage": row.stage.value},
                       "after": jsonable({"status": target, "stage": stage, "stage_deadline": deadline,
                                          "amount_approved": row.amount_approved, "bulk": True}),
                       "reason": comment})
    changed = _move_rows(moves, target=target, stage=stage, now=now, deadline=deadline)
    if changed != len(moves):
        raise Conflict(_("Someone else changed some of these claims at the same time. Reload and "
                         "try again."), code="conflict")
    bulkio.insert_rows(AuditEvent.__table__, events)
    _notify(action, [(row.id, row.organization_id) for row, _v in approvable])


def _move_rows(moves: list[tuple], *, target, stage, now, deadline) -> int:
    """Set the new status of many claims, compare-and-set on status and version. Returns how
    many rows changed (fewer than asked: someone else moved some meanwhile)."""
    fixed = dict(status=target, stage=stage, stage_started_at=now, stage_deadline=deadline,
                 eligible=True, evaluated_at=now, version=C.version + 1)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # COPY the moves into a temporary table, then one UPDATE … FROM it
        connection.execute(text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS claim_moves (cid integer, from_status text, "
            "version_ integer, approved numeric(14,2), year integer, committed numeric(14,2)) "
            "ON COMMIT DELETE ROWS"))
        connection.execute(text("TRUNCATE claim_moves"))
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy("COPY claim_moves FROM STDIN") as copy:
            for move in moves:
                copy.write_row(move)
        return _update_from_moves(connection, fixed)
    # SQLite: executemany, which it runs in C
    statement = (update(Claim.__table__)
                 .where(C.id == bindparam("cid"), C.status == bindparam("from_status"),
                        C.version == bindparam("version_"))
                 .values(amount_approved=bindparam("approved"), fiscal_year=bindparam("year"),
                         amount_committed=bindparam("committed"), **fixed))
    keys = ("cid", "from_status", "version_", "approved", "year", "committed")
    return sum(db.session.connection().execute(statement, [dict(zip(keys, m)) for m in chunk]).rowcount
               for chunk in chunks(moves))


def _update_from_moves(connection, fixed: dict) -> int:
    """UPDATE claims FROM the temporary table of moves (PostgreSQL)."""
    moves = table("claim_moves", column("cid", Integer), column("from_status", String),
                  column("version_", Integer), column("approved", Money()), column("year", Integer),
                  column("committed", Money()))
    return connection.execute(
        update(Claim.__table__)
        .where(C.id == moves.c.cid, C.status == moves.c.from_status, C.version == moves.c.version_)
        .values(amount_approved=moves.c.approved, fiscal_year=moves.c.year,
                amount_committed=moves.c.committed, **fixed)).rowcount


def _notify(action: str, moved: list[tuple[int, int | None]]) -> None:
    """One message per person, not one per claim."""
    from ..core.permissions import Role
    from ..users import operations as users

    params = {"count": len(moved), "first": moved[0][0]}
    if action == "hr_approve":
        notifications.notify(users.users_with_role(Role.FINANCE), "claims_bulk_hr_approved",
                             None, params)
    by_org = defaultdict(int)
    for _claim_id, organization_id in moved:
        if organization_id:
            by_org[organization_id] += 1
    kind = "claims_bulk_hr_approved" if action == "hr_approve" else "claims_bulk_finance_approved"
    for org_id, n in by_org.items():
        notifications.notify(users.users_with_role(Role.EMPLOYER, organization_id=org_id)
                             + users.users_with_role(Role.INTERMEDIARY, organization_id=org_id),
                             kind, None, {"count": n, "first": params["first"]})
