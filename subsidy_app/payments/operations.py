"""Payment batches: build, approve (another finance user), disburse, bank file, bank result."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ..bankaccounts import operations as bankaccounts
from ..budgets import operations as budgets
from ..claims import operations as claims
from ..claims import rows as claim_rows
from ..claims.models import Claim, ClaimStatus, Stage
from ..core import audit, bulkio
from ..core.audit import AuditEvent
from ..core.db import in_ids
from ..core.errors import Conflict, Forbidden, NotFound, invalid
from ..core.labels import RULE, label
from ..core.permissions import Actor, require
from ..core.timeutil import utcnow
from ..credit import operations as credit
from ..extensions import db
from ..ledger import operations as ledger
from ..ledger.models import Account, LedgerTransaction, TransactionKind
from ..programs.models import TAX_EXEMPT_CLAUSE
from ..recoveries import operations as recoveries
from ..subjects.kinds import SubjectKind
from .models import BatchStatus, ItemStatus, PaymentBatch, PaymentItem

A = Account


def payment_clause(claim: Claim) -> tuple[bool, str]:
    """Tax-exempt mark and clause of a payment: the program's clause, and (二十) when the
    money goes to a foreign talent."""
    exempt = claim.program.tax_exempt
    clause = claim.program.clause + (f" {TAX_EXEMPT_CLAUSE}" if exempt else "")
    return exempt, clause


def get_batch(actor: Actor, batch_id: int) -> PaymentBatch:
    require(actor, "payment.read")
    batch = db.session.get(PaymentBatch, batch_id)
    if batch is None:
        raise NotFound(_("Not found."))
    return batch


def list_batches(actor: Actor, *, status: BatchStatus | None = None):
    require(actor, "payment.read")
    stmt = select(PaymentBatch).order_by(PaymentBatch.id.desc())
    return stmt.where(PaymentBatch.status == status) if status is not None else stmt


def _payable_problems(claim_ids: list[int]) -> tuple[dict[int, tuple[str, str]], dict]:
    """Why each claim cannot be paid now (claims that can are left out), and the rows of the
    claims, read once for all of them.

    The rules were run at finance approval; what can change since is a black-listing (十七),
    which holds the claim for HR, a document still owed, the payee's account, or an open
    recovery order against the payee.
    """
    rows = claim_rows.read(claim_ids)
    ctx = claim_rows.Context(list(rows.values()))
    black_orgs, black_talents = credit.black_listed_ids()
    blocked = recoveries.blocked_payees()
    problems: dict[int, tuple[str, str]] = {}
    for claim_id in claim_ids:
        row = rows.get(claim_id)
        if row is None:
            problems[claim_id] = ("not_found", _("Not found."))
            continue
        talent = ctx.talents.get(row.talent_id)
        key, _name, bank, account = _payee_of_row(row, ctx)
        if row.status != ClaimStatus.FINANCE_APPROVED:
            problems[claim_id] = ("invalid_status", _("Only finance-approved claims are paid."))
        elif ctx.outstanding(row):
            problems[claim_id] = (
                "documents_outstanding",
                _("Deferred documents are not yet supplied (容缺)."),
            )
        elif {
            row.organization_id,
            talent.employer_id if talent else None,
        } & black_orgs or row.talent_id in black_talents:
            problems[claim_id] = (
                "not_eligible",
                _(
                    "No longer eligible (%(rules)s): held for HR to decide.",
                    rules=label(RULE, "not_black_listed"),
                ),
            )
        elif not bank or not account:
            problems[claim_id] = ("no_bank_account", _("The payee has no bank account on record."))
        elif key in blocked:
            problems[claim_id] = (
                "recovery_open",
                _("The payee owes money back (an open recovery order): payments wait until HR decides."),
            )
    return problems, {"rows": rows, "ctx": ctx}


def _payee_of_row(row, ctx) -> tuple[str, str, str | None, str | None]:
    program = ctx.programs[row.program_id]
    if program.payee_kind.value == "talent":
        talent = ctx.talents.get(row.talent_id)
        return f"talent:{talent.talent_code}", talent.name, talent.bank_name, talent.bank_account_no
    organization = ctx.organizations.get(row.organization_id)
    return (
        f"organization:{row.organization_id}",
        organization.name,
        organization.bank_name,
        organization.bank_account_no,
    )


def _payee_subject(row, ctx) -> tuple[SubjectKind, int]:
    """Whose account pays a claim: ``(subject_kind, organisation or talent id)``."""
    if ctx.programs[row.program_id].payee_kind.value == "talent":
        return SubjectKind.TALENT, row.talent_id
    return SubjectKind.ORGANIZATION, row.organization_id


def _last_account_changes(rows, ctx) -> dict:
    """When each payee's account last changed, and on whose word (flagged in the batch)."""
    subjects = {_payee_subject(row, ctx) for row in rows}
    return bankaccounts.last_changes(
        organization_ids=[i for kind, i in subjects if kind == SubjectKind.ORGANIZATION],
        talent_ids=[i for kind, i in subjects if kind == SubjectKind.TALENT],
    )


