"""Each stage has a deadline in working days (限时办结), dated and changed by an administrator;
the applicant sees the stage and deadline at any time (实时查询)."""

from datetime import UTC, date, datetime

import pytest

from subsidy_app.core.timeutil import local_today
from subsidy_app.deadlines import operations as deadlines
from subsidy_app.deadlines.workdays import add_working_days
from tests.core.test_api_shape import assert_error
from tests.world import act


def test_the_plan_ships_default_limits_for_every_stage(api_as):
    limits = {row["stage"]: row for row in api_as("employer").get("/stage-limits").json}
    assert set(limits) == {
        "hr_review",
        "hr_second_approval",
        "applicant_response",
        "finance_review",
        "payment",
        "appeal_review",
    }
    assert limits["hr_review"]["working_days"] == 15 and limits["hr_review"]["is_default"]


def test_deadline_counts_working_days_through_the_calendar(app_ctx):
    # submitted on Wednesday 30 September 2026 (Beijing time): 15 working days, skipping
    # National Day (1–7 October) and counting Saturday 10 October, worked.
    started = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    assert deadlines.deadline("hr_review", started) == date(2026, 10, 27)


def test_submission_sets_the_hr_review_deadline(app, world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    claim = world.employer.get(f"/claims/{claim_id}").json
    with app.app_context():
        expected = deadlines.add_days(local_today(), 15)
    assert claim["stage"] == "hr_review" and claim["stage_deadline"] == expected.isoformat()
    assert claim["working_days_left"] == 15 and claim["overdue"] is False


def test_each_stage_gets_its_own_deadline(app, world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    approved = act(world.hr, claim_id, "hr_approve").json
    with app.app_context():
        expected = deadlines.add_days(local_today(), 10)
    assert approved["stage"] == "finance_review" and approved["stage_deadline"] == expected.isoformat()
    assert world.employer.get(f"/claims/{claim_id}").json["stage_deadline"] == expected.isoformat()


def test_an_administrator_changes_a_limit_from_a_date(app, world, ready_claim):
    today = local_today().isoformat()
    changed = world.admin.post(
        "/stage-limits",
        json={"stage": "hr_review", "working_days": 5, "effective_from": today, "reason": "提速"},
    )
    assert changed.status_code == 201
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    with app.app_context():
        expected = deadlines.add_days(local_today(), 5)
    assert world.hr.get(f"/claims/{claim_id}").json["stage_deadline"] == expected.isoformat()
    assert_error(
        world.admin.post(
            "/stage-limits",
            json={"stage": "hr_review", "working_days": 7, "effective_from": today, "reason": "x"},
        ),
        409,
    )
    assert_error(
        world.hr.post(
            "/stage-limits",
            json={"stage": "hr_review", "working_days": 7, "effective_from": "2030-01-01", "reason": "x"},
        ),
        403,
    )
    assert_error(
        world.admin.post(
            "/stage-limits",
            json={"stage": "lunch", "working_days": 7, "effective_from": "2030-01-01", "reason": "x"},
        ),
        422,
        "stage",
    )
    assert_error(
        world.admin.post(
            "/stage-limits",
            json={"stage": "hr_review", "working_days": 0, "effective_from": "2030-01-01", "reason": "x"},
        ),
        422,
        "working_days",
    )


def test_overdue_claims_are_marked_and_can_be_filtered(app, world, ready_claim, monkeypatch):
    late = ready_claim("RECRUIT_KEY", submit=True)
    on_time = ready_claim("RECRUIT_REGULAR", submit=True)
    from sqlalchemy import update

    from subsidy_app.claims.models import Claim
    from subsidy_app.extensions import db

    with app.app_context():
        db.session.execute(update(Claim).where(Claim.id == late).values(stage_deadline=date(2026, 1, 5)))
        db.session.commit()
    claim = world.hr.get(f"/claims/{late}").json
    assert claim["overdue"] is True and claim["working_days_left"] < 0
    assert [c["id"] for c in world.hr.get("/claims?overdue=true").json["items"]] == [late]
    assert [c["id"] for c in world.hr.get("/claims?overdue=false").json["items"]] == [on_time]
    # the queue: nearest deadline first
    assert [c["id"] for c in world.hr.get("/claims").json["items"]][:2] == [late, on_time]


def test_calendar_days_are_kept_by_administrators(world):
    days = world.hr.get("/calendar?year=2026").json
    assert {"day": "2026-10-01", "kind": "holiday", "name": "国庆节"} in days
    assert {"day": "2026-10-10", "kind": "workday", "name": "国庆节调休上班"} in days
    added = world.admin.post("/calendar", json={"day": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert added.status_code == 201
    assert_error(
        world.admin.post("/calendar", json={"day": "2027-01-01", "kind": "holiday", "name": "元旦"}), 409
    )
    assert_error(world.hr.post("/calendar", json={"day": "2027-01-02", "kind": "holiday", "name": "x"}), 403)


@pytest.mark.parametrize("start, days", [(date(2026, 11, 20), 3), (date(2026, 2, 13), 2)])
def test_service_and_pure_function_agree(app_ctx, start, days):
    holidays, workdays = deadlines.calendar(start, start.replace(year=start.year + 1))
    assert deadlines.add_days(start, days) == add_working_days(start, days, holidays, workdays)
