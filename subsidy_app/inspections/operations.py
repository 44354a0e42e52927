"""Inspector roster, annual plans, draws, results (双随机、一公开)."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..claims.models import Claim, ClaimStatus
from ..conflicts import operations as conflicts
from ..core import audit
from ..core.audit import AuditEvent
from ..core.db import in_ids
from ..core.errors import Conflict, Forbidden, NotFound, invalid
from ..core.permissions import Actor, Role, require
from ..core.timeutil import local_today, utcnow
from ..credit.models import CreditListing
from ..extensions import db
from ..organizations.models import Organization, OrganizationKind
from ..talents.models import Talent
from ..users.models import User
from . import draw as drawing
from .models import (
    OBJECT_KIND,
    InspectionDraw,
    InspectionItem,
    InspectionPlan,
    InspectionResult,
    Inspector,
    Outcome,
    Population,
)

# --- the inspector roster ---------------------------------------------------------------------


def add_inspector(actor: Actor | None, *, user_id: int, field: str) -> Inspector:
    """Put an HR user on the roster (检查人员名录库)."""
    if actor is not None:
        require(actor, "inspector.manage")
    user = db.session.get(User, user_id)
    if user is None:
        raise invalid("user_id", _("No user has this id."))
    if Role(user.role) != Role.HR:
        raise invalid("user_id", _("Only provincial HR staff can be inspectors."))
    if not field or not field.strip():
        raise invalid("field", _("Name the field the inspector checks."))
    if db.session.execute(
        select(Inspector.id).where(Inspector.user_id == user.id, Inspector.removed_at.is_(None))
    ).first():
        raise Conflict(_("This user is already on the inspector roster."), code="duplicate")
    inspector = db.session.execute(select(Inspector).where(Inspector.user_id == user.id)).scalar_one_or_none()
    if inspector is None:
        inspector = Inspector(user_id=user.id, field=field.strip(), added_by_id=getattr(actor, "id", None))
        db.session.add(inspector)
    else:  # back on the roster after a removal
        inspector.field, inspector.removed_at, inspector.removed_by_id = field.strip(), None, None
        inspector.added_by_id, inspector.added_at = getattr(actor, "id", None), utcnow()
    db.session.flush()
    audit.record(
        actor,
        "inspector.add",
        "inspector",
        inspector.id,
        after={"user_id": user.id, "field": inspector.field},
    )
    return inspector


def remove_inspector(actor: Actor, inspector_id: int, *, reason: str) -> Inspector:
    require(actor, "inspector.manage")
    inspector = db.session.get(Inspector, inspector_id)
    if inspector is None or not inspector.active:
        raise NotFound(_("Not found."))
    if not reason or not reason.strip():
        raise invalid("reason", _("Say why the inspector leaves the roster."))
    inspector.removed_at, inspector.removed_by_id = utcnow(), actor.id
    inspector.remove_reason = reason.strip()
    audit.record(
        actor,
        "inspector.remove",
        "inspector",
        inspector.id,
        before={"active": True},
        after={"active": False},
        reason=inspector.remove_reason,
    )
    return inspector


def db_all(stmt) -> list:
    return list(db.session.execute(stmt).scalars())


def list_inspectors(actor: Actor, *, active: bool | None = True):
    require(actor, "inspection.read")
    stmt = select(Inspector).order_by(Inspector.user_id)
    if active is not None:
        stmt = stmt.where(Inspector.removed_at.is_(None) if active else Inspector.removed_at.is_not(None))
    return stmt


# --- the annual plan --------------------------------------------------------------------------


def create_plan(actor: Actor, *, year: int, matters: list[str]) -> InspectionPlan:
    require(actor, "inspection.plan")
    matters = [m.strip() for m in matters or [] if m and m.strip()]
    if not matters:
        raise invalid("matters", _("List at least one matter to check (抽查事项清单)."))
    if db.session.execute(select(InspectionPlan.id).where(InspectionPlan.year == year)).first():
        raise Conflict(_("There is already an inspection plan for %(year)s.", year=year), code="duplicate")
    plan = InspectionPlan(year=year, matters=matters, created_by_id=actor.id)
    db.session.add(plan)
    db.session.flush()
    audit.record(
        actor, "inspection_plan.create", "inspection_plan", plan.id, after={"year": year, "matters": matters}
    )
    return plan


def get_plan(actor: Actor, year: int) -> InspectionPlan:
    require(actor, "inspection.read")
    plan = db.session.execute(select(InspectionPlan).where(InspectionPlan.year == year)).scalar_one_or_none()
    if plan is None:
        raise NotFound(_("Not found."))
    plan.draws = list(
        db.session.execute(
            select(InspectionDraw)
            .where(InspectionDraw.plan_id == plan.id, InspectionDraw.rehearsal.is_(False))
            .order_by(InspectionDraw.id)
        ).scalars()
    )
    return plan


def find_plan(actor: Actor, year: int) -> InspectionPlan | None:
    """The year's plan with its draws, or None."""
    require(actor, "inspection.read")
    if not db.session.execute(select(InspectionPlan.id).where(InspectionPlan.year == year)).first():
        return None
    return get_plan(actor, year)


