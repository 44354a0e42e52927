from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Money, UTCDateTime, enum_column
from ..extensions import Model


class Account(StrEnum):
    """The chart of accounts. Budget accounts are kept per fiscal year and program
    (columns of the entry); ``receivable`` per payee.

    Budget identity: appropriation (credit) = available + committed + expended (debits).
    """

    APPROPRIATION = "appropriation"  # budget granted (引进外国人才专项经费, (二十))
    AVAILABLE = "available"  # not yet reserved
    COMMITTED = "committed"  # reserved by finance approval, not yet paid
    EXPENDED = "expended"  # budget consumed by payments
    SUBSIDY_EXPENSE = "subsidy_expense"  # what was paid out, by program
    BANK = "bank"  # the treasury account money leaves from
    RECEIVABLE = "receivable"  # owed back by a payee (recovery orders)


class TransactionKind(StrEnum):
    ALLOCATION = "allocation"
    ADJUSTMENT = "adjustment"
    COMMITMENT = "commitment"
    RELEASE = "release"
    PAYMENT = "payment"
    PAYMENT_REVERSAL = "payment_reversal"
    CORRECTION_REVERSAL = "correction_reversal"
    CORRECTION = "correction"
    RECOVERY = "recovery"
    REFUND = "refund"
    WRITE_OFF = "write_off"


class LedgerTransaction(Model):
    """A balanced group of lines. Inserted after its lines; the database checks then that
    they balance and that their number is right, and refuses lines added later."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (CheckConstraint("line_count >= 2", name="two_lines_at_least"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[TransactionKind] = mapped_column(enum_column(TransactionKind, "kind", 30))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    memo: Mapped[str | None] = mapped_column(Text)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    line_count: Mapped[int]
    total: Mapped[Decimal] = mapped_column(Money)
    #: The transaction this one reverses, if any.
    reverses_id: Mapped[int | None] = mapped_column(BigInteger)


class LedgerEntry(Model):
    """One line: a debit or a credit on one account, hashed with the previous line's hash."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="one_side_positive"),
        Index("ix_ledger_entries_budget", "fiscal_year", "program_code", "account"),
        Index("ix_ledger_entries_posted_at", "posted_at"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    transaction_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_transactions.id", deferrable=True, initially="DEFERRED"), index=True
    )
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(30))
    fiscal_year: Mapped[int]
    program_code: Mapped[str] = mapped_column(String(40))
    claim_id: Mapped[int | None] = mapped_column(Integer, index=True)
    account: Mapped[str] = mapped_column(String(30))
    #: "organization:<id>" or "talent:<code>" for payee accounts and payments, else "".
    payee: Mapped[str] = mapped_column(String(40), default="")
    debit: Mapped[Decimal] = mapped_column(Money)
    credit: Mapped[Decimal] = mapped_column(Money)
    #: Government money paid to foreign talent is exempt from income tax (二十).
    tax_exempt: Mapped[bool] = mapped_column(default=False)
    clause: Mapped[str] = mapped_column(String(60), default="")
    #: A bank reference, batch or order this line belongs to.
    reference: Mapped[str] = mapped_column(String(80), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    @property
    def amount(self) -> Decimal:
        return self.debit if self.debit > 0 else self.credit


class LedgerHead(Model):
    """The end of the chain: the last sequence number and hash (one row). Updating it takes
    a row lock, so that lines are posted one transaction at a time, in order."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_transaction_id: Mapped[int] = mapped_column(BigInteger, default=0)
