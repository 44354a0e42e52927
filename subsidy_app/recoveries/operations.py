"""Recovery orders: raise, decide (HR), refund (finance), offset (at the next payment)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..budgets import operations as budgets
from ..claims import operations as claims
from ..claims.models import Claim, ClaimStatus
from ..core import audit
from ..core.errors import Conflict, NotFound, invalid
from ..core.labels import RECOVERY_STATUS, label
from ..core.permissions import Actor, require
from ..core.timeutil import utcnow
from ..extensions import db
from ..ledger import operations as ledger
from ..ledger.models import Account, TransactionKind
from .models import RecoveryOrder, RecoverySettlement, RecoverySource, RecoveryStatus

A = Account
#: Orders still owed, and whether they hold up payments to the payee.
OWED = (RecoveryStatus.OPEN, RecoveryStatus.OFFSET, RecoveryStatus.REFUND)


def payee_key(claim: Claim) -> str:
    """Who a claim pays: the talent, or the organisation."""
    if claim.program.payee_kind.value == "talent":
        return f"talent:{claim.talent_code}"
    return f"organization:{claim.organization_id}"


def get_order(actor: Actor, order_id: int) -> RecoveryOrder:
    require(actor, "recovery.read")
    order = db.session.get(RecoveryOrder, order_id)
    if order is None:
        raise NotFound(_("Not found."))
    return order


def list_orders(actor: Actor, *, status: RecoveryStatus | None = None, open_only: bool = False):
    require(actor, "recovery.read")
    stmt = select(RecoveryOrder).order_by(RecoveryOrder.id.desc())
    if status is not None:
        stmt = stmt.where(RecoveryOrder.status == status)
    if open_only:
        stmt = stmt.where(RecoveryOrder.status.in_(OWED))
    return stmt


def recovered_so_far(claim_id: int) -> Decimal:
    return db.session.execute(
        select(func.coalesce(func.sum(RecoveryOrder.amount), 0)).where(RecoveryOrder.claim_id == claim_id)
    ).scalar_one() or Decimal("0")


def raise_order(
    actor: Actor,
    *,
    claim_id: int,
    amount: Decimal,
    reason: str,
    source: RecoverySource | str = RecoverySource.REVIEW,
) -> RecoveryOrder:
    """An improper payment: the payee owes ``amount`` back. Payments to the payee are held
    until HR decides how it is recovered."""
    require(actor, "recovery.raise")
    claim = claims.get_claim(actor, claim_id)  # 404, or 403 for a recused reviewer (回避)
    if claim.status != ClaimStatus.PAID or not claim.amount_paid:
        raise Conflict(_("Only a paid claim can have a recovery order."), code="invalid_status")
    if not reason or not reason.strip():
        raise invalid("reason", _("Say why the payment was improper."))
    room = claim.amount_paid - Decimal(str(recovered_so_far(claim.id)))
    if amount > room:
        raise invalid(
            "amount", _("At most %(amount)s can still be recovered on this claim.", amount=f"{room:,.2f}")
        )
    payee = payee_key(claim)
    transaction = ledger.post(
        TransactionKind.RECOVERY,
        [
            ledger.dr(A.RECEIVABLE, amount, payee=payee, clause=claim.program.clause),
            ledger.cr(A.SUBSIDY_EXPENSE, amount, payee=payee, clause=claim.program.clause),
        ],
        fiscal_year=claim.fiscal_year,
        program_code=claim.program.code,
        claim_id=claim.id,
        memo=reason.strip(),
        actor=actor,
    )
    order = RecoveryOrder(
        claim_id=claim.id,
        payee=payee,
        amount=amount,
        outstanding=amount,
        reason=reason.strip(),
        source=RecoverySource(source),
        status=RecoveryStatus.OPEN,
        created_by_id=actor.id,
        ledger_transaction_id=transaction,
    )
    db.session.add(order)
    db.session.flush()
    audit.record(
        actor,
        "recovery.raise",
        "recovery_order",
        order.id,
        after={"claim_id": claim.id, "payee": payee, "amount": amount, "source": order.source},
        reason=order.reason,
    )
    audit.record(
        actor,
        "claim.recovery_raised",
        "claim",
        claim.id,
        after={"status": claim.status, "recovery_order": order.id, "amount": amount},
        reason=order.reason,
    )
    return order


def decide(actor: Actor, order_id: int, *, decision: RecoveryStatus | str, reason: str) -> RecoveryOrder:
    """HR decides how an open order is recovered: offset, refund, or write it off."""
    require(actor, "recovery.decide")
    order = get_order(actor, order_id)
    claims.require_not_recused(actor, [order.claim_id])
    choices = (RecoveryStatus.OFFSET, RecoveryStatus.REFUND, RecoveryStatus.WRITTEN_OFF)
    if decision not in {c.value for c in choices}:
        words = "、".join(label(RECOVERY_STATUS, c) for c in choices)
        raise invalid("decision", _("Must be one of: %(choices)s.", choices=words))
    decision = RecoveryStatus(decision)
    if order.status != RecoveryStatus.OPEN:
        raise Conflict(_("This order has already been decided."), code="invalid_status")
    if not reason or not reason.strip():
        raise invalid("reason", _("Give the reason for the decision."))
    order.status = decision
    order.decided_by_id = actor.id
    order.decided_at = utcnow()
    order.decision_reason = reason.strip()
    if decision == RecoveryStatus.WRITTEN_OFF:
        _settle(
            actor,
            order,
            "write_off",
            order.outstanding,
            "",
            [
                ledger.dr(A.SUBSIDY_EXPENSE, order.outstanding, payee=order.payee),
                ledger.cr(A.RECEIVABLE, order.outstanding, payee=order.payee),
            ],
            TransactionKind.WRITE_OFF,
        )
        order.status = RecoveryStatus.WRITTEN_OFF
    audit.record(
        actor,
        "recovery.decide",
        "recovery_order",
        order.id,
        before={"status": RecoveryStatus.OPEN},
        after={"status": order.status},
        reason=order.decision_reason,
    )
    return order


def _settle(
    actor: Actor | None,
    order,
    kind: str,
    amount: Decimal,
    reference: str,
    lines,
    transaction_kind,
    *,
    claim=None,
) -> RecoverySettlement:
    claim = claim or order.claim
    transaction = ledger.post(
        transaction_kind,
        lines,
        fiscal_year=claim.fiscal_year,
        program_code=claim.program.code,
        claim_id=claim.id,
        memo=f"recovery order {order.id}: {kind}",
        actor=actor,
    )
    settlement = RecoverySettlement(
        order_id=order.id,
        kind=kind,
        amount=amount,
        reference=reference,
        created_by_id=getattr(actor, "id", None),
        ledger_transaction_id=transaction,
    )
    db.session.add(settlement)
    order.outstanding -= amount
    if order.outstanding == 0 and order.status != RecoveryStatus.WRITTEN_OFF:
        order.status = RecoveryStatus.SETTLED
    db.session.flush()
    return settlement


def orders_on_claim(claim_id: int) -> list[RecoveryOrder]:
    """Every recovery order raised on a claim's payment, whatever its state."""
    return list(
        db.session.execute(
            select(RecoveryOrder).where(RecoveryOrder.claim_id == claim_id).order_by(RecoveryOrder.id)
        ).scalars()
    )


