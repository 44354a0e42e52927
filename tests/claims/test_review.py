"""Segregation of duties, second approval of discretionary amounts, recusal (回避) and
the single appeal (陈述、申辩)."""

import pytest
from sqlalchemy import select

from subsidy_app.core.audit import AuditEvent
from subsidy_app.extensions import db
from tests.core.test_api_shape import assert_error
from tests.world import act, claim_status

# --- discretionary amounts: set with a justification, then a senior's second approval ----


@pytest.mark.parametrize("program", ["KEY_TECH", "OUTSTANDING"])
def test_discretionary_amount_needs_a_second_senior_approval(world, ready_claim, program):
    claim_id = ready_claim(program, submit=True)
    assert_error(act(world.hr, claim_id, "hr_approve", comment="理由"), 422, "amount_approved")
    assert_error(act(world.hr, claim_id, "hr_approve", amount_approved="250000.00"), 422, "comment")
    first = act(
        world.hr,
        claim_id,
        "hr_approve",
        amount_approved="250000.00",
        comment="解决了关键技术难题，按外专百人计划标准核定",
    )
    assert first.status_code == 200
    assert first.json["status"] == "submitted" and first.json["stage"] == "hr_second_approval"
    assert first.json["amount_approved"] == "250000.00"
    # not a senior reviewer
    assert assert_error(act(world.hr2, claim_id, "hr_approve"), 403)["code"] == "senior_required"
    final = act(world.senior, claim_id, "hr_approve")
    assert final.status_code == 200 and final.json["status"] == "hr_approved"
    assert final.json["amount_approved"] == "250000.00"


def test_the_reviewer_who_set_the_amount_cannot_give_the_second_approval(world, ready_claim):
    claim_id = ready_claim("KEY_TECH", submit=True)
    act(world.senior, claim_id, "hr_approve", amount_approved="100000.00", comment="核定")
    error = assert_error(act(world.senior, claim_id, "hr_approve"), 403)
    assert error["code"] == "segregation_of_duties"
    assert claim_status(world.hr, claim_id) == "submitted"
    assert act(world.senior2, claim_id, "hr_approve").json["status"] == "hr_approved"


def test_returning_a_discretionary_claim_clears_the_first_approval(world, ready_claim):
    claim_id = ready_claim("KEY_TECH", submit=True)
    act(world.hr, claim_id, "hr_approve", amount_approved="100000.00", comment="核定")
    act(world.senior, claim_id, "return", comment="金额依据不足")
    act(world.employer, claim_id, "submit")
    claim = world.hr.get(f"/claims/{claim_id}").json
    assert claim["stage"] == "hr_review" and claim["amount_approved"] is None


def test_returnee_visit_amount_is_set_at_approval_up_to_the_ceiling(world, ready_claim):
    claim_id = ready_claim("RETURNEE_VISIT", submit=True)
    assert_error(act(world.hr, claim_id, "hr_approve"), 422, "amount_approved")
    assert_error(act(world.hr, claim_id, "hr_approve", amount_approved="60000.00"), 422, "amount_approved")
    assert (
        act(world.hr, claim_id, "hr_approve", amount_approved="15000.00").json["amount_approved"]
        == "15000.00"
    )


# --- whoever filed cannot review --------------------------------------------------------------


def test_the_hr_user_who_filed_a_claim_cannot_review_it(world):
    claim = world.hr.post(
        "/claims",
        json={"program_code": "FRIENDSHIP_NATIONAL", "talent_code": world.talent, "details": {"year": 2025}},
    ).json
    assert claim["eligibility"]["eligible"], claim["eligibility"]
    from tests.world import upload

    assert upload(world.hr, claim["id"], "award_certificate").status_code == 201
    assert act(world.hr, claim["id"], "submit").status_code == 200
    error = assert_error(act(world.hr, claim["id"], "hr_approve"), 403)
    assert error["code"] == "segregation_of_duties"
    assert act(world.hr2, claim["id"], "hr_approve").json["status"] == "hr_approved"


# --- appeal: once, with a statement, decided by someone else ----------------------------------


def test_an_appeal_is_decided_by_another_reviewer(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "hr_reject", comment="材料不实")
    assert_error(act(world.employer, claim_id, "appeal"), 422, "comment")
    appealed = act(world.employer, claim_id, "appeal", comment="材料真实，附补充说明")
    assert appealed.json["status"] == "appealed" and appealed.json["stage"] == "appeal_review"
    assert assert_error(act(world.hr, claim_id, "hr_approve"), 403)["code"] == "segregation_of_duties"
    assert assert_error(act(world.hr, claim_id, "hr_reject", comment="维持"), 403)
    assert act(world.hr2, claim_id, "hr_approve").json["status"] == "hr_approved"


