"""What must hold after any sequence of operations, read from the database directly.

Each function runs inside an application context and returns a list of problems (plain
sentences; empty when all is well). The state machine in test_random_use.py asserts them
after every step; other tests may call them too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from sqlalchemy import func, inspect, select

from subsidy_app.budgets import operations as budgets
from subsidy_app.budgets.models import BudgetLine
from subsidy_app.claims.models import Claim, ClaimStatus
from subsidy_app.conflicts.models import ReviewerConflict
from subsidy_app.core.audit import AuditEvent
from subsidy_app.extensions import db
from subsidy_app.ledger import operations as ledger
from subsidy_app.ledger.models import LedgerEntry
from subsidy_app.payments.models import ItemStatus, PaymentItem
from subsidy_app.programs.models import Program
from subsidy_app.talents.models import Talent

ZERO = Decimal("0.00")
#: Claims that hold a once-only entitlement. Appealed claims are left out: an appeal is
#: allowed while a later claim for the same person is under way (the rules refuse the
#: second approval instead), so "appealed" beside another live claim is not a breach.
HOLDING = frozenset(
    {
        ClaimStatus.SUBMITTED,
        ClaimStatus.RETURNED,
        ClaimStatus.HR_APPROVED,
        ClaimStatus.FINANCE_APPROVED,
        ClaimStatus.PAID,
    }
)
#: Claims that block another claim's submission under a once-only rule (CONTRACT.md: drafts
#: never block; rejected and withdrawn claims do not count).
BLOCKING = HOLDING | {ClaimStatus.APPEALED}
ONCE_RULES = ("once_per_talent", "once_per_talent_project", "once_per_organization")
REVIEWER_ROLES = ("hr", "finance")


def _claims() -> list[Claim]:
    """Every claim, read once per session (the checks run together, reading only)."""
    if "invariant_claims" not in db.session.info:
        db.session.info["invariant_claims"] = list(
            db.session.execute(select(Claim).order_by(Claim.id)).scalars()
        )
    return db.session.info["invariant_claims"]


def budget_problems() -> list[str]:
    """Every line's committed and paid equal the ledger's sums; nothing goes negative."""
    problems = [
        f"budget line {d['budget_line']} disagrees with the ledger: line {d['line']}, ledger {d['ledger']}"
        for d in budgets.drift()
    ]
    for line in db.session.execute(select(BudgetLine)).scalars():
        if min(line.committed, line.paid, line.allocated - line.committed - line.paid) < 0:
            problems.append(
                f"budget line {line.id} ({line.program_code} {line.fiscal_year}) is "
                f"overdrawn: allocated {line.allocated}, committed {line.committed}, "
                f"paid {line.paid}"
            )
    return problems


def ledger_problems() -> list[str]:
    """Every transaction balances and the hash chain verifies up to its head."""
    result = ledger.verify_chain()
    if result.ok:
        return []
    return [
        f"the ledger does not verify: first bad entry {result.first_bad_entry}, "
        f"balanced {result.transactions_balanced}, {result.problems}"
    ]


def _net_by_claim() -> dict[tuple[int, str], Decimal]:
    rows = db.session.execute(
        select(
            LedgerEntry.claim_id,
            LedgerEntry.account,
            func.sum(LedgerEntry.debit) - func.sum(LedgerEntry.credit),
        )
        .where(LedgerEntry.claim_id.is_not(None), LedgerEntry.account.in_(["committed", "expended"]))
        .group_by(LedgerEntry.claim_id, LedgerEntry.account)
    )
    return {(claim_id, account): Decimal(str(net)).quantize(ZERO) for claim_id, account, net in rows}


def payment_problems() -> list[str]:
    """No claim paid twice: one paid item at most, and it agrees with the claim's status;
    the ledger books on each claim no more spending than it paid and exactly the
    reservation it holds."""
    paid_items = Counter(
        db.session.execute(
            select(PaymentItem.claim_id).where(PaymentItem.status == ItemStatus.PAID)
        ).scalars()
    )
    net = _net_by_claim()
    problems = []
    for claim in _claims():
        items = paid_items[claim.id]
        if items > 1 or (claim.status == ClaimStatus.PAID) != (items == 1):
            problems.append(f"claim {claim.id} is {claim.status.value} with {items} paid payment items")
        spent = net.get((claim.id, "expended"), ZERO)
        ceiling = (claim.amount_paid or ZERO) if claim.status == ClaimStatus.PAID else ZERO
        if not ZERO <= spent <= ceiling:
            problems.append(
                f"claim {claim.id} ({claim.status.value}, amount paid {claim.amount_paid}) "
                f"has {spent} booked as spent in the ledger"
            )
        reserved = net.get((claim.id, "committed"), ZERO)
        expected = (claim.amount_committed or ZERO) if claim.status == ClaimStatus.FINANCE_APPROVED else ZERO
        if reserved != expected:
            problems.append(
                f"claim {claim.id} ({claim.status.value}) has {reserved} reserved in the "
                f"ledger, expected {expected}"
            )
    return problems


def once_keys(claim: Claim) -> list[tuple]:
    """The once-only entitlements a claim takes, from its program's rules."""
    keys = []
    for rule in (r.get("rule") for r in claim.program.rules or []):
        if rule == "once_per_talent" and claim.talent_id:
            keys.append((claim.program_id, rule, claim.talent_id))
        elif rule == "once_per_talent_project" and claim.talent_id:
            keys.append((claim.program_id, rule, claim.talent_id, (claim.details or {}).get("project_id")))
        elif rule == "once_per_organization" and claim.organization_id:
            keys.append((claim.program_id, rule, claim.organization_id))
    return keys