def _refuse_unpayable(problems: dict[int, tuple[str, str]]) -> None:
    if problems:
        raise Conflict(
            _("%(n)d claim(s) cannot be paid now.", n=len(problems)),
            code="not_payable",
            claims=[{"id": i, "code": p[0], "message": p[1]} for i, p in problems.items()],
        )


def create_batch(actor: Actor, *, claim_ids: list[int]) -> PaymentBatch:
    """Put finance-approved claims in a batch. All of them or none: the answer lists every
    claim that cannot be paid, and why."""
    with bulkio.no_gc_pauses():
        return _create_batch(actor, claim_ids)


def _create_batch(actor: Actor, claim_ids: list[int]) -> PaymentBatch:
    require(actor, "payment.create")
    ids = list(dict.fromkeys(claim_ids))
    if not ids:
        raise invalid("claim_ids", _("Name at least one claim."))
    claims.require_not_recused(actor, ids)
    in_batches = set()
    for start in range(0, len(ids), 20000):
        in_batches.update(
            db.session.execute(
                select(PaymentItem.claim_id).where(
                    in_ids(PaymentItem.claim_id, ids[start : start + 20000]),
                    PaymentItem.status == ItemStatus.PENDING,
                )
            ).scalars()
        )
    problems, loaded = _payable_problems([i for i in ids if i not in in_batches])
    problems.update({i: ("in_batch", _("Already in a payment batch.")) for i in in_batches})
    _refuse_unpayable(problems)
    batch = PaymentBatch(
        status=BatchStatus.DRAFT, total=Decimal("0"), item_count=len(ids), created_by_id=actor.id
    )
    db.session.add(batch)
    db.session.flush()
    changes = _last_account_changes([loaded["rows"][i] for i in ids], loaded["ctx"])
    items, total = [], Decimal("0")
    for number, claim_id in enumerate(ids, start=1):
        row = loaded["rows"][claim_id]
        key, name, bank, account = _payee_of_row(row, loaded["ctx"])
        change = changes.get(_payee_subject(row, loaded["ctx"]))
        amount = row.amount_committed
        items.append(
            dict(
                batch_id=batch.id,
                claim_id=claim_id,
                payee=key,
                payee_name=name,
                bank_name=bank,
                account_no=account,
                amount=amount,
                offset_amount=Decimal("0"),
                status=ItemStatus.PENDING,
                reference=f"SXPAY-{batch.id}-{number}",
                account_changed_at=change.changed_at if change else None,
                account_changed_by=change.changed_by if change else None,
                account_confirmed_by=change.confirmed_by if change else None,
            )
        )
        total += amount
    bulkio.insert_rows(PaymentItem.__table__, items)
    batch.total = total
    db.session.flush()
    db.session.expire(batch, ["items"])
    audit.record(
        actor,
        "payment_batch.create",
        "payment_batch",
        batch.id,
        after={"status": batch.status, "claims": len(ids), "total": total, "first_claims": ids[:50]},
    )
    return batch


