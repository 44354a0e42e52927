from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Money, UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    HR_APPROVED = "hr_approved"
    FINANCE_APPROVED = "finance_approved"
    PAID = "paid"
    REJECTED = "rejected"
    APPEALED = "appealed"
    WITHDRAWN = "withdrawn"


class Stage(StrEnum):
    """Where a claim is, and whose move it is (实时查询). Stages with a time limit are
    configured in working days (限时办结)."""

    DRAFTING = "drafting"  # applicant
    HR_REVIEW = "hr_review"  # HR
    HR_SECOND_APPROVAL = "hr_second_approval"  # a senior HR reviewer
    APPLICANT_RESPONSE = "applicant_response"  # applicant, after a return
    FINANCE_REVIEW = "finance_review"  # finance
    PAYMENT = "payment"  # finance, paying
    APPEAL_REVIEW = "appeal_review"  # HR, another reviewer than the one who rejected
    CLOSED = "closed"


class Claim(db.Model):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("amount_requested IS NULL OR amount_requested > 0", name="positive_amount_requested"),
        CheckConstraint("amount_approved IS NULL OR amount_approved > 0", name="positive_amount_approved"),
        Index("ix_claims_queue", "status", "stage_deadline"),
        # The reviewers' queues and the deadline order (issue 15, migration c15a00000001).
        Index("ix_claims_stage_deadline", "stage", "stage_deadline", "id"),
        Index("ix_claims_deadline", "stage_deadline", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    status: Mapped[ClaimStatus] = mapped_column(enum_column(ClaimStatus, "status"), index=True)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage", 30))
    stage_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stage_deadline: Mapped[date | None] = mapped_column(Date)
    #: The applicant organisation: the employer, the intermediary, or the designated base.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    talent_id: Mapped[int | None] = mapped_column(ForeignKey("talents.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount_requested: Mapped[Decimal | None] = mapped_column(Money)
    amount_approved: Mapped[Decimal | None] = mapped_column(Money)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    eligible: Mapped[bool] = mapped_column(default=False)
    #: The checks of the last evaluation: [{rule, passed, clause, reason_zh, reason_en}].
    eligibility: Mapped[list] = mapped_column(JSON, default=list)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Discretionary programs: the HR reviewer who set the amount (a senior reviewer,
    #: another person, gives the second approval).
    first_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Money: the fiscal year whose budget reserved the claim, what it reserved, what was paid.
    fiscal_year: Mapped[int | None]
    amount_committed: Mapped[Decimal | None] = mapped_column(Money)
    amount_paid: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Optimistic lock: two reviewers acting at once cannot both move the claim.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    program = relationship("Program", lazy="joined")
    organization = relationship("Organization", lazy="joined")
    talent = relationship("Talent", lazy="joined")
    filed_by = relationship("User", foreign_keys=[filed_by_id], lazy="select")
    documents: Mapped[list[ClaimDocument]] = relationship(
        order_by="ClaimDocument.id", lazy="selectin", viewonly=True
    )
    deferrals: Mapped[list[DocumentDeferral]] = relationship(
        order_by="DocumentDeferral.id", lazy="selectin", viewonly=True
    )

    @property
    def program_code(self) -> str:
        return self.program.code

    @property
    def talent_code(self) -> str | None:
        return self.talent.talent_code if self.talent else None


class ClaimDocument(db.Model):
    """A piece of evidence. The file lives outside the database, named by its SHA-256;
    this row is never changed: a better copy is a new document of the same kind."""

    __tablename__ = "claim_documents"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="positive_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(ForeignKey("document_kinds.code"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentDeferral(db.Model):
    """容缺受理 / 告知+承诺 (外专发〔2017〕167号 二(一)): HR accepted the claim without this
    document, to be supplied by a date. Supplied when a document of the kind is on the
    claim; payment waits until then."""

    __tablename__ = "document_deferrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(ForeignKey("document_kinds.code"))
    due_date: Mapped[date] = mapped_column(Date)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
