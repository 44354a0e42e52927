from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Money, UTCDateTime
from ..core.timeutil import utcnow
from ..extensions import db


class BudgetLine(db.Model):
    """Running totals of one line, kept by atomic conditional UPDATEs (so that concurrent
    approvals never reserve more than the allocation) and checked against the ledger."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        UniqueConstraint("fiscal_year", "program_id", name="uq_budget_lines_year_program"),
        CheckConstraint(
            "round(allocated, 2) >= 0 AND round(committed, 2) >= 0 AND round(paid, 2) >= 0",
            name="not_negative",
        ),
        # The database itself refuses an overspend, whatever the application does.
        CheckConstraint("round(allocated - committed - paid, 2) >= 0", name="no_overspend"),
        CheckConstraint("fiscal_year >= 2000 AND fiscal_year <= 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int]
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    allocated: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    committed: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    program = relationship("Program", lazy="select")

    @property
    def program_code(self) -> str:
        return self.program.code

    @property
    def available(self) -> Decimal:
        return self.allocated - self.committed - self.paid


class BudgetAdjustment(db.Model):
    """The allocation and every later change to it, dated, with who and why (append-only)."""

    __tablename__ = "budget_adjustments"
    __table_args__ = (CheckConstraint("amount <> 0", name="not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # allocation | adjustment
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ledger_transaction_id: Mapped[int] = mapped_column(BigInteger)
