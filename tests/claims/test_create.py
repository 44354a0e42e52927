"""Filing claims for every program through the API: the verdict with reasons and clauses."""

import pytest

from tests.core.test_api_shape import assert_error
from tests.world import CLAIM_BODIES, upload

ALL_PROGRAMS = sorted(CLAIM_BODIES) + ["HEADHUNTER"]


@pytest.mark.parametrize("program", ALL_PROGRAMS)
def test_every_program_can_be_claimed_and_is_eligible(file_claim, program):
    response = file_claim(program)
    assert response.status_code == 201, response.json
    claim = response.json
    assert claim["status"] == "draft" and claim["stage"] == "drafting"
    eligibility = claim["eligibility"]
    assert eligibility["eligible"] is True, [c for c in eligibility["checks"] if not c["passed"]]
    for check in eligibility["checks"]:
        assert set(check) >= {"rule", "passed", "reason", "clause"}
        assert check["reason"] and check["clause"]
    rules = {c["rule"] for c in eligibility["checks"]}
    assert {"payee_kind", "not_black_listed"} <= rules


EXPECTED_AMOUNTS = {
    "RECRUIT_KEY": "100000.00",
    "RECRUIT_REGULAR": "50000.00",
    "TRAVEL": "8234.56",
    "RESEARCH_PACKAGE": "2100000.00",
    "HEADHUNTER": "50000.00",
    "FRIENDSHIP_NATIONAL": "100000.00",
    "FRIENDSHIP_PROVINCIAL": "50000.00",
    "DEMO_BASE_NATIONAL": "100000.00",
    "DEMO_BASE_PROVINCIAL": "50000.00",
    "KEY_TECH": "300000.00",
    "OUTSTANDING": "200000.00",
    "RETURNEE_VISIT": "20000.00",
}


@pytest.mark.parametrize("program", ALL_PROGRAMS)
def test_expected_amount_follows_the_programs_rule(file_claim, program):
    claim = file_claim(program).json
    assert claim["amount_expected"] == EXPECTED_AMOUNTS[program]


def test_reasons_are_in_the_users_language(world, file_claim):
    zh = file_claim("TRAVEL").json["eligibility"]["checks"]
    en = world.employer.post(
        "/claims",
        json={"program_code": "TRAVEL", "talent_code": world.talent, "amount_requested": "100.00"},
        headers={"Accept-Language": "en"},
    ).json["eligibility"]["checks"]
    degree_zh = next(c for c in zh if c["rule"] == "min_degree")
    degree_en = next(c for c in en if c["rule"] == "min_degree")
    assert "博士" in degree_zh["reason"] and "doctorate" in degree_en["reason"]
    assert degree_zh["clause"] == degree_en["clause"] == "(六)"


# program, talent overrides, claim overrides, the rule that fails
INELIGIBLE = [
    ("TRAVEL", {"degree": "bachelor"}, {}, "min_degree"),
    ("TRAVEL", {"shanxi_start_date": "2026-06-01"}, {}, "min_years_in_province"),
    ("TRAVEL", {}, {"amount_requested": None}, "amount_requested"),
    ("RESEARCH_PACKAGE", {"degree": "master"}, {}, "min_degree"),
    ("RESEARCH_PACKAGE", {"years_experience": 4}, {}, "min_years_experience"),
    ("RESEARCH_PACKAGE", {}, {"amount_requested": "9999999.00"}, "within_highest_standard"),
    ("RECRUIT_KEY", {"permit_class": "C"}, {}, "recognised_talent"),
    ("RECRUIT_KEY", {}, {"details": {}}, "project_level"),
    ("HEADHUNTER", {"permit_class": "B"}, {}, "permit_class"),
    (
        "HEADHUNTER",
        {},
        {"details": {"contract_signed_on": "2024-05-01", "commission": "40000.00"}},
        "contract_before_start",
    ),
    ("KEY_TECH", {}, {"details": {}}, "detail_justification"),
    ("FRIENDSHIP_NATIONAL", {}, {"details": {}}, "detail_year"),
]


@pytest.mark.parametrize("program, talent_overrides, overrides, rule", INELIGIBLE)
def test_ineligible_claims_are_saved_as_drafts_with_the_reason(
    world, file_claim, make_talent, program, talent_overrides, overrides, rule
):
    defaults = {"degree": "doctorate", "years_experience": 10, "permit_class": "A"}
    talent = make_talent(world.employer_org, **{**defaults, **talent_overrides})
    response = file_claim(program, talent=talent, **overrides)
    assert response.status_code == 201
    claim = response.json
    assert claim["status"] == "draft" and claim["eligibility"]["eligible"] is False
    failed = [c["rule"] for c in claim["eligibility"]["checks"] if not c["passed"]]
    assert rule in failed, failed
    for kind in claim["required_documents"]:
        upload(world.agent if program == "HEADHUNTER" else world.employer, claim["id"], kind)
    api = world.agent if program == "HEADHUNTER" else world.employer
    refused = api.post(f"/claims/{claim['id']}/actions", json={"action": "submit"})
    assert assert_error(refused, 409)["code"] == "not_eligible"
    assert api.get(f"/claims/{claim['id']}").json["status"] == "draft"


