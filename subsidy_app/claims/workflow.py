"""The claim state machine: one table of the allowed moves (statuses and actions of
CONTRACT.md), with who is told of each. Guards beyond status and actor (eligibility, documents, segregation of
duties, the single appeal) are in ``actions.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import ClaimStatus as S
from .models import Stage

APPLICANT, HR, FINANCE = "applicant", "hr", "finance"
#: Who is told of a move: the HR reviewers, the senior HR reviewers, the finance reviewers
#: (each less the actor and those recused from the claim), or the applicants.
HR_REVIEWERS, SENIOR_HR, FINANCE_REVIEWERS, APPLICANTS = "hr", "senior_hr", "finance", "applicants"


def _first_of_two_approvals(claim) -> bool:
    return claim.stage == Stage.HR_SECOND_APPROVAL


def _approved_by_hr(claim) -> bool:
    return claim.status == S.HR_APPROVED


def _was_submitted(claim) -> bool:
    return claim.submitted_at is not None


@dataclass(frozen=True)
class Notice:
    """A message a move sends (``kind`` of notifications/messages.py) to an audience, when
    the claim, once moved, meets ``when``."""

    kind: str
    audience: str
    when: Callable | None = None


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[S]
    #: None: the status stays (a deferral of documents, a first of two approvals).
    target: S | None
    #: Who moves: the applicant (a user of the applicant organisation, or the HR user who
    #: filed), an HR reviewer, or a finance reviewer.
    actor: str
    #: Who is told (notifications subscribes to the move and reads this column).
    notices: tuple[Notice, ...] = ()


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "submit",
            frozenset({S.DRAFT, S.RETURNED}),
            S.SUBMITTED,
            APPLICANT,
            (Notice("claim_submitted", HR_REVIEWERS),),
        ),
        Transition(
            "withdraw",
            frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED}),
            S.WITHDRAWN,
            APPLICANT,
            (Notice("claim_withdrawn", HR_REVIEWERS, _was_submitted),),
        ),
        Transition(
            "return", frozenset({S.SUBMITTED}), S.RETURNED, HR, (Notice("claim_returned", APPLICANTS),)
        ),
        Transition(
            "defer_documents",
            frozenset({S.SUBMITTED, S.APPEALED}),
            None,
            HR,
            (Notice("documents_deferred", APPLICANTS),),
        ),
        Transition(
            "hr_approve",
            frozenset({S.SUBMITTED, S.APPEALED}),
            S.HR_APPROVED,
            HR,
            (
                Notice("claim_second_approval", SENIOR_HR, _first_of_two_approvals),
                Notice("claim_hr_approved", FINANCE_REVIEWERS, _approved_by_hr),
                Notice("claim_hr_approved", APPLICANTS, _approved_by_hr),
            ),
        ),
        Transition(
            "hr_reject",
            frozenset({S.SUBMITTED, S.APPEALED}),
            S.REJECTED,
            HR,
            (Notice("claim_rejected", APPLICANTS),),
        ),
        Transition(
            "finance_approve",
            frozenset({S.HR_APPROVED}),
            S.FINANCE_APPROVED,
            FINANCE,
            (Notice("claim_finance_approved", APPLICANTS),),
        ),
        # from finance_approved (awaiting payment) it releases the reservation it made
        Transition(
            "finance_reject",
            frozenset({S.HR_APPROVED, S.FINANCE_APPROVED}),
            S.REJECTED,
            FINANCE,
            (Notice("claim_rejected", APPLICANTS),),
        ),
        Transition(
            "appeal",
            frozenset({S.REJECTED}),
            S.APPEALED,
            APPLICANT,
            (Notice("claim_appealed", HR_REVIEWERS),),
        ),
    )
}

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
OPEN_STATUSES = frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.HR_APPROVED, S.FINANCE_APPROVED, S.APPEALED})
#: Stages whose actor is a reviewer (the queue).
REVIEW_STAGES = frozenset(
    {Stage.HR_REVIEW, Stage.HR_SECOND_APPROVAL, Stage.APPEAL_REVIEW, Stage.FINANCE_REVIEW, Stage.PAYMENT}
)
