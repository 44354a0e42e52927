"""Talent registration: one code per person for life (一人一码，终身不变, seed 003)."""

import re

import pytest

from tests.conftest import talent_payload
from tests.core.test_api_shape import assert_error

CODE = re.compile(r"^SX\d{8}[\dX]$")


def test_hr_registers_a_talent_and_gets_a_code(api_as, make_org):
    hr = api_as("hr")
    employer = make_org()
    response = hr.post("/talents", json=talent_payload(employer, name="Hans Müller"))
    assert response.status_code == 201
    body = response.json
    assert CODE.match(body["talent_code"])
    assert body["employer_id"] == employer and body["permit_class"] == "A"
    fetched = hr.get(f"/talents/{body['talent_code']}")
    assert fetched.status_code == 200 and fetched.json["name"] == "Hans Müller"


def test_codes_are_distinct_and_increasing(api_as, make_org):
    hr = api_as("hr")
    org = make_org()
    codes = [hr.post("/talents", json=talent_payload(org)).json["talent_code"] for _ in range(3)]
    assert len(set(codes)) == 3
    assert codes == sorted(codes)


def test_same_passport_again_is_409_naming_the_code(api_as, make_org):
    hr = api_as("hr")
    org = make_org()
    first = hr.post("/talents", json=talent_payload(org, passport_no="AB123456")).json["talent_code"]
    again = hr.post(
        "/talents",
        json=talent_payload(org, passport_no="ab-123 456", name="Other Name", birth_date="1990-02-02"),
    )
    error = assert_error(again, 409, "passport_no")
    assert error["talent_code"] == first and first in error["message"]


@pytest.mark.parametrize("variant", ["hans muller", "MÜLLER, Hans", " Hans  Müller "])
def test_same_name_birth_date_and_nationality_is_409(api_as, make_org, variant):
    hr = api_as("hr")
    org = make_org()
    first = hr.post("/talents", json=talent_payload(org, name="Hans Müller")).json["talent_code"]
    error = assert_error(hr.post("/talents", json=talent_payload(org, name=variant)), 409, "name")
    assert error["talent_code"] == first


def test_same_name_with_another_birth_date_or_nationality_is_another_person(api_as, make_org):
    hr = api_as("hr")
    org = make_org()
    assert hr.post("/talents", json=talent_payload(org, name="Ann Lee")).status_code == 201
    assert (
        hr.post("/talents", json=talent_payload(org, name="Ann Lee", birth_date="1981-01-15")).status_code
        == 201
    )
    assert hr.post("/talents", json=talent_payload(org, name="Ann Lee", nationality="GBR")).status_code == 201


def test_passport_renewal_keeps_the_code_and_the_history(api_as, make_org):
    hr = api_as("hr")
    org = make_org()
    code = hr.post("/talents", json=talent_payload(org, passport_no="OLD111")).json["talent_code"]
    renewed = hr.post(f"/talents/{code}/passports", json={"passport_no": "NEW222"})
    assert renewed.status_code == 201
    assert renewed.json["talent_code"] == code and renewed.json["passport_no"] == "NEW222"
    assert [p["passport_no"] for p in renewed.json["passports"]] == ["OLD111", "NEW222"]
    # the old passport still identifies the same person
    error = assert_error(
        hr.post("/talents", json=talent_payload(org, passport_no="OLD111", name="Someone Else")), 409
    )
    assert error["talent_code"] == code
    # a passport already held by another person cannot be recorded as a renewal
    other = hr.post("/talents", json=talent_payload(org, passport_no="THIRD333")).json["talent_code"]
    error = assert_error(hr.post(f"/talents/{code}/passports", json={"passport_no": "THIRD333"}), 409)
    assert error["talent_code"] == other


@pytest.mark.parametrize("nationality", ["HKG", "MAC", "TWN"])
def test_hong_kong_macao_taiwan_talent_is_handled_the_same_way(api_as, make_org, nationality):
    hr = api_as("hr")
    org = make_org()
    # They need no work permit (but may give one); everything else is as for foreign talent.
    body = talent_payload(org, nationality=nationality, work_permit_no=None, permit_class=None)
    response = hr.post("/talents", json=body)
    assert response.status_code == 201 and CODE.match(response.json["talent_code"])
    assert_error(
        hr.post("/talents", json={**body, "name": body["name"].upper(), "passport_no": "ANOTHER1"}), 409
    )


def test_foreign_passport_holders_need_a_work_permit(api_as, make_org):
    response = api_as("hr").post(
        "/talents", json=talent_payload(make_org(), work_permit_no=None, permit_class=None)
    )
    assert_error(response, 422, "work_permit_no", "permit_class")


def test_mainland_citizens_are_not_foreign_talent(api_as, make_org):
    assert_error(
        api_as("hr").post("/talents", json=talent_payload(make_org(), nationality="CHN")), 422, "nationality"
    )


