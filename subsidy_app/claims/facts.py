"""Gather, from the database, the facts the pure rules decide on."""
from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from ..core.money import to_money
from ..core.timeutil import local_today
from ..credit import operations as credit
from ..extensions import db
from ..programs import operations as programs
from ..programs.models import Program, RateKind
from ..projects import operations as projects
from .models import Claim
from .rules import ClaimFacts, OrganizationFacts, PriorClaim, ProjectFacts, TalentFacts


def _as_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def rate_date(program: Program, talent, details: dict, claim_date: date) -> date | None:
    """The date the program's rate or standards are taken on (``rate_date`` of the plan)."""
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


def _prior_claims(program: Program, talent, organization, exclude_id: int | None):
    """Other claims of the program for the same talent (or, for once-per-organisation
    rewards, the same organisation)."""
    per_organization = any(r.get("rule") == "once_per_organization" for r in program.rules or [])
    conditions = []
    if talent is not None:
        conditions.append(Claim.talent_id == talent.id)
    if organization is not None and per_organization:
        conditions.append(Claim.organization_id == organization.id)
    if not conditions:
        return ()
    stmt = select(Claim).where(Claim.program_id == program.id, or_(*conditions))
    if exclude_id is not None:
        stmt = stmt.where(Claim.id != exclude_id)
    return tuple(
        PriorClaim(c.id, c.status.value, c.talent_code, c.organization_id,
                   c.details.get("project_id") if isinstance(c.details, dict) else None)
        for c in db.session.execute(stmt).scalars())


def _black_listed(talent, organization) -> tuple[str, ...]:
    org_ids = {organization.id if organization else None, talent.employer_id if talent else None}
    listings = credit.black_listed(organization_ids=org_ids, talent_ids=[talent.id] if talent else [])
    return tuple(sorted({listing.subject_name for listing in listings}))


def gather(program: Program, *, applicant_role: str, organization, talent, details: dict,
           amount_requested, claim_id: int | None = None, claim_date: date | None = None
           ) -> ClaimFacts:
    claim_date = claim_date or local_today()
    on = rate_date(program, talent, details, claim_date)
    rate = programs.rate_on(program, RateKind.AMOUNT, on) if on else None
    ceiling = programs.rate_on(program, RateKind.CEILING, on) if on else None
    project = projects.find_project(details.get("project_id")) if details.get("project_id") else None
    return ClaimFacts(
        program_code=program.code, clause=program.clause, payee_kind=program.payee_kind.value,
        applicant_role=applicant_role, claim_date=claim_date,
        organization=OrganizationFacts(organization.id, organization.kind.value, organization.name)
        if organization else None,
        talent=TalentFacts(talent.talent_code, talent.name, talent.degree.value,
                           talent.years_experience,
                           talent.permit_class.value if talent.permit_class else None,
                           talent.nationality, talent.shanxi_start_date, talent.graduated_in_china,
                           talent.employer_id) if talent else None,
        details=details,
        amount_requested=to_money(amount_requested) if amount_requested is not None else None,
        prior_claims=_prior_claims(program, talent, organization, claim_id),
        black_listed=_black_listed(talent, organization),
        project=ProjectFacts(project.id, project.name, project.level.value, project.year)
        if project else None,
        rate_date=on,
        rate=rate.amount if rate else None,
        ceiling=ceiling.amount if ceiling else None,
        benchmarks=tuple(programs.benchmark_rows(program)) if program.benchmark_categories else (),
    )


def applicant_role_of(claim: Claim) -> str:
    return claim.filed_by.role.value


def for_claim(claim: Claim) -> ClaimFacts:
    return gather(claim.program, applicant_role=applicant_role_of(claim),
                  organization=claim.organization, talent=claim.talent, details=claim.details or {},
                  amount_requested=claim.amount_requested, claim_id=claim.id)