def approve_batch(actor: Actor, batch_id: int) -> PaymentBatch:
    """The second pair of eyes: another finance user than the one who built the batch."""
    require(actor, "payment.approve")
    batch = get_batch(actor, batch_id)
    if batch.created_by_id == actor.id:
        raise Forbidden(
            _("Who built a payment batch cannot approve it (four eyes)."), code="segregation_of_duties"
        )
    if batch.status != BatchStatus.DRAFT:
        raise Conflict(_("Only a batch waiting for approval can be approved."), code="invalid_status")
    claims.require_not_recused(actor, [item.claim_id for item in batch.items])
    batch.status = BatchStatus.APPROVED
    batch.approved_by_id = actor.id
    batch.approved_at = utcnow()
    audit.record(
        actor,
        "payment_batch.approve",
        "payment_batch",
        batch.id,
        before={"status": BatchStatus.DRAFT},
        after={"status": batch.status},
    )
    return batch


def _pay_item(actor: Actor, batch: PaymentBatch, item: PaymentItem) -> None:
    claim = item.claim
    exempt, clause = payment_clause(claim)
    offset = recoveries.plan_offset(item.payee, item.amount)
    item.offset_amount = offset
    net = item.amount - offset
    common = dict(payee=item.payee, tax_exempt=exempt, clause=clause, reference=item.reference)
    lines = [
        *budgets.spend(claim, item.amount, **common),
        ledger.dr(A.SUBSIDY_EXPENSE, item.amount, **common),
    ]
    if net > 0:
        lines.append(ledger.cr(A.BANK, net, **common))
    if offset > 0:
        lines.append(ledger.cr(A.RECEIVABLE, offset, **common))
    transaction = ledger.post(
        TransactionKind.PAYMENT,
        lines,
        fiscal_year=claim.fiscal_year,
        program_code=claim.program.code,
        claim_id=claim.id,
        memo=f"batch {batch.id}",
        actor=actor,
        batch_id=batch.id,
    )
    if offset > 0:
        recoveries.apply_offset(actor, item.payee, offset, item.reference)
    item.payment_transaction_id = transaction
    item.status = ItemStatus.PAID
    item.bank_reference = batch.bank_reference
    before = claim.status
    claim.amount_paid = item.amount
    claim.decided_at = utcnow()
    claims.enter_stage(claim, ClaimStatus.PAID, Stage.CLOSED)
    audit.record(
        actor,
        "claim.paid",
        "claim",
        claim.id,
        before={"status": before},
        after={
            "status": claim.status,
            "amount_paid": item.amount,
            "offset": offset,
            "batch": batch.id,
            "bank_reference": batch.bank_reference,
            "tax_exempt": exempt,
        },
    )


def disburse_batch(actor: Actor, batch_id: int, *, bank_reference: str) -> PaymentBatch:
    """Send an approved batch: every claim in it becomes paid and is booked. A claim that
    can no longer be paid (e.g. black-listed meanwhile) stops the whole batch: it is held
    for HR to decide, never paid silently."""
    require(actor, "payment.disburse")
    batch = get_batch(actor, batch_id)
    if batch.status != BatchStatus.APPROVED:
        raise Conflict(_("Only an approved batch can be disbursed."), code="invalid_status")
    if not bank_reference or not bank_reference.strip():
        raise invalid("bank_reference", _("Give the bank's reference of the transfer."))
    pending = [item for item in batch.items if item.status == ItemStatus.PENDING]
    claims.require_not_recused(actor, [item.claim_id for item in pending])
    _refuse_unpayable(_payable_problems([item.claim_id for item in pending])[0])
    batch.bank_reference = bank_reference.strip()
    for item in pending:
        _pay_item(actor, batch, item)
    batch.status = BatchStatus.DISBURSED
    batch.disbursed_by_id = actor.id
    batch.disbursed_at = utcnow()
    audit.record(
        actor,
        "payment_batch.disburse",
        "payment_batch",
        batch.id,
        before={"status": BatchStatus.APPROVED},
        after={"status": batch.status, "bank_reference": batch.bank_reference},
    )
    return batch


