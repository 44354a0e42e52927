"""The state machine: every action from every status, and every wrong actor, refused with
the contract's status code and nothing changed."""

import pytest

from tests.core.test_api_shape import assert_error
from tests.world import act, claim_status, upload

# Written out by hand from CONTRACT.md, independently of the workflow table in the code.
ALLOWED = {
    "draft": {"submit", "withdraw"},
    "submitted": {"withdraw", "return", "hr_approve", "hr_reject"},
    "returned": {"submit", "withdraw"},
    "hr_approved": {"finance_approve", "finance_reject"},
    "finance_approved": {"finance_reject"},  # releases the reservation
    "rejected": {"appeal"},
    "appealed": {"hr_approve", "hr_reject"},
    "withdrawn": set(),
}
TARGET = {
    "submit": "submitted",
    "withdraw": "withdrawn",
    "return": "returned",
    "hr_approve": "hr_approved",
    "hr_reject": "rejected",
    "finance_approve": "finance_approved",
    "finance_reject": "rejected",
    "appeal": "appealed",
}
ACTOR = {
    "submit": "employer",
    "withdraw": "employer",
    "appeal": "employer",
    "return": "hr2",
    "hr_approve": "hr2",
    "hr_reject": "hr2",
    "finance_approve": "finance",
    "finance_reject": "finance",
}
BODY = {
    "return": {"comment": "请补充材料"},
    "hr_reject": {"comment": "不符合条件"},
    "finance_reject": {"comment": "预算不足"},
    "appeal": {"comment": "我方有新证据"},
}


@pytest.fixture
def claim_in(world, ready_claim):
    """Drive a RECRUIT_KEY claim through the real workflow to ``status``."""

    def make(status):
        claim_id = ready_claim("RECRUIT_KEY")
        steps = {
            "draft": [],
            "submitted": [("employer", "submit")],
            "returned": [("employer", "submit"), ("hr", "return")],
            "hr_approved": [("employer", "submit"), ("hr", "hr_approve")],
            "finance_approved": [
                ("employer", "submit"),
                ("hr", "hr_approve"),
                ("finance2", "finance_approve"),
            ],
            "rejected": [("employer", "submit"), ("hr", "hr_reject")],
            "appealed": [("employer", "submit"), ("hr", "hr_reject"), ("employer", "appeal")],
            "withdrawn": [("employer", "withdraw")],
        }[status]
        for who, action in steps:
            response = act(getattr(world, who), claim_id, action, **BODY.get(action, {}))
            assert response.status_code == 200, (status, action, response.json)
        assert claim_status(world.hr, claim_id) == status
        return claim_id

    return make


CASES = [(status, action) for status in ALLOWED for action in TARGET]


@pytest.mark.parametrize("status, action", CASES)
def test_each_action_from_each_status(world, claim_in, status, action):
    claim_id = claim_in(status)
    before = world.hr.get(f"/claims/{claim_id}").json
    response = act(getattr(world, ACTOR[action]), claim_id, action, **BODY.get(action, {}))
    if action in ALLOWED[status]:
        assert response.status_code == 200, response.json
        assert response.json["status"] == TARGET[action]
    else:
        assert_error(response, 409)
        after = world.hr.get(f"/claims/{claim_id}").json
        assert after["status"] == before["status"] and after["history"] == before["history"]


# the action, a status it is allowed from, and actors who may not take it
WRONG_ACTORS = [
    ("submit", "draft", ["hr", "finance", "auditor", "agent"]),
    ("withdraw", "submitted", ["hr", "finance", "agent"]),
    ("appeal", "rejected", ["hr2", "finance", "agent"]),
    ("return", "submitted", ["employer", "finance", "auditor", "admin"]),
    ("hr_approve", "submitted", ["employer", "finance", "auditor", "admin", "agent"]),
    ("hr_reject", "submitted", ["employer", "finance", "auditor"]),
    ("finance_approve", "hr_approved", ["employer", "hr", "hr2", "auditor", "admin"]),
    ("finance_reject", "hr_approved", ["employer", "hr", "auditor"]),
]


@pytest.mark.parametrize("action, status, actors", WRONG_ACTORS)
def test_wrong_actors_are_refused_and_nothing_changes(world, claim_in, action, status, actors):
    claim_id = claim_in(status)
    for who in actors:
        response = act(getattr(world, who), claim_id, action, **BODY.get(action, {}))
        assert response.status_code == (404 if who == "agent" else 403), (who, response.json)
    assert claim_status(world.hr, claim_id) == status


