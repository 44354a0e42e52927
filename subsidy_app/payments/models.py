from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..bankaccounts.models import change_flagged
from ..core.db import Money, UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db


class BatchStatus(StrEnum):
    DRAFT = "draft"  # built, waiting for another finance user's approval
    APPROVED = "approved"  # approved (four eyes), waiting to be sent to the bank
    DISBURSED = "disbursed"  # sent: its claims are paid (failures come back with the result)


class ItemStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class PaymentBatch(db.Model):
    __tablename__ = "payment_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[BatchStatus] = mapped_column(enum_column(BatchStatus, "status"))
    total: Mapped[Decimal] = mapped_column(Money)
    item_count: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disbursed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disbursed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bank_reference: Mapped[str | None] = mapped_column(String(80))
    result_imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list[PaymentItem]] = relationship(order_by="PaymentItem.id", lazy="selectin", viewonly=True)


class PaymentItem(db.Model):
    """One claim in a batch, with the payee and account as they were when the batch was
    built. A claim has at most one pending item."""

    __tablename__ = "payment_items"
    __table_args__ = (
        Index(
            "uq_payment_items_one_pending",
            "claim_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        CheckConstraint("amount > 0 AND offset_amount >= 0 AND offset_amount <= amount", name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    payee: Mapped[str] = mapped_column(String(40))
    payee_name: Mapped[str] = mapped_column(String(200))
    bank_name: Mapped[str] = mapped_column(String(100))
    account_no: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Money)
    #: Part of the amount kept back against an open recovery order of the payee.
    offset_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    status: Mapped[ItemStatus] = mapped_column(enum_column(ItemStatus, "status"))
    #: Our reference on the bank file; the bank's answer comes back with it.
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    bank_reference: Mapped[str | None] = mapped_column(String(80))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    payment_transaction_id: Mapped[int | None] = mapped_column(BigInteger)
    #: When the payee's account in effect last changed before the batch was built, who
    #: changed it and who confirmed it (None: HR or an administrator alone). None when the
    #: account has not changed since it was registered.
    account_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    account_changed_by: Mapped[str | None] = mapped_column(String(64))
    account_confirmed_by: Mapped[str | None] = mapped_column(String(64))

    claim = relationship("Claim", lazy="joined")
    batch = relationship("PaymentBatch", lazy="select", viewonly=True)

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.offset_amount

    @property
    def account_flagged(self) -> bool:
        """The account changed shortly before the batch, or on one person's word."""
        return change_flagged(self.account_changed_at, self.account_confirmed_by, self.batch.created_at)