def once_only_problems() -> list[str]:
    """At most one claim per once-only entitlement is submitted, under review or paid."""
    holders = defaultdict(list)
    for claim in _claims():
        if claim.status in HOLDING:
            for key in once_keys(claim):
                holders[key].append(f"#{claim.id} {claim.status.value}")
    return [
        f"{key[1]} of program {key[0]} for {key[2:]} is held by {len(claims)} claims: {', '.join(claims)}"
        for key, claims in holders.items()
        if len(claims) > 1
    ]


def blocking_claims(claim_id: int) -> list[int]:
    """Other claims that may rightly refuse this claim under a once-only rule."""
    claim = db.session.get(Claim, claim_id)
    keys = set(once_keys(claim))
    return [
        other.id
        for other in _claims()
        if other.id != claim_id and other.status in BLOCKING and keys & set(once_keys(other))
    ]


def audit_trail_problems() -> list[str]:
    """Every status change of a claim is on its audit trail: the trail's statuses follow
    one another, and the last one is the claim's status."""
    last: dict[str, str] = {}
    problems = []
    for event in db.session.execute(
        select(AuditEvent).where(AuditEvent.object_type == "claim").order_by(AuditEvent.id)
    ).scalars():
        before, after = event.before or {}, event.after or {}
        if "status" in before and event.object_id in last and before["status"] != last[event.object_id]:
            problems.append(
                f"claim {event.object_id}: {event.action} (event {event.id}) starts from "
                f"{before['status']}, but the trail left it {last[event.object_id]}"
            )
        if "status" in after:
            last[event.object_id] = after["status"]
    for claim in _claims():
        if last.get(str(claim.id)) != claim.status.value:
            problems.append(
                f"claim {claim.id} is {claim.status.value}, its audit trail says {last.get(str(claim.id))}"
            )
    return problems


def recusal_problems() -> list[str]:
    """No HR or finance user acted on a claim while a conflict of theirs with its
    organisation, its talent's employer or its talent stood."""
    conflicts = defaultdict(list)
    for conflict in db.session.execute(select(ReviewerConflict)).scalars():
        conflicts[conflict.reviewer_id].append(conflict)
    subjects = {}
    for claim_id, org_id, talent_id, employer_id in db.session.execute(
        select(Claim.id, Claim.organization_id, Claim.talent_id, Talent.employer_id).outerjoin(
            Talent, Talent.id == Claim.talent_id
        )
    ):
        subjects[str(claim_id)] = ({org_id, employer_id} - {None}, talent_id)
    problems = []
    for event in db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.object_type == "claim", AuditEvent.actor_role.in_(REVIEWER_ROLES))
        .order_by(AuditEvent.id)
    ).scalars():
        orgs, talent_id = subjects.get(event.object_id, (set(), None))
        for c in conflicts.get(event.actor_id, []):
            concerned = c.organization_id in orgs or (talent_id is not None and c.talent_id == talent_id)
            standing = c.declared_at <= event.occurred_at and (
                c.ended_at is None or event.occurred_at < c.ended_at
            )
            if concerned and standing:
                problems.append(
                    f"{event.actor_name} did {event.action} on claim {event.object_id} "
                    f"(event {event.id}) while conflict {c.id} stood"
                )
    return problems


def bank_account_problems() -> list[str]:
    """Money goes only to accounts in effect: no payment item names an account that was
    proposed and never confirmed; a confirmation is by another user than the proposer."""
    try:
        from subsidy_app.bankaccounts.models import BankAccountChange, ChangeStatus
    except ImportError:  # a tree without the four-eyes change of bank accounts
        return []
    if not inspect(db.session.connection()).has_table("bank_account_changes"):
        return []
    effective, proposed, problems = set(), set(), []
    for change in db.session.execute(select(BankAccountChange)).scalars():
        payee = (
            f"organization:{change.organization_id}"
            if change.organization_id
            else f"talent:{change.talent.talent_code}"
        )
        (effective if change.status in (ChangeStatus.CONFIRMED, ChangeStatus.DIRECT) else proposed).add(
            (payee, change.account_no)
        )
        if change.status == ChangeStatus.CONFIRMED and change.decided_by_id == change.proposed_by_id:
            problems.append(f"bank account change {change.id} was confirmed by its proposer")
    for item in db.session.execute(select(PaymentItem)).scalars():
        if (item.payee, item.account_no) in proposed - effective:
            problems.append(
                f"payment item {item.id} (claim {item.claim_id}, {item.status.value}) pays "
                f"{item.payee} to account {item.account_no}, never confirmed"
            )
    return problems


ALL = (
    budget_problems,
    ledger_problems,
    payment_problems,
    once_only_problems,
    audit_trail_problems,
    recusal_problems,
    bank_account_problems,
)


def run_all() -> dict:
    """Every check in the current session. The programs are read once for all of them
    (claims and budget lines find them in the session while ``programs`` holds them)."""
    programs = db.session.execute(select(Program)).scalars().all()
    results = {check: check() for check in ALL}
    del programs
    return results
