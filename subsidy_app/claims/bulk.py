"""Approving a filtered selection of claims in one action (HR or finance).

Each claim meets the same rules as one approved alone: status, actor, segregation of duties,
recusal, eligibility re-evaluated, documents, and for finance the budget. What a claim fails
is reported with it; the others go through.

The work is set-based, so that a hundred thousand claims take seconds: claims are read as
plain rows (not ORM objects), what the rules need is loaded once (FactSource), budgets are
reserved by one movement per line, and ledger lines, status changes and history are
written with executemany. The guards and the audit record are those of the single path
(``moves.py``), so that the two never drift apart.
"""

from __future__ import annotations

import json
from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import JSON, Integer, String, bindparam, column, table, text, update

from ..budgets import operations as budgets
from ..conflicts import operations as conflicts
from ..core import bulkio
from ..core.audit import AuditEvent
from ..core.db import Money
from ..core.errors import Conflict, invalid
from ..core.permissions import Actor, require
from ..core.timeutil import utcnow
from ..deadlines import operations as deadlines
from ..extensions import db
from ..ledger import operations as ledger
from ..ledger.models import TransactionKind
from . import amounts as amount_rules
from . import moves, rules, signals
from . import operations as claims
from .facts import FactSource
from .models import Claim, ClaimStatus, Stage
from .moves import Moved
from .rows import COLUMNS, C, Context, Row, chunks, read

MAX_BULK = 100_000
BULK_ACTIONS = ("hr_approve", "finance_approve")


def _rows(actor: Actor, claim_ids, filters) -> list[Row]:
    """The claims named (in the order given), or those the filters find (in queue order)."""
    if claim_ids:
        found = read(claim_ids)
        return [found[i] for i in dict.fromkeys(claim_ids) if i in found]
    stmt = claims.visible_claims(actor, **filters).with_only_columns(*COLUMNS).limit(MAX_BULK)
    return [Row(*r) for r in db.session.execute(stmt)]


def selection(actor: Actor, *, action: str, claim_ids=None, filters=None) -> list[int]:
    """What a bulk action covers, as claim ids in the order they are taken: the ids named
    (each once), or every claim the filters find that ``actor`` may see, in queue order.
    Fixed when a job starts, so that a retry works through the same claims."""
    if action not in BULK_ACTIONS:
        raise invalid("action", _("Must be one of: %(choices)s.", choices=", ".join(BULK_ACTIONS)))
    require(actor, "claim.review_hr" if action == "hr_approve" else "claim.review_finance")
    if claim_ids:
        return list(dict.fromkeys(claim_ids))[:MAX_BULK]
    stmt = claims.visible_claims(actor, **(filters or {})).with_only_columns(C.id).limit(MAX_BULK)
    return list(db.session.execute(stmt).scalars())


def bulk_act(
    actor: Actor,
    *,
    action: str,
    claim_ids: list[int] | None = None,
    filters: dict | None = None,
    comment: str | None = None,
) -> dict:
    with bulkio.no_gc_pauses():
        return _bulk_act(actor, action=action, claim_ids=claim_ids, filters=filters, comment=comment)


def _bulk_act(actor: Actor, *, action: str, claim_ids, filters, comment) -> dict:
    if action not in BULK_ACTIONS:
        raise invalid("action", _("Must be one of: %(choices)s.", choices=", ".join(BULK_ACTIONS)))
    require(actor, "claim.review_hr" if action == "hr_approve" else "claim.review_finance")
    if claim_ids and len(claim_ids) > MAX_BULK:
        raise invalid("claim_ids", _("At most %(n)d claims at once.", n=MAX_BULK))
    comment = (comment or "").strip() or None
    rows = _rows(actor, claim_ids, filters or {})
    ctx = Context(rows)
    recused = conflicts.conflicted_subjects(actor.id)
    failed: list[dict] = []
    candidates = []
    for row in rows:
        state = ctx.state(row)
        refusal = moves.before_rules(actor, state, action, recused)
        if refusal is None and action == "hr_approve" and state.program.needs_senior_approval:
            refusal = moves.Refusal(
                409, "needs_individual_decision", _("A discretionary amount is decided claim by claim.")
            )
        if refusal is not None:
            failed.append(refusal.as_failure(row.id))
        else:
            candidates.append((row, state))
    requested = len(rows)
    if claim_ids:
        missing = set(claim_ids) - {r.id for r in rows}
        failed += [{"id": i, "code": "not_found", "message": _("Not found.")} for i in sorted(missing)]
        requested += len(missing)
    approvable = _evaluate(action, candidates, ctx, failed)
    if action == "finance_approve":
        approvable = _reserve(actor, approvable, ctx, failed)
    _apply(actor, action, approvable, ctx, comment)
    return {
        "action": action,
        "requested": requested,
        "succeeded": [row.id for row, _s in approvable],
        "failed": failed,
    }