def test_a_claim_is_appealed_once(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "hr_reject", comment="不符合")
    act(world.employer, claim_id, "appeal", comment="申辩")
    act(world.hr2, claim_id, "hr_reject", comment="维持原决定")
    error = assert_error(act(world.employer, claim_id, "appeal", comment="再次申辩"), 409)
    assert error["code"] == "appeal_used"
    claim = world.employer.get(f"/claims/{claim_id}").json
    assert claim["status"] == "rejected" and "appeal" not in claim["available_actions"]


def test_a_finance_rejection_can_be_appealed_to_hr(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "hr_approve")
    act(world.finance, claim_id, "finance_reject", comment="项目不在预算内")
    act(world.employer, claim_id, "appeal", comment="项目已列入本年度预算")
    assert act(world.hr, claim_id, "hr_approve").json["status"] == "hr_approved"


# --- recusal (回避) -----------------------------------------------------------------------------


def _declare(api, subject_kind, subject_id, **extra):
    return api.post(
        "/conflicts",
        json={"subject_kind": subject_kind, "subject_id": subject_id, "reason": "亲属在该单位任职", **extra},
    )


@pytest.mark.parametrize("subject", ["organization", "talent", "talent_employer"])
def test_a_conflicted_reviewer_neither_sees_nor_acts(world, ready_claim, subject):
    claim_id = ready_claim("TRAVEL", submit=True)
    if subject == "talent":
        assert _declare(world.hr, "talent", world.talent).status_code == 201
    else:  # the applicant organisation, which is also the talent's employer
        assert _declare(world.hr, "organization", world.employer_org).status_code == 201
    assert claim_id not in [c["id"] for c in world.hr.get("/claims").json["items"]]
    assert claim_id in [c["id"] for c in world.hr2.get("/claims").json["items"]]
    assert assert_error(world.hr.get(f"/claims/{claim_id}"), 403)["code"] == "recused"
    assert assert_error(act(world.hr, claim_id, "hr_approve"), 403)["code"] == "recused"
    assert claim_status(world.hr2, claim_id) == "submitted"
    assert act(world.hr2, claim_id, "hr_approve").status_code == 200


def test_hr_records_a_conflict_for_a_finance_reviewer(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "hr_approve")
    recorded = _declare(world.hr, "organization", world.employer_org, reviewer_id=world.finance.user.id)
    assert recorded.status_code == 201 and recorded.json["reviewer_id"] == world.finance.user.id
    assert assert_error(act(world.finance, claim_id, "finance_approve"), 403)["code"] == "recused"
    assert act(world.finance2, claim_id, "finance_approve").status_code == 200


def test_ending_a_conflict_restores_access(app, world, ready_claim):
    claim_id = ready_claim("TRAVEL", submit=True)
    conflict = _declare(world.hr, "talent", world.talent).json
    assert world.hr.get(f"/claims/{claim_id}").status_code == 403
    # a reviewer cannot end their own recusal (they could then decide alone): another HR user
    own = world.hr.delete(f"/conflicts/{conflict['id']}", json={"reason": "亲属已离职"})
    assert assert_error(own, 403)["code"] == "segregation_of_duties"
    assert world.hr.get(f"/claims/{claim_id}").status_code == 403
    assert assert_error(world.hr2.delete(f"/conflicts/{conflict['id']}", json={"reason": " "}), 422, "reason")
    assert_error(world.finance.delete(f"/conflicts/{conflict['id']}", json={"reason": "亲属已离职"}), 403)
    ended = world.hr2.delete(f"/conflicts/{conflict['id']}", json={"reason": "亲属已离职"})
    assert ended.status_code == 200 and ended.json["active"] is False
    assert world.hr.get(f"/claims/{claim_id}").status_code == 200
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "conflict.end")).scalar_one()
        assert (event.actor_name, event.reason) == (world.hr2.user.username, "亲属已离职")


def test_conflict_declaration_rules(world):
    assert_error(_declare(world.employer, "organization", world.employer_org), 403)
    assert_error(
        _declare(world.finance, "organization", world.employer_org, reviewer_id=world.hr.user.id), 403
    )
    assert_error(_declare(world.hr, "organization", 999999), 422, "subject_id")
    assert_error(_declare(world.hr, "talent", "SX99999999X"), 422, "subject_id")
    assert _declare(world.hr, "organization", world.employer_org).status_code == 201
    assert_error(_declare(world.hr, "organization", world.employer_org), 409)
    assert_error(
        _declare(world.hr, "organization", world.employer_org, reviewer_id=world.employer.user.id),
        422,
        "reviewer_id",
    )