def list_plans(actor: Actor):
    require(actor, "inspection.read")
    return select(InspectionPlan).order_by(InspectionPlan.year.desc())


# --- draws ------------------------------------------------------------------------------------

#: Bytes of an official draw's seed, from the operating system's CSPRNG (256 bits).
SEED_BYTES = 32
#: The audit event that puts a draw's seed on record before anything is drawn.
SEED_ACTION = "inspection_draw.seed"


def population_of(population: Population) -> list[drawing.Candidate]:
    """The registry as it stands, each object with the inspectors who may not inspect it:
    declared conflicts (回避) with the organisation or the talent (for a talent, also with
    its employer), and, for a paid claim, everyone who acted on it. Conflicts and claim
    actors are read once, not per object."""
    kind = OBJECT_KIND[population]
    by_org, by_talent = conflicts.standing_conflicts()
    if population == Population.PAID_CLAIMS:
        rows = db.session.execute(
            select(Claim.id, Claim.organization_id, Claim.talent_id)
            .where(Claim.status == ClaimStatus.PAID)
            .order_by(Claim.id)
        ).all()
        paid = {claim_id for claim_id, _org, _talent in rows}
        actors: dict[int, set[int]] = {}
        for claim_id, user_id in db.session.execute(
            select(AuditEvent.object_id, AuditEvent.actor_id).where(
                AuditEvent.object_type == "claim", AuditEvent.actor_id.is_not(None)
            )
        ):
            if int(claim_id) in paid:
                actors.setdefault(int(claim_id), set()).add(user_id)
        return [
            drawing.Candidate(
                kind,
                claim_id,
                frozenset(
                    by_org.get(org, set()) | by_talent.get(talent, set()) | actors.get(claim_id, set())
                ),
            )
            for claim_id, org, talent in rows
        ]
    if population == Population.TALENTS:
        rows = db.session.execute(select(Talent.id, Talent.employer_id).order_by(Talent.id)).all()
        return [
            drawing.Candidate(
                kind, talent_id, frozenset(by_talent.get(talent_id, set()) | by_org.get(employer_id, set()))
            )
            for talent_id, employer_id in rows
        ]
    org_kind = (
        OrganizationKind.EMPLOYER if population == Population.EMPLOYERS else OrganizationKind.INTERMEDIARY
    )
    ids = db.session.execute(
        select(Organization.id).where(Organization.kind == org_kind).order_by(Organization.id)
    ).scalars()
    return [drawing.Candidate(kind, org_id, frozenset(by_org.get(org_id, set()))) for org_id in ids]


def roster() -> list[int]:
    return list(
        db.session.execute(
            select(Inspector.user_id).where(Inspector.removed_at.is_(None)).order_by(Inspector.user_id)
        ).scalars()
    )