def test_another_employer_does_not_even_see_the_claim(world, claim_in):
    claim_id = claim_in("draft")
    assert_error(world.other_employer.get(f"/claims/{claim_id}"), 404)
    assert_error(act(world.other_employer, claim_id, "submit"), 404)
    assert world.other_employer.get("/claims").json["total"] == 0


def test_a_colleague_of_the_applicant_may_act_for_the_organisation(world, claim_in):
    claim_id = claim_in("draft")
    assert act(world.employer_colleague, claim_id, "submit").status_code == 200


def test_unknown_action_is_422(world, claim_in):
    assert_error(act(world.employer, claim_in("draft"), "approve_everything"), 422, "action")


@pytest.mark.parametrize("action", ["return", "hr_reject"])
def test_return_and_reject_need_a_reason(world, claim_in, action):
    claim_id = claim_in("submitted")
    assert_error(act(world.hr, claim_id, action), 422, "comment")
    assert claim_status(world.hr, claim_id) == "submitted"


def test_finance_reject_needs_a_reason(world, claim_in):
    claim_id = claim_in("hr_approved")
    assert_error(act(world.finance, claim_id, "finance_reject"), 422, "comment")


def test_a_returned_claim_goes_back_with_the_reason_and_is_resubmitted(world, claim_in):
    claim_id = claim_in("submitted")
    act(world.hr, claim_id, "return", comment="请补充护照复印件")
    seen = world.employer.get(f"/claims/{claim_id}").json
    assert seen["status"] == "returned" and seen["stage"] == "applicant_response"
    assert seen["history"][-1]["comment"] == "请补充护照复印件"
    assert "submit" in seen["available_actions"]
    assert act(world.employer, claim_id, "submit").json["status"] == "submitted"


def test_every_action_is_in_the_history(world, claim_in):
    claim_id = claim_in("finance_approved")
    history = world.employer.get(f"/claims/{claim_id}").json["history"]
    moves = [
        (h["action"], h["from_status"], h["to_status"], h["actor_role"]) for h in history if h["to_status"]
    ]
    assert moves == [
        ("create", None, "draft", "employer"),
        ("submit", "draft", "submitted", "employer"),
        ("hr_approve", "submitted", "hr_approved", "hr"),
        ("finance_approve", "hr_approved", "finance_approved", "finance"),
    ]
    assert all(h["at"] and h["actor"] for h in history)
    uploads = [h for h in history if h["action"] == "document_upload"]
    assert len(uploads) == 4 and all(h["details"]["sha256"] for h in uploads)


def test_hr_approval_sets_the_amount_by_the_rule(world, claim_in):
    claim_id = claim_in("hr_approved")
    assert world.hr.get(f"/claims/{claim_id}").json["amount_approved"] == "100000.00"


def test_a_fixed_amount_cannot_be_changed_by_the_reviewer(world, claim_in):
    claim_id = claim_in("submitted")
    assert_error(act(world.hr, claim_id, "hr_approve", amount_approved="120000.00"), 422, "amount_approved")
    assert claim_status(world.hr, claim_id) == "submitted"


def test_travel_approval_within_the_receipt_and_ceiling(world, ready_claim):
    claim_id = ready_claim("TRAVEL", submit=True, amount_requested="30000.00")
    assert_error(act(world.hr, claim_id, "hr_approve", amount_approved="25000.00"), 422, "amount_approved")
    approved = act(world.hr, claim_id, "hr_approve", amount_approved="18000.00")
    assert approved.json["amount_approved"] == "18000.00"


def test_travel_defaults_to_the_ceiling_when_the_fare_is_higher(world, ready_claim):
    claim_id = ready_claim("TRAVEL", submit=True, amount_requested="30000.00")
    assert act(world.hr, claim_id, "hr_approve").json["amount_approved"] == "20000.00"


def test_commission_approval_never_below_the_floor(world, ready_claim):
    claim_id = ready_claim("HEADHUNTER", submit=True)
    assert_error(act(world.hr, claim_id, "hr_approve", amount_approved="45000.00"), 422, "amount_approved")
    assert act(world.hr, claim_id, "hr_approve").json["amount_approved"] == "50000.00"


def test_submit_needs_the_essential_documents(world, file_claim):
    claim = file_claim("RECRUIT_KEY").json
    upload(world.employer, claim["id"], "project_approval")
    error = assert_error(act(world.employer, claim["id"], "submit"), 409)
    assert error["code"] == "missing_documents"
    assert set(error["missing"]) == {"employment_contract", "work_permit"}
