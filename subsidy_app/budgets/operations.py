"""Allocations and adjustments, and the reservations and spending of claims.

Every change of a line's totals is one atomic conditional UPDATE (correct under
concurrency on PostgreSQL and SQLite alike: SQLAlchemy drops FOR UPDATE on SQLite) and one
balanced ledger transaction, in the same database transaction.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..core import audit
from ..core.errors import Conflict, NotFound, ValidationFailed
from ..core.money import to_money
from ..core.permissions import require
from ..core.timeutil import local_today
from ..extensions import db
from ..ledger import operations as ledger
from ..ledger.models import Account, TransactionKind
from ..programs import operations as programs
from .models import BudgetAdjustment, BudgetLine

A = Account


def _covers(column, amount):
    """``column >= amount``, to the cent: SQLite keeps NUMERIC as binary floating point, so
    8234.56 - 234.56 may be 7999.999999; comparing rounded differences is exact on both."""
    return func.round(column - amount, 2) >= 0


def _cents(expression):
    """Running totals are rounded to the cent when written (no binary-float drift on SQLite)."""
    return func.round(expression, 2)


def current_fiscal_year() -> int:
    return local_today().year


def find_line(fiscal_year: int, program_id: int) -> BudgetLine | None:
    return db.session.execute(select(BudgetLine).where(
        BudgetLine.fiscal_year == fiscal_year, BudgetLine.program_id == program_id)
    ).scalar_one_or_none()


def get_line(actor, line_id: int) -> BudgetLine:
    require(actor, "budget.read")
    line = db.session.get(BudgetLine, line_id)
    if line is None:
        raise NotFound(_("Not found."))
    return line


def list_lines(actor, *, fiscal_year: int | None = None):
    require(actor, "budget.read")
    return list_lines_stmt(fiscal_year)


def _refresh(line: BudgetLine) -> BudgetLine:
    db.session.refresh(line, ["allocated", "committed", "paid"])
    return line


def allocate(actor, *, fiscal_year: int, program_code: str, amount: Decimal,
             reason: str | None = None) -> BudgetLine:
    """The allocation of a program for a fiscal year (once; later changes are adjustments)."""
    require(actor, "budget.allocate")
    program = programs.find_program(program_code)
    if program is None:
        raise ValidationFailed(_("Some fields are invalid."),
                               fields={"program_code": [_("No program has this code.")]})
    if find_line(fiscal_year, program.id) is not None:
        raise Conflict(_("This program already has a budget for %(year)s: adjust it instead.",
                         year=fiscal_year), code="duplicate_budget")
    line = BudgetLine(fiscal_year=fiscal_year, program_id=program.id, allocated=amount,
                      committed=Decimal("0"), paid=Decimal("0"), created_by_id=actor.id)
    db.session.add(line)
    db.session.flush()
    reason = (reason or "").strip() or _("Allocation for %(year)s", year=fiscal_year)
    transaction = ledger.post(TransactionKind.ALLOCATION,
                              [ledger.dr(A.AVAILABLE, amount), ledger.cr(A.APPROPRIATION, amount)],
                              fiscal_year=fiscal_year, program_code=program.code, memo=reason,
                              actor=actor)
    db.session.add(BudgetAdjustment(budget_line_id=line.id, kind="allocation", amount=amount,
                                    reason=reason, created_by_id=actor.id,
                                    ledger_transaction_id=transaction))
    audit.record(actor, "budget.allocate", "budget_line", line.id,
                 after={"fiscal_year": fiscal_year, "program": program.code, "allocated": amount},
                 reason=reason)
    return line


def adjust(actor, line_id: int, *, amount: Decimal, reason: str) -> BudgetAdjustment:
    """Raise or cut an allocation by a new dated entry; never below what is reserved or paid."""
    require(actor, "budget.adjust")
    line = get_line(actor, line_id)
    if not reason or not reason.strip():
        raise ValidationFailed(_("Some fields are invalid."),
                               fields={"reason": [_("Say why the budget changes.")]})
    before = line.allocated
    result = db.session.execute(
        update(BudgetLine).where(
            BudgetLine.id == line.id,
            func.round(BudgetLine.allocated + amount - BudgetLine.committed - BudgetLine.paid, 2) >= 0)
        .values(allocated=_cents(BudgetLine.allocated + amount)))
    if result.rowcount != 1:
        raise Conflict(_("The allocation cannot fall below what is reserved and paid (%(used)s).",
                         used=f"{line.committed + line.paid:,.2f}"), code="budget_exhausted")
    value = abs(amount)
    lines = ([ledger.dr(A.AVAILABLE, value), ledger.cr(A.APPROPRIATION, value)] if amount > 0 else
             [ledger.dr(A.APPROPRIATION, value), ledger.cr(A.AVAILABLE, value)])
    transaction = ledger.post(TransactionKind.ADJUSTMENT, lines, fiscal_year=line.fiscal_year,
                              program_code=line.program_code, memo=reason.strip(), actor=actor)
    adjustment = BudgetAdjustment(budget_line_id=line.id, kind="adjustment", amount=amount,
                                  reason=reason.strip(), created_by_id=actor.id,
                                  ledger_transaction_id=transaction)
    db.session.add(adjustment)
    db.session.flush()
    _refresh(line)
    audit.record(actor, "budget.adjust", "budget_line", line.id, before={"allocated": before},
                 after={"allocated": line.allocated, "amount": amount}, reason=reason.strip())
    return adjustment


def adjust_program(actor, *, fiscal_year: int, program_code: str, amount: Decimal,
                   reason: str) -> BudgetAdjustment:
    """Adjust the line of a program and year, named as people name it."""
    from ..programs import operations as programs

    program = programs.find_program(program_code)
    line = find_line(fiscal_year, program.id) if program else None
    if line is None:
        raise ValidationFailed(_("Some fields are invalid."), fields={"program_code": [
            _("This program has no budget for %(year)s yet: allocate it first.", year=fiscal_year)]})
    return adjust(actor, line.id, amount=amount, reason=reason)


def history_of_year(actor, fiscal_year: int) -> list[tuple[str, BudgetAdjustment]]:
    """Every allocation and adjustment of the year's lines, oldest first, with the program."""
    require(actor, "budget.read")
    from ..programs.models import Program

    return list(db.session.execute(
        select(Program.code, BudgetAdjustment).join(BudgetLine, BudgetLine.id == BudgetAdjustment.budget_line_id)
        .join(Program, Program.id == BudgetLine.program_id).where(BudgetLine.fiscal_year == fiscal_year)
        .order_by(BudgetAdjustment.id)).all())