def fingerprint(
    *,
    algorithm: str,
    seed: str,
    ratio: Decimal,
    population: list,
    roster_ids: list,
    result: list,
    rehearsal: bool = False,
) -> str:
    """SHA-256 of the draw's canonical JSON. A rehearsal's carries ``"rehearsal": true``, so
    that it cannot pass for an official draw; an official draw's is as it always was."""
    content = {
        "algorithm": algorithm,
        "seed": seed,
        "ratio": f"{ratio:.4f}",
        "population": population,
        "roster": roster_ids,
        "result": result,
    }
    if rehearsal:
        content["rehearsal"] = True
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _snapshot(candidates: list[drawing.Candidate]) -> list[dict]:
    return [{"kind": c.kind, "id": c.id, "excluded": sorted(c.excluded)} for c in candidates]


def _candidates(snapshot: list[dict]) -> list[drawing.Candidate]:
    return [drawing.Candidate(o["kind"], o["id"], frozenset(o["excluded"])) for o in snapshot]


def rehearsal_seed(seed) -> str | None:
    """A caller's seed as text, or None for none: an integer is kept as its decimal text,
    a string stripped; an empty one is no seed."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, str)):
        raise invalid("seed", _("Give the seed as an integer or a string."))
    text = str(seed).strip()
    if len(text) > 100:
        raise invalid("seed", _("At most %(n)s characters.", n=100))
    return text or None


def _record_seed(
    actor: Actor, seed: str, *, rehearsal: bool, population: Population, ratio: Decimal
) -> AuditEvent:
    """Put the seed on record (flushed) before anything is drawn from it."""
    event = audit.record(
        actor,
        SEED_ACTION,
        "inspection_seed",
        hashlib.sha256(seed.encode("utf-8")).hexdigest(),
        after={
            "seed": seed,
            "source": "caller" if rehearsal else "server",
            "rehearsal": rehearsal,
            "population": population,
            "ratio": f"{ratio:.4f}",
        },
    )
    db.session.flush()
    return event


def checked_ratio(ratio) -> Decimal:
    """The share of a registry a draw takes: at least 5 % (MIN_RATIO), at most all of it,
    four decimals at most; 422 on ``ratio`` otherwise."""
    ratio = Decimal(ratio)
    if ratio < drawing.MIN_RATIO:
        raise invalid(
            "ratio", _("The ratio must be at least 0.05: at least 5 percent of the registry is drawn.")
        )
    if ratio > 1:
        raise invalid("ratio", _("The ratio cannot exceed 1."))
    if ratio != ratio.quantize(Decimal("0.0001")):
        raise invalid("ratio", _("Give the ratio with at most four decimals."))
    return ratio


def make_draw(
    actor: Actor | None,
    *,
    population: Population | str,
    ratio: Decimal,
    seed: str | int | None = None,
    plan_year: int | None = None,
) -> InspectionDraw:
    """Draw at least 5 % of a registry, rounded up, and assign inspectors at random.

    Nobody who draws chooses the draw: an official draw's seed comes from the server's
    CSPRNG and is recorded (audit event ``inspection_draw.seed``) before the registry is
    read and anything drawn. A caller's ``seed`` makes a rehearsal (演练): made and
    reproducible the same way, but never official — not among a plan's draws or the
    official list, no results on its items, not on an object's inspections or in reports."""
    if actor is not None:
        require(actor, "inspection.draw")
    population = Population(population)
    ratio = checked_ratio(ratio)
    caller_seed = rehearsal_seed(seed)
    rehearsal = caller_seed is not None
    seed = caller_seed if rehearsal else secrets.token_hex(SEED_BYTES)
    plan_year = plan_year or local_today().year
    plan = db.session.execute(
        select(InspectionPlan).where(InspectionPlan.year == plan_year)
    ).scalar_one_or_none()
    seed_event = _record_seed(actor, seed, rehearsal=rehearsal, population=population, ratio=ratio)
    candidates = population_of(population)
    if not candidates:
        raise Conflict(_("The registry is empty: there is nothing to draw from."), code="empty_population")
    roster_ids = roster()
    drawn = drawing.draw(seed, ratio, candidates, roster_ids)
    result = [{"kind": d.kind, "id": d.id, "inspectors": list(d.inspectors)} for d in drawn]
    snapshot = _snapshot(candidates)
    record = InspectionDraw(
        plan_id=plan.id if plan else None,
        population=population,
        ratio=ratio,
        seed=seed,
        rehearsal=rehearsal,
        seed_event_id=seed_event.id,
        algorithm=drawing.ALGORITHM,
        population_snapshot=snapshot,
        roster_snapshot=roster_ids,
        result=result,
        drawn_by_id=getattr(actor, "id", None),
        fingerprint=fingerprint(
            algorithm=drawing.ALGORITHM,
            seed=seed,
            ratio=ratio,
            population=snapshot,
            roster_ids=roster_ids,
            result=result,
            rehearsal=rehearsal,
        ),
    )
    db.session.add(record)
    db.session.flush()
    for item in result:
        db.session.add(
            InspectionItem(
                draw_id=record.id,
                object_kind=item["kind"],
                object_id=item["id"],
                inspectors=item["inspectors"],
            )
        )
    db.session.flush()
    audit.record(
        actor,
        "inspection.draw",
        "inspection_draw",
        record.id,
        after={
            "population": population,
            "ratio": f"{ratio:.4f}",
            "seed": seed,
            "rehearsal": rehearsal,
            "seed_event_id": seed_event.id,
            "population_size": len(snapshot),
            "drawn": len(result),
            "fingerprint": record.fingerprint,
        },
    )
    db.session.refresh(record)
    return record


