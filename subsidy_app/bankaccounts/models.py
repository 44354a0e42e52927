from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db
from ..subjects.kinds import SubjectKind


class ChangeStatus(StrEnum):
    PENDING = "pending"  # proposed by the organisation, waiting for an HR user
    CONFIRMED = "confirmed"  # confirmed by an HR user other than the proposer: in effect
    REJECTED = "rejected"  # refused by HR, with a reason
    SUPERSEDED = "superseded"  # replaced by a newer change before anyone decided
    DIRECT = "direct"  # set by HR or an administrator: in effect at once, one person


#: The one table of moves: only a pending change is decided, once.
TRANSITIONS: dict[ChangeStatus, frozenset[ChangeStatus]] = {
    ChangeStatus.PENDING: frozenset({ChangeStatus.CONFIRMED, ChangeStatus.REJECTED, ChangeStatus.SUPERSEDED}),
    ChangeStatus.CONFIRMED: frozenset(),
    ChangeStatus.REJECTED: frozenset(),
    ChangeStatus.SUPERSEDED: frozenset(),
    ChangeStatus.DIRECT: frozenset(),
}

#: Changes that put an account in effect.
EFFECTIVE = (ChangeStatus.CONFIRMED, ChangeStatus.DIRECT)


class BankAccountChange(db.Model):
    """A change of where an organisation or a talent is paid: proposed and then confirmed
    or refused, superseded by a newer one, or set directly by HR. The account in effect is
    the payee's own ``bank_name`` / ``bank_account_no``; the rows keep the history."""

    __tablename__ = "bank_account_changes"
    __table_args__ = (
        CheckConstraint(
            "(subject_kind = 'organization' AND organization_id IS NOT NULL "
            "AND talent_id IS NULL) OR (subject_kind = 'talent' AND talent_id IS NOT "
            "NULL AND organization_id IS NULL)",
            name="one_subject",
        ),
        CheckConstraint(
            "(status = 'pending' AND decided_at IS NULL) OR (status <> 'pending' AND decided_at IS NOT NULL)",
            name="decided",
        ),
        # At most one pending change per payee: a newer proposal supersedes the older one.
        Index(
            "uq_bank_account_changes_pending_organization",
            "organization_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "uq_bank_account_changes_pending_talent",
            "talent_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind, "subject_kind"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    talent_id: Mapped[int | None] = mapped_column(ForeignKey("talents.id"), index=True)
    bank_name: Mapped[str] = mapped_column(String(100))
    account_no: Mapped[str] = mapped_column(String(40))
    #: The account in effect when the change was proposed (and replaced, once confirmed).
    previous_bank_name: Mapped[str | None] = mapped_column(String(100))
    previous_account_no: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[ChangeStatus] = mapped_column(enum_column(ChangeStatus, "status"))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the change is made (the proposer's or HR's words), if given.
    reason: Mapped[str | None] = mapped_column(Text)
    #: Why HR refused it.
    decision_reason: Mapped[str | None] = mapped_column(Text)

    organization = relationship("Organization", lazy="select")
    talent = relationship("Talent", lazy="select")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="joined")

    @property
    def subject(self):
        return self.organization if self.subject_kind == SubjectKind.ORGANIZATION else self.talent

    @property
    def subject_id(self):
        """The organisation's id or the talent's code, as the API names payees."""
        return (
            self.organization_id if self.subject_kind == SubjectKind.ORGANIZATION else self.talent.talent_code
        )

    @property
    def subject_name(self) -> str:
        return self.subject.name

    @property
    def proposed_by_name(self) -> str | None:
        return self.proposed_by.username if self.proposed_by else None

    @property
    def decided_by_name(self) -> str | None:
        return self.decided_by.username if self.decided_by else None


#: A payee's account changed within this many days before a payment is flagged for review.
RECENT_DAYS = 90


def change_flagged(changed_at: datetime | None, confirmed_by: str | None, as_of: datetime) -> bool:
    """Whether a payment's account deserves a second look: it changed within
    :data:`RECENT_DAYS` before ``as_of``, or it was set by one person (HR or an
    administrator) without a second confirmation."""
    if changed_at is None:
        return False
    return confirmed_by is None or changed_at >= as_of - timedelta(days=RECENT_DAYS)
