"""GET /claims: filters, pagination, and only one's own claims for applicants."""

from datetime import timedelta

from subsidy_app.core.timeutil import local_today
from tests.world import act


def _ids(api, query=""):
    return sorted(c["id"] for c in api.get(f"/claims{query}").json["items"])


def test_filters(world, ready_claim, file_claim, make_talent):
    travel = ready_claim("TRAVEL", submit=True)
    recruit = ready_claim("RECRUIT_KEY")
    second_talent = make_talent(world.employer_org, degree="master")
    other = file_claim("TRAVEL", talent=second_talent).json["id"]
    headhunter = ready_claim("HEADHUNTER", submit=True)
    hr = world.hr
    assert _ids(hr, "?status=submitted") == sorted([travel, headhunter])
    assert _ids(hr, "?program_code=TRAVEL") == sorted([travel, other])
    assert _ids(hr, f"?organization_id={world.agency}") == [headhunter]
    assert _ids(hr, f"?talent_code={second_talent}") == [other]
    assert _ids(hr, "?stage=drafting") == sorted([recruit, other])
    today = local_today()
    assert len(_ids(hr, f"?created_from={today}&created_to={today}")) == 4
    assert _ids(hr, f"?created_from={today + timedelta(days=1)}") == []
    assert _ids(hr, "?program_code=NOPE") == []


def test_applicants_see_their_own_only(world, ready_claim):
    mine = ready_claim("TRAVEL")
    agents = ready_claim("HEADHUNTER")
    assert _ids(world.employer) == [mine]
    assert _ids(world.agent) == [agents]
    assert _ids(world.other_employer) == []
    assert _ids(world.auditor) == sorted([mine, agents])


def test_pagination_and_newest_first_for_applicants(world, file_claim, make_talent):
    ids = [
        file_claim("TRAVEL", talent=make_talent(world.employer_org, degree="master")).json["id"]
        for _ in range(3)
    ]
    page = world.employer.get("/claims?per_page=2").json
    assert page["total"] == 3 and [c["id"] for c in page["items"]] == ids[::-1][:2]
    assert [c["id"] for c in world.employer.get("/claims?per_page=2&page=2").json["items"]] == [ids[0]]


def test_an_intermediary_sees_only_name_and_code_of_its_claims_talent(world, ready_claim):
    assert world.agent.get(f"/talents/{world.talent}").status_code == 404
    claim_id = ready_claim("HEADHUNTER")
    # naming a talent on a commission claim never opens the talent record (passport, birth
    # date, permit, bank account): the claim shows the name and the code, nothing more
    assert world.agent.get(f"/talents/{world.talent}").status_code == 404
    assert world.agent.get("/talents").json["items"] == []
    claim = world.agent.get(f"/claims/{claim_id}").json
    assert claim["talent_code"] == world.talent and claim["talent_name"] == "Ada Researcher"
    text = str(claim)
    for secret in ("passport", "birth_date", "work_permit", "bank_account", "6216600000001234567"):
        assert secret not in text


def test_applicant_sees_stage_and_deadline_at_any_time(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    listed = world.employer.get("/claims").json["items"][0]
    assert listed["stage"] == "hr_review" and listed["stage_deadline"]
    act(world.hr, claim_id, "return", comment="补正")
    listed = world.employer.get("/claims").json["items"][0]
    assert listed["status"] == "returned" and listed["stage"] == "applicant_response"
