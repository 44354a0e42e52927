"""Hostile input gets the contract's 400/404/422, never a 5xx; requests that collide get 409.

One test per cause found by schemathesis and the bad-input probe (issue 13): JSON nested
thousands deep, ids and years beyond the 32-bit columns, lone surrogates, dates whose next
day does not exist, and concurrent payment batches for one claim.

``created_to=9999-12-31`` is refused (422 on the field), not clamped: a date is accepted up
to 9999-12-30, whose next day still exists.
"""

import re
import threading

import pytest

from subsidy_app import create_app
from subsidy_app.extensions import db
from tests.conftest import DEFAULT_PASSWORD, TEST_CONFIG, new_credit_code, talent_payload
from tests.core.test_api_shape import assert_error

BIG = [2**31, 2**63, 10**30]


@pytest.fixture
def flavor(request):
    """The tests here run in the claim world (tests/world.py), but for the concurrency test:
    its database of its own is plain. (A PostgreSQL world template is built with other tokens
    than the shared world, and ``database_factory.worlds`` keeps one world per backend.)"""
    return "plain" if "database_url" in request.fixturenames else "world"


def deep(depth: int, leaf="x"):
    """``[[[…"x"…]]]`` nested ``depth`` deep, as JSON text (building it as Python objects
    would not hurt, but dumping them would recurse)."""
    return "[" * depth + f'"{leaf}"' + "]" * depth


# --- JSON nested thousands deep -------------------------------------------------------------


@pytest.mark.parametrize("depth", [65, 5000, 100_000])
def test_deep_json_to_the_token_endpoint_is_400_without_login(client, depth):
    response = client.post("/api/v1/auth/token", data=deep(depth), content_type="application/json")
    assert_error(response, 400)


def test_deep_json_inside_an_object_is_400(client):
    body = '{"username": "w-hr", "password": ' + deep(5000) + "}"
    assert_error(client.post("/api/v1/auth/token", data=body, content_type="application/json"), 400)


@pytest.mark.parametrize("path", ["/claims", "/organizations", "/payment-batches", "/claims/1/actions"])
def test_deep_json_to_authenticated_endpoints_is_400(world, path):
    body = '{"program_code": "TRAVEL", "details": ' + deep(5000) + "}"
    response = world.hr.client.post(
        f"/api/v1{path}",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.hr.token}"},
    )
    assert_error(response, 400)


def test_an_integer_of_more_digits_than_python_reads_is_400(client):
    body = '{"username": ' + "1" * 5000 + ', "password": "x"}'
    assert_error(client.post("/api/v1/auth/token", data=body, content_type="application/json"), 400)


def test_json_as_deep_as_allowed_is_parsed(world):
    """64 levels are still read (and refused on their merits, 422)."""
    body = '{"program_code": "TRAVEL", "details": {"note": ' + deep(62) + "}}"
    response = world.employer.client.post(
        "/api/v1/claims",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.employer.token}"},
    )
    assert_error(response, 422, "details.note")


def test_brackets_inside_strings_do_not_count(world):
    response = world.employer.post(
        "/claims",
        json={
            "program_code": "TRAVEL",
            "talent_code": world.talent,
            "amount_requested": "100.00",
            "details": {"justification": "[" * 2500 + "{" * 2500},
        },
    )
    assert response.status_code == 201, response.json


# --- ids and years beyond the columns ---------------------------------------------------------

PATHS = [
    ("get", "/claims/{n}"),
    ("get", "/organizations/{n}"),
    ("get", "/budgets/{n}"),
    ("get", "/payment-batches/{n}"),
    ("get", "/payment-batches/{n}/bank-file"),
    ("get", "/recoveries/{n}"),
    ("get", "/inspection-plans/{n}"),
    ("delete", "/conflicts/{n}"),
    ("delete", "/credit-list/{n}"),
    ("post", "/notifications/{n}/read"),
    ("get", "/bank-account-changes/{n}"),
    ("get", "/inspections/draws/{n}"),
    ("get", "/claims/1/documents/{n}"),
    ("post", "/claims/{n}/actions"),
    ("get", "/inspections/objects/claim/{n}"),
]


def test_ids_beyond_the_columns_in_paths_are_404(world):
    for method, path in PATHS:
        for n in BIG:
            api = world.hr if "conflicts" in path or "credit-list" in path else world.finance
            call = getattr(api, method)
            response = (
                call(path.format(n=n))
                if method == "get"
                else call(path.format(n=n), json={"reason": "x", "action": "submit"})
            )
            assert response.status_code == 404, (method, path, n, response.status_code)
            assert_error(response, 404)


