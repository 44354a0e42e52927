"""Moving a claim: ``act`` checks who, from which status and under which guards, then moves.

Every refusal leaves the claim as it was: 403 for the wrong actor, segregation of duties
or recusal; 409 for the wrong status or a guard (eligibility, documents, the single
appeal); 422 for missing or bad input. Every move is on the claim's history.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ..budgets import operations as budgets
from ..core import audit
from ..core.audit import AuditEvent
from ..core.errors import Conflict, Forbidden, invalid
from ..core.labels import document_names
from ..core.permissions import Actor, require
from ..core.timeutil import local_today, utcnow
from ..extensions import db
from ..ledger import operations as ledger
from ..ledger.models import TransactionKind
from ..payments.models import ItemStatus, PaymentItem
from ..programs.models import DocumentRequirement
from . import moves, signals
from . import operations as claims
from .models import Claim, ClaimStatus, DocumentDeferral, Stage
from .workflow import APPLICANT, HR, TRANSITIONS, Transition


def require_actor(actor: Actor, claim: Claim, transition: Transition) -> None:
    """The right kind of actor for the move, and no one reviewing their own filing."""
    if transition.actor == APPLICANT:
        if not claims.is_applicant(actor, claim):
            raise Forbidden(_("Only the applicant can do this."))
        return
    require(actor, "claim.review_hr" if transition.actor == HR else "claim.review_finance")
    _refuse(moves.not_own_filing(actor, moves.state_of(claim)))


#: The moves the claim page asks to confirm before they are made: they close the claim,
#: send it back or commit money, and are not undone by another click.
CONFIRMED = frozenset({"withdraw", "return", "hr_reject", "finance_approve", "finance_reject"})


def available_actions(actor: Actor, claim: Claim) -> list[str]:
    """The moves this user could make now (guards that need evaluation aside): the same
    guards as :func:`act`, so that a page offers only what the user may do."""
    result = []
    state = moves.state_of(claim)
    for name, transition in TRANSITIONS.items():
        if claim.status not in transition.sources:
            continue
        try:
            require_actor(actor, claim, transition)
        except Forbidden:
            continue
        if name == "appeal" and claim.appealed_at is not None:
            continue
        if name in moves.DECIDES_APPEAL and moves.not_the_rejecter(actor, state) is not None:
            continue
        result.append(name)
    return result


def preflight(actor: Actor, claim_id: int, *, action: str, comment: str | None = None) -> Claim:
    """The checks of :func:`act` that need no change and no evaluation (who, from which
    status, the appeal's other reviewer, the required comment): a confirmation page is shown
    only for a move that would not be refused for these. Raises as ``act`` does."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise invalid("action", _("Must be one of: %(choices)s.", choices=", ".join(TRANSITIONS)))
    claim = claims.get_claim(actor, claim_id)
    require_actor(actor, claim, transition)
    state = moves.state_of(claim)
    _refuse(moves.in_source_status(state, action))
    if action in moves.DECIDES_APPEAL:
        _refuse(moves.not_the_rejecter(actor, state))
    if action == "appeal" and claim.appealed_at is not None:
        raise Conflict(_("A claim can be appealed once; this one was."), code="appeal_used")
    if action in COMMENT_REQUIRED:
        _require_comment((comment or "").strip() or None, COMMENT_REQUIRED[action]())
    return claim


def budget_outlook(claim: Claim) -> dict | None:
    """The claim's budget line as finance decides on it: for a claim approved by HR, this
    year's line and what is left once this claim is reserved (``fits`` False: approving would
    be refused, 409 ``budget_exhausted``); for a claim approved by finance, the line it is
    reserved on and what rejecting it gives back. None when there is nothing to decide."""
    if claim.status == ClaimStatus.HR_APPROVED:
        fiscal_year, effect = budgets.current_fiscal_year(), "reserve"
    elif claim.status == ClaimStatus.FINANCE_APPROVED and claim.fiscal_year:
        fiscal_year, effect = claim.fiscal_year, "release"
    else:
        return None
    amount = (claim.amount_committed if effect == "release" else claim.amount_approved) or Decimal("0")
    line = budgets.find_line(fiscal_year, claim.program_id)
    zero = Decimal("0")
    allocated, committed, paid = (line.allocated, line.committed, line.paid) if line else (zero, zero, zero)
    available = allocated - committed - paid
    after = available - amount if effect == "reserve" else available + amount
    return {
        "fiscal_year": fiscal_year,
        "program": claim.program,
        "exists": line is not None,
        "allocated": allocated,
        "committed": committed,
        "paid": paid,
        "available": available,
        "amount": amount,
        "effect": effect,
        "after": after,
        "fits": effect == "release" or (line is not None and after >= 0),
    }


def act(
    actor: Actor,
    claim_id: int,
    *,
    action: str,
    comment: str | None = None,
    amount_approved: Decimal | None = None,
    documents: list[str] | None = None,
    due_date: date | None = None,
) -> Claim:
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise invalid("action", _("Must be one of: %(choices)s.", choices=", ".join(TRANSITIONS)))
    claim = claims.get_claim(actor, claim_id)
    require_actor(actor, claim, transition)
    _refuse(moves.in_source_status(moves.state_of(claim), action))
    comment = (comment or "").strip() or None
    handler = _HANDLERS[action]
    handler(
        actor, claim, comment=comment, amount_approved=amount_approved, documents=documents, due_date=due_date
    )
    db.session.flush()
    return claim


# --- guards (moves.py holds those the bulk path shares) -------------------------------------


def _refuse(refusal: moves.Refusal | None) -> None:
    if refusal is not None:
        raise refusal.error()


def _require_comment(comment: str | None, why: str) -> None:
    if not comment:
        raise invalid("comment", why)


#: The moves that need a comment, and what to ask for (a function: translated when asked).
COMMENT_REQUIRED = {
    "return": lambda: _("Say what the applicant must correct."),
    "hr_reject": lambda: _("Give the reason for the rejection."),
    "finance_reject": lambda: _("Give the reason for the rejection."),
    "appeal": lambda: _("State the grounds of the appeal."),
}


def _require_eligible(claim: Claim):
    """Rules are evaluated again at every decision: a black-listing in between stops it."""
    verdict, amount = claims.evaluate(claim)
    _refuse(moves.eligible(verdict))
    claims.record_verdict(claim, verdict)
    return amount


def _require_documents(claim: Claim, *requirements: DocumentRequirement) -> None:
    _refuse(moves.documents_present(moves.state_of(claim), *requirements))


def _move(
    actor: Actor,
    claim: Claim,
    action: str,
    status: ClaimStatus,
    *,
    comment: str | None,
    stage: Stage | None = None,
    **extra,
) -> None:
    before_status, before_stage = claim.status, claim.stage
    claims.enter_stage(claim, status, stage)
    db.session.add(
        AuditEvent(
            **moves.move_record(
                actor,
                claim.id,
                action,
                before_status=before_status,
                before_stage=before_stage,
                status=claim.status,
                stage=claim.stage,
                deadline=claim.stage_deadline,
                comment=comment,
                **extra,
            )
        )
    )
    signals.claim_moved.send(claim, action=action, actor=actor, comment=comment)


# --- the moves ---------------------------------------------------------------------------------


def _submit(actor: Actor, claim, *, comment, **_ignored):
    claims.lock_subjects(claim)
    _require_eligible(claim)
    _require_documents(claim, DocumentRequirement.ESSENTIAL)
    if claim.submitted_at is None:
        claim.submitted_at = utcnow()
    claim.first_approved_by_id = None
    _move(actor, claim, "submit", ClaimStatus.SUBMITTED, comment=comment)


def _withdraw(actor: Actor, claim, *, comment, **_ignored):
    claim.decided_at = utcnow()
    _move(actor, claim, "withdraw", ClaimStatus.WITHDRAWN, comment=comment)


def _return(actor: Actor, claim, *, comment, **_ignored):
    _require_comment(comment, _("Say what the applicant must correct."))
    claim.first_approved_by_id = None
    claim.amount_approved = None
    _move(actor, claim, "return", ClaimStatus.RETURNED, comment=comment)


def _require_other_than_rejecter(actor: Actor, claim):
    _refuse(moves.not_the_rejecter(actor, moves.state_of(claim)))


def _hr_reject(actor: Actor, claim, *, comment, **_ignored):
    _require_other_than_rejecter(actor, claim)
    _require_comment(comment, _("Give the reason for the rejection."))
    claim.rejected_by_id = actor.id
    claim.first_approved_by_id = None
    claim.amount_approved = None
    claim.decided_at = utcnow()
    _move(actor, claim, "hr_reject", ClaimStatus.REJECTED, comment=comment)


def _defer_documents(actor: Actor, claim, *, comment, documents, due_date, **_ignored):
    """容缺受理: accept the claim without non-essential documents, to be supplied by a date."""
    _require_other_than_rejecter(actor, claim)
    if not documents:
        raise invalid("documents", _("Name the documents that may follow later."))
    if due_date is None or due_date <= local_today():
        raise invalid("due_date", _("Give a date in the future by which they are supplied."))
    deferrable = set(claim.program.documents_by(DocumentRequirement.DEFERRABLE))
    missing = set(claims.missing_documents(claim, DocumentRequirement.DEFERRABLE))
    already = {d.kind for d in claim.deferrals}
    wrong = [k for k in documents if k not in deferrable]
    if wrong:
        raise invalid(
            "documents",
            _(
                "Only these documents may follow later: %(kinds)s.",
                kinds=document_names(sorted(deferrable)) or "—",
            ),
        )
    kinds = [k for k in dict.fromkeys(documents) if k in missing and k not in already]
    if not kinds:
        raise Conflict(_("These documents are already supplied or deferred."), code="nothing_to_defer")
    for kind in kinds:
        db.session.add(
            DocumentDeferral(claim_id=claim.id, kind=kind, due_date=due_date, granted_by_id=actor.id)
        )
    audit.record(
        actor,
        "claim.defer_documents",
        "claim",
        claim.id,
        after={"status": claim.status, "documents": kinds, "due_date": due_date},
        reason=comment,
    )
    signals.claim_moved.send(claim, action="defer_documents", actor=actor, comment=comment)
    db.session.flush()
    db.session.expire(claim, ["deferrals"])


def _check_amount(amount_approved, computed, *, required: bool):
    """The approved amount: within what the rule allows."""
    if amount_approved is None:
        if required or computed.amount is None:
            raise invalid("amount_approved", _("Set the amount to approve."))
        return computed.amount
    if computed.maximum is not None and amount_approved > computed.maximum:
        raise invalid(
            "amount_approved",
            _("At most %(amount)s under this program's rule.", amount=f"{computed.maximum:,.2f}"),
        )
    if computed.minimum is not None and amount_approved < computed.minimum:
        raise invalid(
            "amount_approved",
            _("At least %(amount)s under this program's rule.", amount=f"{computed.minimum:,.2f}"),
        )
    return amount_approved


def _hr_approve(actor: Actor, claim, *, comment, amount_approved, **_ignored):
    _require_other_than_rejecter(actor, claim)
    computed = _require_eligible(claim)
    _refuse(moves.after_rules(moves.state_of(claim), "hr_approve"))
    program = claim.program
    if program.needs_senior_approval:
        if claim.first_approved_by_id is None:
            _require_comment(comment, _("Justify the amount in writing."))
            claim.amount_approved = _check_amount(amount_approved, computed, required=True)
            claim.first_approved_by_id = actor.id
            _move(
                actor,
                claim,
                "hr_approve",
                claim.status,
                comment=comment,
                stage=Stage.HR_SECOND_APPROVAL,
                first_approval=True,
                amount_approved=claim.amount_approved,
            )
            return
        if not actor.is_senior:
            raise Forbidden(
                _("The second approval of a discretionary amount needs a senior HR reviewer."),
                code="senior_required",
            )
        if actor.id == claim.first_approved_by_id:
            raise Forbidden(
                _(
                    "The reviewer who set the amount cannot also give the second "
                    "approval (segregation of duties)."
                ),
                code="segregation_of_duties",
            )
    else:
        claim.amount_approved = _check_amount(amount_approved, computed, required=computed.set_at_approval)
    _move(
        actor,
        claim,
        "hr_approve",
        ClaimStatus.HR_APPROVED,
        comment=comment,
        amount_approved=claim.amount_approved,
    )


def _finance_approve(actor: Actor, claim, *, comment, **_ignored):
    _require_eligible(claim)
    _refuse(moves.after_rules(moves.state_of(claim), "finance_approve"))
    fiscal_year = budgets.current_fiscal_year()
    _move(
        actor,
        claim,
        "finance_approve",
        ClaimStatus.FINANCE_APPROVED,
        comment=comment,
        **moves.finance_commitment(claim.amount_approved, fiscal_year),
    )
    # last: the reservation locks the budget line and the ledger's head until commit, so
    # everything else is done before it (concurrent approvals wait less)
    db.session.flush()
    lines = budgets.reserve(claim, claim.amount_approved)
    ledger.post(
        TransactionKind.COMMITMENT,
        lines,
        fiscal_year=claim.fiscal_year,
        program_code=claim.program.code,
        claim_id=claim.id,
        memo=f"claim {claim.id}",
        actor=actor,
    )


def _finance_reject(actor: Actor, claim, *, comment, **_ignored):
    _require_comment(comment, _("Give the reason for the rejection."))
    if claim.status == ClaimStatus.FINANCE_APPROVED:
        if db.session.execute(
            select(PaymentItem.id).where(
                PaymentItem.claim_id == claim.id, PaymentItem.status == ItemStatus.PENDING
            )
        ).first():
            raise Conflict(_("The claim is in a payment batch."), code="in_batch")
        fiscal_year = claim.fiscal_year
        lines = budgets.release(claim)
        if lines:
            ledger.post(
                TransactionKind.RELEASE,
                lines,
                fiscal_year=fiscal_year,
                program_code=claim.program.code,
                claim_id=claim.id,
                memo=comment,
                actor=actor,
            )
    claim.rejected_by_id = actor.id
    claim.decided_at = utcnow()
    _move(actor, claim, "finance_reject", ClaimStatus.REJECTED, comment=comment)


def _appeal(actor: Actor, claim, *, comment, **_ignored):
    """陈述、申辩: once, with a statement; decided by another reviewer."""
    if claim.appealed_at is not None:
        raise Conflict(_("A claim can be appealed once; this one was."), code="appeal_used")
    _require_comment(comment, _("State the grounds of the appeal."))
    claim.appealed_at = utcnow()
    claim.decided_at = None
    _move(actor, claim, "appeal", ClaimStatus.APPEALED, comment=comment)


_HANDLERS = {
    "submit": _submit,
    "withdraw": _withdraw,
    "return": _return,
    "hr_reject": _hr_reject,
    "defer_documents": _defer_documents,
    "hr_approve": _hr_approve,
    "finance_approve": _finance_approve,
    "finance_reject": _finance_reject,
    "appeal": _appeal,
}
assert set(_HANDLERS) == set(TRANSITIONS)
