"""Correcting a paid amount that was booked wrong: a reversal and a new entry, never an edit.

A correction says what the bank actually paid. Money paid that should not have been is
not a correction but a recovery order (``recoveries``).
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ..budgets import operations as budgets
from ..claims import operations as claims
from ..claims.models import Claim, ClaimStatus
from ..core import audit
from ..core.errors import Conflict, invalid
from ..core.permissions import Actor, require
from ..extensions import db
from ..ledger import operations as ledger
from ..ledger.models import Account, LedgerTransaction, TransactionKind
from . import operations as payments
from .models import ItemStatus, PaymentItem

A = Account


def _last_payment(claim: Claim) -> LedgerTransaction:
    """The transaction that now books the claim's payment (a payment or an earlier correction)."""
    booked = (
        db.session.execute(
            select(LedgerTransaction)
            .where(
                LedgerTransaction.claim_id == claim.id,
                LedgerTransaction.kind.in_([TransactionKind.PAYMENT, TransactionKind.CORRECTION]),
            )
            .order_by(LedgerTransaction.id.desc())
        )
        .scalars()
        .first()
    )
    if booked is None:
        raise Conflict(_("No payment of this claim is booked."), code="invalid_status")
    return booked


def correct_payment(
    actor: Actor, claim_id: int, *, amount: Decimal, reason: str, bank_reference: str | None = None
) -> Claim:
    require(actor, "payment.correct")
    claim = claims.get_claim(actor, claim_id)  # 404, or 403 for a recused reviewer (回避)
    if claim.status != ClaimStatus.PAID:
        raise Conflict(_("Only a paid claim can have its payment corrected."), code="invalid_status")
    if not reason or not reason.strip():
        raise invalid("reason", _("Say why the amount was wrong."))
    old = claim.amount_paid
    if amount == old:
        raise invalid("amount", _("That is the amount already booked."))
    if amount > old and not (bank_reference or "").strip():
        raise invalid(
            "bank_reference", _("A higher amount needs the bank reference of the further transfer.")
        )
    item = (
        db.session.execute(
            select(PaymentItem)
            .where(PaymentItem.claim_id == claim.id, PaymentItem.status == ItemStatus.PAID)
            .order_by(PaymentItem.id.desc())
        )
        .scalars()
        .first()
    )
    if (item is not None and item.offset_amount) or payments.recoveries.orders_on_claim(claim.id):
        raise Conflict(
            _("A payment with an offset is corrected through its recovery order."), code="needs_review"
        )
    memo = f"correction: {reason.strip()}"
    booked = dict(
        fiscal_year=claim.fiscal_year,
        program_code=claim.program.code,
        claim_id=claim.id,
        memo=memo,
        actor=actor,
    )
    exempt, clause = payments.payment_clause(claim)
    # 1. reverse what is booked (the spending becomes a reservation again)
    last = _last_payment(claim)
    ledger.reverse(
        last,
        TransactionKind.CORRECTION_REVERSAL,
        memo=memo,
        actor=actor,
        lines=[
            *budgets.unspend(
                claim,
                old,
                payee=item.payee if item else "",
                tax_exempt=exempt,
                clause=clause,
                reference=item.reference if item else "",
            ),
            *ledger.reversal_lines(last, except_accounts=budgets.BUDGET_ACCOUNTS),
        ],
    )
    # 2. reserve more, or give back what is no longer needed
    if amount > old:
        ledger.post(TransactionKind.COMMITMENT, budgets.reserve_more(claim, amount - old), **booked)
    else:
        ledger.post(TransactionKind.RELEASE, budgets.release(claim, old - amount), **booked)
    # 3. book the right amount
    common = dict(
        payee=item.payee if item else "",
        tax_exempt=exempt,
        clause=clause,
        reference=(bank_reference or (item.reference if item else "")).strip(),
    )
    ledger.post(
        TransactionKind.CORRECTION,
        [
            *budgets.spend(claim, amount, **common),
            ledger.dr(A.SUBSIDY_EXPENSE, amount, **common),
            ledger.cr(A.BANK, amount, **common),
        ],
        **booked,
    )
    claim.amount_paid = amount
    claim.amount_committed = amount
    audit.record(
        actor,
        "claim.payment_corrected",
        "claim",
        claim.id,
        before={"status": claim.status, "amount_paid": old},
        after={"status": claim.status, "amount_paid": amount, "bank_reference": bank_reference},
        reason=reason.strip(),
    )
    return claim
