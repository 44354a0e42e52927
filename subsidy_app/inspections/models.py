from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db


class Population(StrEnum):
    """The registries of inspection objects (检查对象名录库)."""

    EMPLOYERS = "employers"
    INTERMEDIARIES = "intermediaries"
    PAID_CLAIMS = "paid_claims"
    TALENTS = "talents"  # the foreign persons themselves (seed 003 §三, POLICY.md §4)


#: The kind of object each population holds.
OBJECT_KIND = {
    Population.EMPLOYERS: "organization",
    Population.INTERMEDIARIES: "organization",
    Population.PAID_CLAIMS: "claim",
    Population.TALENTS: "talent",
}


class Outcome(StrEnum):
    COMPLIANT = "compliant"  # 未发现问题
    ISSUES_FOUND = "issues_found"  # 发现问题，责令整改
    VIOLATION = "violation"  # 违法违规


class Inspector(db.Model):
    """An HR user on the inspector roster (检查人员名录库), with the field they inspect."""

    __tablename__ = "inspectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    field: Mapped[str] = mapped_column(String(100))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    remove_reason: Mapped[str | None] = mapped_column(Text)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def active(self) -> bool:
        return self.removed_at is None

    @property
    def username(self) -> str:
        return self.user.username


class InspectionPlan(db.Model):
    """The year's plan: the matters to check (抽查事项清单) and, through them, its draws."""

    __tablename__ = "inspection_plans"
    __table_args__ = (CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    matters: Mapped[list] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionDraw(db.Model):
    """A draw as it was made: seed, algorithm and the snapshots it was made from, so that it
    can be re-run and checked (append-only in the database).

    An official draw's seed is made by the server and put on record (the audit event
    ``seed_event_id``) before anything is drawn. A draw from a caller's seed is a rehearsal
    (演练): reproducible the same way, never part of the official record."""

    __tablename__ = "inspection_draws"
    __table_args__ = (CheckConstraint("ratio >= 0.05 AND ratio <= 1", name="ratio_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_plans.id"), index=True)
    population: Mapped[Population] = mapped_column(enum_column(Population, "population"))
    ratio: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    seed: Mapped[str] = mapped_column(String(100))
    rehearsal: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The audit event ``inspection_draw.seed`` that recorded the seed before the draw.
    seed_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    algorithm: Mapped[str] = mapped_column(String(40))
    #: [{"kind", "id", "excluded": [user ids]}], in registry order.
    population_snapshot: Mapped[list] = mapped_column(JSON)
    #: User ids of the active inspectors.
    roster_snapshot: Mapped[list] = mapped_column(JSON)
    #: [{"kind", "id", "inspectors": [user ids]}]
    result: Mapped[list] = mapped_column(JSON)
    #: SHA-256 of the canonical JSON of all of the above: the draw's fingerprint.
    fingerprint: Mapped[str] = mapped_column(String(64))
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[InspectionItem]] = relationship(order_by="InspectionItem.id", lazy="selectin")


class InspectionItem(db.Model):
    """One drawn object and its inspectors."""

    __tablename__ = "inspection_items"
    __table_args__ = (
        UniqueConstraint("draw_id", "object_kind", "object_id", name="uq_inspection_items_object"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("inspection_draws.id"), index=True)
    object_kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    inspectors: Mapped[list] = mapped_column(JSON)

    results: Mapped[list[InspectionResult]] = relationship(order_by="InspectionResult.id", lazy="selectin")

    @property
    def latest_result(self) -> InspectionResult | None:
        return self.results[-1] if self.results else None


class InspectionResult(db.Model):
    """What the inspectors found. A correction is a new result; the latest counts."""

    __tablename__ = "inspection_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inspection_items.id"), index=True)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    findings: Mapped[str] = mapped_column(Text)
    #: A credit listing the inspectors propose (red or black), for HR to decide.
    proposed_listing: Mapped[str | None] = mapped_column(String(10))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
