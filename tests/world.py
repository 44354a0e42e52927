"""A small world for claim tests: organisations, their users, reviewers, talents, projects.

Loaded as a pytest plugin by tests/conftest.py, so every test package can use it."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import talent_payload

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64

# what each program needs to be eligible, beyond the talent and organisation
CLAIM_BODIES = {
    "RECRUIT_KEY": lambda w: {"details": {"project_id": w.key_project}},
    "RECRUIT_REGULAR": lambda w: {"details": {"project_id": w.regular_project}},
    "TRAVEL": lambda w: {"amount_requested": "8234.56"},
    "RESEARCH_PACKAGE": lambda w: {},
    "KEY_TECH": lambda w: {"amount_requested": "300000.00",
                           "details": {"justification": "解决了煤层气开采的关键技术难题"}},
    "RETURNEE_VISIT": lambda w: {"amount_requested": "20000.00",
                                 "details": {"justification": "回乡考察交流", "visit_date": "2026-05-10"}},
    "FRIENDSHIP_NATIONAL": lambda w: {"details": {"year": 2025}},
    "FRIENDSHIP_PROVINCIAL": lambda w: {"details": {"year": 2025}},
    "OUTSTANDING": lambda w: {"amount_requested": "200000.00",
                              "details": {"justification": "突出贡献"}},
    "DEMO_BASE_NATIONAL": lambda w: {"details": {"designated_on": "2026-03-01"}},
    "DEMO_BASE_PROVINCIAL": lambda w: {"details": {"designated_on": "2026-03-01"}},
}
PROGRAMS_FOR_TALENT = [p for p in CLAIM_BODIES if not p.startswith("DEMO_BASE")]


@pytest.fixture
def world(app, api_as, make_org, make_user, make_talent):
    employer_org = make_org("employer", name="示范用人单位")
    other_org = make_org("employer", name="另一用人单位")
    agency = make_org("intermediary", name="示范中介")
    w = SimpleNamespace(employer_org=employer_org, other_org=other_org, agency=agency)
    w.employer = api_as("employer", organization_id=employer_org)
    w.employer_colleague = api_as("employer", organization_id=employer_org)
    w.other_employer = api_as("employer", organization_id=other_org)
    w.agent = api_as("intermediary", organization_id=agency)
    w.hr = api_as("hr")
    w.hr2 = api_as("hr")
    w.senior = api_as(make_user_senior(app, make_user))
    w.senior2 = api_as(make_user_senior(app, make_user))
    w.finance = api_as("finance")
    w.finance2 = api_as("finance")
    w.auditor = api_as("auditor")
    w.admin = api_as("admin")
    # a doctorate with class A permit, in Shanxi since 2024: eligible for nearly everything
    w.talent = make_talent(employer_org, name="Ada Researcher", degree="doctorate",
                           years_experience=10, permit_class="A", shanxi_start_date="2024-03-01")
    w.other_talent = make_talent(other_org, name="Bob Other")
    w.key_project = w.hr.post("/recruitment-projects",
                              json={"name": "重点项目", "level": "key", "year": 2024}).json["id"]
    w.regular_project = w.hr.post("/recruitment-projects",
                                  json={"name": "常规项目", "level": "regular", "year": 2024}).json["id"]
    return w


def make_user_senior(app, make_user):
    from subsidy_app.extensions import db
    from subsidy_app.users.models import User

    user = make_user("hr")
    with app.app_context():
        db.session.get(User, user.id).is_senior = True
        db.session.commit()
    return user


def upload(api, claim_id, kind, content=PDF, filename="evidence.pdf"):
    import io

    return api.client.post(f"/api/v1/claims/{claim_id}/documents",
                           data={"kind": kind, "file": (io.BytesIO(content), filename)},
                           headers={"Authorization": f"Bearer {api.token}"},
                           content_type="multipart/form-data")


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


def claim_status(api, claim_id):
    return api.get(f"/claims/{claim_id}").json["status"]
