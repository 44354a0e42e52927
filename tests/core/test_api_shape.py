"""The contract's API shape: error body, status codes, pagination, amounts, bad input."""

import pytest

from tests.conftest import talent_payload


def assert_error(response, status, *fields):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message", "fields"} <= set(error)
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    for field in fields:
        assert field in error["fields"], error["fields"]
        assert all(isinstance(m, str) and m for m in error["fields"][field])
    return error


def test_malformed_json_is_400(api_as):
    hr = api_as("hr")
    response = hr.client.post(
        "/api/v1/organizations",
        data="{not json",
        headers={"Authorization": f"Bearer {hr.token}", "Content-Type": "application/json"},
    )
    assert_error(response, 400)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "employer", "name": "甲", "credit_code": "x", "city": "太原市", "evil": 1}, "evil"),
        ({"kind": "school", "name": "甲", "credit_code": "x", "city": "太原市"}, "kind"),
        ({"kind": "employer", "name": 12, "credit_code": "x", "city": "太原市"}, "name"),
        ({"kind": "employer", "name": "甲" * 10000, "credit_code": "x", "city": "太原市"}, "name"),
        ({"kind": "employer", "credit_code": "x", "city": "太原市"}, "name"),
        ({"kind": "employer", "name": "甲", "credit_code": None, "city": "太原市"}, "credit_code"),
        ([1, 2, 3], "_schema"),
        ("a string", "_schema"),
    ],
)
def test_bad_organization_input_is_422_with_the_field(api_as, body, field):
    hr = api_as("hr")
    assert_error(hr.post("/organizations", json=body), 422, field)
    assert hr.get("/organizations").json["total"] == 0  # nothing changed


@pytest.mark.parametrize(
    "override, field",
    [
        ({"years_experience": "ten"}, "years_experience"),
        ({"years_experience": -1}, "years_experience"),
        ({"years_experience": 10**12}, "years_experience"),
        ({"years_experience": 3.5}, "years_experience"),
        ({"birth_date": "1980-13-45"}, "birth_date"),
        ({"birth_date": "yesterday"}, "birth_date"),
        ({"degree": "phd"}, "degree"),
        ({"permit_class": "D"}, "permit_class"),
        ({"nationality": "ZZZ"}, "nationality"),
        ({"nationality": "GERMANY"}, "nationality"),
        ({"passport_no": "x" * 10000}, "passport_no"),
        ({"employer_id": "one"}, "employer_id"),
        ({"employer_id": 10**20}, "employer_id"),
        ({"graduated_in_china": "maybe"}, "graduated_in_china"),
    ],
)
def test_bad_talent_input_is_422_with_the_field(api_as, make_org, override, field):
    hr = api_as("hr")
    assert_error(hr.post("/talents", json=talent_payload(make_org(), **override)), 422, field)
    assert hr.get("/talents").json["total"] == 0


@pytest.mark.parametrize("amount", ["-5.00", "0", "abc", "1.234", "1e400", 10**15, None, True])
def test_bad_amounts_are_422(api_as, amount):
    admin = api_as("admin")
    response = admin.post(
        "/programs/TRAVEL/rates",
        json={"kind": "ceiling", "amount": amount, "effective_from": "2027-01-01", "reason": "review"},
    )
    assert_error(response, 422, "amount")


def test_unknown_path_is_404_in_the_contract_shape(api_as):
    assert_error(api_as("hr").get("/no-such-thing"), 404)


def test_wrong_method_is_405_in_the_contract_shape(api_as):
    response = api_as("hr").delete("/programs")
    assert_error(response, 405)


def test_missing_token_is_401(client):
    response = client.get("/api/v1/programs")
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_401(client):
    response = client.get("/api/v1/programs", headers={"Authorization": "Bearer " + "x" * 5000})
    assert_error(response, 401)


def test_body_too_large_is_413(app, api_as):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    hr = api_as("hr")
    response = hr.post("/organizations", json={"name": "x" * 5000})
    assert_error(response, 413)


def test_lists_are_paginated(api_as, make_org):
    hr = api_as("hr")
    for _ in range(3):
        make_org()
    page = hr.get("/organizations?page=2&per_page=2").json
    assert set(page) == {"items", "total", "page", "per_page"}
    assert page["total"] == 3 and page["page"] == 2 and page["per_page"] == 2
    assert len(page["items"]) == 1


@pytest.mark.parametrize("query", ["page=0", "per_page=0", "per_page=1000", "page=abc"])
def test_bad_pagination_is_422(api_as, query):
    assert_error(api_as("hr").get(f"/organizations?{query}"), 422)


def test_amounts_are_strings_with_two_decimals(api_as):
    items = api_as("hr").get("/programs").json["items"]
    rates = {p["code"]: p["current_rate"] for p in items}
    assert rates["RECRUIT_KEY"] == "100000.00"
    assert rates["TRAVEL"] is None


def test_openapi_document_is_generated_from_the_schemas(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/users",
        "/api/v1/organizations",
        "/api/v1/organizations/{organization_id}",
        "/api/v1/talents",
        "/api/v1/talents/{talent_code}",
        "/api/v1/programs",
        "/api/v1/claims",
        "/api/v1/claims/{claim_id}",
        "/api/v1/claims/{claim_id}/documents",
        "/api/v1/claims/{claim_id}/actions",
        "/api/v1/recruitment-projects",
        "/api/v1/credit-list",
        "/api/v1/credit-list/{listing_id}",
        "/api/v1/conflicts",
        "/api/v1/benchmarks",
        "/api/v1/stage-limits",
        "/api/v1/calendar",
        "/api/v1/notifications",
        "/api/v1/budgets",
        "/api/v1/budgets/{line_id}/adjustments",
        "/api/v1/payment-batches",
        "/api/v1/payment-batches/{batch_id}/actions",
        "/api/v1/payment-batches/{batch_id}/bank-file",
        "/api/v1/payment-batches/{batch_id}/bank-result",
        "/api/v1/ledger",
        "/api/v1/ledger/verify",
        "/api/v1/recoveries",
        "/api/v1/claims/bulk-actions",
        "/api/v1/claims/{claim_id}/corrections",
    ):
        assert path in paths, path
    schemas = spec["components"]["schemas"]
    talent_create = schemas["TalentCreate"]
    assert set(talent_create["required"]) >= {
        "name",
        "nationality",
        "passport_no",
        "birth_date",
        "degree",
        "years_experience",
        "shanxi_start_date",
    }
    assert talent_create["properties"]["degree"]["enum"] == ["none", "bachelor", "master", "doctorate"]
    action = schemas["Action"]["properties"]["action"]
    assert set(action["enum"]) >= {
        "submit",
        "withdraw",
        "return",
        "hr_approve",
        "hr_reject",
        "finance_approve",
        "finance_reject",
        "appeal",
    }
    upload = paths["/api/v1/claims/{claim_id}/documents"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    # the token endpoint needs no token
    assert paths["/api/v1/auth/token"]["post"]["security"] == []


def test_no_500_for_a_flood_of_odd_inputs(api_as, make_org):
    hr = api_as("hr")
    odd_values = [None, "", " ", 0, -1, 2**63, 1.5, True, [], {}, "💥" * 300, "' OR 1=1 --", "\x00"]
    org = make_org()
    for field in talent_payload(org):
        for value in odd_values:
            response = hr.post("/talents", json=talent_payload(org, **{field: value}))
            assert response.status_code in (201, 400, 409, 422), (field, value, response.json)