def test_a_talent_of_another_employer_is_refused(world, file_claim):
    # HR may name anyone; the rule still says the applicant must employ the talent
    claim = file_claim("TRAVEL", world.hr, talent=world.other_talent, organization_id=world.employer_org).json
    failed = {c["rule"] for c in claim["eligibility"]["checks"] if not c["passed"]}
    assert "talent_of_applicant" in failed


def test_an_intermediary_cannot_claim_what_an_employer_is_paid(world, file_claim):
    claim = file_claim("RECRUIT_KEY", api=world.agent, talent=None).json
    failed = {c["rule"] for c in claim["eligibility"]["checks"] if not c["passed"]}
    assert {"payee_kind", "applicant_kind"} <= failed


def test_an_employer_cannot_claim_a_commission(world, file_claim):
    claim = file_claim("HEADHUNTER", api=world.employer).json
    failed = {c["rule"] for c in claim["eligibility"]["checks"] if not c["passed"]}
    assert "payee_kind" in failed


def test_foreign_graduate_of_a_chinese_university_is_recognised(world, file_claim, make_talent):
    graduate = make_talent(world.employer_org, degree="bachelor", permit_class="C", graduated_in_china=True)
    check = next(
        c
        for c in file_claim("RECRUIT_REGULAR", talent=graduate).json["eligibility"]["checks"]
        if c["rule"] == "recognised_talent"
    )
    assert check["passed"] and check["clause"] == "(十)"


@pytest.mark.parametrize("program", ["TRAVEL", "FRIENDSHIP_NATIONAL", "FRIENDSHIP_PROVINCIAL"])
def test_once_per_person(world, file_claim, ready_claim, program):
    # a draft does not count (drafts never block); a submitted claim does
    assert file_claim(program).json["eligibility"]["eligible"]
    assert file_claim(program).json["eligibility"]["eligible"]
    ready_claim(program, submit=True)
    second = file_claim(program).json
    failed = {c["rule"] for c in second["eligibility"]["checks"] if not c["passed"]}
    assert "once_per_talent" in failed


@pytest.mark.parametrize("program", ["DEMO_BASE_NATIONAL", "DEMO_BASE_PROVINCIAL"])
def test_once_per_organization_and_level(world, file_claim, ready_claim, program):
    assert file_claim(program).json["eligibility"]["eligible"]
    ready_claim(program, submit=True)
    assert not file_claim(program).json["eligibility"]["eligible"]
    other_level = "DEMO_BASE_PROVINCIAL" if program == "DEMO_BASE_NATIONAL" else "DEMO_BASE_NATIONAL"
    assert file_claim(other_level).json["eligibility"]["eligible"]


def test_a_withdrawn_claim_does_not_count_as_claimed(world, file_claim):
    first = file_claim("TRAVEL").json
    world.employer.post(f"/claims/{first['id']}/actions", json={"action": "withdraw"})
    assert file_claim("TRAVEL").json["eligibility"]["eligible"]


def test_recruitment_is_per_person_time_and_project(world, file_claim, ready_claim):
    ready_claim("RECRUIT_KEY", submit=True)
    assert not file_claim("RECRUIT_KEY").json["eligibility"]["eligible"]
    other = world.hr.post(
        "/recruitment-projects", json={"name": "第二个重点项目", "level": "key", "year": 2025}
    ).json["id"]
    assert file_claim("RECRUIT_KEY", details={"project_id": other}).json["eligibility"]["eligible"]


def test_recruit_regular_refuses_a_key_project(world, file_claim):
    claim = file_claim("RECRUIT_REGULAR", details={"project_id": world.key_project}).json
    check = next(c for c in claim["eligibility"]["checks"] if c["rule"] == "project_level")
    assert not check["passed"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"program_code": "NOPE"}, "program_code"),
        ({"program_code": "TRAVEL", "talent_code": "SX99999999X"}, "talent_code"),
        ({"program_code": "TRAVEL", "amount_requested": "-1"}, "amount_requested"),
        ({"program_code": "TRAVEL", "amount_requested": "1.001"}, "amount_requested"),
        ({"program_code": "RECRUIT_KEY", "details": {"project_id": "abc"}}, "details.project_id"),
        (
            {"program_code": "HEADHUNTER", "details": {"contract_signed_on": "yesterday"}},
            "details.contract_signed_on",
        ),
        ({"program_code": "TRAVEL", "details": {"nested": {"a": 1}}}, "details.nested"),
        ({"program_code": "TRAVEL", "details": "text"}, "details"),
        ({"program_code": "TRAVEL", "surprise": 1}, "surprise"),
    ],
)
def test_bad_claim_input_is_422(world, body, field):
    assert_error(world.employer.post("/claims", json=body), 422, field)
    assert world.employer.get("/claims").json["total"] == 0


