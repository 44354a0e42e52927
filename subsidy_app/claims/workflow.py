"""The claim state machine: one table of the allowed moves (statuses and actions of
CONTRACT.md). Guards beyond status and actor (eligibility, documents, segregation of
duties, the single appeal) are in ``actions.py``."""
from __future__ import annotations

from dataclasses import dataclass

from .models import ClaimStatus as S
from .models import Stage

APPLICANT, HR, FINANCE = "applicant", "hr", "finance"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[S]
    #: None: the status stays (a deferral of documents, a first of two approvals).
    target: S | None
    #: Who moves: the applicant (a user of the applicant organisation, or the HR user who
    #: filed), an HR reviewer, or a finance reviewer.
    actor: str


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, APPLICANT),
    Transition("withdraw", frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED}), S.WITHDRAWN, APPLICANT),
    Transition("return", frozenset({S.SUBMITTED}), S.RETURNED, HR),
    Transition("defer_documents", frozenset({S.SUBMITTED, S.APPEALED}), None, HR),
    Transition("hr_approve", frozenset({S.SUBMITTED, S.APPEALED}), S.HR_APPROVED, HR),
    Transition("hr_reject", frozenset({S.SUBMITTED, S.APPEALED}), S.REJECTED, HR),
    Transition("finance_approve", frozenset({S.HR_APPROVED}), S.FINANCE_APPROVED, FINANCE),
    # from finance_approved (awaiting payment) it releases the reservation it made
    Transition("finance_reject", frozenset({S.HR_APPROVED, S.FINANCE_APPROVED}), S.REJECTED, FINANCE),
    Transition("appeal", frozenset({S.REJECTED}), S.APPEALED, APPLICANT),
)}

ACTIONS = tuple(TRANSITIONS)

STAGE_OF_STATUS: dict[S, Stage] = {
    S.DRAFT: Stage.DRAFTING,
    S.SUBMITTED: Stage.HR_REVIEW,
    S.RETURNED: Stage.APPLICANT_RESPONSE,
    S.HR_APPROVED: Stage.FINANCE_REVIEW,
    S.FINANCE_APPROVED: Stage.PAYMENT,
    S.APPEALED: Stage.APPEAL_REVIEW,
    S.PAID: Stage.CLOSED,
    S.REJECTED: Stage.CLOSED,
    S.WITHDRAWN: Stage.CLOSED,
}

#: Claims still moving (a rejected claim can still be appealed, but waits on no one).
OPEN_STATUSES = frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.HR_APPROVED, S.FINANCE_APPROVED,
                           S.APPEALED})
#: Stages whose actor is a reviewer (the queue).
REVIEW_STAGES = frozenset({Stage.HR_REVIEW, Stage.HR_SECOND_APPROVAL, Stage.APPEAL_REVIEW,
                           Stage.FINANCE_REVIEW, Stage.PAYMENT})
