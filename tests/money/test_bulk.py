"""Approving a filtered selection in one action: each claim under the same rules."""

from tests.core.test_api_shape import assert_error
from tests.world import act, claim_status, upload


def test_hr_approves_a_filtered_selection(world, ready_claim, make_talent):
    travel_ids = [
        ready_claim("TRAVEL", submit=True, talent=make_talent(world.employer_org, degree="master"))
        for _ in range(3)
    ]
    recruit = ready_claim("RECRUIT_KEY", submit=True)
    key_tech = ready_claim("KEY_TECH", submit=True)  # discretionary: claim by claim
    job, result = world.hr.job(
        "/claims/bulk-actions",
        json={"action": "hr_approve", "filters": {"status": "submitted"}, "comment": "批量审核"},
    )
    assert job["status"] == "succeeded" and job["kind"] == "bulk_action"
    assert job["done"] == job["total"] == len(travel_ids) + 2
    assert sorted(result["succeeded"]) == sorted(travel_ids + [recruit])
    assert result["failed"] == [
        {"id": key_tech, "code": "needs_individual_decision", "message": result["failed"][0]["message"]}
    ]
    for claim_id in travel_ids:
        claim = world.employer.get(f"/claims/{claim_id}").json
        assert claim["status"] == "hr_approved" and claim["amount_approved"] == "8234.56"
        assert claim["history"][-1]["action"] == "hr_approve"
        assert claim["history"][-1]["comment"] == "批量审核"
    assert claim_status(world.hr, key_tech) == "submitted"
    finance_inbox = world.finance.get("/notifications").json["items"]
    assert [n["kind"] for n in finance_inbox] == ["claims_bulk_hr_approved"]


def test_finance_approves_named_claims_as_far_as_the_budget_goes(world, ready_claim):
    ids = [
        ready_claim("RECRUIT_KEY", submit=True, details={"project_id": p})
        for p in [world.key_project]
        + [
            world.hr.post(
                "/recruitment-projects", json={"name": f"项目{n}", "level": "key", "year": 2025}
            ).json["id"]
            for n in range(2)
        ]
    ]
    for claim_id in ids:
        act(world.hr, claim_id, "hr_approve")
    line = world.budgets["RECRUIT_KEY"]
    world.finance.post(f"/budgets/{line}/adjustments", json={"amount": "-9800000.00", "reason": "压减"})
    _job, result = world.finance.job(
        "/claims/bulk-actions", json={"action": "finance_approve", "claim_ids": ids + [999999]}
    )
    assert result["requested"] == 4
    assert result["succeeded"] == ids[:2]
    assert {f["id"]: f["code"] for f in result["failed"]} == {ids[2]: "budget_exhausted", 999999: "not_found"}
    budget = world.finance.get(f"/budgets/{line}").json
    assert budget["committed"] == "200000.00" and budget["available"] == "0.00"
    assert world.auditor.get("/ledger/verify").json["ok"]
    assert claim_status(world.finance, ids[2]) == "hr_approved"


def test_bulk_keeps_the_rules_of_one_claim(world, ready_claim):
    own = world.hr.post(
        "/claims",
        json={"program_code": "FRIENDSHIP_NATIONAL", "talent_code": world.talent, "details": {"year": 2025}},
    ).json
    from tests.world import upload

    upload(world.hr, own["id"], "award_certificate")
    act(world.hr, own["id"], "submit")
    other = ready_claim("RECRUIT_KEY", submit=True)
    world.hr.post(
        "/credit-list",
        json={
            "subject_kind": "organization",
            "subject_id": world.employer_org,
            "list": "black",
            "reason": "失信",
        },
    )
    _job, result = world.hr.job(
        "/claims/bulk-actions", json={"action": "hr_approve", "claim_ids": [own["id"], other]}
    )
    codes = {f["id"]: f["code"] for f in result["failed"]}
    assert codes == {own["id"]: "segregation_of_duties", other: "not_eligible"}
    assert result["succeeded"] == []


def test_bulk_input_and_roles(world):
    assert_error(world.hr.post("/claims/bulk-actions", json={"action": "hr_approve"}), 422)
    assert_error(
        world.hr.post("/claims/bulk-actions", json={"action": "finance_approve", "claim_ids": [1]}), 403
    )
    assert_error(
        world.finance.post("/claims/bulk-actions", json={"action": "hr_approve", "claim_ids": [1]}), 403
    )
    assert_error(
        world.hr.post("/claims/bulk-actions", json={"action": "delete", "claim_ids": [1]}), 422, "action"
    )


# --- one guarded path: the same scenarios through the single and the bulk path (issue 12, 8) --


