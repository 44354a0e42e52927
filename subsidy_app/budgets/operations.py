"""Allocations and adjustments, and the reservations and spending of claims.

Budgets alone move a budget line's totals, and only through :func:`move`: one conditional
UPDATE whose guard keeps the line consistent (nothing reserved beyond what is available,
nothing released or spent beyond what is reserved, nothing given back beyond what was paid),
checked to have matched — a movement that does not fit raises and changes nothing — and
the ledger lines that book it, returned for the caller to post in its own balanced
transaction in the same database transaction. Correct under concurrency on PostgreSQL and
SQLite alike: the guard and the change are one statement.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..core import audit
from ..core.errors import Conflict, NotFound, invalid
from ..core.money import to_money
from ..core.permissions import Actor, require
from ..core.timeutil import local_today
from ..extensions import db
from ..ledger import operations as ledger
from ..ledger.models import Account, TransactionKind
from ..programs import operations as programs
from ..programs.models import Program
from .models import BudgetAdjustment, BudgetLine

A = Account
L = BudgetLine


class Movement(StrEnum):
    RAISE = "raise"  # allocation or increase
    CUT = "cut"  # decrease of the allocation
    RESERVE = "reserve"  # finance approval
    RELEASE = "release"  # a reservation given back
    SPEND = "spend"  # payment: the reservation becomes spending
    UNSPEND = "unspend"  # a payment reversed: the spending becomes a reservation again
    RECOVER = "recover"  # money recovered from a payee returns to the line


def _available_after(amount):
    return func.round(L.allocated - L.committed - L.paid - amount, 2) >= 0


def _covers(column, amount):
    """``column >= amount``, to the cent: SQLite keeps NUMERIC as binary floating point, so
    8234.56 - 234.56 may be 7999.999999; comparing rounded differences is exact on both."""
    return func.round(column - amount, 2) >= 0


def _cents(expression):
    """Running totals are rounded to the cent when written (no binary-float drift on SQLite)."""
    return func.round(expression, 2)


#: movement → (guard, new values, (debit account, credit account))
_MOVEMENTS = {
    Movement.RAISE: (
        lambda x: True,
        lambda x: {"allocated": _cents(L.allocated + x)},
        (A.AVAILABLE, A.APPROPRIATION),
    ),
    Movement.CUT: (
        _available_after,
        lambda x: {"allocated": _cents(L.allocated - x)},
        (A.APPROPRIATION, A.AVAILABLE),
    ),
    Movement.RESERVE: (
        _available_after,
        lambda x: {"committed": _cents(L.committed + x)},
        (A.COMMITTED, A.AVAILABLE),
    ),
    Movement.RELEASE: (
        lambda x: _covers(L.committed, x),
        lambda x: {"committed": _cents(L.committed - x)},
        (A.AVAILABLE, A.COMMITTED),
    ),
    Movement.SPEND: (
        lambda x: _covers(L.committed, x),
        lambda x: {"committed": _cents(L.committed - x), "paid": _cents(L.paid + x)},
        (A.EXPENDED, A.COMMITTED),
    ),
    Movement.UNSPEND: (
        lambda x: _covers(L.paid, x),
        lambda x: {"committed": _cents(L.committed + x), "paid": _cents(L.paid - x)},
        (A.COMMITTED, A.EXPENDED),
    ),
    Movement.RECOVER: (
        lambda x: _covers(L.paid, x),
        lambda x: {"paid": _cents(L.paid - x)},
        (A.AVAILABLE, A.EXPENDED),
    ),
}
#: The accounts whose balances the budget lines mirror.
BUDGET_ACCOUNTS = frozenset({A.APPROPRIATION.value, A.AVAILABLE.value, A.COMMITTED.value, A.EXPENDED.value})


def move(line: BudgetLine, movement: Movement, amount: Decimal, **line_fields) -> list[ledger.Line]:
    """Move a budget line's totals by ``amount``, or raise (409) and change nothing.

    Returns the two ledger lines that book the movement (``line_fields`` — claim, payee,
    clause… — go on both); the caller posts them, with any other lines of the same event,
    as one balanced transaction."""
    amount = to_money(amount)
    if amount <= 0:
        raise ValueError(f"a budget movement is a positive amount, not {amount}")
    guard, values, (debit, credit) = _MOVEMENTS[Movement(movement)]
    condition = guard(amount)
    stmt = update(L).where(L.id == line.id, *([] if condition is True else [condition]))
    result = db.session.execute(stmt.values(**values(amount)))
    if result.rowcount != 1:
        _refresh(line)
        raise _refusal(line, movement, amount)
    return [ledger.dr(debit, amount, **line_fields), ledger.cr(credit, amount, **line_fields)]


def _refusal(line: BudgetLine, movement: Movement, amount: Decimal) -> Conflict:
    if movement == Movement.RESERVE:
        return Conflict(
            _(
                "The budget of %(program)s for %(year)s has %(available)s left; this claim needs %(amount)s.",
                program=line.program_code,
                year=line.fiscal_year,
                available=f"{line.available:,.2f}",
                amount=f"{amount:,.2f}",
            ),
            code="budget_exhausted",
        )
    if movement == Movement.CUT:
        return Conflict(
            _(
                "The allocation cannot fall below what is reserved and paid (%(used)s).",
                used=f"{line.committed + line.paid:,.2f}",
            ),
            code="budget_exhausted",
        )
    return Conflict(
        _(
            "The budget line of %(program)s for %(year)s does not hold %(amount)s to "
            "move; nothing was changed.",
            program=line.program_code,
            year=line.fiscal_year,
            amount=f"{amount:,.2f}",
        ),
        code="budget_mismatch",
    )


def current_fiscal_year() -> int:
    return local_today().year


def find_line(fiscal_year: int, program_id: int) -> BudgetLine | None:
    return db.session.execute(
        select(BudgetLine).where(BudgetLine.fiscal_year == fiscal_year, BudgetLine.program_id == program_id)
    ).scalar_one_or_none()


def get_line(actor: Actor, line_id: int) -> BudgetLine:
    require(actor, "budget.read")
    line = db.session.get(BudgetLine, line_id)
    if line is None:
        raise NotFound(_("Not found."))
    return line


def list_lines(actor: Actor, *, fiscal_year: int | None = None):
    require(actor, "budget.read")
    return list_lines_stmt(fiscal_year)


def _refresh(line: BudgetLine) -> BudgetLine:
    db.session.refresh(line, ["allocated", "committed", "paid"])
    return line


def allocate(
    actor: Actor, *, fiscal_year: int, program_code: str, amount: Decimal, reason: str | None = None
) -> BudgetLine:
    """The allocation of a program for a fiscal year (once; later changes are adjustments)."""
    require(actor, "budget.allocate")
    program = programs.find_program(program_code)
    if program is None:
        raise invalid("program_code", _("No program has this code."))
    if find_line(fiscal_year, program.id) is not None:
        raise Conflict(
            _("This program already has a budget for %(year)s: adjust it instead.", year=fiscal_year),
            code="duplicate_budget",
        )
    line = BudgetLine(
        fiscal_year=fiscal_year,
        program_id=program.id,
        allocated=Decimal("0"),
        committed=Decimal("0"),
        paid=Decimal("0"),
        created_by_id=actor.id,
    )
    db.session.add(line)
    db.session.flush()
    reason = (reason or "").strip() or _("Allocation for %(year)s", year=fiscal_year)
    transaction = ledger.post(
        TransactionKind.ALLOCATION,
        move(line, Movement.RAISE, amount),
        fiscal_year=fiscal_year,
        program_code=program.code,
        memo=reason,
        actor=actor,
    )
    _refresh(line)
    db.session.add(
        BudgetAdjustment(
            budget_line_id=line.id,
            kind="allocation",
            amount=amount,
            reason=reason,
            created_by_id=actor.id,
            ledger_transaction_id=transaction,
        )
    )
    audit.record(
        actor,
        "budget.allocate",
        "budget_line",
        line.id,
        after={"fiscal_year": fiscal_year, "program": program.code, "allocated": amount},
        reason=reason,
    )
    return line


def adjust(actor: Actor, line_id: int, *, amount: Decimal, reason: str) -> BudgetAdjustment:
    """Raise or cut an allocation by a new dated entry; never below what is reserved or paid."""
    require(actor, "budget.adjust")
    line = get_line(actor, line_id)
    if not reason or not reason.strip():
        raise invalid("reason", _("Say why the budget changes."))
    if not amount:
        raise invalid("amount", _("An adjustment changes the allocation."))
    before = line.allocated
    lines = move(line, Movement.RAISE if amount > 0 else Movement.CUT, abs(amount))
    transaction = ledger.post(
        TransactionKind.ADJUSTMENT,
        lines,
        fiscal_year=line.fiscal_year,
        program_code=line.program_code,
        memo=reason.strip(),
        actor=actor,
    )
    adjustment = BudgetAdjustment(
        budget_line_id=line.id,
        kind="adjustment",
        amount=amount,
        reason=reason.strip(),
        created_by_id=actor.id,
        ledger_transaction_id=transaction,
    )
    db.session.add(adjustment)
    db.session.flush()
    _refresh(line)
    audit.record(
        actor,
        "budget.adjust",
        "budget_line",
        line.id,
        before={"allocated": before},
        after={"allocated": line.allocated, "amount": amount},
        reason=reason.strip(),
    )
    return adjustment


def adjust_program(
    actor: Actor, *, fiscal_year: int, program_code: str, amount: Decimal, reason: str
) -> BudgetAdjustment:
    """Adjust the line of a program and year, named as people name it."""
    program = programs.find_program(program_code)
    line = find_line(fiscal_year, program.id) if program else None
    if line is None:
        raise invalid(
            "program_code",
            _("This program has no budget for %(year)s yet: allocate it first.", year=fiscal_year),
        )
    return adjust(actor, line.id, amount=amount, reason=reason)


def history_of_year(actor: Actor, fiscal_year: int) -> list[tuple[str, BudgetAdjustment]]:
    """Every allocation and adjustment of the year's lines, oldest first, with the program."""
    require(actor, "budget.read")
    return list(
        db.session.execute(
            select(Program.code, BudgetAdjustment)
            .join(BudgetLine, BudgetLine.id == BudgetAdjustment.budget_line_id)
            .join(Program, Program.id == BudgetLine.program_id)
            .where(BudgetLine.fiscal_year == fiscal_year)
            .order_by(BudgetAdjustment.id)
        ).all()
    )