def get_draw(actor: Actor | None, draw_id: int) -> InspectionDraw:
    if actor is not None:
        require(actor, "inspection.read")
    record = db.session.get(InspectionDraw, draw_id)
    if record is None:
        raise NotFound(_("Not found."))
    return record


def list_draws(
    actor: Actor, *, population: Population | None = None, year: int | None = None, rehearsal: bool = False
):
    """Official draws, newest first; rehearsals only when asked for (``rehearsal``)."""
    require(actor, "inspection.read")
    stmt = (
        select(InspectionDraw)
        .where(InspectionDraw.rehearsal.is_(bool(rehearsal)))
        .order_by(InspectionDraw.id.desc())
    )
    if population is not None:
        stmt = stmt.where(InspectionDraw.population == population)
    if year is not None:
        stmt = stmt.join(InspectionPlan, InspectionPlan.id == InspectionDraw.plan_id).where(
            InspectionPlan.year == year
        )
    return stmt


def describe_objects(pairs) -> dict[tuple[str, int], dict]:
    """{(kind, id): {"code", "name"}} of drawn objects: an organisation's credit code and
    name, a talent's code (一人一码) and name; a claim has neither. One query per kind."""
    wanted: dict[str, set[int]] = {}
    for kind, object_id in pairs:
        wanted.setdefault(kind, set()).add(object_id)
    described = {(kind, i): {"code": None, "name": None} for kind, ids in wanted.items() for i in ids}
    sources = {
        "organization": (Organization.id, Organization.credit_code, Organization.name),
        "talent": (Talent.id, Talent.talent_code, Talent.name),
    }
    for kind, (id_column, code_column, name_column) in sources.items():
        if wanted.get(kind):
            for object_id, code, name in db.session.execute(
                select(id_column, code_column, name_column).where(in_ids(id_column, wanted[kind]))
            ):
                described[(kind, object_id)] = {"code": code, "name": name}
    return described


def seed_event(record: InspectionDraw) -> AuditEvent | None:
    return db.session.get(AuditEvent, record.seed_event_id) if record.seed_event_id is not None else None


def _seed_recorded_first(record: InspectionDraw) -> bool:
    """The seed's audit event names this seed, its source (the server for an official draw)
    and precedes the draw's own event."""
    event = seed_event(record)
    if event is None or event.action != SEED_ACTION:
        return False
    after = event.after or {}
    draw_event = db.session.execute(
        select(func.min(AuditEvent.id)).where(
            AuditEvent.action == "inspection.draw",
            AuditEvent.object_type == "inspection_draw",
            AuditEvent.object_id == str(record.id),
        )
    ).scalar_one()
    return (
        after.get("seed") == record.seed
        and bool(after.get("rehearsal")) == record.rehearsal
        and after.get("source") == ("caller" if record.rehearsal else "server")
        and draw_event is not None
        and event.id < draw_event
    )