def adjustments(line: BudgetLine) -> list[BudgetAdjustment]:
    return list(db.session.execute(select(BudgetAdjustment).where(
        BudgetAdjustment.budget_line_id == line.id).order_by(BudgetAdjustment.id)).scalars())


# --- claims: reserve, release, spend ---------------------------------------------------------

def _claim_line(claim, fiscal_year: int) -> BudgetLine:
    line = find_line(fiscal_year, claim.program_id)
    if line is None:
        raise Conflict(_("There is no budget for %(program)s in %(year)s.",
                         program=claim.program.code, year=fiscal_year), code="no_budget")
    return line


def reserve(actor, claim, amount: Decimal) -> BudgetLine:
    """Finance approval: reserve the amount against this year's line, or refuse (409) and
    change nothing. The check and the change are one statement."""
    fiscal_year = current_fiscal_year()
    line = _claim_line(claim, fiscal_year)
    result = db.session.execute(
        update(BudgetLine).where(
            BudgetLine.id == line.id,
            func.round(BudgetLine.allocated - BudgetLine.committed - BudgetLine.paid - amount, 2) >= 0)
        .values(committed=_cents(BudgetLine.committed + amount)))
    if result.rowcount != 1:
        _refresh(line)
        raise Conflict(_("The budget of %(program)s for %(year)s has %(available)s left; this "
                         "claim needs %(amount)s.", program=claim.program.code, year=fiscal_year,
                         available=f"{line.available:,.2f}", amount=f"{amount:,.2f}"),
                       code="budget_exhausted")
    ledger.post(TransactionKind.COMMITMENT,
                [ledger.dr(A.COMMITTED, amount), ledger.cr(A.AVAILABLE, amount)],
                fiscal_year=fiscal_year, program_code=claim.program.code, claim_id=claim.id,
                memo=f"claim {claim.id}", actor=actor)
    claim.fiscal_year = fiscal_year
    claim.amount_committed = amount
    return line


