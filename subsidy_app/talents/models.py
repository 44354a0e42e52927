from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db


class Degree(StrEnum):
    NONE = "none"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTORATE = "doctorate"

    @property
    def rank(self) -> int:
        return list(Degree).index(self)


class PermitClass(StrEnum):
    """Work-permit classes of 外专发[2017]40号 (seed 002): A high-end (encouraged),
    B professional (controlled), C other (limited)."""

    A = "A"
    B = "B"
    C = "C"


class TalentKind(StrEnum):
    """The kinds of talent of 晋发〔2017〕47号 (一)–(四)."""

    RESEARCH = "research"  # (一) 高端科研人才
    PROFESSIONAL = "professional"  # (二) 高级专业人才
    MANAGEMENT = "management"  # (三) 高层次管理人才
    URGENT = "urgent"  # (四) 紧缺急需人才


class Talent(db.Model):
    __tablename__ = "talents"
    __table_args__ = (
        # The same person: same normalised name, birth date and nationality (seed 003).
        UniqueConstraint("name_key", "birth_date", "nationality", name="uq_talents_identity"),
        # One work permit, one person (seed 003, 一人一码); several may have none (HK, Macao, Taiwan).
        Index("uq_talents_work_permit_no", "work_permit_no", unique=True),
        CheckConstraint("years_experience >= 0 AND years_experience <= 80", name="years_experience_range"),
        # The search by any part of the name (claims queue, talent picker): trigrams on
        # PostgreSQL with pg_trgm; a plain B-tree where it is absent and on SQLite
        # (migration c15a00000003).
        Index(
            "ix_talents_name_search",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    talent_code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(255))
    nationality: Mapped[str] = mapped_column(String(3))
    birth_date: Mapped[date] = mapped_column(Date)
    degree: Mapped[Degree] = mapped_column(enum_column(Degree, "degree"))
    years_experience: Mapped[int]
    work_permit_no: Mapped[str | None] = mapped_column(String(32))
    permit_class: Mapped[PermitClass | None] = mapped_column(enum_column(PermitClass, "permit_class", 1))
    employer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    shanxi_start_date: Mapped[date] = mapped_column(Date)
    #: Graduated (bachelor or higher) from a Chinese university: may work directly (十).
    graduated_in_china: Mapped[bool] = mapped_column(default=False)
    talent_kind: Mapped[TalentKind | None] = mapped_column(enum_column(TalentKind, "talent_kind"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Where the talent is paid (incentives paid to the talent).
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account_no: Mapped[str | None] = mapped_column(String(40))

    employer = relationship("Organization", lazy="select")
    passports: Mapped[list[TalentPassport]] = relationship(
        back_populates="talent", order_by="TalentPassport.id", lazy="select"
    )

    @property
    def current_passport(self) -> TalentPassport:
        return self.passports[-1]

    @property
    def passport_no(self) -> str:
        return self.current_passport.passport_no


class TalentPassport(db.Model):
    """Every passport a talent has held; the newest is current. A renewal adds a row and
    keeps the talent's code (一人一码，终身不变)."""

    __tablename__ = "talent_passports"
    __table_args__ = (UniqueConstraint("nationality", "passport_no", name="uq_talent_passports_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id"), index=True)
    nationality: Mapped[str] = mapped_column(String(3))
    passport_no: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    talent: Mapped[Talent] = relationship(back_populates="passports")