def _evaluate(action: str, candidates: list, ctx: Context, failed: list) -> list:
    """The rules again, for every candidate (a black-listing since stops the claim), then
    the guards that follow them; the verdict is kept to be stored with the claim."""
    subjects = [ctx.subject(row) for row, _state in candidates]
    source = FactSource(subjects)
    approvable = []
    for (row, state), subject in zip(candidates, subjects):
        program = subject.program
        facts = source.facts(
            subject, applicant_role=ctx.roles[row.filed_by_id].value, amount_requested=row.amount_requested
        )
        verdict = rules.evaluate(facts, program.rules or [])
        refusal = moves.eligible(verdict) or moves.after_rules(state, action)
        if refusal is not None:
            failed.append(refusal.as_failure(row.id))
            continue
        if action == "hr_approve":
            amount = amount_rules.payable(
                facts, program.amount_rule.value, program.benchmark_categories or []
            )
            if amount.amount is None or amount.set_at_approval:
                failed.append(
                    {
                        "id": row.id,
                        "code": "needs_individual_decision",
                        "message": _("Set the amount to approve."),
                    }
                )
                continue
            row.amount_approved = amount.amount
        row.checks = verdict.as_dicts()
        approvable.append((row, state))
    return approvable


def _reserve(actor: Actor, approvable: list, ctx: Context, failed: list) -> list:
    """Reserve budget line by line, in queue order, as far as each line goes (budgets
    reserves the claims that fit in one movement); each reserved claim's commitment is
    booked as a single approval books it."""
    fiscal_year = budgets.current_fiscal_year()
    by_program = defaultdict(list)
    for entry in approvable:
        by_program[entry[0].program_id].append(entry)
    reserved, postings = [], []
    for program_id, entries in by_program.items():
        program = ctx.programs[program_id]
        try:
            lines = budgets.reserve_many(
                fiscal_year, program, [(row.id, row.amount_approved) for row, _s in entries]
            )
        except Conflict as refusal:  # no budget line for the program this year
            failed += [
                {"id": row.id, "code": refusal.code, "message": refusal.message} for row, _s in entries
            ]
            continue
        line = budgets.find_line(fiscal_year, program_id)
        for row, state in entries:
            if row.id not in lines:
                failed.append(
                    {
                        "id": row.id,
                        "code": "budget_exhausted",
                        "message": _(
                            "The budget of %(program)s for %(year)s has %(available)s left; this claim "
                            "needs %(amount)s.",
                            program=program.code,
                            year=fiscal_year,
                            available=f"{line.available:,.2f}",
                            amount=f"{row.amount_approved:,.2f}",
                        ),
                    }
                )
                continue
            postings.append(
                ledger.Posting(
                    TransactionKind.COMMITMENT,
                    lines[row.id],
                    fiscal_year,
                    program.code,
                    row.id,
                    f"claim {row.id}",
                )
            )
            row.fiscal_year, row.amount_committed = fiscal_year, row.amount_approved
            reserved.append((row, state))
    if postings:
        ledger.post_many(postings, actor=actor)
    return reserved


