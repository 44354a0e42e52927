"""Rates are effective-dated rows: a change is a new row from a date, never an overwrite."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from subsidy_app.core.audit import AuditEvent
from subsidy_app.core.timeutil import local_today
from subsidy_app.extensions import db
from subsidy_app.programs import operations as programs
from subsidy_app.programs.models import RateKind
from tests.core.test_api_shape import assert_error


def _change(api, code="TRAVEL", **overrides):
    body = {
        "kind": "ceiling",
        "amount": "25000.00",
        "effective_from": "2026-01-01",
        "reason": "省财政厅会同省人社厅调整 (二十)",
    }
    body.update(overrides)
    return api.post(f"/programs/{code}/rates", json=body)


def test_admin_changes_the_travel_ceiling_from_a_date(app, api_as):
    admin = api_as("admin")
    response = _change(admin)
    assert response.status_code == 201
    assert response.json["amount"] == "25000.00" and response.json["is_default"] is False
    detail = admin.get("/programs/TRAVEL").json
    assert detail["ceiling"] == "25000.00" and detail["ceiling_is_default"] is False
    # the old row is still there
    assert [r["amount"] for r in detail["rates"]] == ["20000.00", "25000.00"]
    with app.app_context():
        program = programs.find_program("TRAVEL")
        assert programs.rate_on(program, RateKind.CEILING, date(2025, 12, 31)).amount == 20000
        assert programs.rate_on(program, RateKind.CEILING, date(2026, 1, 1)).amount == 25000
        [event] = (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == "program.change_rate"))
            .scalars()
            .all()
        )
        assert event.before["amount"] == "20000.00" and event.after["amount"] == "25000.00"
        assert event.reason.startswith("省财政厅") and event.actor_id == admin.user.id


def test_a_future_rate_is_not_yet_current(api_as):
    admin = api_as("admin")
    future = (local_today() + timedelta(days=30)).isoformat()
    assert (
        _change(
            admin, code="RECRUIT_KEY", kind="amount", amount="120000.00", effective_from=future
        ).status_code
        == 201
    )
    assert admin.get("/programs/RECRUIT_KEY").json["current_rate"] == "100000.00"


def test_a_rate_from_the_same_date_is_a_conflict(api_as):
    admin = api_as("admin")
    assert _change(admin).status_code == 201
    assert_error(_change(admin, amount="30000.00"), 409, "effective_from")
    assert admin.get("/programs/TRAVEL").json["ceiling"] == "25000.00"


@pytest.mark.parametrize("role", ["hr", "finance", "auditor", "employer", "intermediary"])
def test_only_admins_change_rates(api_as, role):
    assert_error(_change(api_as(role)), 403)


@pytest.mark.parametrize(
    "code, kind", [("TRAVEL", "amount"), ("KEY_TECH", "amount"), ("RECRUIT_KEY", "ceiling")]
)
def test_the_rate_kind_must_fit_the_amount_rule(api_as, code, kind):
    assert_error(_change(api_as("admin"), code=code, kind=kind), 422, "kind")


def test_a_reason_is_required(api_as):
    assert_error(_change(api_as("admin"), reason=""), 422, "reason")


def test_unknown_program_is_404(api_as):
    assert_error(_change(api_as("admin"), code="NOPE"), 404)
