"""Loading a plan, reading programs, and changing rates (always by a new dated row)."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from ..core import audit
from ..core.errors import Conflict, NotFound, invalid
from ..core.permissions import Actor, require
from ..core.timeutil import local_today
from ..deadlines import operations as deadlines
from ..extensions import db
from ..organizations import operations as organizations
from .benchmarks import BenchmarkRow
from .models import (
    AmountRule,
    Benchmark,
    DocumentKind,
    DocumentRequirement,
    PayeeKind,
    Program,
    ProgramDocument,
    ProgramRate,
    RateKind,
)

DEFAULT_PLAN = Path(__file__).parent / "plans" / "shanxi_2017_47.toml"

#: Which kind of rate a rule uses: the fixed amount, or a ceiling.
RATE_KIND_OF_RULE = {
    AmountRule.FIXED: RateKind.AMOUNT,
    AmountRule.RECEIPTED_UP_TO_CEILING: RateKind.CEILING,
    AmountRule.DISCRETIONARY_UP_TO_CEILING: RateKind.CEILING,
}


# --- reading -------------------------------------------------------------------------------


def list_programs(actor: Actor) -> list[Program]:
    require(actor, "program.read")
    return all_programs()


def all_programs() -> list[Program]:
    return list(db.session.execute(select(Program).order_by(Program.sort_order, Program.id)).scalars())


def find_program(code: str) -> Program | None:
    return db.session.execute(
        select(Program).where(Program.code == code.strip().upper())
    ).scalar_one_or_none()


def get_program(actor: Actor, code: str) -> Program:
    require(actor, "program.read")
    program = find_program(code)
    if program is None:
        raise NotFound(_("Not found."))
    return program


def rate_on(program: Program, kind: RateKind, on: date) -> ProgramRate | None:
    """The rate of ``kind`` in force on ``on``: the latest row effective on or before it."""
    return db.session.execute(
        select(ProgramRate)
        .where(
            ProgramRate.program_id == program.id, ProgramRate.kind == kind, ProgramRate.effective_from <= on
        )
        .order_by(ProgramRate.effective_from.desc(), ProgramRate.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def current_rate(program: Program, on: date | None = None) -> Decimal | None:
    """The fixed amount in force today; None where the amount is not fixed."""
    if program.amount_rule != AmountRule.FIXED:
        return None
    row = rate_on(program, RateKind.AMOUNT, on or local_today())
    return row.amount if row else None


def current_ceiling(program: Program, on: date | None = None) -> ProgramRate | None:
    if RATE_KIND_OF_RULE.get(program.amount_rule) != RateKind.CEILING:
        return None
    return rate_on(program, RateKind.CEILING, on or local_today())


def document_names() -> dict[str, DocumentKind]:
    return {kind.code: kind for kind in db.session.execute(select(DocumentKind)).scalars()}


# --- changing rates ------------------------------------------------------------------------


def change_rate(
    actor: Actor, code: str, *, kind: RateKind | str, amount: Decimal, effective_from: date, reason: str
) -> ProgramRate:
    """A new rate from a date. Rows are never edited; the same date twice is a conflict."""
    require(actor, "program.change_rate")
    program = get_program(actor, code)
    kind = RateKind(kind)
    if RATE_KIND_OF_RULE.get(program.amount_rule) != kind:
        raise invalid(
            "kind",
            _(
                "This program's amount rule (%(rule)s) takes no rate of this kind.",
                rule=program.amount_rule.value,
            ),
        )
    if not reason or not reason.strip():
        raise invalid("reason", _("Say why the rate changes."))
    clash = db.session.execute(
        select(ProgramRate).where(
            ProgramRate.program_id == program.id,
            ProgramRate.kind == kind,
            ProgramRate.effective_from == effective_from,
        )
    ).scalar_one_or_none()
    if clash is not None:
        raise Conflict(
            _(
                "A rate from %(day)s is already recorded; choose another date.",
                day=effective_from.isoformat(),
            ),
            fields={"effective_from": [_("Already used.")]},
        )
    before = rate_on(program, kind, effective_from)
    rate = ProgramRate(
        program_id=program.id,
        kind=kind,
        amount=amount,
        effective_from=effective_from,
        is_default=False,
        reason=reason.strip(),
        created_by_id=actor.id,
    )
    db.session.add(rate)
    db.session.flush()
    audit.record(
        actor,
        "program.change_rate",
        "program",
        program.code,
        before={
            "kind": kind,
            "amount": before.amount if before else None,
            "effective_from": before.effective_from if before else None,
        },
        after={"kind": kind, "amount": amount, "effective_from": effective_from},
        reason=reason.strip(),
    )
    return rate


# --- other provinces' standards ------------------------------------------------------------


def benchmark_rows(program: Program) -> list[BenchmarkRow]:
    rows = db.session.execute(select(Benchmark).where(Benchmark.program_id == program.id)).scalars()
    return [
        BenchmarkRow(b.id, b.category, b.province, b.amount, b.effective_from, b.source, b.is_sample)
        for b in rows
    ]


def list_benchmarks(actor: Actor, *, program_code: str | None = None):
    require(actor, "benchmark.read")
    stmt = select(Benchmark).order_by(
        Benchmark.program_id, Benchmark.category, Benchmark.effective_from, Benchmark.id
    )
    if program_code:
        program = get_program(actor, program_code)
        stmt = stmt.where(Benchmark.program_id == program.id)
    return stmt


def record_benchmark(
    actor: Actor,
    *,
    program_code: str,
    category: str,
    province: str,
    amount: Decimal,
    effective_from: date,
    source: str,
) -> Benchmark:
    """Record another province's standard, with its source (HR). Never edited afterwards."""
    require(actor, "benchmark.record")
    program = get_program(actor, program_code)
    if category not in (program.benchmark_categories or []):
        raise invalid(
            "category",
            _("Must be one of: %(choices)s.", choices=", ".join(program.benchmark_categories or []) or "—"),
        )
    benchmark = Benchmark(
        program_id=program.id,
        category=category,
        province=province.strip(),
        amount=amount,
        effective_from=effective_from,
        source=source.strip(),
        recorded_by_id=actor.id,
    )
    db.session.add(benchmark)
    db.session.flush()
    audit.record(
        actor,
        "benchmark.record",
        "benchmark",
        benchmark.id,
        after={
            "program": program.code,
            "category": category,
            "province": province,
            "amount": amount,
            "effective_from": effective_from,
            "source": source,
        },
    )
    return benchmark