BANK_FILE_COLUMNS = ["reference", "payee_name", "bank_name", "account_no", "amount", "currency", "purpose"]


def bank_file(actor: Actor, batch_id: int) -> str:
    """The payment instruction file for the bank: one line per payee payment (CSV)."""
    require(actor, "payment.read")
    batch = get_batch(actor, batch_id)
    if batch.status == BatchStatus.DRAFT:
        raise Conflict(_("A batch goes to the bank once it is approved."), code="invalid_status")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BANK_FILE_COLUMNS)
    for item in batch.items:
        if item.net_amount <= 0:
            continue  # kept back in full against a recovery order: nothing to transfer
        exempt, clause = payment_clause(item.claim)
        purpose = f"{item.claim.program.code} claim {item.claim_id} {clause}" + (
            " tax-exempt" if exempt else ""
        )
        writer.writerow(
            [
                item.reference,
                item.payee_name,
                item.bank_name,
                item.account_no,
                f"{item.net_amount:.2f}",
                "CNY",
                purpose,
            ]
        )
    return out.getvalue()


RESULT_COLUMNS = {"reference", "status"}


def import_bank_result(actor: Actor, batch_id: int, content: str) -> dict:
    """The bank's answer: a CSV with ``reference``, ``status`` (SUCCESS or FAILED) and
    optionally ``bank_reference`` and ``message``. A failed payment is reversed by new
    entries and its claim waits for payment again. Importing the same file twice changes
    nothing more."""
    batch, items, rows = _read_bank_result(actor, batch_id, content)
    failed = confirmed = 0
    held = []
    for row in rows:
        item = items[row["reference"].strip()]
        if row["status"].strip().upper() == "FAILED":
            if item.status == ItemStatus.PAID:
                message = (row.get("message") or "").strip()
                why = _needs_review(item)
                if why:
                    _hold_failure(actor, batch, item, message, why)
                    held.append({"reference": item.reference, "claim_id": item.claim_id, "reason": why})
                else:
                    _reverse_item(actor, batch, item, message)
                    failed += 1
        elif item.status == ItemStatus.PAID:
            item.bank_reference = (row.get("bank_reference") or item.bank_reference or "").strip()
            confirmed += 1
    batch.result_imported_at = utcnow()
    audit.record(
        actor,
        "payment_batch.bank_result",
        "payment_batch",
        batch.id,
        after={"failed": failed, "confirmed": confirmed, "needs_review": held},
    )
    return {"batch_id": batch.id, "confirmed": confirmed, "failed": failed, "needs_review": held}


def _read_bank_result(actor: Actor, batch_id: int, content: str):
    """The batch, its items by reference and the file's rows, once every row is known to be
    one of the batch's payments with SUCCESS or FAILED (else nothing is read: 422)."""
    require(actor, "payment.disburse")
    batch = get_batch(actor, batch_id)
    if batch.status != BatchStatus.DISBURSED:
        raise Conflict(_("Only a disbursed batch has a bank result."), code="invalid_status")
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    if not reader.fieldnames or not RESULT_COLUMNS <= {f.strip() for f in reader.fieldnames}:
        raise invalid("file", _("A CSV file with the columns reference and status."))
    items = {item.reference: item for item in batch.items}
    rows = list(reader)
    errors = {}
    for number, row in enumerate(rows, start=2):
        reference = (row.get("reference") or "").strip()
        status = (row.get("status") or "").strip().upper()
        if reference not in items:
            errors[f"line {number}"] = [_("Unknown reference %(ref)s.", ref=reference)]
        elif status not in ("SUCCESS", "FAILED"):
            errors[f"line {number}"] = [_("The status is SUCCESS or FAILED.")]
    if errors:
        raise invalid(errors)
    claims.require_not_recused(actor, [items[row["reference"].strip()].claim_id for row in rows])
    return batch, items, rows