def release(actor, claim, *, reason: str, amount: Decimal | None = None) -> None:
    """Give back what the claim reserved (all of it by default; nothing if it reserved
    nothing)."""
    full = amount is None
    amount = claim.amount_committed if full else amount
    if not amount:
        return
    line = _claim_line(claim, claim.fiscal_year)
    db.session.execute(update(BudgetLine).where(BudgetLine.id == line.id, _covers(BudgetLine.committed, amount))
                       .values(committed=_cents(BudgetLine.committed - amount)))
    ledger.post(TransactionKind.RELEASE,
                [ledger.dr(A.AVAILABLE, amount), ledger.cr(A.COMMITTED, amount)],
                fiscal_year=claim.fiscal_year, program_code=claim.program.code, claim_id=claim.id,
                memo=reason, actor=actor)
    if full:
        claim.amount_committed = None


def move_to_paid(claim, amount: Decimal) -> None:
    """Payment: the reservation becomes spending."""
    line = _claim_line(claim, claim.fiscal_year)
    result = db.session.execute(
        update(BudgetLine).where(BudgetLine.id == line.id, _covers(BudgetLine.committed, amount))
        .values(committed=_cents(BudgetLine.committed - amount), paid=_cents(BudgetLine.paid + amount)))
    if result.rowcount != 1:
        raise Conflict(_("The reservation of claim %(id)s is missing.", id=claim.id),
                       code="not_reserved")


def move_back_to_committed(claim, amount: Decimal) -> None:
    """A failed payment: the spending becomes a reservation again."""
    line = _claim_line(claim, claim.fiscal_year)
    db.session.execute(update(BudgetLine).where(BudgetLine.id == line.id, _covers(BudgetLine.paid, amount))
                       .values(committed=_cents(BudgetLine.committed + amount),
                               paid=_cents(BudgetLine.paid - amount)))


def give_back(fiscal_year: int, program_id: int, amount: Decimal) -> None:
    """Money recovered from a payee returns to the line it was paid from."""
    line = find_line(fiscal_year, program_id)
    db.session.execute(update(BudgetLine).where(BudgetLine.id == line.id, _covers(BudgetLine.paid, amount))
                       .values(paid=_cents(BudgetLine.paid - amount)))


def reserve_more(actor, claim, extra: Decimal) -> None:
    """A correction upwards needs more of the budget (refused when it is not there)."""
    line = _claim_line(claim, claim.fiscal_year)
    result = db.session.execute(
        update(BudgetLine).where(
            BudgetLine.id == line.id,
            func.round(BudgetLine.allocated - BudgetLine.committed - BudgetLine.paid - extra, 2) >= 0)
        .values(committed=_cents(BudgetLine.committed + extra)))
    if result.rowcount != 1:
        raise Conflict(_("The budget has not enough left for this correction."),
                       code="budget_exhausted")
    ledger.post(TransactionKind.COMMITMENT,
                [ledger.dr(A.COMMITTED, extra), ledger.cr(A.AVAILABLE, extra)],
                fiscal_year=claim.fiscal_year, program_code=claim.program.code, claim_id=claim.id,
                memo=f"claim {claim.id}: correction", actor=actor)


def drift(fiscal_year: int | None = None) -> list[dict]:
    """Lines whose running totals disagree with the ledger (should be none)."""
    balances = ledger.budget_balances(fiscal_year)
    problems = []
    for line in db.session.execute(list_lines_stmt(fiscal_year)).scalars():
        booked = balances.get((line.fiscal_year, line.program_code), {})
        expected = {"allocated": booked.get("appropriation", Decimal("0")),
                    "committed": booked.get("committed", Decimal("0")),
                    "paid": booked.get("expended", Decimal("0"))}
        actual = {"allocated": line.allocated, "committed": line.committed, "paid": line.paid}
        if {k: to_money(v) for k, v in expected.items()} != actual:
            problems.append({"budget_line": line.id, "ledger": expected, "line": actual})
    return problems


def list_lines_stmt(fiscal_year: int | None = None):
    stmt = select(BudgetLine).order_by(BudgetLine.fiscal_year, BudgetLine.program_id)
    return stmt.where(BudgetLine.fiscal_year == fiscal_year) if fiscal_year is not None else stmt
