from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db


class OrganizationKind(StrEnum):
    EMPLOYER = "employer"
    INTERMEDIARY = "intermediary"


class City(db.Model):
    """A prefecture-level city of the province, loaded with the plan (Shanxi has 11)."""

    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(20), unique=True)
    name_en: Mapped[str] = mapped_column(String(40))
    division_code: Mapped[str] = mapped_column(String(6), unique=True)


class Organization(db.Model):
    __tablename__ = "organizations"
    __table_args__ = (
        # The search by any part of the name (claims queue): see talents' ix_talents_name_search.
        Index(
            "ix_organizations_name_search",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganizationKind] = mapped_column(enum_column(OrganizationKind, "kind"))
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Where the organisation is paid (bank payment files).
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account_no: Mapped[str | None] = mapped_column(String(40))

    city: Mapped[City] = db.relationship(lazy="select")

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name}>"
