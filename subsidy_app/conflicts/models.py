from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db
from ..subjects.kinds import SubjectKind


class ReviewerConflict(db.Model):
    """A reviewer's conflict with an organisation or a talent. While it stands, the
    reviewer neither sees nor acts on claims that concern them."""

    __tablename__ = "reviewer_conflicts"
    __table_args__ = (
        CheckConstraint(
            "(subject_kind = 'organization' AND organization_id IS NOT NULL "
            "AND talent_id IS NULL) OR (subject_kind = 'talent' AND talent_id IS NOT "
            "NULL AND organization_id IS NULL)",
            name="one_subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind, "subject_kind"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    talent_id: Mapped[int | None] = mapped_column(ForeignKey("talents.id"))
    reason: Mapped[str] = mapped_column(Text)
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(Text)

    reviewer = relationship("User", foreign_keys=[reviewer_id], lazy="joined")
    talent = relationship("Talent", lazy="joined")

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def subject_id(self):
        return (
            self.organization_id if self.subject_kind == SubjectKind.ORGANIZATION else self.talent.talent_code
        )