def preview_bank_result(actor: Actor, batch_id: int, content: str) -> dict:
    """What importing ``content`` would do, changing nothing (the page's confirmation): the
    payments it confirms, those it reverses (returned by the bank: new entries book the
    money back, the claim waits for payment again) and those held for a person to settle;
    rows about payments already settled change nothing."""
    batch, items, rows = _read_bank_result(actor, batch_id, content)
    confirmed, failed, held = [], [], []
    for row in rows:
        item = items[row["reference"].strip()]
        if item.status != ItemStatus.PAID:
            continue
        if row["status"].strip().upper() == "FAILED":
            why = _needs_review(item)
            (held if why else failed).append((item, why or (row.get("message") or "").strip()))
        else:
            confirmed.append(item)
    return {"batch": batch, "confirmed": confirmed, "failed": failed, "needs_review": held}


def _needs_review(item: PaymentItem) -> str | None:
    """Why a payment the bank returned cannot be reversed by the system alone: money was
    kept back from it or recovered on it, or its amount was corrected since. Reversing it
    would undo the payment under a recovery or a correction that stays booked (the recovery
    "settled" on a payment that never arrived, the budget's paid figure wrong)."""
    if item.offset_amount:
        return _("Money was kept back from this payment against a recovery order.")
    if recoveries.orders_on_claim(item.claim_id):
        return _("A recovery order was raised on this claim's payment.")
    if item.payment_transaction_id != _booked_payment_id(item.claim_id):
        return _("This payment's amount was corrected after it was booked.")
    return None


def _booked_payment_id(claim_id: int) -> int | None:
    """The transaction that now books the claim's payment (a payment or a correction)."""
    return db.session.execute(
        select(LedgerTransaction.id)
        .where(
            LedgerTransaction.claim_id == claim_id,
            LedgerTransaction.kind.in_([TransactionKind.PAYMENT, TransactionKind.CORRECTION]),
        )
        .order_by(LedgerTransaction.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _hold_failure(actor: Actor, batch, item: PaymentItem, message: str, why: str) -> None:
    """The bank's failure is on record with the claim, for finance and HR to settle by hand;
    nothing is reversed. The same file again records nothing more."""
    earlier = db.session.execute(
        select(AuditEvent.after).where(
            AuditEvent.object_type == "claim",
            AuditEvent.object_id == str(item.claim_id),
            AuditEvent.action == "claim.payment_failure_held",
        )
    ).scalars()
    if any((after or {}).get("reference") == item.reference for after in earlier):
        return
    audit.record(
        actor,
        "claim.payment_failure_held",
        "claim",
        item.claim_id,
        after={
            "status": item.claim.status,
            "batch": batch.id,
            "reference": item.reference,
            "bank_message": message or None,
        },
        reason=why,
    )


def _reverse_item(actor: Actor, batch, item: PaymentItem, message: str) -> None:
    """The bank returned the payment: its booking is reversed by a new transaction (the
    budget's part through ``budgets``) and the claim waits for payment again."""
    claim = item.claim
    original = db.session.get(LedgerTransaction, item.payment_transaction_id)
    exempt, clause = payment_clause(claim)
    common = dict(payee=item.payee, tax_exempt=exempt, clause=clause, reference=item.reference)
    lines = [
        *budgets.unspend(claim, item.amount, **common),
        *ledger.reversal_lines(original, except_accounts=budgets.BUDGET_ACCOUNTS),
    ]
    ledger.reverse(
        original,
        TransactionKind.PAYMENT_REVERSAL,
        lines=lines,
        memo=f"bank returned the payment: {message}".strip(),
        actor=actor,
    )
    item.status = ItemStatus.FAILED
    item.failure_reason = message or None
    claim.amount_paid = None
    claim.decided_at = None
    claims.enter_stage(claim, ClaimStatus.FINANCE_APPROVED)
    audit.record(
        actor,
        "claim.payment_failed",
        "claim",
        claim.id,
        before={"status": ClaimStatus.PAID},
        after={"status": claim.status, "batch": batch.id, "reference": item.reference},
        reason=message or None,
    )
