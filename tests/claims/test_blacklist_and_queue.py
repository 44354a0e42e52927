"""The black list stops a claim at any decision; the red list goes first in the queue (十七)."""

import pytest

from tests.core.test_api_shape import assert_error
from tests.world import act, claim_status


def _blacklist(world, kind, subject):
    response = world.hr.post(
        "/credit-list",
        json={"subject_kind": kind, "subject_id": subject, "list": "black", "reason": "提供虚假材料"},
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.mark.parametrize("who", ["employer", "talent"])
def test_black_listing_between_submission_and_approval_stops_the_claim(world, ready_claim, who):
    claim_id = ready_claim("TRAVEL", submit=True)
    _blacklist(
        world,
        "organization" if who == "employer" else "talent",
        world.employer_org if who == "employer" else world.talent,
    )
    error = assert_error(act(world.hr, claim_id, "hr_approve"), 409)
    assert error["code"] == "not_eligible"
    assert any(c["rule"] == "not_black_listed" for c in error["checks"])
    assert claim_status(world.hr, claim_id) == "submitted"


def test_black_listing_after_hr_approval_stops_finance_approval(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "hr_approve")
    listing = _blacklist(world, "organization", world.employer_org)
    assert assert_error(act(world.finance, claim_id, "finance_approve"), 409)["code"] == "not_eligible"
    assert claim_status(world.hr, claim_id) == "hr_approved"
    # lifted: the claim can go on
    world.hr.delete(f"/credit-list/{listing}", json={"reason": "经复查，材料属实"})
    assert act(world.finance, claim_id, "finance_approve").status_code == 200


def test_a_black_listed_intermediary_cannot_claim_a_commission(world, file_claim):
    _blacklist(world, "organization", world.agency)
    claim = file_claim("HEADHUNTER").json
    check = next(c for c in claim["eligibility"]["checks"] if c["rule"] == "not_black_listed")
    assert check["passed"] is False and check["clause"] == "(十七)" and "示范中介" in check["reason"]


def test_the_queue_puts_red_listed_applicants_first_then_the_nearest_deadline(
    world, ready_claim, api_as, make_org, make_talent
):
    plain_first = ready_claim("TRAVEL", submit=True)
    red_org = make_org("employer", name="诚信典型单位")
    red_employer = api_as("employer", organization_id=red_org)
    red_talent = make_talent(red_org, degree="master")
    red_claim = ready_claim("TRAVEL", api=red_employer, talent=red_talent, submit=True)
    world.hr.post(
        "/credit-list",
        json={"subject_kind": "organization", "subject_id": red_org, "list": "red", "reason": "诚信典型"},
    )
    queue = world.hr.get("/claims?status=submitted").json["items"]
    assert [c["id"] for c in queue] == [red_claim, plain_first]
    assert queue[0]["red_listed"] is True and queue[1]["red_listed"] is False
