"""Approving a filtered selection in one action: each claim under the same rules."""
from tests.core.test_api_shape import assert_error
from tests.world import act, claim_status


def test_hr_approves_a_filtered_selection(world, ready_claim, make_talent):
    travel_ids = [ready_claim("TRAVEL", submit=True,
                              talent=make_talent(world.employer_org, degree="master"))
                  for _ in range(3)]
    recruit = ready_claim("RECRUIT_KEY", submit=True)
    key_tech = ready_claim("KEY_TECH", submit=True)  # discretionary: claim by claim
    result = world.hr.post("/claims/bulk-actions", json={
        "action": "hr_approve", "filters": {"status": "submitted"}, "comment": "批量审核"}).json
    assert sorted(result["succeeded"]) == sorted(travel_ids + [recruit])
    assert result["failed"] == [{"id": key_tech, "code": "needs_individual_decision",
                                 "message": result["failed"][0]["message"]}]
    for claim_id in travel_ids:
        claim = world.employer.get(f"/claims/{claim_id}").json
        assert claim["status"] == "hr_approved" and claim["amount_approved"] == "8234.56"
        assert claim["history"][-1]["action"] == "hr_approve"
        assert claim["history"][-1]["comment"] == "批量审核"
    assert claim_status(world.hr, key_tech) == "submitted"
    finance_inbox = world.finance.get("/notifications").json["items"]
    assert [n["kind"] for n in finance_inbox] == ["claims_bulk_hr_approved"]


def test_finance_approves_named_claims_as_far_as_the_budget_goes(world, ready_claim):
    ids = [ready_claim("RECRUIT_KEY", submit=True, details={"project_id": p})
           for p in [world.key_project] + [world.hr.post("/recruitment-projects", json={
               "name": f"项目{n}", "level": "key", "year": 2025}).json["id"] for n in range(2)]]
    for claim_id in ids:
        act(world.hr, claim_id, "hr_approve")
    line = world.budgets["RECRUIT_KEY"]
    world.finance.post(f"/budgets/{line}/adjustments", json={"amount": "-9800000.00", "reason": "压减"})
    result = world.finance.post("/claims/bulk-actions", json={
        "action": "finance_approve", "claim_ids": ids + [999999]}).json
    assert result["requested"] == 4
    assert result["succeeded"] == ids[:2]
    assert {f["id"]: f["code"] for f in result["failed"]} == {ids[2]: "budget_exhausted",
                                                             999999: "not_found"}
    budget = world.finance.get(f"/budgets/{line}").json
    assert budget["committed"] == "200000.00" and budget["available"] == "0.00"
    assert world.auditor.get("/ledger/verify").json["ok"]
    assert claim_status(world.finance, ids[2]) == "hr_approved"


def test_bulk_keeps_the_rules_of_one_claim(world, ready_claim):
    own = world.hr.post("/claims", json={"program_code": "FRIENDSHIP_NATIONAL",
                                         "talent_code": world.talent, "details": {"year": 2025}}).json
    from tests.world import upload
    upload(world.hr, own["id"], "award_certificate")
    act(world.hr, own["id"], "submit")
    other = ready_claim("RECRUIT_KEY", submit=True)
    world.hr.post("/credit-list", json={"subject_kind": "organization", "subject_id": world.employer_org,
                                        "list": "black", "reason": "失信"})
    result = world.hr.post("/claims/bulk-actions", json={"action": "hr_approve",
                                                         "claim_ids": [own["id"], other]}).json
    codes = {f["id"]: f["code"] for f in result["failed"]}
    assert codes == {own["id"]: "segregation_of_duties", other: "not_eligible"}
    assert result["succeeded"] == []


def test_bulk_input_and_roles(world):
    assert_error(world.hr.post("/claims/bulk-actions", json={"action": "hr_approve"}), 422)
    assert_error(world.hr.post("/claims/bulk-actions", json={"action": "finance_approve",
                                                             "claim_ids": [1]}), 403)
    assert_error(world.finance.post("/claims/bulk-actions", json={"action": "hr_approve",
                                                                  "claim_ids": [1]}), 403)
    assert_error(world.hr.post("/claims/bulk-actions", json={"action": "delete", "claim_ids": [1]}),
                 422, "action")
