"""Organisations: who registers them, their code and city, and who sees them."""

import pytest

from tests.conftest import new_credit_code, wrong_check
from tests.core.test_api_shape import assert_error


def _body(**overrides):
    body = {
        "kind": "employer",
        "name": "太原示例科技有限公司",
        "credit_code": new_credit_code(),
        "city": "太原市",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admin_register_organizations(api_as, role):
    body = _body()
    response = api_as(role).post("/organizations", json=body)
    assert response.status_code == 201
    created = response.json
    assert created["kind"] == "employer" and created["city"] == "太原市"
    assert created["credit_code"] == body["credit_code"] and created["id"]


@pytest.mark.parametrize("role", ["employer", "intermediary", "finance", "auditor"])
def test_other_roles_cannot_register_organizations(api_as, role):
    assert_error(api_as(role).post("/organizations", json=_body()), 403)


def test_credit_code_is_checked_by_its_check_character(api_as):
    hr = api_as("hr")
    assert_error(
        hr.post("/organizations", json=_body(credit_code=wrong_check(new_credit_code()))), 422, "credit_code"
    )
    assert_error(hr.post("/organizations", json=_body(credit_code="12345")), 422, "credit_code")


def test_lower_case_credit_code_is_normalised(
    api_as,
):
    code = "91350100M000100Y43"
    response = api_as("hr").post("/organizations", json=_body(credit_code=code.lower()))
    assert response.status_code == 201 and response.json["credit_code"] == code


@pytest.mark.parametrize(
    "city",
    [
        "太原市",
        "大同市",
        "朔州市",
        "忻州市",
        "阳泉市",
        "吕梁市",
        "晋中市",
        "长治市",
        "晋城市",
        "临汾市",
        "运城市",
    ],
)
def test_each_of_the_eleven_cities_is_accepted(api_as, city):
    assert api_as("hr").post("/organizations", json=_body(city=city)).status_code == 201


@pytest.mark.parametrize("city", ["北京市", "西安市", "Springfield", "太原区"])
def test_cities_outside_the_province_are_refused(api_as, city):
    assert_error(api_as("hr").post("/organizations", json=_body(city=city)), 422, "city")


def test_same_credit_code_twice_is_409(api_as):
    hr = api_as("hr")
    body = _body()
    first = hr.post("/organizations", json=body)
    error = assert_error(
        hr.post("/organizations", json=_body(credit_code=body["credit_code"], name="另一个名字")), 409
    )
    assert error["organization_id"] == first.json["id"]


def test_employers_see_only_their_own_organization(api_as, make_org):
    mine, other = make_org(), make_org()
    employer = api_as("employer", organization_id=mine)
    assert employer.get(f"/organizations/{mine}").status_code == 200
    assert_error(employer.get(f"/organizations/{other}"), 404)
    assert_error(employer.get("/organizations/999999"), 404)
    listing = employer.get("/organizations").json
    assert [o["id"] for o in listing["items"]] == [mine]


def test_intermediaries_see_only_their_own_organization(api_as, make_org):
    agency, employer = make_org("intermediary"), make_org()
    agent = api_as("intermediary", organization_id=agency)
    assert agent.get(f"/organizations/{agency}").status_code == 200
    assert_error(agent.get(f"/organizations/{employer}"), 404)


@pytest.mark.parametrize("role", ["hr", "finance", "auditor", "admin"])
def test_staff_see_every_organization(api_as, make_org, role):
    ids = [make_org(), make_org("intermediary")]
    api = api_as(role)
    assert all(api.get(f"/organizations/{i}").status_code == 200 for i in ids)
    assert api.get("/organizations").json["total"] == 2


def test_organizations_can_be_filtered(api_as, make_org):
    make_org(name="甲公司"), make_org("intermediary", name="乙中介")
    hr = api_as("hr")
    assert [o["name"] for o in hr.get("/organizations?kind=intermediary").json["items"]] == ["乙中介"]
    assert [o["name"] for o in hr.get("/organizations?q=甲").json["items"]] == ["甲公司"]
