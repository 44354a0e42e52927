"""Who may do what: every permission of the system, checked in this one place.

Services call :func:`require` with the acting user and a permission name; views and API
endpoints never test roles themselves. Employer and intermediary users are confined to
their own organisation: :func:`require_own_organization` answers "not found" for anything
else, so that the existence of other organisations' records is not revealed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from flask_babel import gettext as _

from .errors import Forbidden, NotFound


class Role(StrEnum):
    EMPLOYER = "employer"
    INTERMEDIARY = "intermediary"
    HR = "hr"
    FINANCE = "finance"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Actor(Protocol):
    """Who acts: a user (users.models.User), as every operation sees it. ``None`` where an
    operation accepts it means the system itself (a seed, a scheduled job)."""

    id: int
    username: str
    role: Role
    organization_id: int | None
    is_active: bool
    is_senior: bool


E, I, H, F, A, ADM = (Role.EMPLOYER, Role.INTERMEDIARY, Role.HR, Role.FINANCE, Role.AUDITOR, Role.ADMIN)

#: Roles that belong to one organisation and see only its data.
ORGANIZATION_ROLES = frozenset({E, I})
#: Roles that read every record.
READ_ALL_ROLES = frozenset({H, F, A, ADM})
#: Roles that change nothing, whatever the call (省审计厅 reads and verifies).
READ_ONLY_ROLES = frozenset({A})
WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # users and access
    "user.create": frozenset({ADM}),
    "user.list": frozenset({ADM, A}),
    # disable and enable, reset a password, unlock, change role or organisation
    "user.manage": frozenset({ADM}),
    # organisations
    "organization.create": frozenset({H, ADM}),
    "organization.read": frozenset({E, I, H, F, A, ADM}),
    "organization.list": frozenset({E, I, H, F, A, ADM}),
    # talents (employers register their own staff)
    "talent.create": frozenset({H, E}),
    "talent.read": frozenset({E, I, H, F, A, ADM}),
    "talent.list": frozenset({E, I, H, F, A, ADM}),
    "talent.renew_passport": frozenset({H, E}),
    # programs and their effective-dated rates
    "program.read": frozenset({E, I, H, F, A, ADM}),
    "program.change_rate": frozenset({ADM}),
    # other provinces' standards (benchmarks), kept by HR
    "benchmark.read": frozenset({E, I, H, F, A, ADM}),
    "benchmark.record": frozenset({H}),
    # recruitment projects
    "project.read": frozenset({E, I, H, F, A, ADM}),
    "project.create": frozenset({H}),
    # time limits and the working calendar
    "deadline.read": frozenset({E, I, H, F, A, ADM}),
    "deadline.change": frozenset({ADM}),
    # claims
    "claim.create": frozenset({E, I, H}),
    "claim.read": frozenset({E, I, H, F, A, ADM}),
    "claim.list": frozenset({E, I, H, F, A, ADM}),
    "claim.upload": frozenset({E, I, H}),
    "claim.review_hr": frozenset({H}),
    "claim.review_finance": frozenset({F}),
    # credit lists (十七)
    "credit.read": frozenset({H, F, A, ADM}),
    "credit.list": frozenset({H}),
    "credit.lift": frozenset({H}),
    # recusal (回避)
    "conflict.read": frozenset({H, F, A, ADM}),
    "conflict.declare": frozenset({H, F}),
    "conflict.record_for_others": frozenset({H}),
    "conflict.end": frozenset({H}),
    # money: budgets, payments, the ledger, recoveries
    "budget.read": frozenset({H, F, A, ADM}),
    "budget.allocate": frozenset({F, ADM}),
    "budget.adjust": frozenset({F, ADM}),
    "payment.read": frozenset({F, A, ADM}),
    "payment.create": frozenset({F}),
    "payment.approve": frozenset({F}),
    "payment.disburse": frozenset({F}),
    "payment.correct": frozenset({F}),
    "ledger.read": frozenset({F, A, ADM}),
    "ledger.verify": frozenset({F, A, ADM}),
    "recovery.read": frozenset({H, F, A, ADM}),
    "recovery.raise": frozenset({H, F}),
    "recovery.decide": frozenset({H}),
    "recovery.refund": frozenset({F}),
    # where payees are paid
    # (an organisation's own users propose; HR and administrators set directly; another
    # HR user than the proposer confirms or refuses a proposal)
    "organization.bank_account": frozenset({E, I, H, ADM}),
    "talent.bank_account": frozenset({E, H, ADM}),
    "bank_account.set_directly": frozenset({H, ADM}),
    "bank_account.decide": frozenset({H}),
    "bank_account.read": frozenset({E, I, H, F, A, ADM}),
    # the inbox
    "notification.read": frozenset({E, I, H, F, A, ADM}),
    # awards and demonstration bases (十四, 十五)
    "award.read": frozenset({H, F, A, ADM}),
    "award.record": frozenset({H}),
    # double-random inspections (双随机)
    "inspection.read": frozenset({H, A, ADM}),
    "inspection.plan": frozenset({H}),
    "inspection.draw": frozenset({H}),
    "inspection.record_result": frozenset({H}),
    "inspector.manage": frozenset({H, ADM}),
    # reports and exports
    "report.read": frozenset({H, F, A, ADM}),
    "audit_bundle.read": frozenset({A, ADM}),
    # the audit trail
    "audit.read": frozenset({A, ADM}),
}


def can(actor, permission: str) -> bool:
    try:
        allowed = PERMISSIONS[permission]
    except KeyError:
        raise LookupError(f"unknown permission {permission!r}") from None
    return actor is not None and getattr(actor, "is_active", False) and Role(actor.role) in allowed


def require(actor, permission: str) -> None:
    if not can(actor, permission):
        raise Forbidden(_("You are not allowed to do this."))


def require_may_write(actor, method: str) -> None:
    """Read-only roles are refused every writing call, before its input is even read."""
    if method in WRITING_METHODS and Role(actor.role) in READ_ONLY_ROLES:
        raise Forbidden(_("Auditors read everything and change nothing."))


def is_confined(actor) -> bool:
    """True for users who see only their own organisation's data."""
    return Role(actor.role) in ORGANIZATION_ROLES


def require_own_organization(actor, organization_id: int | None) -> None:
    """Confined users get "not found" for any organisation but their own."""
    if is_confined(actor) and actor.organization_id != organization_id:
        raise NotFound(_("Not found."))
