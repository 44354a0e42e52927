from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db
from ..subjects.kinds import SubjectKind


class CreditList(StrEnum):
    RED = "red"  # 诚信典型: fast lane
    BLACK = "black"  # 严重失信主体: not eligible while listed


class CreditListing(db.Model):
    """A listing, current or past. Lifting it records when, who and why; the row stays."""

    __tablename__ = "credit_listings"
    __table_args__ = (
        CheckConstraint(
            "(subject_kind = 'organization' AND organization_id IS NOT NULL "
            "AND talent_id IS NULL) OR (subject_kind = 'talent' AND talent_id IS NOT "
            "NULL AND organization_id IS NULL)",
            name="one_subject",
        ),
        Index("ix_credit_listings_active", "list", "lifted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind, "subject_kind"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    talent_id: Mapped[int | None] = mapped_column(ForeignKey("talents.id"), index=True)
    list: Mapped[CreditList] = mapped_column(enum_column(CreditList, "list"))
    reason: Mapped[str] = mapped_column(Text)
    listed_on: Mapped[date] = mapped_column(Date)
    #: "manual", or where the listing came from (an inspection's findings).
    source: Mapped[str] = mapped_column(String(40), default="manual")
    listed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(Text)

    organization = relationship("Organization", lazy="joined")
    talent = relationship("Talent", lazy="joined")

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    @property
    def subject_id(self):
        """The organisation's id or the talent's code, as the API names subjects."""
        return (
            self.organization_id if self.subject_kind == SubjectKind.ORGANIZATION else self.talent.talent_code
        )

    @property
    def subject_name(self) -> str:
        return self.organization.name if self.organization_id else self.talent.name
