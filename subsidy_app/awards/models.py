from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db


class AwardKind(StrEnum):
    FRIENDSHIP_NATIONAL = "friendship_national"  # 中国政府友谊奖: 100,000 yuan (十四)
    FRIENDSHIP_PROVINCIAL = "friendship_provincial"  # 山西省政府友谊奖: 50,000 yuan (十四)


class BaseLevel(StrEnum):
    NATIONAL = "national"  # 国家引才示范推广基地: 100,000 yuan (十五)
    PROVINCIAL = "provincial"  # 省级引才示范推广基地: 50,000 yuan (十五)


#: The program of each award and designation, as the plan file names it.
AWARD_PROGRAM = {
    AwardKind.FRIENDSHIP_NATIONAL: "FRIENDSHIP_NATIONAL",
    AwardKind.FRIENDSHIP_PROVINCIAL: "FRIENDSHIP_PROVINCIAL",
}
BASE_PROGRAM = {BaseLevel.NATIONAL: "DEMO_BASE_NATIONAL", BaseLevel.PROVINCIAL: "DEMO_BASE_PROVINCIAL"}


class Award(db.Model):
    """A Friendship Award won by a talent. The bonus is paid once per person and award
    (一次性), so the same award for the same person is recorded once."""

    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("kind", "talent_id", name="uq_awards_kind_talent"),
        CheckConstraint("year >= 1990 AND year <= 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AwardKind] = mapped_column(enum_column(AwardKind, "kind", 30))
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id"), index=True)
    year: Mapped[int]
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    talent = relationship("Talent", lazy="joined")

    @property
    def talent_code(self) -> str:
        return self.talent.talent_code


class DemonstrationBase(db.Model):
    """A designation of an organisation as a national or provincial recruitment
    demonstration base (引才示范推广基地). Rewarded once per level and organisation; new
    provincial bases are designated every year."""

    __tablename__ = "demonstration_bases"
    __table_args__ = (UniqueConstraint("level", "organization_id", name="uq_demonstration_bases_level_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[BaseLevel] = mapped_column(enum_column(BaseLevel, "level"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    designated_on: Mapped[date] = mapped_column(Date, index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization = relationship("Organization", lazy="joined")

    @property
    def year(self) -> int:
        return self.designated_on.year
