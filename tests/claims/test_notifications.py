"""Each move tells who must act and who waits: an inbox, and e-mail (outbox folder)."""

from datetime import date
from pathlib import Path

from sqlalchemy import update

from tests.world import act


def _inbox(api, **query):
    return api.get("/notifications", query_string=query).json["items"]


def test_submission_tells_hr_and_approval_tells_finance_and_the_applicant(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    for reviewer in (world.hr, world.hr2, world.senior):
        [note] = [n for n in _inbox(reviewer) if n["claim_id"] == claim_id]
        assert note["kind"] == "claim_submitted" and f"#{claim_id}" in note["message"]
    assert _inbox(world.finance) == []
    act(world.hr, claim_id, "hr_approve")
    assert [n["kind"] for n in _inbox(world.finance)] == ["claim_hr_approved"]
    assert [n["kind"] for n in _inbox(world.employer)] == ["claim_hr_approved"]
    assert [n["kind"] for n in _inbox(world.employer_colleague)] == ["claim_hr_approved"]


def test_returns_and_rejections_reach_the_applicant_with_the_reason(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "return", comment="请补充聘用合同盖章页")
    [note] = _inbox(world.employer)
    assert note["kind"] == "claim_returned" and "请补充聘用合同盖章页" in note["message"]


def test_recused_reviewers_are_not_told(world, ready_claim):
    world.hr2.post(
        "/conflicts",
        json={"subject_kind": "organization", "subject_id": world.employer_org, "reason": "回避"},
    )
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    assert [n for n in _inbox(world.hr2) if n["claim_id"] == claim_id] == []
    assert [n for n in _inbox(world.hr) if n["claim_id"] == claim_id]


def test_messages_are_in_the_readers_language(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    zh = _inbox(world.hr)[0]["message"]
    en = world.hr.get("/notifications", headers={"Accept-Language": "en"}).json["items"][0]["message"]
    assert "已提交" in zh and "was submitted" in en and f"#{claim_id}" in en


def test_marking_read(world, ready_claim):
    ready_claim("RECRUIT_KEY", submit=True)
    [note] = _inbox(world.hr)
    assert world.hr.post(f"/notifications/{note['id']}/read").json["read_at"]
    assert _inbox(world.hr, unread="true") == []
    assert world.hr2.post(f"/notifications/{note['id']}/read").status_code == 404


def test_users_with_an_address_get_an_email_in_the_outbox(app, world, ready_claim, tmp_path):
    from subsidy_app.extensions import db
    from subsidy_app.users.models import User

    app.config["MAIL_OUTBOX"] = str(tmp_path)
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == world.hr.user.id).values(email="hr@rst.shanxi.example")
        )
        db.session.commit()
    ready_claim("RECRUIT_KEY", submit=True)
    outbox = Path(tmp_path)
    messages = [p.read_text() for p in outbox.glob("*.eml") if "hr@rst.shanxi.example" in p.read_text()]
    assert len(messages) == 1
    assert "To: hr@rst.shanxi.example" in messages[0]


def test_deadline_reminders_go_once_to_those_who_must_act(app, world, ready_claim):
    from subsidy_app.claims.models import Claim
    from subsidy_app.extensions import db
    from subsidy_app.notifications import operations as notifications

    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    with app.app_context():
        db.session.execute(update(Claim).where(Claim.id == claim_id).values(stage_deadline=date(2026, 1, 5)))
        first = notifications.remind_deadlines()
        second = notifications.remind_deadlines()
        db.session.commit()
    assert first > 0 and second == 0
    assert "deadline_overdue" in [n["kind"] for n in _inbox(world.hr)]
    assert "deadline_overdue" in [n["kind"] for n in _inbox(world.employer)]  # who waits
    assert "deadline_overdue" not in [n["kind"] for n in _inbox(world.finance)]