def record_refund(actor: Actor, order_id: int, *, amount: Decimal, reference: str) -> RecoverySettlement:
    """The payee paid money back (finance records it from the bank statement)."""
    require(actor, "recovery.refund")
    order = get_order(actor, order_id)
    claims.require_not_recused(actor, [order.claim_id])
    if order.status in (RecoveryStatus.SETTLED, RecoveryStatus.WRITTEN_OFF):
        raise Conflict(_("Nothing is outstanding on this order."), code="invalid_status")
    if amount > order.outstanding:
        raise invalid("amount", _("At most %(amount)s is outstanding.", amount=f"{order.outstanding:,.2f}"))
    lines = [
        ledger.dr(A.BANK, amount, reference=reference),
        ledger.cr(A.RECEIVABLE, amount, payee=order.payee, reference=reference),
        *budgets.recover(order.claim, amount),
    ]  # the money returns to the line it left
    settlement = _settle(actor, order, "refund", amount, reference, lines, TransactionKind.REFUND)
    audit.record(
        actor,
        "recovery.refund",
        "recovery_order",
        order.id,
        after={"amount": amount, "outstanding": order.outstanding, "reference": reference},
    )
    return settlement


def blocked_payees() -> set[str]:
    """Every payee with an order not yet decided (their payments wait)."""
    return set(
        db.session.execute(
            select(RecoveryOrder.payee).where(RecoveryOrder.status == RecoveryStatus.OPEN)
        ).scalars()
    )


def offsettable(payee: str) -> list[RecoveryOrder]:
    return list(
        db.session.execute(
            select(RecoveryOrder)
            .where(
                RecoveryOrder.payee == payee,
                RecoveryOrder.status == RecoveryStatus.OFFSET,
                RecoveryOrder.outstanding > 0,
            )
            .order_by(RecoveryOrder.id)
        ).scalars()
    )


def plan_offset(payee: str, amount: Decimal) -> Decimal:
    """How much of a payment to ``payee`` is kept back against orders decided "offset"."""
    owed = sum((o.outstanding for o in offsettable(payee)), Decimal("0"))
    return min(owed, amount)


def apply_offset(actor: Actor, payee: str, amount: Decimal, reference: str) -> None:
    """Settle offset orders, oldest first, with money kept back from a payment (the
    payment's own transaction credits the receivable; this gives the budget back)."""
    remaining = amount
    for order in offsettable(payee):
        if remaining <= 0:
            break
        part = min(order.outstanding, remaining)
        _settle(
            actor,
            order,
            "offset",
            part,
            reference,
            budgets.recover(order.claim, part),
            TransactionKind.REFUND,
        )
        remaining -= part