def verify_draw(record: InspectionDraw) -> dict:
    """Re-run the draw from its record: the same seed and snapshots must give the same
    objects and inspectors, and the record must match its fingerprint. A draw made since
    seeds are recorded first is also checked against its seed's audit event."""
    population = record.population_snapshot
    rerun = drawing.draw(record.seed, Decimal(record.ratio), _candidates(population), record.roster_snapshot)
    rerun_result = [{"kind": d.kind, "id": d.id, "inspectors": list(d.inspectors)} for d in rerun]
    items = [
        {"kind": i.object_kind, "id": i.object_id, "inspectors": list(i.inspectors)}
        for i in sorted(record.items, key=lambda i: (i.object_kind, i.object_id))
    ]
    expected = fingerprint(
        algorithm=record.algorithm,
        seed=record.seed,
        ratio=Decimal(record.ratio),
        population=population,
        roster_ids=record.roster_snapshot,
        result=record.result,
        rehearsal=record.rehearsal,
    )
    conflicted = [
        r
        for r in record.result
        for o in population
        if o["kind"] == r["kind"] and o["id"] == r["id"] and set(o["excluded"]) & set(r["inspectors"])
    ]
    checks = {
        "algorithm_known": record.algorithm == drawing.ALGORITHM,
        "result_reproduced": rerun_result == record.result,
        "items_match_result": items == record.result,
        "fingerprint_matches": expected == record.fingerprint,
        "no_conflicted_inspector": not conflicted,
        "ratio_at_least_5_percent": Decimal(record.ratio) >= drawing.MIN_RATIO,
    }
    if record.seed_event_id is not None:  # draws made before seeds were recorded first have none
        checks["seed_recorded_before_draw"] = _seed_recorded_first(record)
    return {
        "draw_id": record.id,
        "ok": all(checks.values()),
        "checks": checks,
        "rehearsal": record.rehearsal,
        "seed_event_id": record.seed_event_id,
        "fingerprint": record.fingerprint,
        "sample_size": len(record.result),
        "population_size": len(population),
    }


# --- results ----------------------------------------------------------------------------------


def record_result(
    actor: Actor, item_id: int, *, outcome: Outcome | str, findings: str, propose_listing: str | None = None
) -> InspectionResult:
    """Results are recorded by the object's assigned inspectors (a correction is a new
    result). A result may propose a red or black listing, for HR to decide (十七)."""
    require(actor, "inspection.record_result")
    item = db.session.get(InspectionItem, item_id)
    if item is None:
        raise NotFound(_("Not found."))
    if db.session.get(InspectionDraw, item.draw_id).rehearsal:
        raise Conflict(
            _(
                "This object was drawn in a rehearsal (演练), not in an official draw: "
                "no result is recorded on it."
            ),
            code="rehearsal",
        )
    if actor.id not in item.inspectors:
        raise Forbidden(
            _("Only the inspectors assigned to this object record its result."), code="not_assigned"
        )
    if not findings or not findings.strip():
        raise invalid("findings", _("Describe what was checked and found."))
    if propose_listing not in (None, "red", "black"):
        raise invalid("propose_listing", _("Must be one of: %(choices)s.", choices="red, black"))
    outcome = Outcome(outcome)
    if propose_listing == "black" and outcome == Outcome.COMPLIANT:
        raise invalid("propose_listing", _("A black listing needs a finding of issues or a violation."))
    result = InspectionResult(
        item_id=item.id,
        outcome=outcome,
        findings=findings.strip(),
        proposed_listing=propose_listing,
        recorded_by_id=actor.id,
    )
    db.session.add(result)
    db.session.flush()
    audit.record(
        actor,
        "inspection.result",
        "inspection_item",
        item.id,
        after={
            "outcome": outcome,
            "proposed_listing": propose_listing,
            "object": f"{item.object_kind}:{item.object_id}",
        },
        reason=result.findings,
    )
    return result


