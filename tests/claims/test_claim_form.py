"""The claim form per incentive (issue 15): the incentive first, then only its fields, each
citing its clause; every error at once, next to its field and listed at the top; and the
talent picker, which names only whom the user may name (subjects/naming.py)."""

import re

import pytest

from tests.users.test_html_login import login
from tests.world import CLAIM_BODIES

#: What each incentive's form asks (besides the incentive itself).
EXPECTED_FIELDS = {
    "RECRUIT_KEY": {"talent_code", "project_id"},
    "RECRUIT_REGULAR": {"talent_code", "project_id"},
    "TRAVEL": {"talent_code", "amount_requested"},
    "RESEARCH_PACKAGE": {"talent_code", "amount_requested"},
    "KEY_TECH": {"talent_code", "justification", "amount_requested"},
    "RETURNEE_VISIT": {"talent_code", "justification", "amount_requested", "visit_date"},
    "FRIENDSHIP_NATIONAL": {"talent_code", "year"},
    "FRIENDSHIP_PROVINCIAL": {"talent_code", "year"},
    "OUTSTANDING": {"talent_code", "justification", "amount_requested"},
    "DEMO_BASE_NATIONAL": {"designated_on"},
    "DEMO_BASE_PROVINCIAL": {"designated_on"},
    "HEADHUNTER": {"talent_code", "contract_signed_on", "commission"},
}
CLAUSES = {
    "RECRUIT_KEY": "(六)",
    "TRAVEL": "(六)",
    "RETURNEE_VISIT": "(九)",
    "FRIENDSHIP_NATIONAL": "(十四)",
    "DEMO_BASE_NATIONAL": "(十五)",
    "HEADHUNTER": "(五)",
}
FIXED = {"csrf_token", "program_code", "show"}