def adjustments(line: BudgetLine) -> list[BudgetAdjustment]:
    return list(
        db.session.execute(
            select(BudgetAdjustment)
            .where(BudgetAdjustment.budget_line_id == line.id)
            .order_by(BudgetAdjustment.id)
        ).scalars()
    )


# --- claims: reserve, release, spend ---------------------------------------------------------


def claim_line(fiscal_year: int, program) -> BudgetLine:
    """The line a claim of ``program`` is paid from in ``fiscal_year`` (409 when none)."""
    line = find_line(fiscal_year, program.id)
    if line is None:
        raise Conflict(
            _("There is no budget for %(program)s in %(year)s.", program=program.code, year=fiscal_year),
            code="no_budget",
        )
    return line


def reserve(claim, amount: Decimal) -> list[ledger.Line]:
    """Finance approval: reserve the amount against this year's line (409 and nothing
    changed when it does not fit). Returns the commitment's ledger lines."""
    fiscal_year = current_fiscal_year()
    lines = move(claim_line(fiscal_year, claim.program), Movement.RESERVE, amount)
    claim.fiscal_year = fiscal_year
    claim.amount_committed = amount
    return lines


def reserve_more(claim, extra: Decimal) -> list[ledger.Line]:
    """A correction upwards needs more of the claim's line (409 when it is not there)."""
    return move(claim_line(claim.fiscal_year, claim.program), Movement.RESERVE, extra)


