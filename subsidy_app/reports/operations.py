"""The figures of the reports, read from the budget lines and the ledger (never from a
copy of them): the budget report per fiscal year (二十) and the quarterly report to the
national bureau (seed 000, 外专发明电[2018]3号: due by the 15th of the first month of the
following quarter)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..budgets import operations as budgets
from ..budgets.models import BudgetLine
from ..claims.models import Claim, ClaimStatus
from ..core.errors import invalid
from ..core.permissions import Actor, require
from ..core.timeutil import LOCAL_TZ, local_today, utcnow
from ..extensions import db
from ..inspections import operations as inspections
from ..ledger.models import LedgerEntry
from ..organizations.models import City, Organization
from ..programs.models import Program
from ..talents.models import Talent

ZERO = Decimal("0.00")
#: Claims whose amount stands against the year's budget: reserved or paid.
COUNTED = (ClaimStatus.FINANCE_APPROVED, ClaimStatus.PAID)


# --- budget report ----------------------------------------------------------------------------


def budget_report(actor: Actor, fiscal_year: int) -> dict:
    require(actor, "report.read")
    return compile_budget_report(fiscal_year)


def compile_budget_report(fiscal_year: int) -> dict:
    """Per program and in total: allocated, committed, paid, available, claims and persons.

    Amounts are the budget lines' (which ``subsidy ledger verify`` proves equal to the
    ledger); claims and persons count those reserved or paid against the year.
    """
    _check_year(fiscal_year)
    counts = {
        program_id: (claims, persons)
        for program_id, claims, persons in db.session.execute(
            select(Claim.program_id, func.count(Claim.id), func.count(func.distinct(Claim.talent_id)))
            .where(Claim.fiscal_year == fiscal_year, Claim.status.in_(COUNTED))
            .group_by(Claim.program_id)
        )
    }
    lines = db.session.execute(
        select(BudgetLine, Program)
        .join(Program, Program.id == BudgetLine.program_id)
        .where(BudgetLine.fiscal_year == fiscal_year)
        .order_by(Program.id)
    ).all()
    rows = []
    for line, program in lines:
        claims, persons = counts.get(program.id, (0, 0))
        rows.append(
            {
                "program_code": program.code,
                "name_zh": program.name_zh,
                "name_en": program.name_en,
                "clause": program.clause,
                "allocated": line.allocated,
                "committed": line.committed,
                "paid": line.paid,
                "available": line.available,
                "claims": claims,
                "persons": persons,
            }
        )
    persons_total = db.session.execute(
        select(func.count(func.distinct(Claim.talent_id))).where(
            Claim.fiscal_year == fiscal_year, Claim.status.in_(COUNTED)
        )
    ).scalar_one()
    total = {
        key: sum((row[key] for row in rows), ZERO) for key in ("allocated", "committed", "paid", "available")
    }
    total |= {"claims": sum(row["claims"] for row in rows), "persons": persons_total}
    return {
        "fiscal_year": fiscal_year,
        "generated_at": utcnow(),
        "programs": rows,
        "total": total,
        "budgets_match_ledger": not budgets.drift(fiscal_year),
    }


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise invalid("fiscal_year", _("Give a year between 2000 and 2100."))


# --- quarterly report -------------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str, field: str = "quarter") -> Quarter:
        match = re.fullmatch(r"(\d{4})Q([1-4])", (text or "").strip().upper())
        if not match or not 2000 <= int(match[1]) <= 2100:
            raise invalid({field: [_("Write the quarter as YYYYQn, for example 2026Q3.")]})
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.next.first_day.toordinal() - 1)

    @property
    def due_date(self) -> date:
        """The 15th of the first month of the following quarter (seed 000)."""
        return self.next.first_day.replace(day=15)


def next_quarterly_due(today: date | None = None) -> tuple[Quarter, date]:
    """The report to send next and its due date: the previous quarter's until the 15th of
    this quarter's first month, then this quarter's."""
    today = today or local_today()
    previous = Quarter.of(today).previous
    if today <= previous.due_date:
        return previous, previous.due_date
    current = Quarter.of(today)
    return current, current.due_date


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_TZ)


def quarterly_report(actor: Actor, quarter: Quarter) -> dict:
    require(actor, "report.read")
    return compile_quarterly_report(quarter)


def compile_quarterly_report(quarter: Quarter) -> dict:
    """Claims, persons and amounts paid in the quarter (net of reversals and corrections,
    as the ledger's ``expended`` account has them), by program, by talent class (work-permit
    A/B/C), by kind of talent (晋发〔2017〕47号 (一)–(四)) and by city; plus the claims filed
    rejected in the quarter."""
    start, end = _local_midnight(quarter.first_day), _local_midnight(quarter.next.first_day)
    paid = (
        select(
            LedgerEntry.claim_id.label("claim_id"),
            func.sum(LedgerEntry.debit - LedgerEntry.credit).label("amount"),
        )
        .where(
            LedgerEntry.account == "expended",
            LedgerEntry.claim_id.is_not(None),
            LedgerEntry.posted_at >= start,
            LedgerEntry.posted_at < end,
        )
        .group_by(LedgerEntry.claim_id)
        .subquery()
    )
    base = (
        select(
            Claim.id,
            Claim.talent_id,
            paid.c.amount,
            Program.code,
            Program.name_zh,
            Program.name_en,
            Talent.permit_class,
            Talent.talent_kind,
            City.name_zh.label("city"),
        )
        .join(paid, paid.c.claim_id == Claim.id)
        .join(Program, Program.id == Claim.program_id)
        .outerjoin(Talent, Talent.id == Claim.talent_id)
        .outerjoin(Organization, Organization.id == Claim.organization_id)
        .outerjoin(City, City.id == Organization.city_id)
    )
    rows = db.session.execute(base).all()
    groups = {
        "by_program": lambda r: (r.code, r.name_zh, r.name_en),
        "by_talent_class": lambda r: (r.permit_class.value if r.permit_class else "",),
        "by_talent_kind": lambda r: (r.talent_kind.value if r.talent_kind else "",),
        "by_city": lambda r: (r.city or "",),
    }
    report = {
        "quarter": str(quarter),
        "period_start": quarter.first_day,
        "period_end": quarter.last_day,
        "due_date": quarter.due_date,
        "generated_at": utcnow(),
    }
    for name, key in groups.items():
        report[name] = _grouped(rows, key, name)
    report["total"] = _figures(rows)
    report["activity"] = _activity(start, end)
    report["inspections"] = inspections.quarter_summary(start, end)
    return report


def _figures(rows) -> dict:
    return {
        "claims": len({r.id for r in rows}),
        "persons": len({r.talent_id for r in rows if r.talent_id is not None}),
        "amount": sum((Decimal(r.amount) for r in rows), ZERO),
    }


_GROUP_KEYS = {
    "by_program": ("program_code", "name_zh", "name_en"),
    "by_talent_class": ("talent_class",),
    "by_talent_kind": ("talent_kind",),
    "by_city": ("city",),
}


def _grouped(rows, key, name: str) -> list[dict]:
    buckets: dict[tuple, list] = {}
    for row in rows:
        buckets.setdefault(key(row), []).append(row)
    return [
        dict(zip(_GROUP_KEYS[name], group)) | _figures(members) for group, members in sorted(buckets.items())
    ]


def _activity(start: datetime, end: datetime) -> dict:
    """How many claims were first submitted, and how many rejected, in the quarter."""

    def count(*conditions) -> int:
        return db.session.execute(select(func.count(Claim.id)).where(*conditions)).scalar_one()

    return {
        "submitted": count(Claim.submitted_at >= start, Claim.submitted_at < end),
        "rejected": count(
            Claim.decided_at >= start, Claim.decided_at < end, Claim.status == ClaimStatus.REJECTED
        ),
    }