@pytest.mark.parametrize("n", [2**31 - 1, 0])
def test_ids_at_the_edge_of_the_columns_are_404(world, n):
    assert_error(world.finance.get(f"/claims/{n}"), 404)
    assert_error(world.finance.get(f"/payment-batches/{n}"), 404)


QUERIES = [
    ("finance", "/ledger?claim_id={n}", "claim_id"),
    ("finance", "/ledger?fiscal_year={n}", "fiscal_year"),
    ("finance", "/budgets?fiscal_year={n}", "fiscal_year"),
    ("hr", "/awards?year={n}", "year"),
    ("hr", "/claims?organization_id={n}", "organization_id"),
    ("hr", "/talents?employer_id={n}", "employer_id"),
    ("hr", "/recruitment-projects?year={n}", "year"),
    ("hr", "/demonstration-bases?year={n}", "year"),
    ("hr", "/inspections/draws?year={n}", "year"),
    ("finance", "/reports/budget?fiscal_year={n}", "fiscal_year"),
    ("hr", "/calendar?year={n}", "year"),
    ("hr", "/programs?page={n}", "page"),
]


def test_ids_and_years_beyond_the_columns_in_queries_are_422(world):
    for who, query, field in QUERIES:
        for n in BIG + [-(2**63)]:
            response = getattr(world, who).get(query.format(n=n))
            assert response.status_code == 422, (query, n, response.status_code)
            assert_error(response, 422, field)


@pytest.mark.parametrize("n", BIG)
def test_ids_beyond_the_columns_in_bodies_are_422(world, n):
    hr, finance = world.hr, world.finance
    assert_error(finance.post("/payment-batches", json={"claim_ids": [n]}), 422, "claim_ids.0")
    assert_error(
        hr.post("/claims/bulk-actions", json={"action": "hr_approve", "claim_ids": [n]}), 422, "claim_ids.0"
    )
    assert_error(
        hr.post("/claims/bulk-actions", json={"action": "hr_approve", "filters": {"organization_id": n}}),
        422,
        "filters.organization_id",
    )
    assert_error(
        hr.post(
            "/demonstration-bases",
            json={"level": "national", "organization_id": n, "designated_on": "2026-03-01"},
        ),
        422,
        "organization_id",
    )
    assert_error(hr.post("/inspectors", json={"user_id": n, "field": "财务"}), 422, "user_id")
    assert_error(
        hr.post(
            "/credit-list",
            json={"subject_kind": "organization", "subject_id": n, "list": "red", "reason": "x"},
        ),
        422,
        "subject_id",
    )
    assert_error(
        hr.post("/conflicts", json={"subject_kind": "organization", "subject_id": n, "reason": "x"}),
        422,
        "subject_id",
    )
    assert_error(
        world.employer.post(
            "/claims",
            json={"program_code": "RECRUIT_KEY", "talent_code": world.talent, "details": {"project_id": n}},
        ),
        422,
        "details.project_id",
    )


def test_infinite_and_huge_numbers_in_bodies_are_422(world):
    for text in ("Infinity", "-Infinity", "NaN", "1e999", "9" * 400):
        body = '{"program_code": "TRAVEL", "organization_id": ' + text + "}"
        response = world.hr.client.post(
            "/api/v1/claims",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {world.hr.token}"},
        )
        assert_error(response, 422, "organization_id")
    body = '{"program_code": "TRAVEL", "amount_requested": "1.00", "details": {"extra": NaN}}'
    response = world.employer.client.post(
        "/api/v1/claims",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.employer.token}"},
    )
    assert_error(response, 422, "details.extra")


# --- lone surrogates --------------------------------------------------------------------------

LONE = "\ud800"


def _claim(world, **overrides):
    return {"program_code": "TRAVEL", "talent_code": world.talent, "amount_requested": "100.00", **overrides}


def _json(api, method, path, body):
    """Send ``body`` as JSON text with the surrogates escaped (as any JSON client would)."""
    import json

    return getattr(api.client, method)(
        f"/api/v1{path}",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )


