"""Who may name whom (CONTRACT.md), and drafts that never block: the holes of issue 12
(1, 2), each tried through the API as a dishonest applicant would."""

import pytest

from tests.core.test_api_shape import assert_error
from tests.world import act, upload


def _unknown(response):
    """The answer to a talent one may not name: exactly the answer to a code never issued."""
    error = assert_error(response, 422, "talent_code")
    return error["code"], error["fields"]["talent_code"]


@pytest.mark.parametrize("program", ["TRAVEL", "RECRUIT_KEY", "FRIENDSHIP_PROVINCIAL"])
def test_an_employer_names_only_its_own_talents(world, file_claim, program):
    """Hole 1: an unrelated employer filed a TRAVEL draft for another employer's talent."""
    stranger = file_claim(program, world.other_employer, talent=world.talent)
    never_issued = file_claim(program, world.other_employer, talent="SX99999999X")
    assert _unknown(stranger) == _unknown(never_issued)
    assert world.employer.get("/claims").json["total"] == 0
    # its own talent it names
    assert file_claim("TRAVEL", world.other_employer, talent=world.other_talent).status_code == 201


def test_an_employer_names_only_its_own_organisation(world, file_claim):
    refused = file_claim(
        "TRAVEL", world.other_employer, talent=world.other_talent, organization_id=world.employer_org
    )
    unknown = file_claim("TRAVEL", world.other_employer, talent=world.other_talent, organization_id=999999)
    assert (
        assert_error(refused, 422, "organization_id")["fields"]
        == assert_error(unknown, 422, "organization_id")["fields"]
    )


def test_an_intermediary_names_a_talent_only_on_a_commission_claim(world, file_claim):
    for program in ("TRAVEL", "RECRUIT_KEY", "RETURNEE_VISIT"):
        assert _unknown(file_claim(program, world.agent, talent=world.talent)) == _unknown(
            file_claim(program, world.agent, talent="SX99999999X")
        )
    assert file_claim("HEADHUNTER", world.agent, talent=world.talent).status_code == 201


def test_naming_a_talent_does_not_reveal_the_talent(world, file_claim):
    """Hole 2: a HEADHUNTER draft naming any code opened GET /talents/{code} (passport,
    birth date, permit, bank account); codes are sequential, so they could be walked."""
    assert world.agent.get(f"/talents/{world.talent}").status_code == 404
    assert file_claim("HEADHUNTER", world.agent, talent=world.talent).status_code == 201
    assert_error(world.agent.get(f"/talents/{world.talent}"), 404)
    assert_error(world.agent.get(f"/talents/{world.other_talent}"), 404)
    assert world.agent.get("/talents").json["items"] == []
    listed = world.agent.get("/claims").json["items"][0]
    assert (listed["talent_code"], listed["talent_name"]) == (world.talent, "Ada Researcher")
    # nor may it touch the record through its other calls
    assert world.agent.post(
        f"/talents/{world.talent}/passports", json={"passport_no": "X1234567"}
    ).status_code in (403, 404)


def test_hr_names_anyone_on_an_applicants_behalf(world, file_claim):
    filed = file_claim("TRAVEL", world.hr, talent=world.other_talent)
    assert filed.status_code == 201 and filed.json["organization_id"] == world.other_org


# --- drafts never block --------------------------------------------------------------------


def _submit_ready(world, api, claim_id, kinds):
    for kind in kinds:
        assert upload(api, claim_id, kind).status_code == 201
    return act(api, claim_id, "submit")


def test_a_draft_never_blocks_anothers_claim(world, file_claim):
    """Hole 1 (cont.): every live draft, even an ineligible one, counted against the
    once-per-person rules, and the rightful employer could not withdraw it."""
    hr_draft = file_claim("TRAVEL", world.hr, talent=world.talent).json
    colleague_draft = file_claim("TRAVEL", world.employer_colleague).json
    mine = file_claim("TRAVEL").json
    checks = {c["rule"]: c["passed"] for c in mine["eligibility"]["checks"]}
    assert checks["once_per_talent"] is True and mine["eligibility"]["eligible"]
    assert {hr_draft["status"], colleague_draft["status"]} == {"draft"}
    # the first submitted wins; the other is refused at submission, with the rule's clause
    assert _submit_ready(world, world.employer, mine["id"], mine["required_documents"]).status_code == 200
    refused = _submit_ready(
        world, world.employer_colleague, colleague_draft["id"], colleague_draft["required_documents"]
    )
    error = assert_error(refused, 409)
    assert error["code"] == "not_eligible"
    failed = {c["rule"]: c for c in refused.json["error"]["checks"]}
    assert failed["once_per_talent"]["clause"] == "(六)"
    assert f"#{mine['id']}" in failed["once_per_talent"]["reason_en"]
    assert world.employer.get(f"/claims/{colleague_draft['id']}").json["status"] == "draft"


def test_a_later_draft_does_not_make_an_earlier_claim_ineligible(world, file_claim, ready_claim):
    claim_id = ready_claim("TRAVEL", submit=True)
    assert file_claim("TRAVEL", world.hr, talent=world.talent).status_code == 201
    assert act(world.hr2, claim_id, "hr_approve").status_code == 200
    assert act(world.finance, claim_id, "finance_approve").status_code == 200


def test_a_withdrawn_or_rejected_claim_frees_the_person(world, ready_claim):
    first = ready_claim("TRAVEL", submit=True)
    assert act(world.employer, first, "withdraw").status_code == 200
    second = ready_claim("TRAVEL", submit=True)
    assert act(world.hr, second, "hr_reject", comment="材料不实").status_code == 200
    ready_claim("TRAVEL", submit=True)


def test_a_paid_claim_counts_for_ever(world, ready_claim):
    from tests.world import paid_claim

    paid_claim(world, ready_claim, "TRAVEL")
    again = ready_claim("TRAVEL")
    refused = act(world.employer, again, "submit")
    assert assert_error(refused, 409)["code"] == "not_eligible"
