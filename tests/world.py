"""A small world for claim tests: organisations, their users, reviewers, talents, projects.

Loaded as a pytest plugin by tests/conftest.py, so every test package can use it."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64

# what each program needs to be eligible, beyond the talent and organisation
CLAIM_BODIES = {
    "RECRUIT_KEY": lambda w: {"details": {"project_id": w.key_project}},
    "RECRUIT_REGULAR": lambda w: {"details": {"project_id": w.regular_project}},
    "TRAVEL": lambda w: {"amount_requested": "8234.56"},
    "RESEARCH_PACKAGE": lambda w: {},
    "KEY_TECH": lambda w: {
        "amount_requested": "300000.00",
        "details": {"justification": "解决了煤层气开采的关键技术难题"},
    },
    "RETURNEE_VISIT": lambda w: {
        "amount_requested": "20000.00",
        "details": {"justification": "回乡考察交流", "visit_date": "2026-05-10"},
    },
    "FRIENDSHIP_NATIONAL": lambda w: {"details": {"year": 2025}},
    "FRIENDSHIP_PROVINCIAL": lambda w: {"details": {"year": 2025}},
    "OUTSTANDING": lambda w: {"amount_requested": "200000.00", "details": {"justification": "突出贡献"}},
    "DEMO_BASE_NATIONAL": lambda w: {"details": {"designated_on": "2026-03-01"}},
    "DEMO_BASE_PROVINCIAL": lambda w: {"details": {"designated_on": "2026-03-01"}},
}
PROGRAMS_FOR_TALENT = [p for p in CLAIM_BODIES if not p.startswith("DEMO_BASE")]


USERS = (
    "employer",
    "employer_colleague",
    "other_employer",
    "agent",
    "hr",
    "hr2",
    "senior",
    "senior2",
    "finance",
    "finance2",
    "auditor",
    "admin",
)


def build_world(app) -> dict:
    """Create the world with the services, in one transaction, and return it as plain data
    (ids, codes, and each user with an API token). Built once per test database template:
    each test then gets a copy of it (SQLite) or a rolled-back transaction over it
    (PostgreSQL), see tests/conftest.py."""
    from datetime import date

    from subsidy_app.budgets import operations as budgets
    from subsidy_app.core.timeutil import local_today
    from subsidy_app.extensions import db
    from subsidy_app.organizations import operations as organizations
    from subsidy_app.projects import operations as projects
    from subsidy_app.talents import operations as talents
    from subsidy_app.users import operations as users
    from tests.conftest import DEFAULT_PASSWORD, new_credit_code

    counter = iter(range(1, 1000))
    w: dict = {"users": {}}
    with app.app_context():

        def org(kind, name):
            return organizations.create_organization(
                None,
                kind=kind,
                name=name,
                credit_code=new_credit_code(),
                city="太原市",
                bank_name="中国工商银行太原分行",
                bank_account_no=f"0502{next(counter):012d}",
            ).id

        w["employer_org"] = org("employer", "示范用人单位")
        w["other_org"] = org("employer", "另一用人单位")
        w["agency"] = org("intermediary", "示范中介")
        roles = {
            "employer": ("employer", w["employer_org"]),
            "employer_colleague": ("employer", w["employer_org"]),
            "other_employer": ("employer", w["other_org"]),
            "agent": ("intermediary", w["agency"]),
        }
        for name in USERS:
            role, organization_id = roles.get(name, (name.rstrip("2").replace("senior", "hr"), None))
            user = users.create_user(
                None,
                username=f"w-{name}",
                password=DEFAULT_PASSWORD,
                role=role,
                organization_id=organization_id,
                is_senior=name.startswith("senior"),
            )
            token, _row = users.issue_token(user)
            w["users"][name] = dict(
                id=user.id,
                username=user.username,
                role=role,
                token=token,
                password=DEFAULT_PASSWORD,
                organization_id=organization_id,
            )

        def talent(employer_id, name, **overrides):
            data = dict(
                name=name,
                nationality="DEU",
                passport_no=f"WP{next(counter):07d}",
                birth_date=date(1980, 1, 15),
                degree="doctorate",
                years_experience=10,
                work_permit_no=f"WP{next(counter):08d}",
                permit_class="A",
                employer_id=employer_id,
                shanxi_start_date=date(2024, 3, 1),
            )
            data.update(overrides)
            created = talents.register_talent(None, **data)
            created.bank_name, created.bank_account_no = "中国银行山西省分行", "6216600000001234567"
            return created.talent_code

        # a doctorate with class A permit, in Shanxi since 2024: eligible for nearly everything
        w["talent"] = talent(w["employer_org"], "Ada Researcher")
        w["other_talent"] = talent(w["other_org"], "Bob Other", degree="master")
        finance = users.get_user(w["users"]["finance"]["id"])
        w["year"] = local_today().year
        w["budgets"] = {
            program: budgets.allocate(
                finance, fiscal_year=w["year"], program_code=program, amount=Decimal("10000000.00")
            ).id
            for program in sorted(CLAIM_BODIES.keys() | {"HEADHUNTER"})
        }
        hr = users.get_user(w["users"]["hr"]["id"])
        w["key_project"] = projects.create_project(hr, name="重点项目", level="key", year=2024).id
        w["regular_project"] = projects.create_project(hr, name="常规项目", level="regular", year=2024).id
        db.session.commit()
    return w


@pytest.fixture
def world(app, client):
    """The world of the test's database, with an API client per user."""
    from tests.conftest import ApiClient

    data = app.config["TEST_WORLD"]
    w = SimpleNamespace(**{k: v for k, v in data.items() if k != "users"})
    for name, user in data["users"].items():
        api = ApiClient(client, user["token"])
        api.user = SimpleNamespace(**{k: v for k, v in user.items() if k != "token"})
        setattr(w, name, api)
    return w