def _apply(actor: Actor, action: str, approvable: list, ctx: Context, comment: str | None) -> None:
    """Move the claims (compare-and-set on status and version), with their new verdicts,
    write their history as the single path writes it, tell who acts next."""
    if not approvable:
        return
    now = utcnow()
    target = ClaimStatus.HR_APPROVED if action == "hr_approve" else ClaimStatus.FINANCE_APPROVED
    stage = Stage.FINANCE_REVIEW if action == "hr_approve" else Stage.PAYMENT
    deadline = deadlines.deadline(stage.value, now)
    moved, events = [], []
    for row, _state in approvable:
        moved.append(
            (
                row.id,
                row.status.value,
                row.version,
                row.amount_approved,
                row.fiscal_year,
                row.amount_committed,
                row.checks,
            )
        )
        extra = (
            {"amount_approved": row.amount_approved}
            if action == "hr_approve"
            else moves.finance_commitment(row.amount_approved, row.fiscal_year)
        )
        events.append(
            moves.move_record(
                actor,
                row.id,
                action,
                before_status=row.status,
                before_stage=row.stage,
                status=target,
                stage=stage,
                deadline=deadline,
                comment=comment,
                occurred_at=now,
                bulk=True,
                **extra,
            )
        )
    changed = _move_rows(moved, target=target, stage=stage, now=now, deadline=deadline)
    if changed != len(moved):
        raise Conflict(
            _("Someone else changed some of these claims at the same time. Reload and try again."),
            code="conflict",
        )
    bulkio.insert_rows(AuditEvent.__table__, events)
    signals.claims_moved_in_bulk.send(
        action,
        actor=actor,
        moved=[
            Moved(
                row.id,
                row.organization_id,
                state.organization_ids,
                row.talent_id,
                row.filed_by_id,
                ctx.roles[row.filed_by_id],
            )
            for row, state in approvable
        ],
    )


def _move_rows(pending: list[tuple], *, target, stage, now, deadline) -> int:
    """Set the new status of many claims, compare-and-set on status and version. Returns how
    many rows changed (fewer than asked: someone else moved some meanwhile)."""
    fixed = dict(
        status=target,
        stage=stage,
        stage_started_at=now,
        stage_deadline=deadline,
        eligible=True,
        evaluated_at=now,
        version=C.version + 1,
    )
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # COPY the moves into a temporary table, then one UPDATE … FROM it
        connection.execute(
            text(
                "CREATE TEMPORARY TABLE IF NOT EXISTS claim_moves (cid integer, from_status text, "
                "version_ integer, approved numeric(14,2), year integer, committed numeric(14,2), "
                "checks json) ON COMMIT DELETE ROWS"
            )
        )
        connection.execute(text("TRUNCATE claim_moves"))
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy("COPY claim_moves FROM STDIN") as copy:
            for move in pending:
                copy.write_row((*move[:6], json.dumps(move[6], ensure_ascii=False)))
        return _update_from_moves(connection, fixed)
    # SQLite: executemany, which it runs in C
    statement = (
        update(Claim.__table__)
        .where(
            C.id == bindparam("cid"), C.status == bindparam("from_status"), C.version == bindparam("version_")
        )
        .values(
            amount_approved=bindparam("approved"),
            fiscal_year=bindparam("year"),
            amount_committed=bindparam("committed"),
            eligibility=bindparam("checks"),
            **fixed,
        )
    )
    keys = ("cid", "from_status", "version_", "approved", "year", "committed", "checks")
    return sum(
        db.session.connection().execute(statement, [dict(zip(keys, m)) for m in chunk]).rowcount
        for chunk in chunks(pending)
    )


def _update_from_moves(connection, fixed: dict) -> int:
    """UPDATE claims FROM the temporary table of moves (PostgreSQL)."""
    temp = table(
        "claim_moves",
        column("cid", Integer),
        column("from_status", String),
        column("version_", Integer),
        column("approved", Money()),
        column("year", Integer),
        column("committed", Money()),
        column("checks", JSON),
    )
    return connection.execute(
        update(Claim.__table__)
        .where(C.id == temp.c.cid, C.status == temp.c.from_status, C.version == temp.c.version_)
        .values(
            amount_approved=temp.c.approved,
            fiscal_year=temp.c.year,
            amount_committed=temp.c.committed,
            eligibility=temp.c.checks,
            **fixed,
        )
    ).rowcount