@pytest.mark.parametrize(
    "who, path, body, field",
    [
        ("employer", "/claims", lambda w: _claim(w, program_code="TRAVEL" + LONE), "program_code"),
        (
            "employer",
            "/claims",
            lambda w: _claim(w, details={"justification": "理由" + LONE}),
            "details.justification",
        ),
        ("employer", "/claims", lambda w: _claim(w, details={"note": LONE}), "details.note"),
        ("employer", "/claims", lambda w: _claim(w, details={"key" + LONE: "x"}), "details.key\\ud800"),
        ("hr", "/talents", lambda w: talent_payload(w.employer_org, passport_no="P1" + LONE), "passport_no"),
        ("hr", "/talents", lambda w: talent_payload(w.employer_org, name="Ada " + LONE), "name"),
        (
            "hr",
            "/organizations",
            lambda w: {"kind": "employer", "name": "单位" + LONE, "credit_code": "x", "city": "太原市"},
            "name",
        ),
        (
            "hr",
            "/credit-list",
            lambda w: {"subject_kind": "talent", "subject_id": "T" + LONE, "list": "red", "reason": "x"},
            "subject_id",
        ),
        ("hr", "/inspection-plans", lambda w: {"year": 2026, "matters": ["核查" + LONE]}, "matters.0"),
        ("hr", "/organizations", lambda w: {LONE: 1}, "\\ud800"),
    ],
)
def test_lone_surrogates_are_422_on_the_field(world, who, path, body, field):
    error = assert_error(_json(getattr(world, who), "post", path, body(world)), 422, field)
    assert "Unicode" in error["fields"][field][0] or "Unicode" in str(error["fields"])


def test_lone_surrogate_in_a_claim_patch_is_422(world):
    claim = world.employer.post("/claims", json=_claim(world))
    assert claim.status_code == 201, claim.json
    response = _json(
        world.employer, "patch", f"/claims/{claim.json['id']}", {"details": {"justification": LONE}}
    )
    assert_error(response, 422, "details.justification")


def test_lone_surrogate_in_a_password_is_422_not_500(client):
    response = client.post(
        "/api/v1/auth/token",
        data='{"username": "w-hr", "password": "\\ud800"}',
        content_type="application/json",
    )
    assert_error(response, 422, "password")


# --- dates at the end of the calendar ---------------------------------------------------------


@pytest.mark.parametrize(
    "query, field",
    [
        ("/claims?created_to=9999-12-31", "created_to"),
        ("/claims?created_from=9999-12-31", "created_from"),
        ("/claims?created_from=0001-01-01", "created_from"),
        ("/ledger?to=9999-12-31", "to"),
        ("/ledger?from=0001-01-01", "from"),
    ],
)
def test_dates_without_a_next_day_are_422(world, query, field):
    assert_error(world.finance.get(query), 422, field)


def test_the_last_date_with_a_next_day_is_accepted(world):
    response = world.finance.get("/claims?created_from=2000-01-01&created_to=9999-12-30")
    assert response.status_code == 200, response.json
    assert world.finance.get("/ledger?to=9999-12-30").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"day": "9999-12-31", "kind": "holiday", "name": "x"}, "day"),
        ({"day": "0001-01-01", "kind": "holiday", "name": "x"}, "day"),
    ],
)
def test_dates_out_of_range_in_bodies_are_422(world, body, field):
    admin = world.admin
    assert_error(admin.post("/calendar", json=body), 422, field)


def test_talent_with_a_birth_date_past_9999_12_30_is_422(world):
    assert_error(
        world.hr.post("/talents", json=talent_payload(world.employer_org, birth_date="9999-12-31")),
        422,
        "birth_date",
    )


# --- the HTML side: the same input in URLs --------------------------------------------------