def test_an_employer_files_for_its_own_organization_only(world):
    response = world.employer.post(
        "/claims",
        json={"program_code": "TRAVEL", "talent_code": world.talent, "organization_id": world.other_org},
    )
    # another organisation's id is answered as an id that does not exist (CONTRACT "Who may name whom")
    unknown = world.employer.post(
        "/claims", json={"program_code": "TRAVEL", "talent_code": world.talent, "organization_id": 999999}
    )
    assert assert_error(response, 422, "organization_id") == assert_error(unknown, 422, "organization_id")


@pytest.mark.parametrize("role", ["finance", "auditor", "admin"])
def test_roles_that_do_not_file_claims(api_as, world, role):
    assert_error(api_as(role).post("/claims", json={"program_code": "TRAVEL"}), 403)


def test_details_keep_extra_keys(world, file_claim):
    claim = file_claim("TRAVEL", details={"flight": "CA934", "seats": 1}).json
    assert claim["details"]["flight"] == "CA934"


def test_a_draft_can_be_corrected(world, file_claim):
    claim = file_claim("TRAVEL", amount_requested=None).json
    assert not claim["eligibility"]["eligible"]
    fixed = world.employer.client.patch(
        f"/api/v1/claims/{claim['id']}",
        json={"amount_requested": "900.00"},
        headers={"Authorization": f"Bearer {world.employer.token}"},
    )
    assert fixed.status_code == 200 and fixed.json["eligibility"]["eligible"]
    assert fixed.json["amount_requested"] == "900.00"
    other = world.other_employer.client.patch(
        f"/api/v1/claims/{claim['id']}",
        json={"amount_requested": "1.00"},
        headers={"Authorization": f"Bearer {world.other_employer.token}"},
    )
    assert other.status_code == 404


DECISION = {  # what HR gives when approving, by program
    "KEY_TECH": {"amount_approved": "280000.00", "comment": "按外专百人计划标准核定"},
    "OUTSTANDING": {"amount_approved": "150000.00", "comment": "贡献突出，予以重奖"},
    "RETURNEE_VISIT": {"amount_approved": "18000.00", "comment": "按实际考察费用核定"},
}
APPROVED = {
    **EXPECTED_AMOUNTS,
    "KEY_TECH": "280000.00",
    "OUTSTANDING": "150000.00",
    "RETURNEE_VISIT": "18000.00",
}


@pytest.mark.parametrize("program", ALL_PROGRAMS)
def test_every_program_is_decided_through_the_api(world, ready_claim, program):
    from tests.world import act

    claim_id = ready_claim(program, submit=True)
    approved = act(world.hr, claim_id, "hr_approve", **DECISION.get(program, {}))
    assert approved.status_code == 200, approved.json
    if program in ("KEY_TECH", "OUTSTANDING"):
        assert approved.json["stage"] == "hr_second_approval"
        approved = act(world.senior, claim_id, "hr_approve")
    assert approved.json["status"] == "hr_approved"
    paid_next = act(world.finance, claim_id, "finance_approve")
    assert paid_next.status_code == 200 and paid_next.json["status"] == "finance_approved"
    assert paid_next.json["amount_approved"] == APPROVED[program]


# --- arrivals before the plan (issue 12, hole 7) --------------------------------------------


def test_travel_has_no_arrival_cut_off(world, file_claim, make_talent):
    """(六) sets no arrival cut-off for the travel subsidy: the ceiling in force on the day the
    claim is filed applies, also to a talent who came to Shanxi in 2015."""
    came_in_2015 = make_talent(world.employer_org, degree="master", shanxi_start_date="2015-06-01")
    claim = file_claim("TRAVEL", talent=came_in_2015).json
    checks = {c["rule"]: c for c in claim["eligibility"]["checks"]}
    assert checks["rate_in_force"]["passed"], checks["rate_in_force"]
    assert claim["eligibility"]["eligible"]
    assert claim["amount_expected"] == "8234.56"


def test_recruitment_before_the_plan_stays_refused(world, file_claim, make_talent):
    came_in_2015 = make_talent(world.employer_org, shanxi_start_date="2015-06-01")
    claim = file_claim("RECRUIT_KEY", talent=came_in_2015).json
    check = next(c for c in claim["eligibility"]["checks"] if c["rule"] == "rate_in_force")
    assert not check["passed"] and "2015-06-01" in check["reason_en"] and check["clause"] == "(六)"
