from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Money, UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db


class RecoveryStatus(StrEnum):
    OPEN = "open"  # found; blocks payments to the payee until HR decides
    OFFSET = "offset"  # HR decided: keep it back from the payee's next payments
    REFUND = "refund"  # HR decided: the payee pays it back
    SETTLED = "settled"  # nothing outstanding
    WRITTEN_OFF = "written_off"  # HR decided not to pursue it, with a reason


class RecoverySource(StrEnum):
    REVIEW = "review"
    SPOT_CHECK = "spot_check"
    AUDIT = "audit"


class RecoveryOrder(db.Model):
    __tablename__ = "recovery_orders"
    __table_args__ = (
        CheckConstraint("amount > 0 AND outstanding >= 0 AND outstanding <= amount", name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    payee: Mapped[str] = mapped_column(String(40), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    outstanding: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[RecoverySource] = mapped_column(enum_column(RecoverySource, "source"))
    status: Mapped[RecoveryStatus] = mapped_column(enum_column(RecoveryStatus, "status"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    ledger_transaction_id: Mapped[int] = mapped_column(BigInteger)

    claim = relationship("Claim", lazy="joined")
    settlements: Mapped[list[RecoverySettlement]] = relationship(
        order_by="RecoverySettlement.id", lazy="selectin", viewonly=True
    )


class RecoverySettlement(db.Model):
    """Money that came back: a refund, an offset against a payment, or a write-off."""

    __tablename__ = "recovery_settlements"
    __table_args__ = (CheckConstraint("amount > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("recovery_orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # refund | offset | write_off
    amount: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[str] = mapped_column(String(80), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ledger_transaction_id: Mapped[int] = mapped_column(BigInteger)
