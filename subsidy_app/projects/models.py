from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db


class ProjectLevel(StrEnum):
    KEY = "key"  # 省级重点引才项目: RECRUIT_KEY
    REGULAR = "regular"  # 省级常规引才项目: RECRUIT_REGULAR


class RecruitmentProject(db.Model):
    __tablename__ = "recruitment_projects"
    __table_args__ = (
        UniqueConstraint("name", "year", name="uq_recruitment_projects_name_year"),
        CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[ProjectLevel] = mapped_column(enum_column(ProjectLevel, "level"))
    year: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
