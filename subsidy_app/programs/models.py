from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Money, UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import db

TAX_EXEMPT_CLAUSE = "(二十)"


class PayeeKind(StrEnum):
    EMPLOYER = "employer"
    TALENT = "talent"
    INTERMEDIARY = "intermediary"
    ORGANIZATION = "organization"


class AmountRule(StrEnum):
    FIXED = "fixed"
    RECEIPTED_UP_TO_CEILING = "receipted_up_to_ceiling"
    BENCHMARK_HIGHEST = "benchmark_highest"
    CONTRACT_COMMISSION = "contract_commission"
    DISCRETIONARY = "discretionary"
    DISCRETIONARY_UP_TO_CEILING = "discretionary_up_to_ceiling"


class RateKind(StrEnum):
    AMOUNT = "amount"  # the fixed amount paid per claim
    CEILING = "ceiling"  # the most that is paid per claim


class DocumentRequirement(StrEnum):
    ESSENTIAL = "essential"  # must be attached before the claim is submitted
    DEFERRABLE = "deferrable"  # required, may follow later under 容缺受理 (seed 001)
    OPTIONAL = "optional"


class Program(db.Model):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: The clause of the plan, as POLICY.md cites it: "(六)".
    clause: Mapped[str] = mapped_column(String(40))
    #: The document the clause belongs to: "晋发〔2017〕47号".
    source_document: Mapped[str] = mapped_column(String(100))
    payee_kind: Mapped[PayeeKind] = mapped_column(enum_column(PayeeKind, "payee_kind"))
    amount_rule: Mapped[AmountRule] = mapped_column(enum_column(AmountRule, "amount_rule", 40))
    #: Discretionary amounts need a second approval by a senior HR user.
    needs_senior_approval: Mapped[bool] = mapped_column(default=False)
    summary_zh: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    #: The eligibility rules of this program with their parameters and clauses, as the plan
    #: file gives them: [{"rule": "min_degree", "degree": "master", "clause": "(六)"}, ...].
    rules: Mapped[list] = mapped_column(JSON, default=list)
    #: The date the rate, ceiling or standards are taken on (see the plan file).
    rate_date: Mapped[str] = mapped_column(String(20), default="claim")
    #: Kinds of other provinces' standards the amount is built from (benchmark programs).
    benchmark_categories: Mapped[list] = mapped_column(JSON, default=list)

    documents: Mapped[list[ProgramDocument]] = relationship(order_by="ProgramDocument.id", lazy="selectin")
    rates: Mapped[list[ProgramRate]] = relationship(
        order_by=lambda: (ProgramRate.kind, ProgramRate.effective_from, ProgramRate.id),
        lazy="select",
        viewonly=True,
    )

    @property
    def tax_exempt(self) -> bool:
        """Government money paid to foreign talent is exempt from individual income tax (二十)."""
        return self.payee_kind == PayeeKind.TALENT

    def documents_by(self, requirement: DocumentRequirement) -> list[str]:
        return [d.kind_code for d in self.documents if d.requirement == requirement]


class DocumentKind(db.Model):
    __tablename__ = "document_kinds"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150))


class ProgramDocument(db.Model):
    __tablename__ = "program_documents"
    __table_args__ = (UniqueConstraint("program_id", "kind_code", name="uq_program_documents_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    kind_code: Mapped[str] = mapped_column(ForeignKey("document_kinds.code"))
    requirement: Mapped[DocumentRequirement] = mapped_column(enum_column(DocumentRequirement, "requirement"))

    kind: Mapped[DocumentKind] = relationship(lazy="joined")


class ProgramRate(db.Model):
    """An amount or ceiling in force from a date. A change is a new row, never an edit:
    the table is append-only in the database."""

    __tablename__ = "program_rates"
    __table_args__ = (
        UniqueConstraint("program_id", "kind", "effective_from", name="uq_program_rates_from"),
        CheckConstraint("amount > 0", name="positive_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    kind: Mapped[RateKind] = mapped_column(enum_column(RateKind, "kind"))
    amount: Mapped[Decimal] = mapped_column(Money)
    effective_from: Mapped[date] = mapped_column(Date)
    #: A figure the policy leaves open, shipped as a labelled default (POLICY.md §1).
    is_default: Mapped[bool] = mapped_column(default=False)
    note_zh: Mapped[str | None] = mapped_column(Text)
    note_en: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    program: Mapped[Program] = relationship(lazy="select", viewonly=True)


class Benchmark(db.Model):
    """A standard another province offered, from a date, with its source (kept by HR).

    RESEARCH_PACKAGE pays the highest standard in force at recruitment (六); HEADHUNTER
    commissions are never below the level in force when the contract was agreed (五).
    Append-only: a correction is a new row.
    """

    __tablename__ = "benchmarks"
    __table_args__ = (CheckConstraint("amount > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    province: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Money)
    effective_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    #: Sample figures shipped with the plan, to be replaced by sourced standards.
    is_sample: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    program: Mapped[Program] = relationship(lazy="select", viewonly=True)
