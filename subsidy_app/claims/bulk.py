"""Approving a filtered selection of claims in one action (HR or finance).

Each claim meets the same rules as one approved alone: status, actor, segregation of duties,
recusal, eligibility re-evaluated, documents, and for finance the budget. What a claim fails
is reported with it; the others go through. The work is set-based (facts loaded once,
budgets reserved by one conditional UPDATE per line, ledger lines and history written in
bulk), so that a hundred thousand claims take seconds, not hours.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, select, update

from ..budgets import operations as budgets
from ..budgets.models import BudgetLine
from ..conflicts import operations as conflicts
from ..core.audit import AuditEvent, jsonable
from ..core.errors import Conflict, ValidationFailed
from ..core.permissions import require
from ..core.timeutil import utcnow
from ..deadlines import operations as deadlines
from ..extensions import db
from ..ledger import operations as ledger
from ..ledger.models import Account, TransactionKind
from ..notifications import operations as notifications
from ..programs.models import DocumentRequirement
from . import operations as claims
from .models import Claim, ClaimStatus, Stage
from .workflow import TRANSITIONS

MAX_BULK = 100_000
BULK_ACTIONS = ("hr_approve", "finance_approve")


def _select(actor, claim_ids, filters) -> list[Claim]:
    """The claims named (in the order given), or those the filters find (in queue order)."""
    if claim_ids:
        if len(claim_ids) > MAX_BULK:
            raise ValidationFailed(_("Some fields are invalid."), fields={"claim_ids": [
                _("At most %(n)d claims at once.", n=MAX_BULK)]})
        ids = list(dict.fromkeys(claim_ids))
        found = {}
        for start in range(0, len(ids), 30000):  # keep IN lists within database limits
            chunk = ids[start:start + 30000]
            found.update((c.id, c) for c in db.session.execute(
                select(Claim).where(Claim.id.in_(chunk))).scalars())
        return [found[i] for i in ids if i in found]
    stmt = claims.visible_claims(actor, **filters)
    return list(db.session.execute(stmt.limit(MAX_BULK)).scalars())


def _refusal(actor, claim: Claim, action: str, recused_orgs, recused_talents) -> tuple[str, str] | None:
    transition = TRANSITIONS[action]
    if claim.filed_by_id == actor.id:
        return "segregation_of_duties", _("Whoever filed a claim cannot review it (segregation of duties).")
    orgs, talent_ids = claims.claim_subjects(claim)
    if orgs & recused_orgs or talent_ids & recused_talents:
        return "recused", _("You have declared a conflict of interest with this claim's applicant "
                            "or talent (回避).")
    if claim.status not in transition.sources:
        return "invalid_status", _("A claim that is %(status)s cannot be moved by %(action)s.",
                                   status=claim.status.value, action=action)
    if action == "hr_approve":
        if claim.program.needs_senior_approval:
            return "needs_individual_decision", _("A discretionary amount is decided claim by claim.")
        if claim.status == ClaimStatus.APPEALED and claim.rejected_by_id == actor.id:
            return "segregation_of_duties", _("An appeal is decided by another reviewer than the "
                                              "one who rejected the claim (陈述、申辩).")
        deferred = {d.kind for d in claim.deferrals}
        missing = [k for r in (DocumentRequirement.ESSENTIAL, DocumentRequirement.DEFERRABLE)
                   for k in claims.missing_documents(claim, r)
                   if not (r == DocumentRequirement.DEFERRABLE and k in deferred)]
        if missing:
            return "missing_documents", _("Documents are missing: %(kinds)s.", kinds=", ".join(missing))
    if action == "finance_approve" and claims.outstanding_deferrals(claim):
        return "documents_outstanding", _("Payment waits for deferred documents: %(kinds)s.",
                                          kinds=", ".join(d.kind for d in claims.outstanding_deferrals(claim)))
    return None


def bulk_act(actor, *, action: str, claim_ids: list[int] | None = None, filters: dict | None = None,
             comment: str | None = None) -> dict:
    if action not in BULK_ACTIONS:
        raise ValidationFailed(_("Some fields are invalid."), fields={"action": [
            _("Must be one of: %(choices)s.", choices=", ".join(BULK_ACTIONS))]})
    require(actor, "claim.review_hr" if action == "hr_approve" else "claim.review_finance")
    selected = _select(actor, claim_ids, filters or {})
    recused_orgs, recused_talents = conflicts.conflicted_subjects(actor.id)
    failed: list[dict] = []
    candidates = []
    for claim in selected:
        refusal = _refusal(actor, claim, action, recused_orgs, recused_talents)
        if refusal:
            failed.append({"id": claim.id, "code": refusal[0], "message": refusal[1]})
        else:
            candidates.append(claim)
    requested = len(selected)
    if claim_ids:
        missing = set(claim_ids) - {c.id for c in selected}
        failed += [{"id": i, "code": "not_found", "message": _("Not found.")} for i in sorted(missing)]
        requested += len(missing)
    evaluations = claims.evaluate_many(candidates) if candidates else {}
    approvable = []
    for claim in candidates:
        verdict, amount = evaluations[claim.id]
        if not verdict.eligible:
            rules_failed = ", ".join(c.rule for c in verdict.checks if not c.passed)
            failed.append({"id": claim.id, "code": "not_eligible",
                           "message": _("The claim is not eligible: %(rules)s.", rules=rules_failed)})
            continue
        if action == "hr_approve" and (amount.amount is None or amount.set_at_approval):
            failed.append({"id": claim.id, "code": "needs_individual_decision",
                           "message": _("Set the amount to approve.")})
            continue
        approvable.append((claim, verdict, amount))
    if action == "finance_approve":
        approvable, over_budget = _reserve(actor, approvable)
        failed += over_budget
    _apply(actor, action, approvable, comment)
    return {"action": action, "requested": requested,
            "succeeded": [claim.id for claim, _v, _a in approvable], "failed": failed}


def _reserve(actor, approvable):
    """Reserve budget line by line, in queue order, as far as each line goes: one atomic
    conditional UPDATE per line for the total of the claims that fit."""
    fiscal_year = budgets.current_fiscal_year()
    by_program = defaultdict(list)
    for entry in approvable:
        by_program[entry[0].program_id].append(entry)
    reserved, refused, postings = [], [], []
    for program_id, entries in by_program.items():
        line = budgets.find_line(fiscal_year, program_id)
        if line is None:
            refused += [{"id": c.id, "code": "no_budget", "message": _(
                "There is no budget for %(program)s in %(year)s.", program=c.program.code,
                year=fiscal_year)} for c, _v, _a in entries]
            continue
        while True:
            db.session.refresh(line, ["allocated", "committed", "paid"])
            room, fits, total = line.available, [], Decimal("0")
            for entry in entries:
                amount = entry[0].amount_approved
                if total + amount <= room:
                    fits.append(entry)
                    total += amount
            if not fits:
                break
            result = db.session.execute(
                update(BudgetLine).where(
                    BudgetLine.id == line.id,
                    func.round(BudgetLine.allocated - BudgetLine.committed - BudgetLine.paid - total, 2) >= 0)
                .values(committed=func.round(BudgetLine.committed + total, 2)))
            if result.rowcount == 1:
                break  # else another approval took some of the room meanwhile: count again
        fitting = {id(e) for e in fits}
        for entry in entries:
            claim = entry[0]
            if id(entry) not in fitting:
                refused.append({"id": claim.id, "code": "budget_exhausted", "message": _(
                    "The budget of %(program)s for %(year)s has %(available)s left; this claim "
                    "needs %(amount)s.", program=claim.program.code, year=fiscal_year,
                    available=f"{line.available:,.2f}", amount=f"{claim.amount_approved:,.2f}")})
                continue
            amount = claim.amount_approved
            postings.append(ledger.Posting(
                TransactionKind.COMMITMENT,
                [ledger.dr(Account.COMMITTED, amount), ledger.cr(Account.AVAILABLE, amount)],
                fiscal_year, claim.program.code, claim.id, f"claim {claim.id}"))
            claim.fiscal_year, claim.amount_committed = fiscal_year, amount
            reserved.append(entry)
    if postings:
        ledger.post_many(postings, actor=actor)
    return reserved, refused


def _apply(actor, action: str, approvable, comment: str | None) -> None:
    """Move the claims, write their history, tell who acts next."""
    if not approvable:
        return
    now = utcnow()
    target = ClaimStatus.HR_APPROVED if action == "hr_approve" else ClaimStatus.FINANCE_APPROVED
    stage = Stage.FINANCE_REVIEW if action == "hr_approve" else Stage.PAYMENT
    deadline = deadlines.deadline(stage.value, now)
    rows, events = [], []
    for claim, verdict, amount in approvable:
        approved = amount.amount if action == "hr_approve" else claim.amount_approved
        rows.append({"cid": claim.id, "from_status": claim.status, "version_": claim.version,
                     "amount_approved": approved, "fiscal_year": claim.fiscal_year,
                     "amount_committed": claim.amount_committed,
                     "eligibility": verdict.as_dicts()})
        events.append({"occurred_at": now, "actor_id": actor.id, "actor_name": actor.username,
                       "actor_role": actor.role.value, "action": f"claim.{action}",
                       "object_type": "claim", "object_id": str(claim.id),
                       "before": {"status": claim.status.value, "stage": claim.stage.value},
                       "after": jsonable({"status": target, "stage": stage, "stage_deadline": deadline,
                                          "amount_approved": approved, "bulk": True}),
                       "reason": comment})
    statement = (update(Claim.__table__)
                 .where(Claim.__table__.c.id == bindparam("cid"),
                        Claim.__table__.c.status == bindparam("from_status"),
                        Claim.__table__.c.version == bindparam("version_"))
                 .values(status=target, stage=stage, stage_started_at=now, stage_deadline=deadline,
                         amount_approved=bindparam("amount_approved"),
                         fiscal_year=bindparam("fiscal_year"),
                         amount_committed=bindparam("amount_committed"),
                         eligible=True, eligibility=bindparam("eligibility"), evaluated_at=now,
                         version=Claim.__table__.c.version + 1))
    connection = db.session.connection()
    changed = 0
    for start in range(0, len(rows), 10000):
        changed += connection.execute(statement, rows[start:start + 10000]).rowcount
    if changed != len(rows):
        raise Conflict(_("Someone else changed some of these claims at the same time. Reload and "
                         "try again."), code="conflict")
    for start in range(0, len(events), 20000):
        db.session.execute(insert(AuditEvent), events[start:start + 20000])
    for claim, _v, _a in approvable:
        db.session.expire(claim)
    _notify(actor, action, [claim for claim, _v, _a in approvable])


def _notify(actor, action: str, moved: list[Claim]) -> None:
    """One message per person, not one per claim."""
    from ..core.permissions import Role
    from ..users import operations as users

    count = len(moved)
    params = {"count": count, "first": moved[0].id}
    if action == "hr_approve":
        notifications.notify(users.users_with_role(Role.FINANCE), "claims_bulk_hr_approved",
                             None, params)
    by_org = defaultdict(int)
    for claim in moved:
        if claim.organization_id:
            by_org[claim.organization_id] += 1
    kind = "claims_bulk_hr_approved" if action == "hr_approve" else "claims_bulk_finance_approved"
    for org_id, n in by_org.items():
        notifications.notify(users.users_with_role(Role.EMPLOYER, organization_id=org_id)
                             + users.users_with_role(Role.INTERMEDIARY, organization_id=org_id),
                             kind, None, {"count": n, "first": params["first"]})
