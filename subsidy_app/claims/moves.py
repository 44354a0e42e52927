"""What a claim's move checks and what it records: one version for the single path
(``actions.act``) and the bulk path (``bulk.bulk_act``).

The guards are pure functions of a :class:`ClaimState` — what they read of a claim, built
from an ORM claim or from a plain row — and return a :class:`Refusal` or None. The single
path raises the refusal as the contract's error (403, 409 or 422); the bulk path reports it
with the claim and goes on with the others. The audit record of a move is built here too,
so that a claim approved in bulk has the same history as one approved alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from ..core.audit import event_values
from ..core.errors import Conflict, Forbidden, ValidationFailed
from ..core.labels import ACTION, RULE, STATUS, label
from ..core.permissions import Actor
from ..programs.models import DocumentRequirement
from .models import ClaimStatus
from .workflow import TRANSITIONS


@dataclass(frozen=True)
class Refusal:
    http: int  # 403, 409 or 422
    code: str
    message: str
    extra: dict = field(default_factory=dict)

    def error(self):
        if self.http == 403:
            return Forbidden(self.message, code=self.code, **self.extra)
        if self.http == 422:
            return ValidationFailed(self.message, code=self.code, **self.extra)
        return Conflict(self.message, code=self.code, **self.extra)

    def as_failure(self, claim_id: int) -> dict:
        return {"id": claim_id, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class ClaimState:
    """What the guards read of a claim."""

    id: int
    status: ClaimStatus
    filed_by_id: int
    rejected_by_id: int | None
    program: object
    #: The organisations the claim concerns (applicant, talent's employer) and its talent.
    organization_ids: frozenset[int]
    talent_id: int | None
    documents: frozenset[str]
    deferred: frozenset[str]


def state_of(claim) -> ClaimState:
    """The guards' view of an ORM claim."""
    organizations = {claim.organization_id}
    if claim.talent is not None:
        organizations.add(claim.talent.employer_id)
    return ClaimState(
        claim.id,
        claim.status,
        claim.filed_by_id,
        claim.rejected_by_id,
        claim.program,
        frozenset(o for o in organizations if o),
        claim.talent_id,
        frozenset(d.kind for d in claim.documents),
        frozenset(d.kind for d in claim.deferrals),
    )


@dataclass(frozen=True)
class Moved:
    """A claim moved in bulk, as those who listen need it (``signals.claims_moved_in_bulk``)."""

    claim_id: int
    organization_id: int | None
    #: The organisations the claim concerns (applicant, talent's employer), for recusal.
    organization_ids: frozenset[int]
    talent_id: int | None
    filed_by_id: int
    filed_by_role: object


# --- guards ------------------------------------------------------------------------------------


def not_recused(state: ClaimState, recused: tuple[set[int], set[int]]) -> Refusal | None:
    """回避: a reviewer with a declared conflict with the applicant, the talent's employer or
    the talent neither sees nor acts (``recused``: the reviewer's organisations and talents)."""
    organizations, talents = recused
    if state.organization_ids & organizations or (state.talent_id is not None and state.talent_id in talents):
        return Refusal(
            403,
            "recused",
            _("You have declared a conflict of interest with this claim's applicant or talent (回避)."),
        )
    return None


def not_own_filing(actor: Actor, state: ClaimState) -> Refusal | None:
    if actor.id == state.filed_by_id:
        return Refusal(
            403, "segregation_of_duties", _("Whoever filed a claim cannot review it (segregation of duties).")
        )
    return None


def in_source_status(state: ClaimState, action: str) -> Refusal | None:
    if state.status not in TRANSITIONS[action].sources:
        return Refusal(
            409,
            "invalid_status",
            _(
                "A claim that is %(status)s cannot be moved by %(action)s.",
                status=label(STATUS, state.status),
                action=label(ACTION, action),
            ),
            {"claim_status": state.status.value},
        )
    return None