def reserve_many(
    fiscal_year: int, program, entries: list[tuple[int, Decimal]]
) -> dict[int, list[ledger.Line]]:
    """Reserve for many claims of one program, in the order given, as far as the line goes:
    the claims that fit are reserved together by one :func:`move`. Returns each reserved
    claim's ledger lines (the same lines a single approval books); the others are left out."""
    line = claim_line(fiscal_year, program)
    while True:
        _refresh(line)
        room, fits, total = line.available, [], Decimal("0")
        for claim_id, amount in entries:
            if total + amount <= room:
                fits.append((claim_id, amount))
                total += amount
        if not fits:
            return {}
        try:
            move(line, Movement.RESERVE, total)
        except Conflict:
            continue  # another approval took some of the room meanwhile: count again
        return {
            claim_id: [ledger.dr(A.COMMITTED, amount), ledger.cr(A.AVAILABLE, amount)]
            for claim_id, amount in fits
        }


def release(claim, amount: Decimal | None = None) -> list[ledger.Line]:
    """Give back what the claim reserved (all of it by default; nothing if it reserved
    nothing). Returns the release's ledger lines (none when nothing was reserved)."""
    full = amount is None
    amount = claim.amount_committed if full else amount
    if not amount:
        return []
    lines = move(claim_line(claim.fiscal_year, claim.program), Movement.RELEASE, amount)
    if full:
        claim.amount_committed = None
    return lines


def spend(claim, amount: Decimal, **line_fields) -> list[ledger.Line]:
    """Payment: the claim's reservation becomes spending."""
    return move(claim_line(claim.fiscal_year, claim.program), Movement.SPEND, amount, **line_fields)


def unspend(claim, amount: Decimal, **line_fields) -> list[ledger.Line]:
    """A payment reversed (the bank returned it, or it is corrected): the spending becomes
    a reservation again."""
    return move(claim_line(claim.fiscal_year, claim.program), Movement.UNSPEND, amount, **line_fields)


def recover(claim, amount: Decimal) -> list[ledger.Line]:
    """Money recovered from a payee returns to the line the claim was paid from."""
    return move(claim_line(claim.fiscal_year, claim.program), Movement.RECOVER, amount)


def drift(fiscal_year: int | None = None) -> list[dict]:
    """Lines whose running totals disagree with the ledger (should be none)."""
    balances = ledger.budget_balances(fiscal_year)
    problems = []
    for line in db.session.execute(list_lines_stmt(fiscal_year)).scalars():
        booked = balances.get((line.fiscal_year, line.program_code), {})
        expected = {
            "allocated": booked.get("appropriation", Decimal("0")),
            "committed": booked.get("committed", Decimal("0")),
            "paid": booked.get("expended", Decimal("0")),
        }
        actual = {"allocated": line.allocated, "committed": line.committed, "paid": line.paid}
        if {k: to_money(v) for k, v in expected.items()} != actual:
            problems.append({"budget_line": line.id, "ledger": expected, "line": actual})
    return problems


def list_lines_stmt(fiscal_year: int | None = None):
    stmt = select(BudgetLine).order_by(BudgetLine.fiscal_year, BudgetLine.program_id)
    return stmt.where(BudgetLine.fiscal_year == fiscal_year) if fiscal_year is not None else stmt
