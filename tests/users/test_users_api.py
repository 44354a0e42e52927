"""Creating users: administrators only, roles and organisations that fit, no duplicates."""

import pytest

from tests.core.test_api_shape import assert_error


def test_admin_creates_a_user_who_can_log_in(client, api_as):
    admin = api_as("admin")
    response = admin.post("/users", json={"username": "li.hr", "password": "a-long-password", "role": "hr"})
    assert response.status_code == 201
    assert response.json["role"] == "hr" and "password" not in response.json
    token = client.post("/api/v1/auth/token", json={"username": "li.hr", "password": "a-long-password"})
    assert token.status_code == 200 and token.json["role"] == "hr"


@pytest.mark.parametrize("role", ["hr", "finance", "auditor", "employer", "intermediary"])
def test_only_admins_create_users(api_as, role):
    response = api_as(role).post(
        "/users", json={"username": "x-user", "password": "a-long-password", "role": "hr"}
    )
    assert_error(response, 403)


def test_employer_user_belongs_to_an_employer(api_as, make_org):
    admin = api_as("admin")
    employer_org, agency = make_org("employer"), make_org("intermediary")
    base = {"password": "a-long-password", "role": "employer"}
    assert_error(admin.post("/users", json={**base, "username": "e1"}), 422, "organization_id")
    assert_error(
        admin.post("/users", json={**base, "username": "e2", "organization_id": agency}),
        422,
        "organization_id",
    )
    assert_error(
        admin.post("/users", json={**base, "username": "e3", "organization_id": 999999}),
        422,
        "organization_id",
    )
    assert (
        admin.post("/users", json={**base, "username": "e4", "organization_id": employer_org}).status_code
        == 201
    )
    assert_error(
        admin.post(
            "/users",
            json={
                "username": "h1",
                "password": "a-long-password",
                "role": "hr",
                "organization_id": employer_org,
            },
        ),
        422,
        "organization_id",
    )


@pytest.mark.parametrize("password", ["short", "1234567", "x-user"])
def test_passwords_have_a_minimum_length_and_are_not_the_name(api_as, password):
    response = api_as("admin").post("/users", json={"username": "x-user", "password": password, "role": "hr"})
    assert_error(response, 422, "password")


def test_duplicate_user_name_is_409(api_as):
    admin = api_as("admin")
    body = {"username": "dup", "password": "a-long-password", "role": "auditor"}
    assert admin.post("/users", json=body).status_code == 201
    assert_error(admin.post("/users", json={**body, "username": "DUP"}), 409, "username")


@pytest.mark.parametrize("username", ["a", "has space", "ünïcode", "-start", "x" * 65])
def test_bad_user_names_are_422(api_as, username):
    response = api_as("admin").post(
        "/users", json={"username": username, "password": "a-long-password", "role": "hr"}
    )
    assert_error(response, 422, "username")