def _html_login(client, username):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(
        "/login", data={"username": username, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize(
    "url, statuses",
    [
        ("/claims/2147483648", {404}),
        ("/claims/9223372036854775808", {404}),
        ("/claims/1/documents/99999999999999999999", {404}),
        ("/ledger/?claim_id=9223372036854775808&to=9999-12-31&from=0001-01-01", {200}),
        ("/awards/?year=99999999999999999999", {200}),
        ("/budgets/?fiscal_year=9223372036854775808", {200}),
        ("/reports/ledger.csv?to=9999-12-31", {422}),
        ("/reports/budget.csv?fiscal_year=99999999999999999999", {422}),
        ("/talents/T%00X", {404}),
    ],
)
def test_hostile_urls_of_html_pages_are_not_server_errors(world, client, url, statuses):
    _html_login(client, "w-finance" if "ledger" in url or "budget" in url else "w-hr")
    response = client.get(url)
    assert response.status_code in statuses, (url, response.status_code)


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.mark.parametrize(
    "override",
    [
        {"employer_id": str(2**63)},
        {"employer_id": str(2**31)},
        {"years_experience": "9" * 30},
        {"birth_date": "9999-12-31"},
        {"shanxi_start_date": "0001-01-01"},
    ],
)
def test_hostile_values_in_the_talent_form_are_not_server_errors(world, client, override):
    _html_login(client, "w-hr")
    data = {k: str(v) for k, v in talent_payload(world.employer_org).items() if v is not None}
    data.update(override, csrf_token=_csrf(client, "/talents/new"))
    response = client.post("/talents/new", data=data)
    assert response.status_code == 422, response.status_code


@pytest.mark.parametrize("override", [{"organization_id": str(2**63)}, {"talent_code": "T\x00"}])
def test_hostile_values_in_the_claim_form_are_not_server_errors(world, client, override):
    _html_login(client, "w-hr")
    data = {
        "program_code": "RETURNEE_VISIT",
        "talent_code": world.talent,
        "amount_requested": "100.00",
        "justification": "回乡考察",
        **override,
        "csrf_token": _csrf(client, "/claims/new"),
    }
    response = client.post("/claims/new", data=data)
    assert response.status_code == 422, response.status_code


# --- payment batches built at the same moment -------------------------------------------------

REQUESTS = 20


def _finance_approved_claim(app) -> tuple[int, str]:
    """A claim approved by finance, with the payee's bank account on record, and a finance
    user's token (written directly, as tests/money/test_concurrency.py does)."""
    from datetime import date
    from decimal import Decimal

    from subsidy_app.claims.models import Claim, ClaimStatus, Stage
    from subsidy_app.organizations import operations as organizations
    from subsidy_app.programs import operations as programs
    from subsidy_app.talents import operations as talents
    from subsidy_app.users import operations as users

    with app.app_context():
        org = organizations.create_organization(
            None,
            kind="employer",
            name="并发付款单位",
            credit_code=new_credit_code(),
            city="太原市",
            bank_name="中国工商银行太原分行",
            bank_account_no="0502000000000001",
        )
        employer = users.create_user(
            None, username="pay-employer", password=DEFAULT_PASSWORD, role="employer", organization_id=org.id
        )
        finance = users.create_user(None, username="pay-finance", password=DEFAULT_PASSWORD, role="finance")
        talent = talents.register_talent(
            None,
            name="Pay Ment",
            nationality="DEU",
            passport_no="PM0000001",
            birth_date=date(1980, 1, 1),
            degree="master",
            years_experience=5,
            work_permit_no="WPPM0000001",
            permit_class="B",
            employer_id=org.id,
            shanxi_start_date=date(2024, 1, 1),
        )
        talent.bank_name, talent.bank_account_no = "中国银行山西省分行", "6216600000001234567"
        claim = Claim(
            program=programs.find_program("TRAVEL"),
            organization=org,
            talent=talent,
            filed_by_id=employer.id,
            status=ClaimStatus.FINANCE_APPROVED,
            stage=Stage.PAYMENT,
            amount_approved=Decimal("5000.00"),
            amount_committed=Decimal("5000.00"),
            details={},
            eligible=True,
            eligibility=[],
        )
        db.session.add(claim)
        db.session.flush()
        token, _row = users.issue_token(finance)
        db.session.commit()
        return claim.id, token


def test_concurrent_payment_batches_for_one_claim_are_201_once_then_409(database_url):
    """Each request on its own connection (PostgreSQL: the bulk COPY of the items meets the
    unique index of pending items; SQLite: the write lock). Exactly one batch is built; every
    other request is told 409, none 500."""
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": REQUESTS, "max_overflow": 0},
        }
    )
    claim_id, token = _finance_approved_claim(app)
    barrier = threading.Barrier(REQUESTS)
    results: list[tuple[int, str | None]] = []

    def build():
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/api/v1/payment-batches",
            json={"claim_ids": [claim_id]},
            headers={"Authorization": f"Bearer {token}"},
        )
        results.append(
            (response.status_code, response.json["error"]["code"] if response.status_code >= 400 else None)
        )

    threads = [threading.Thread(target=build) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = sorted(status for status, _code in results)
    assert len(results) == REQUESTS
    assert statuses == [201] + [409] * (REQUESTS - 1), results
    from subsidy_app.payments.models import PaymentItem

    with app.app_context():
        assert db.session.query(PaymentItem).filter_by(claim_id=claim_id).count() == 1
        db.engine.dispose()