def _csrf(client, path="/claims/new"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _without_templates(html: str) -> str:
    """The page as a browser shows it: <template>s are inert (claimform.js uses them)."""
    return re.sub(r"<template[^>]*>.*?</template>", "", html, flags=re.S)


def _shown_fieldsets(html: str) -> list[str]:
    """The fieldsets a browser shows (and sends): those neither hidden nor disabled."""
    parts = re.findall(r"<fieldset([^>]*)>(.*?)</fieldset>", _without_templates(html), flags=re.S)
    return [body for attrs, body in parts if "hidden" not in attrs and "disabled" not in attrs]


def _shown_fields(html: str) -> set[str]:
    form = re.search(r'<form method="post"[^>]*id="claim-form">(.*?)</form>', html, flags=re.S).group(1)
    form = re.sub(
        r"<fieldset[^>]*(?:hidden|disabled)[^>]*>.*?</fieldset>", "", _without_templates(form), flags=re.S
    )
    names = re.findall(r'<(?:input|select|textarea|button)[^>]*\bname="([^"]+)"', form)
    assert len(names) == len(set(names)), names  # one control per field: no twin hidden elsewhere
    return set(names) - FIXED


def _text(html: str) -> str:
    """What a reader sees: the page without its tags and attributes."""
    main = re.search(r"<main.*?</main>", html, flags=re.S).group(0)
    return re.sub(r"<[^>]+>", " ", main)


def _who(world, program):
    return world.agent if program == "HEADHUNTER" else world.employer


@pytest.mark.parametrize("program", sorted(EXPECTED_FIELDS))
def test_each_incentive_shows_only_its_fields(world, client, program):
    login(client, _who(world, program).user.username)
    response = client.get(f"/claims/new?program={program}&lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _shown_fields(html) == EXPECTED_FIELDS[program]
    shown = "".join(_shown_fieldsets(html))
    if program in CLAUSES:  # each field's help cites the plan's clause
        assert f"晋发〔2017〕47号 {CLAUSES[program]}" in shown
        assert "Required by 晋发〔2017〕47号" in shown
    assert program not in _text(html)  # no internal code shown


def test_a_recruitment_claim_offers_only_projects_of_its_level(world, client):
    login(client, world.employer.user.username)
    shown = "".join(_shown_fieldsets(client.get("/claims/new?program=RECRUIT_KEY").get_data(as_text=True)))
    assert "重点项目" in shown and "常规项目" not in shown


def test_without_a_choice_the_form_lists_the_incentives_the_user_may_claim(world, client):
    login(client, world.employer.user.username)
    html = client.get("/claims/new?lang=en").get_data(as_text=True)
    assert _shown_fields(html) == set()
    text = _text(html)
    assert "International travel subsidy" in text and "up to 20,000.00" in text and "(六)" in text
    assert "Headhunter commission" not in html  # an employer does not file the commission
    assert 'href="/claims/new?program=TRAVEL"' in html
    login(client, world.agent.user.username)
    html = client.get("/claims/new?lang=en").get_data(as_text=True)
    assert "Headhunter commission" in html and "International travel subsidy" not in html


def test_without_script_the_choice_is_sent_and_its_form_comes_back(world, client):
    login(client, world.employer.user.username)
    response = client.post(
        "/claims/new", data={"csrf_token": _csrf(client), "program_code": "TRAVEL", "show": "1"}
    )
    assert response.status_code == 303 and response.location.endswith("/claims/new?program=TRAVEL")


def test_every_error_is_shown_at_once_next_to_its_field_and_listed_at_the_top(world, client):
    login(client, world.employer.user.username)
    response = client.post(
        "/claims/new?lang=en",
        data={
            "csrf_token": _csrf(client),
            "program_code": "RETURNEE_VISIT",
            "talent_code": "Nobody Of This Name",
            "amount_requested": "lots",
            "visit_date": "soon",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for anchor in (
        "talent_code",
        "RETURNEE_VISIT-justification",
        "RETURNEE_VISIT-amount_requested",
        "RETURNEE_VISIT-visit_date",
    ):
        assert f'id="{anchor}-errors"' in html, anchor  # next to the field
        assert f'href="#{anchor}"' in html, anchor  # and in the list at the top
    assert "Correct these fields (4):" in html
    assert "No talent has this code or name." in html
    assert world.employer.get("/claims").json["total"] == 0


def test_the_operations_refusal_lands_on_its_field(world, client):
    login(client, world.hr.user.username)
    response = client.post(
        "/claims/new?lang=en",
        data={
            "csrf_token": _csrf(client),
            "program_code": "DEMO_BASE_NATIONAL",
            "organization_id": "999999",
            "designated_on": "2026-03-01",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="organization_id-errors"' in html and 'href="#organization_id"' in html
    assert "No organisation has this id." in html


def test_a_claim_filed_in_the_form_names_the_talent_by_exact_name(world, client):
    login(client, world.employer.user.username)
    response = client.post(
        "/claims/new",
        data={
            "csrf_token": _csrf(client),
            "program_code": "RECRUIT_KEY",
            "talent_code": "ada researcher",
            "project_id": str(world.key_project),
            "year": "2025",  # another incentive's field: not this claim's
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    claim_id = int(response.location.rstrip("/").split("/")[-1])
    claim = world.employer.get(f"/claims/{claim_id}").json
    assert claim["talent_code"] == world.talent
    assert claim["details"] == {"project_id": world.key_project}


@pytest.mark.parametrize("program", ["TRAVEL", "KEY_TECH", "FRIENDSHIP_NATIONAL", "DEMO_BASE_NATIONAL"])
def test_each_incentive_files_what_its_form_asks(world, client, program):
    login(client, world.employer.user.username)
    body = CLAIM_BODIES[program](world)
    data = {"csrf_token": _csrf(client), "program_code": program, **body.get("details", {})}
    if "amount_requested" in body:
        data["amount_requested"] = body["amount_requested"]
    if not program.startswith("DEMO_BASE"):
        data["talent_code"] = world.talent
    response = client.post("/claims/new", data={k: str(v) for k, v in data.items()})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    claim = world.employer.get(f"/claims/{response.location.rstrip('/').split('/')[-1]}").json
    assert claim["program_code"] == program
    for key, value in body.get("details", {}).items():
        assert claim["details"][key] == value


def test_the_intermediary_files_its_commission_naming_the_talent_by_code(world, client):
    login(client, world.agent.user.username)
    response = client.post(
        "/claims/new",
        data={
            "csrf_token": _csrf(client),
            "program_code": "HEADHUNTER",
            "talent_code": world.talent,
            "contract_signed_on": "2023-12-01",
            "commission": "40000.00",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


# --- the talent picker -------------------------------------------------------------------------


def _pick(client, q="", program=None):
    query = {"q": q} | ({"program": program} if program else {})
    response = client.get("/talents/picker.json", query_string=query)
    assert response.status_code == 200, response.status_code
    return response.json["talents"]


def test_the_picker_offers_an_employer_its_own_staff_only(world, client):
    login(client, world.employer.user.username)
    assert _pick(client, "", "TRAVEL") == [{"code": world.talent, "name": "Ada Researcher"}]
    assert _pick(client, "ada", "TRAVEL") == [{"code": world.talent, "name": "Ada Researcher"}]
    assert _pick(client, world.talent[:6]) == [{"code": world.talent, "name": "Ada Researcher"}]
    # another organisation's talent never appears, by name, by code, or by a wildcard
    assert _pick(client, "Bob") == []
    assert _pick(client, world.other_talent) == []
    assert _pick(client, "%") == [] and _pick(client, "_") == []


def test_an_employer_cannot_name_another_organisations_talent_in_the_form(world, client):
    login(client, world.employer.user.username)
    for typed, hidden in (("Bob Other", world.other_talent), (world.other_talent, "Bob Other")):
        response = client.post(
            "/claims/new?lang=en",
            data={
                "csrf_token": _csrf(client),
                "program_code": "TRAVEL",
                "talent_code": typed,
                "amount_requested": "1",
            },
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert 'id="talent_code-errors"' in html
        assert hidden not in html  # the name does not give the code away, nor the code the name
    assert world.employer.get("/claims").json["total"] == 0


def test_the_picker_offers_hr_anyone(world, client, make_talent):
    for n in range(25):
        make_talent(name=f"Zed Many {n:02d}")
    login(client, world.hr.user.username)
    assert {t["code"] for t in _pick(client, "Other")} == {world.other_talent}
    assert len(_pick(client, "Zed Many")) == 20  # at most 20 at once


def test_the_picker_never_lists_talent_to_an_intermediary_it_has_not_named(world, client):
    login(client, world.agent.user.username)
    for program in (None, "HEADHUNTER", "TRAVEL"):
        assert _pick(client, "", program) == []
        assert _pick(client, "Ada", program) == []
        assert _pick(client, world.talent, program) == []
    # once it has named a talent on its own commission claim, it sees that name and code there
    filed = world.agent.post(
        "/claims",
        json={
            "program_code": "HEADHUNTER",
            "talent_code": world.talent,
            "details": {"contract_signed_on": "2023-12-01", "commission": "40000.00"},
        },
    )
    assert filed.status_code == 201
    assert _pick(client, "", "HEADHUNTER") == [{"code": world.talent, "name": "Ada Researcher"}]
    assert _pick(client, "", "TRAVEL") == [] and _pick(client, "") == []
    assert _pick(client, "Bob", "HEADHUNTER") == []
    assert world.agent.get(f"/talents/{world.talent}").status_code == 404  # still no record


def test_the_picker_is_for_those_who_file_claims(world, client):
    assert client.get("/talents/picker.json?q=Ada").status_code in (302, 401)
    login(client, world.finance.user.username)
    assert client.get("/talents/picker.json?q=Ada").status_code == 403