def _scenario(world, ready_claim, make_talent):
    """Claims that meet each guard: eligible ones, one filed by the approving HR user, one
    missing a deferrable document, one whose talent a finance reviewer is conflicted with."""
    travel = lambda: make_talent(world.employer_org, degree="master")  # noqa: E731
    conflicted_talent = travel()
    claims = {
        "recruit": ready_claim("RECRUIT_KEY", submit=True, talent=travel()),
        "travel": ready_claim("TRAVEL", submit=True, talent=travel()),
        "conflicted": ready_claim("TRAVEL", submit=True, talent=conflicted_talent),
        "missing": ready_claim(
            "TRAVEL",
            submit=True,
            talent=travel(),
            documents=["flight_receipt", "degree_certificate", "employment_record"],
        ),
    }
    own = world.hr.post(
        "/claims",
        json={"program_code": "FRIENDSHIP_PROVINCIAL", "talent_code": travel(), "details": {"year": 2025}},
    ).json
    upload(world.hr, own["id"], "award_certificate")
    assert act(world.hr, own["id"], "submit").status_code == 200
    claims["own_filing"] = own["id"]
    assert (
        world.hr.post(
            "/conflicts",
            json={
                "subject_kind": "talent",
                "subject_id": conflicted_talent,
                "reason": "亲属",
                "reviewer_id": world.finance2.user.id,
            },
        ).status_code
        == 201
    )
    return claims


def _through_single_path(api, action, claim_ids):
    outcome = {}
    for claim_id in claim_ids:
        answer = act(api, claim_id, action)
        outcome[claim_id] = None if answer.status_code == 200 else answer.json["error"]["code"]
    return outcome


def _through_bulk_path(api, action, claim_ids):
    _job, result = api.job("/claims/bulk-actions", json={"action": action, "claim_ids": claim_ids})
    outcome = {claim_id: None for claim_id in result["succeeded"]}
    outcome.update({f["id"]: f["code"] for f in result["failed"]})
    return outcome


def _record(app, claim_id):
    """What is stored about a claim: its state, verdict, history, ledger, notices."""
    from sqlalchemy import select

    from subsidy_app.claims.models import Claim
    from subsidy_app.core.audit import AuditEvent
    from subsidy_app.extensions import db
    from subsidy_app.ledger.models import LedgerEntry

    with app.app_context():
        claim = db.session.get(Claim, claim_id)
        events = (
            db.session.execute(
                select(AuditEvent)
                .where(
                    AuditEvent.object_type == "claim",
                    AuditEvent.object_id == str(claim_id),
                    AuditEvent.action.in_(["claim.hr_approve", "claim.finance_approve"]),
                )
                .order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )
        ledger = sorted(
            (e.kind, e.account, str(e.debit), str(e.credit))
            for e in db.session.execute(select(LedgerEntry).where(LedgerEntry.claim_id == claim_id)).scalars()
        )
        return {
            "status": claim.status.value,
            "eligible": claim.eligible,
            "checks": [(c["rule"], c["passed"], c["clause"]) for c in claim.eligibility or []],
            "evaluated": claim.evaluated_at is not None,
            "amount_committed": claim.amount_committed,
            "fiscal_year": claim.fiscal_year,
            "history": [
                (
                    e.action,
                    e.actor_id,
                    e.reason,
                    {k: v for k, v in (e.after or {}).items() if k not in ("bulk", "stage_deadline")},
                    e.before,
                )
                for e in events
            ],
            "ledger": ledger,
        }


def _told(app, after_id: int) -> tuple[set[int], int]:
    """Who was told of anything since notice ``after_id``, and the last notice's id."""
    from sqlalchemy import func, select

    from subsidy_app.extensions import db
    from subsidy_app.notifications.models import Notification

    with app.app_context():
        users = set(
            db.session.execute(select(Notification.user_id).where(Notification.id > after_id)).scalars()
        )
        return users, db.session.execute(select(func.coalesce(func.max(Notification.id), 0))).scalar_one()


def test_single_and_bulk_paths_give_the_same_outcomes(app, world, ready_claim, make_talent):
    single = _scenario(world, ready_claim, make_talent)
    bulk = _scenario(world, ready_claim, make_talent)
    names = list(single)
    # HR approval, then finance approval by the conflicted reviewer, then by the other one
    steps = [
        (world.hr, "hr_approve"),
        (world.finance2, "finance_approve"),
        (world.finance, "finance_approve"),
    ]
    _nobody, last = _told(app, 0)
    for api, action in steps:
        one = _through_single_path(api, action, [single[n] for n in names])
        told_single, last = _told(app, last)
        many = _through_bulk_path(api, action, [bulk[n] for n in names])
        told_bulk, last = _told(app, last)
        assert [one[single[n]] for n in names] == [many[bulk[n]] for n in names], action
        # the same people are told (a reviewer recused from every claim moved is told nothing)
        assert told_single == told_bulk, action
    for name in names:
        assert _record(app, single[name]) == _record(app, bulk[name]), name
