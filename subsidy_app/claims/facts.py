"""Gather, from the database, the facts the pure rules decide on.

:class:`FactSource` loads what the rules need (rates, standards, black listings, projects,
earlier claims) in a handful of queries for any number of claims: the same code serves a
single claim and a bulk approval of a hundred thousand.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select

from ..core.db import in_ids
from ..core.money import to_money
from ..core.timeutil import local_today, to_local
from ..credit.models import CreditList, CreditListing
from ..extensions import db
from ..programs import operations as programs
from ..programs.models import Program, ProgramRate, RateKind
from ..projects.models import RecruitmentProject
from .models import Claim
from .rules import ClaimFacts, OrganizationFacts, PriorClaim, ProjectFacts, TalentFacts


def _as_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def filed_on(created_at: datetime | None) -> date | None:
    """The day (in Shanghai) a claim was filed; None for a claim being filed now."""
    return to_local(created_at).date() if created_at is not None else None


def rate_date(program: Program, talent, details: dict, claim_date: date) -> date | None:
    """The date the program's rate or standards are taken on (``rate_date`` of the plan);
    ``claim_date`` is the day the claim was filed."""
    kind = program.rate_date
    if kind == "talent_start":
        return talent.shanxi_start_date if talent else None
    if kind == "award_year":
        year = details.get("year")
        return date(int(year), 1, 1) if isinstance(year, int) and 2000 <= year <= 2100 else None
    if kind == "designation":
        return _as_date(details.get("designated_on"))
    if kind == "contract":
        return _as_date(details.get("contract_signed_on"))
    if kind == "visit":
        return _as_date(details.get("visit_date")) or claim_date
    return claim_date


def _project_id(details) -> int | None:
    value = details.get("project_id") if isinstance(details, dict) else None
    return value if isinstance(value, int) else None


def _per_organization(program: Program) -> bool:
    return any(r.get("rule") == "once_per_organization" for r in program.rules or [])


@dataclass(frozen=True)
class Subject:
    """What a claim (filed or being filed) is about."""

    program: Program
    talent: object | None
    organization: object | None
    details: dict
    claim_id: int | None = None
    #: The day the claim was filed (None: being filed today).
    filed_on: date | None = None


class FactSource:
    def __init__(self, subjects: list[Subject]):
        self._talents: dict[int, TalentFacts] = {}
        self._organizations: dict[int, OrganizationFacts] = {}
        self._load_rates()
        self._load_benchmarks({s.program.id for s in subjects if s.program.benchmark_categories})
        self._load_black_list()
        self._load_projects({_project_id(s.details) for s in subjects} - {None})
        self._load_priors(subjects)

    def _load_rates(self) -> None:
        rates: dict[tuple[int, RateKind], list] = defaultdict(list)
        for program_id, kind, effective_from, amount in db.session.execute(
            select(
                ProgramRate.program_id, ProgramRate.kind, ProgramRate.effective_from, ProgramRate.amount
            ).order_by(ProgramRate.effective_from, ProgramRate.id)
        ):
            rates[(program_id, kind)].append((effective_from, amount))
        self.rates = {key: ([r[0] for r in rows], [r[1] for r in rows]) for key, rows in rates.items()}

    def rate_on(self, program: Program, kind: RateKind, on: date | None):
        days, amounts = self.rates.get((program.id, kind), ((), ()))
        index = bisect_right(days, on) if on else 0
        return amounts[index - 1] if index else None

    def _load_benchmarks(self, program_ids: set[int]) -> None:
        self.benchmarks = {}
        for program_id in program_ids:
            program = db.session.get(Program, program_id)
            self.benchmarks[program_id] = tuple(programs.benchmark_rows(program))

    def _load_black_list(self) -> None:
        self.black_orgs: dict[int, str] = {}
        self.black_talents: dict[int, str] = {}
        for listing in db.session.execute(
            select(CreditListing).where(
                CreditListing.list == CreditList.BLACK, CreditListing.lifted_at.is_(None)
            )
        ).scalars():
            if listing.organization_id:
                self.black_orgs[listing.organization_id] = listing.subject_name
            else:
                self.black_talents[listing.talent_id] = listing.subject_name

    def _load_projects(self, ids: set[int]) -> None:
        self.projects = (
            {
                p.id: ProjectFacts(p.id, p.name, p.level.value, p.year)
                for p in db.session.execute(
                    select(RecruitmentProject).where(RecruitmentProject.id.in_(ids))
                ).scalars()
            }
            if ids
            else {}
        )

    def _load_priors(self, subjects: list[Subject]) -> None:
        """Claims of the same program for the same talent (or organisation, for rewards
        given once per organisation)."""
        by_talent = {(s.program.id, s.talent.id) for s in subjects if s.talent is not None}
        by_org = {
            (s.program.id, s.organization.id)
            for s in subjects
            if s.organization is not None and _per_organization(s.program)
        }
        self.priors: dict[tuple, list] = defaultdict(list)
        talent_codes = {s.talent.id: s.talent.talent_code for s in subjects if s.talent is not None}
        columns = (
            Claim.id,
            Claim.program_id,
            Claim.talent_id,
            Claim.organization_id,
            Claim.status,
            Claim.details,
        )
        for conditions in self._prior_conditions(by_talent, by_org):
            for claim_id, program_id, talent_id, org_id, status, details in db.session.execute(
                select(*columns).where(or_(*conditions))
            ):
                prior = PriorClaim(
                    claim_id, status.value, talent_codes.get(talent_id), org_id, _project_id(details)
                )
                if (program_id, talent_id) in by_talent:
                    self.priors[("talent", program_id, talent_id)].append(prior)
                if (program_id, org_id) in by_org:
                    self.priors[("org", program_id, org_id)].append(prior)

    @staticmethod
    def _prior_conditions(by_talent, by_org, chunk: int = 20000):
        """WHERE clauses, in chunks that keep IN lists within database limits."""
        pairs = [("talent", p, i) for p, i in by_talent] + [("org", p, i) for p, i in by_org]
        for start in range(0, len(pairs), chunk):
            grouped = defaultdict(set)
            for kind, program_id, subject_id in pairs[start : start + chunk]:
                grouped[(kind, program_id)].add(subject_id)
            yield [
                and_(
                    Claim.program_id == program_id,
                    in_ids(Claim.talent_id if kind == "talent" else Claim.organization_id, ids),
                )
                for (kind, program_id), ids in grouped.items()
            ]

    def _talent_facts(self, talent) -> TalentFacts | None:
        if talent is None:
            return None
        cached = self._talents.get(talent.id)
        if cached is None:
            cached = self._talents[talent.id] = TalentFacts(
                talent.talent_code,
                talent.name,
                talent.degree.value,
                talent.years_experience,
                talent.permit_class.value if talent.permit_class else None,
                talent.nationality,
                talent.shanxi_start_date,
                talent.graduated_in_china,
                talent.employer_id,
            )
        return cached

    def _organization_facts(self, organization) -> OrganizationFacts | None:
        if organization is None:
            return None
        cached = self._organizations.get(organization.id)
        if cached is None:
            cached = self._organizations[organization.id] = OrganizationFacts(
                organization.id, organization.kind.value, organization.name
            )
        return cached

    def facts(
        self, subject: Subject, *, applicant_role: str, amount_requested, claim_date: date | None = None
    ) -> ClaimFacts:
        program, talent, organization = subject.program, subject.talent, subject.organization
        details = subject.details or {}
        claim_date = claim_date or local_today()
        on = rate_date(program, talent, details, subject.filed_on or claim_date)
        priors = []
        if talent is not None:
            priors += self.priors.get(("talent", program.id, talent.id), [])
        if organization is not None:
            priors += self.priors.get(("org", program.id, organization.id), [])
        priors = tuple({p.id: p for p in priors if p.id != subject.claim_id}.values())
        black = {
            self.black_orgs.get(organization.id) if organization else None,
            self.black_orgs.get(talent.employer_id) if talent else None,
            self.black_talents.get(talent.id) if talent else None,
        } - {None}
        project = self.projects.get(_project_id(details))
        return ClaimFacts(
            program_code=program.code,
            clause=program.clause,
            payee_kind=program.payee_kind.value,
            applicant_role=applicant_role,
            claim_date=claim_date,
            organization=self._organization_facts(organization),
            talent=self._talent_facts(talent),
            details=details,
            amount_requested=to_money(amount_requested) if amount_requested is not None else None,
            prior_claims=priors,
            black_listed=tuple(sorted(black)),
            project=project,
            rate_date=on,
            rate=self.rate_on(program, RateKind.AMOUNT, on),
            ceiling=self.rate_on(program, RateKind.CEILING, on),
            benchmarks=self.benchmarks.get(program.id, ()),
        )


def subject_of(claim: Claim) -> Subject:
    return Subject(
        claim.program,
        claim.talent,
        claim.organization,
        claim.details or {},
        claim.id,
        filed_on(claim.created_at),
    )


def applicant_role_of(claim: Claim) -> str:
    return claim.filed_by.role.value


def for_claim(claim: Claim, source: FactSource | None = None) -> ClaimFacts:
    subject = subject_of(claim)
    source = source or FactSource([subject])
    return source.facts(
        subject, applicant_role=applicant_role_of(claim), amount_requested=claim.amount_requested
    )