def upload(api, claim_id, kind, content=PDF, filename="evidence.pdf"):
    import io

    return api.client.post(
        f"/api/v1/claims/{claim_id}/documents",
        data={"kind": kind, "file": (io.BytesIO(content), filename)},
        headers={"Authorization": f"Bearer {api.token}"},
        content_type="multipart/form-data",
    )


def act(api, claim_id, action, **body):
    return api.post(f"/claims/{claim_id}/actions", json={"action": action, **body})


@pytest.fixture
def file_claim(world):
    """File a claim for ``program`` as ``api`` (default: the employer, for the world's talent)."""

    def file(program, api=None, *, talent=..., **overrides):
        api = api or (world.agent if program == "HEADHUNTER" else world.employer)
        body = {"program_code": program}
        if talent is ...:
            talent = None if program.startswith("DEMO_BASE") else world.talent
        if talent:
            body["talent_code"] = talent
        if program == "HEADHUNTER":
            body["details"] = {"contract_signed_on": "2023-12-01", "commission": "40000.00"}
        else:
            body.update(CLAIM_BODIES[program](world))
        body.update(overrides)
        return api.post("/claims", json=body)

    return file


@pytest.fixture
def ready_claim(world, file_claim):
    """A claim with every required document attached (submitted if ``submit``)."""

    def make(program="RECRUIT_KEY", api=None, *, submit=False, documents=None, **overrides):
        response = file_claim(program, api, **overrides)
        assert response.status_code == 201, response.json
        claim = response.json
        api = api or (world.agent if program == "HEADHUNTER" else world.employer)
        for kind in documents if documents is not None else claim["required_documents"]:
            assert upload(api, claim["id"], kind).status_code == 201
        if submit:
            submitted = act(api, claim["id"], "submit")
            assert submitted.status_code == 200, submitted.json
        return claim["id"]

    return make


def paid_claim(world, ready_claim, program="RECRUIT_KEY", **overrides):
    """A claim taken through approval, a batch (built by finance, approved by finance2) and
    disbursement. Returns (claim id, batch id)."""
    claim_id = ready_claim(program, submit=True, **overrides)
    decision = {"KEY_TECH": {"amount_approved": "100000.00", "comment": "核定"}}.get(program, {})
    assert act(world.hr, claim_id, "hr_approve", **decision).status_code == 200
    assert act(world.finance, claim_id, "finance_approve").status_code == 200
    batch = world.finance.post("/payment-batches", json={"claim_ids": [claim_id]})
    assert batch.status_code == 201, batch.json
    batch_id = batch.json["id"]
    assert (
        world.finance2.post(f"/payment-batches/{batch_id}/actions", json={"action": "approve"}).status_code
        == 200
    )
    disbursed = world.finance.post(
        f"/payment-batches/{batch_id}/actions",
        json={"action": "disburse", "bank_reference": f"ICBC-{batch_id}"},
    )
    assert disbursed.status_code == 200, disbursed.json
    return claim_id, batch_id


def claim_status(api, claim_id):
    return api.get(f"/claims/{claim_id}").json["status"]