@pytest.mark.parametrize(
    "override, field",
    [
        ({"birth_date": "2020-01-01"}, "birth_date"),
        ({"shanxi_start_date": "1979-01-01"}, "shanxi_start_date"),
        ({"shanxi_start_date": "2099-01-01"}, "shanxi_start_date"),
    ],
)
def test_dates_must_make_sense(api_as, make_org, override, field):
    assert_error(api_as("hr").post("/talents", json=talent_payload(make_org(), **override)), 422, field)


def test_the_employer_must_be_an_employer(api_as, make_org):
    hr = api_as("hr")
    assert_error(hr.post("/talents", json=talent_payload(make_org("intermediary"))), 422, "employer_id")
    assert_error(hr.post("/talents", json=talent_payload(999999)), 422, "employer_id")


def test_an_employer_registers_its_own_staff_only(api_as, make_org):
    mine, other = make_org(), make_org()
    employer = api_as("employer", organization_id=mine)
    own = employer.post("/talents", json=talent_payload(mine))
    assert own.status_code == 201
    implicit = employer.post("/talents", json=talent_payload(None))
    assert implicit.status_code == 201 and implicit.json["employer_id"] == mine
    # another employer is answered as an employer that does not exist
    assert assert_error(
        employer.post("/talents", json=talent_payload(other)), 422, "employer_id"
    ) == assert_error(employer.post("/talents", json=talent_payload(999999)), 422, "employer_id")


def test_employers_see_only_their_own_talent(api_as, make_org, make_talent):
    mine, other = make_org(), make_org()
    own_code, other_code = make_talent(mine), make_talent(other)
    employer = api_as("employer", organization_id=mine)
    assert employer.get(f"/talents/{own_code}").status_code == 200
    assert_error(employer.get(f"/talents/{other_code}"), 404)
    assert [t["talent_code"] for t in employer.get("/talents").json["items"]] == [own_code]
    assert_error(employer.post(f"/talents/{other_code}/passports", json={"passport_no": "Z9"}), 404)


@pytest.mark.parametrize("role", ["intermediary", "finance", "auditor", "admin"])
def test_roles_that_do_not_register_talent(api_as, make_org, role):
    assert_error(api_as(role).post("/talents", json=talent_payload(make_org())), 403)


def test_intermediaries_do_not_see_talent_they_have_no_claim_for(api_as, make_talent):
    code = make_talent()
    agent = api_as("intermediary")
    assert_error(agent.get(f"/talents/{code}"), 404)
    assert agent.get("/talents").json["total"] == 0


def test_talent_search(api_as, make_org, make_talent):
    org = make_org()
    make_talent(org, name="Ada Lovelace", passport_no="ADA1")
    make_talent(org, name="Alan Turing", passport_no="TUR2")
    hr = api_as("hr")
    assert [t["name"] for t in hr.get("/talents?q=Turing").json["items"]] == ["Alan Turing"]
    assert [t["name"] for t in hr.get("/talents?q=ADA1").json["items"]] == ["Ada Lovelace"]


# --- one person, one code: the holes of issue 12 (6) ---------------------------------------


def test_the_same_work_permit_again_is_409_naming_the_code(api_as, make_org):
    hr = api_as("hr")
    org = make_org()
    first = hr.post("/talents", json=talent_payload(org, work_permit_no="WP-2024-0001")).json["talent_code"]
    again = hr.post(
        "/talents",
        json=talent_payload(org, work_permit_no="wp20240001", name="Another Name", birth_date="1985-05-05"),
    )
    error = assert_error(again, 409, "work_permit_no")
    assert error["code"] == "duplicate_talent" and error["talent_code"] == first
    assert first in error["fields"]["work_permit_no"][0]


def test_a_change_of_nationality_does_not_make_a_new_person(api_as, make_org):
    hr = api_as("hr")
    org = make_org()
    body = talent_payload(org, name="Maria Schmidt", nationality="DEU", birth_date="1982-03-04")
    code = hr.post("/talents", json=body).json["talent_code"]
    # she becomes Austrian: a new passport, the same code
    renewed = hr.post(f"/talents/{code}/passports", json={"passport_no": "AT7654321", "nationality": "AUT"})
    assert renewed.status_code in (200, 201) and renewed.json["nationality"] == "AUT"
    # registered again under the nationality she held before, with a new passport and permit
    again = hr.post("/talents", json={**body, "passport_no": "DE0000999", "work_permit_no": "WP9999999999"})
    assert assert_error(again, 409, "name")["talent_code"] == code
    # or under the new one
    again = hr.post(
        "/talents",
        json={**body, "nationality": "AUT", "passport_no": "AT0000111", "work_permit_no": "WP8888888888"},
    )
    assert assert_error(again, 409, "name")["talent_code"] == code
    # a new nationality with a new passport but the permit she holds: the permit shows it
    again = hr.post(
        "/talents",
        json={**body, "name": "Maria Schmidt-Huber", "nationality": "CHE", "passport_no": "CH1111111"},
    )
    assert assert_error(again, 409, "work_permit_no")["talent_code"] == code