#: The HR moves that decide an appealed claim (the rejecter makes none of them).
DECIDES_APPEAL = frozenset({"hr_approve", "hr_reject", "defer_documents"})


def not_the_rejecter(actor: Actor, state: ClaimState) -> Refusal | None:
    """陈述、申辩: an appeal is decided by another reviewer than the one who rejected."""
    if state.status == ClaimStatus.APPEALED and actor.id == state.rejected_by_id:
        return Refusal(
            403,
            "segregation_of_duties",
            _(
                "You rejected this claim, so another HR reviewer decides its appeal "
                "(陈述、申辩); it is in their queue."
            ),
            {"rule": "appeal_decided_by_another_reviewer"},
        )
    return None


def documents_present(state: ClaimState, *requirements: DocumentRequirement) -> Refusal | None:
    """The documents the requirements name are attached (a deferrable one may be deferred:
    容缺受理)."""
    missing = [
        k
        for r in requirements
        for k in state.program.documents_by(r)
        if k not in state.documents and not (r == DocumentRequirement.DEFERRABLE and k in state.deferred)
    ]
    if missing:
        return Refusal(
            409,
            "missing_documents",
            _("Documents are missing: %(kinds)s.", kinds=", ".join(missing)),
            {"missing": missing},
        )
    return None


def deferred_supplied(state: ClaimState) -> Refusal | None:
    """Payment waits for the documents accepted as missing (容缺)."""
    outstanding = sorted(state.deferred - state.documents)
    if outstanding:
        return Refusal(
            409,
            "documents_outstanding",
            _("Payment waits for deferred documents: %(kinds)s.", kinds=", ".join(outstanding)),
            {"missing": outstanding},
        )
    return None


def eligible(verdict) -> Refusal | None:
    """The rules again at every decision (a black-listing in between stops the claim)."""
    if verdict.eligible:
        return None
    failed = [c.as_dict() for c in verdict.checks if not c.passed]
    return Refusal(
        409,
        "not_eligible",
        _("The claim is not eligible: %(rules)s.", rules=", ".join(label(RULE, c["rule"]) for c in failed)),
        {"checks": failed},
    )


def before_rules(actor: Actor, state: ClaimState, action: str, recused) -> Refusal | None:
    """The guards a reviewer's approval meets before the rules are run, in this order."""
    checks = [
        lambda: not_recused(state, recused),
        lambda: not_own_filing(actor, state),
        lambda: in_source_status(state, action),
    ]
    if action in DECIDES_APPEAL:
        checks.append(lambda: not_the_rejecter(actor, state))
    for check in checks:
        refusal = check()
        if refusal is not None:
            return refusal
    return None


def after_rules(state: ClaimState, action: str) -> Refusal | None:
    """The guards an approval meets once the rules passed."""
    if action == "hr_approve":
        return documents_present(state, DocumentRequirement.ESSENTIAL, DocumentRequirement.DEFERRABLE)
    if action == "finance_approve":
        return deferred_supplied(state)
    return None


# --- the record of a move ------------------------------------------------------------------


def finance_commitment(amount, fiscal_year: int) -> dict:
    """What a finance approval's record says it committed."""
    return {"amount_approved": amount, "fiscal_year": fiscal_year, "amount_committed": amount}


def move_record(
    actor: Actor,
    claim_id: int,
    action: str,
    *,
    before_status,
    before_stage,
    status,
    stage,
    deadline,
    comment: str | None,
    occurred_at: datetime | None = None,
    **extra,
) -> dict:
    """The audit event of a claim's move, as column values (the single path adds it to the
    session, the bulk path inserts many at once)."""
    return event_values(
        actor,
        f"claim.{action}",
        "claim",
        claim_id,
        before={"status": before_status, "stage": before_stage},
        after={"status": status, "stage": stage, "stage_deadline": deadline, **extra},
        reason=comment,
        occurred_at=occurred_at,
    )