def object_inspections(actor: Actor, object_kind: str, object_id: int) -> list[dict]:
    require(actor, "inspection.read")
    return results_for(object_kind, object_id)


def results_for(object_kind: str, object_id: int) -> list[dict]:
    """The inspections of one object in official draws (never rehearsals), newest first,
    for its page."""
    rows = db.session.execute(
        select(InspectionItem, InspectionDraw)
        .join(InspectionDraw, InspectionDraw.id == InspectionItem.draw_id)
        .where(
            InspectionItem.object_kind == object_kind,
            InspectionItem.object_id == object_id,
            InspectionDraw.rehearsal.is_(False),
        )
        .order_by(InspectionItem.id.desc())
    ).all()
    out = []
    for item, record in rows:
        latest = item.latest_result
        out.append(
            {
                "item_id": item.id,
                "draw_id": record.id,
                "drawn_at": record.drawn_at,
                "inspectors": item.inspectors,
                "outcome": latest.outcome.value if latest else None,
                "findings": latest.findings if latest else None,
                "proposed_listing": latest.proposed_listing if latest else None,
                "recorded_at": latest.recorded_at if latest else None,
            }
        )
    return out


def open_proposals(actor: Actor) -> list[dict]:
    """Listings proposed by spot checks that HR has not yet acted on."""

    require(actor, "inspection.read")
    taken = set(
        db.session.execute(
            select(CreditListing.source).where(CreditListing.source.like("inspection_result:%"))
        ).scalars()
    )
    proposals = []
    for result, item in db.session.execute(
        select(InspectionResult, InspectionItem)
        .join(InspectionItem, InspectionItem.id == InspectionResult.item_id)
        .where(InspectionResult.proposed_listing.is_not(None))
        .order_by(InspectionResult.id)
    ):
        if item.latest_result is result and f"inspection_result:{result.id}" not in taken:
            proposals.append(
                {
                    "result_id": result.id,
                    "object_kind": item.object_kind,
                    "object_id": item.object_id,
                    "list": result.proposed_listing,
                    "findings": result.findings,
                    "recorded_at": result.recorded_at,
                }
            )
    return proposals


def proposal(result_id: int) -> tuple[InspectionResult, InspectionItem]:
    """The result behind a proposed listing (for the credit list to accept it)."""
    result = db.session.get(InspectionResult, result_id)
    if result is None or result.proposed_listing is None:
        raise invalid("inspection_result_id", _("No spot-check result proposes a listing with this id."))
    return result, db.session.get(InspectionItem, result.item_id)


def quarter_summary(start: datetime, end: datetime) -> dict:
    """Official draws made and results recorded in a period (for the quarterly report);
    rehearsals are no part of it."""
    official = InspectionDraw.rehearsal.is_(False)
    in_period = (InspectionDraw.drawn_at >= start, InspectionDraw.drawn_at < end)
    n_draws = db.session.execute(
        select(func.count(InspectionDraw.id)).where(official, *in_period)
    ).scalar_one()
    n_objects = db.session.execute(
        select(func.count(InspectionItem.id))
        .join(InspectionDraw, InspectionDraw.id == InspectionItem.draw_id)
        .where(official, *in_period)
    ).scalar_one()
    outcomes = dict(
        db.session.execute(
            select(InspectionResult.outcome, func.count(InspectionResult.id))
            .join(InspectionItem, InspectionItem.id == InspectionResult.item_id)
            .join(InspectionDraw, InspectionDraw.id == InspectionItem.draw_id)
            .where(official, InspectionResult.recorded_at >= start, InspectionResult.recorded_at < end)
            .group_by(InspectionResult.outcome)
        ).all()
    )
    return {
        "draws": n_draws,
        "objects_drawn": n_objects,
        "results": {o.value: outcomes.get(o, 0) for o in Outcome},
    }
