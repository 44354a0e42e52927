"""Every state change is on record: who, when (UTC), what, before/after, why."""

from datetime import UTC

from sqlalchemy import select

from subsidy_app.core.audit import AuditEvent
from subsidy_app.extensions import db
from tests.conftest import new_credit_code, talent_payload, wrong_check


def _events(app, action):
    with app.app_context():
        return (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
            .scalars()
            .all()
        )


def test_creating_an_organization_is_recorded_with_the_actor(app, api_as):
    hr = api_as("hr")
    response = hr.post(
        "/organizations",
        json={"kind": "employer", "name": "记录单位", "credit_code": new_credit_code(), "city": "大同市"},
    )
    assert response.status_code == 201
    [event] = _events(app, "organization.create")
    assert event.actor_id == hr.user.id and event.actor_role == "hr"
    assert event.actor_name == hr.user.username
    assert event.object_id == str(response.json["id"])
    assert event.after["city"] == "大同市" and event.before is None
    assert event.occurred_at.tzinfo == UTC


def test_talent_registration_and_renewal_are_recorded(app, api_as, make_org):
    hr = api_as("hr")
    created = hr.post("/talents", json=talent_payload(make_org(), passport_no="OLD1"))
    code = created.json["talent_code"]
    renewed = hr.post(
        f"/talents/{code}/passports", json={"passport_no": "NEW2", "reason": "passport expired"}
    )
    assert renewed.status_code == 201
    [create] = _events(app, "talent.create")
    [renew] = _events(app, "talent.renew_passport")
    assert create.object_id == code and create.after["passport_no"] == "OLD1"
    assert renew.before["passport_no"] == "OLD1" and renew.after["passport_no"] == "NEW2"
    assert renew.reason == "passport expired"


def test_a_refused_request_records_nothing(app, api_as):
    hr = api_as("hr")
    response = hr.post(
        "/organizations",
        json={
            "kind": "employer",
            "name": "坏的",
            "credit_code": wrong_check(new_credit_code()),
            "city": "太原市",
        },
    )
    assert response.status_code == 422
    assert _events(app, "organization.create") == []


def test_user_creation_and_account_lock_are_recorded(app, api_as, client):
    admin = api_as("admin")
    created = admin.post(
        "/users", json={"username": "audited", "password": "a-long-password", "role": "finance"}
    )
    [event] = [e for e in _events(app, "user.create") if e.object_id == str(created.json["id"])]
    assert event.actor_id == admin.user.id
    assert event.after["role"] == "finance" and "password" not in event.after
    app.config["LOGIN_MAX_FAILURES"] = 2
    for _ in range(2):
        client.post("/api/v1/auth/token", json={"username": "audited", "password": "wrong-one"})
    [locked] = _events(app, "user.locked")
    assert locked.object_id == str(created.json["id"]) and locked.after["locked_until"]


def test_loading_the_plan_is_recorded(app):
    [event] = _events(app, "plan.load")
    assert event.actor_name == "system" and event.after["programs"] == 12