# --- loading a plan ------------------------------------------------------------------------


def read_plan(path: Path | str | None = None) -> dict:
    with open(path or DEFAULT_PLAN, "rb") as handle:
        return tomllib.load(handle)


def load_plan(path: Path | str | None = None) -> dict[str, int]:
    """Load cities, document kinds, programs and rates from a plan file.

    Idempotent: what is already there is left alone (so an administrator's later rate
    changes survive a reload). Returns how many rows of each kind were added.
    """
    plan = read_plan(path)
    header = plan["plan"]
    added = {"cities": 0, "document_kinds": 0, "programs": 0, "documents": 0, "rates": 0, "benchmarks": 0}
    for city in plan.get("cities", []):
        added["cities"] += organizations.ensure_city(city["name_zh"], city["name_en"], city["division_code"])
    for code, (name_zh, name_en) in plan.get("document_kinds", {}).items():
        if db.session.get(DocumentKind, code) is None:
            db.session.add(DocumentKind(code=code, name_zh=name_zh, name_en=name_en))
            added["document_kinds"] += 1
    db.session.flush()
    for order, spec in enumerate(plan.get("programs", []), start=1):
        program = _ensure_program(spec, header, order, added)
        _ensure_documents(program, spec.get("documents", {}), added)
        _ensure_rates(program, spec.get("rates", []), header, added)
        _ensure_benchmarks(program, spec.get("benchmarks", []), header, added)
    db.session.flush()
    added.update(deadlines.load_from_plan(plan))
    if any(added.values()):
        audit.record(
            None, "plan.load", "plan", header["code"], after=added, reason=f"loaded {header['document']}"
        )
    return added


def _ensure_program(spec: dict, header: dict, order: int, added: dict) -> Program:
    program = find_program(spec["code"])
    if program is not None:
        if not program.rules and spec.get("rules"):
            # loaded before programs had rules: give them the plan's (never overwrites)
            program.rules = spec["rules"]
            program.rate_date = spec.get("rate_date", "claim")
            program.benchmark_categories = spec.get("benchmark_categories", [])
            added["rules"] = added.get("rules", 0) + 1
        return program
    program = Program(
        code=spec["code"],
        name_zh=spec["name_zh"],
        name_en=spec["name_en"],
        clause=spec["clause"],
        source_document=header["document"],
        payee_kind=PayeeKind(spec["payee_kind"]),
        amount_rule=AmountRule(spec["amount_rule"]),
        needs_senior_approval=spec.get("needs_senior_approval", False),
        summary_zh=spec.get("summary_zh", ""),
        summary_en=spec.get("summary_en", ""),
        sort_order=order,
        rules=spec.get("rules", []),
        rate_date=spec.get("rate_date", "claim"),
        benchmark_categories=spec.get("benchmark_categories", []),
    )
    db.session.add(program)
    db.session.flush()
    added["programs"] += 1
    return program


def _ensure_documents(program: Program, documents: dict, added: dict) -> None:
    present = {d.kind_code for d in program.documents}
    for requirement in DocumentRequirement:
        for kind_code in documents.get(requirement.value, []):
            if kind_code not in present:
                db.session.add(
                    ProgramDocument(program_id=program.id, kind_code=kind_code, requirement=requirement)
                )
                added["documents"] += 1
    db.session.flush()
    db.session.refresh(program, ["documents"])


def _ensure_rates(program: Program, rates: list[dict], header: dict, added: dict) -> None:
    for spec in rates:
        kind = RateKind(spec["kind"])
        effective_from = spec.get("effective_from", header["effective_from"])
        exists = db.session.execute(
            select(ProgramRate.id).where(
                ProgramRate.program_id == program.id,
                ProgramRate.kind == kind,
                ProgramRate.effective_from == effective_from,
            )
        ).first()
        if exists:
            continue
        configurable = spec.get("configurable", False)
        db.session.add(
            ProgramRate(
                program_id=program.id,
                kind=kind,
                amount=Decimal(spec["amount"]),
                effective_from=effective_from,
                is_default=configurable,
                note_zh=spec.get("note_zh"),
                note_en=spec.get("note_en"),
                reason=f"{header['document']} {program.clause}" + (" (default)" if configurable else ""),
            )
        )
        added["rates"] += 1


def _ensure_benchmarks(program: Program, benchmarks: list[dict], header: dict, added: dict) -> None:
    for spec in benchmarks:
        effective_from = spec.get("effective_from", header["effective_from"])
        exists = db.session.execute(
            select(Benchmark.id).where(
                Benchmark.program_id == program.id,
                Benchmark.category == spec["category"],
                Benchmark.province == spec["province"],
                Benchmark.effective_from == effective_from,
            )
        ).first()
        if exists:
            continue
        db.session.add(
            Benchmark(
                program_id=program.id,
                category=spec["category"],
                province=spec["province"],
                amount=Decimal(spec["amount"]),
                effective_from=effective_from,
                source=spec["source"],
                is_sample=spec.get("sample", False),
            )
        )
        added["benchmarks"] += 1
