"""Long work in the pages: the job page and its status for the session's user (404 to whoever
may not see the job), bulk approval from the queue (ticked claims, or every claim matching the
filter) after a confirmation, cancel only once confirmed, and exports, verification and
reports started from their pages as jobs whose result is downloaded from the job."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from subsidy_app.extensions import db
from subsidy_app.jobs import operations as jobs
from subsidy_app.jobs.models import Job, JobStatus
from subsidy_app.users import operations as users
from tests.users.test_html_login import login
from tests.world import paid_claim

ENGLISH = {"Accept-Language": "en"}


def _csrf(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _hidden(page: str) -> MultiDict:
    """The hidden fields of a confirmation page's form (what its button sends again)."""
    form = re.search(
        r'<form method="post" action="[^"]+" class="card confirm" data-confirm-page>(.*?)</form>', page, re.S
    )
    return MultiDict(
        (html.unescape(name), html.unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1))
    )


def _job_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.fullmatch(r"/jobs/(\d+)", response.location)
    assert match, response.location
    return int(match.group(1))


def _status(client, job_id) -> dict:
    response = client.get(f"/jobs/{job_id}/status")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "private, no-store"
    return response.json


def _jobs_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Job.id))).scalar_one()


def _statuses(world, ids) -> set[str]:
    return {world.hr.get(f"/claims/{i}").json["status"] for i in ids}


def _queued_job(app, user_id: int, kind: str = "ledger_export", params=None) -> int:
    """A job created but not handed to the engine: it stays queued (to be cancelled)."""
    with app.test_request_context():
        job = jobs.submit(users.get_user(user_id), kind, params or {"format": "csv"})
        db.session.commit()
        return job.id


# --- the job's page ----------------------------------------------------------------------------


def test_the_job_page_follows_the_job_for_its_owner(world, client, ready_claim):
    paid_claim(world, ready_claim, "TRAVEL")
    login(client, world.finance.user.username)
    page = client.get("/ledger/").get_data(as_text=True)
    assert 'action="/ledger/exports"' in page and 'value="xlsx"' in page
    job_id = _job_id(
        client.post("/ledger/exports", data={"csrf_token": _csrf(client, "/ledger/"), "format": "csv"})
    )
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<progress class="job-bar"' in text and 'value="100"' in text
    assert f'data-status-url="/jobs/{job_id}/status"' in text
    assert '<script src="/static/js/jobs.js"' in text and "style=" not in text
    assert "已完成" in text and f'href="/jobs/{job_id}/result"' in text  # the status in words
    state = _status(client, job_id)
    assert state["status"] == "succeeded" and state["finished"] and state["percent"] == 100
    assert state["done"] == state["total"] > 0 and state["counts"] == f"{state['total']} / {state['total']}"
    assert state["result_url"] == f"/jobs/{job_id}/result" and not state["may_cancel"]
    assert state["status_label"] == "已完成" and state["kind_label"] == "分类账导出"
    download = client.get(state["result_url"])
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    assert len(download.get_data(as_text=True).splitlines()) == state["total"] + 1
    # in the list of one's jobs, with its status in words; and the header links to it
    listing = client.get("/jobs/").get_data(as_text=True)
    assert f'href="/jobs/{job_id}"' in listing and "分类账导出" in listing and "已完成" in listing
    assert 'class="my-jobs" href="/jobs/"' in listing and "我的任务" in listing
    english = client.get(f"/jobs/{job_id}/status", headers=ENGLISH).json
    assert english["status_label"] == "finished" and english["kind_label"] == "Ledger export"


def test_whoever_may_not_see_a_job_gets_404(app, world, client, ready_claim):
    claim = ready_claim("RECRUIT_KEY", submit=True)
    login(client, world.hr.user.username)
    started = client.post(
        "/claims/bulk",
        data={"csrf_token": _csrf(client, "/claims/"), "action": "hr_approve", "claim_ids": [claim]},
    )
    job_id = _job_id(started)
    for who in ("other_employer", "employer", "hr2"):
        login(client, getattr(world, who).user.username)
        for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/status", f"/jobs/{job_id}/result"):
            assert client.get(path).status_code == 404, (who, path)
        assert client.get(f"/jobs/{job_id}/cancel").status_code == 404
        assert f'href="/jobs/{job_id}"' not in client.get("/jobs/?all=1").get_data(as_text=True)
    login(client, world.auditor.user.username)  # audit.read sees every bulk approval
    assert client.get(f"/jobs/{job_id}").status_code == 200
    assert f'href="/jobs/{job_id}"' not in client.get("/jobs/").get_data(as_text=True)  # not theirs
    assert f'href="/jobs/{job_id}"' in client.get("/jobs/?all=1").get_data(as_text=True)
    assert not _status(client, job_id)["may_cancel"]
    assert client.get("/jobs/999999").status_code == 404


# --- bulk approval from the queue --------------------------------------------------------------


def test_bulk_with_ticked_claims_asks_first_then_runs_as_a_job(app, world, client, ready_claim):
    ids = [ready_claim("RECRUIT_KEY", submit=True), ready_claim("TRAVEL", submit=True)]
    login(client, world.hr.user.username)
    queue = client.get("/claims/").get_data(as_text=True)
    assert 'action="/claims/bulk/confirm" id="bulk"' in queue
    token = _csrf(client, "/claims/")
    asked = client.post(
        "/claims/bulk/confirm",
        data={"csrf_token": token, "action": "hr_approve", "claim_ids": ids, "scope": "selected"},
        headers=ENGLISH,
    )
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "Approve 2 claims?" in page and 'action="/claims/bulk"' in page
    assert _statuses(world, ids) == {"submitted"} and _jobs_count(app) == 0  # nothing yet
    fields = _hidden(page)
    assert fields.getlist("claim_ids") == [str(i) for i in ids] and fields["action"] == "hr_approve"
    job_id = _job_id(client.post("/claims/bulk", data=fields))
    assert _statuses(world, ids) == {"hr_approved"}
    state = _status(client, job_id)
    assert state["kind"] == "bulk_action" and state["status"] == "succeeded" and state["refusals"] == []
    result = client.get(state["result_url"], headers=ENGLISH).get_data(as_text=True)
    assert "claims in the selection" in result and '<strong class="ok">2</strong>' in result


def test_select_all_matching_approves_every_claim_the_filter_finds(
    app, world, client, ready_claim, make_talent
):
    travel = [
        ready_claim("TRAVEL", submit=True, talent=make_talent(world.employer_org, degree="master"))
        for _ in range(3)
    ]
    recruit = ready_claim("RECRUIT_KEY", submit=True)
    key_tech = ready_claim("KEY_TECH", submit=True)  # discretionary: refused in bulk
    draft = ready_claim("TRAVEL", talent=make_talent(world.employer_org, degree="master"))
    login(client, world.hr.user.username)
    queue = client.get("/claims/?status=submitted").get_data(as_text=True)
    assert "全选符合筛选条件的 5 件" in queue  # N, the filtered total, on the button
    assert '<input type="hidden" name="filter-status" value="submitted">' in queue
    token = _csrf(client, "/claims/?status=submitted")
    asked = client.post(
        "/claims/bulk/confirm",
        data={"csrf_token": token, "action": "hr_approve", "scope": "all", "filter-status": "submitted"},
    )
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "批准 5 件申请？" in page
    fields = _hidden(page)
    assert fields["scope"] == "all" and fields["filter-status"] == "submitted" and "claim_ids" not in fields
    assert _statuses(world, travel) == {"submitted"}
    job_id = _job_id(client.post("/claims/bulk", data=fields))
    assert _statuses(world, [*travel, recruit]) == {"hr_approved"}
    assert _statuses(world, [key_tech]) == {"submitted"} and _statuses(world, [draft]) == {"draft"}
    state = client.get(f"/jobs/{job_id}/status", headers=ENGLISH).json
    assert state["done"] == state["total"] == 5
    assert [(r["code"], r["reason"], r["count"]) for r in state["refusals"]] == [
        ("needs_individual_decision", "needs a decision claim by claim", 1)
    ]
    assert state["refusals"][0]["example"]
    with app.app_context():
        filters = db.session.get(Job, job_id).params["filters"]
        assert {name: value for name, value in filters.items() if value is not None} == {
            "status": "submitted"
        }
    # the job's page: the grouped refusals in words; the result page: each refused claim
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "未通过的原因汇总" in page and "需逐件决定" in page
    result = client.get(f"/jobs/{job_id}/result").get_data(as_text=True)
    assert f'href="/claims/{key_tech}">#{key_tech}</a>' in result and "需逐件决定" in result


def test_bulk_keeps_who_may_decide_what(app, world, client, ready_claim):
    claim = ready_claim("RECRUIT_KEY", submit=True)
    login(client, world.hr.user.username)
    queue = client.get("/claims/").get_data(as_text=True)
    assert 'value="hr_approve"' in queue and 'value="finance_approve"' not in queue
    token = _csrf(client, "/claims/")
    for path in ("/claims/bulk/confirm", "/claims/bulk"):
        refused = client.post(
            path,
            data={"csrf_token": token, "action": "finance_approve", "claim_ids": [claim]},
            follow_redirects=True,
        )
        assert "flash-error" in refused.get_data(as_text=True)
    assert client.post("/claims/bulk", data={"action": "hr_approve", "claim_ids": [claim]}).status_code == 400
    login(client, world.employer.user.username)
    assert 'id="bulk"' not in client.get("/claims/").get_data(as_text=True)
    assert _jobs_count(app) == 0 and _statuses(world, [claim]) == {"submitted"}


# --- cancel ------------------------------------------------------------------------------------


def test_cancel_asks_for_a_confirmation_first(app, world, client):
    job_id = _queued_job(app, world.finance.user.id)
    login(client, world.finance.user.username)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'href="/jobs/{job_id}/cancel" data-dialog="cancel-dialog"' in page  # the dialog, or the page
    assert '<dialog id="cancel-dialog"' in page
    state = _status(client, job_id)
    assert state["status"] == "queued" and state["may_cancel"] and state["percent"] is None
    confirmation = client.get(f"/jobs/{job_id}/cancel")
    assert confirmation.status_code == 200
    fields = _hidden(confirmation.get_data(as_text=True))
    assert fields["confirm"] == "yes"
    token = fields["csrf_token"]
    # without the confirmation: the question again, nothing stopped
    again = client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": token})
    assert again.status_code == 200 and 'name="confirm" value="yes"' in again.get_data(as_text=True)
    assert _status(client, job_id)["status"] == "queued"
    assert client.post(f"/jobs/{job_id}/cancel", data={"confirm": "yes"}).status_code == 400  # CSRF
    # another finance user sees the job (ledger.read) but may not stop it
    login(client, world.finance2.user.username)
    refused = client.post(
        f"/jobs/{job_id}/cancel",
        data={"csrf_token": _csrf(client, f"/jobs/{job_id}"), "confirm": "yes"},
        follow_redirects=True,
    )
    assert "flash-error" in refused.get_data(as_text=True)
    assert _status(client, job_id)["status"] == "queued"
    login(client, world.finance.user.username)
    done = client.post(
        f"/jobs/{job_id}/cancel", data=_hidden(client.get(f"/jobs/{job_id}/cancel").get_data(as_text=True))
    )
    assert done.status_code == 302 and done.location == f"/jobs/{job_id}"
    state = _status(client, job_id)
    assert state["status"] == "cancelled" and not state["may_cancel"] and state["result_url"] is None
    assert client.get(f"/jobs/{job_id}/result").status_code == 409
    # a finished job is not cancelled again: its page says so
    assert client.get(f"/jobs/{job_id}/cancel").status_code == 302


# --- exports, verification and reports from their pages ----------------------------------------


@pytest.mark.parametrize("fmt, magic", [("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_ledger_export_from_the_ledger_page_downloads_the_file(world, client, ready_claim, fmt, magic):
    paid_claim(world, ready_claim, "TRAVEL")
    login(client, world.auditor.user.username)
    token = _csrf(client, "/ledger/?from=2020-01-01&to=2099-12-31")
    job_id = _job_id(
        client.post(
            "/ledger/exports",
            data={"csrf_token": token, "format": fmt, "from": "2020-01-01", "to": "2099-12-31"},
        )
    )
    state = _status(client, job_id)
    assert state["status"] == "succeeded" and state["total"] > 0
    file = client.get(state["result_url"])
    assert file.status_code == 200 and file.get_data().startswith(magic)
    assert f"ledger.{fmt}" in file.headers["Content-Disposition"]


def test_a_refused_export_starts_nothing_and_says_why(app, world, client):
    login(client, world.finance.user.username)
    token = _csrf(client, "/ledger/")
    back = client.post(
        "/ledger/exports",
        data={"csrf_token": token, "format": "csv", "from": "2026-05-01", "to": "2026-04-01"},
        follow_redirects=True,
    )
    assert "flash-error" in back.get_data(as_text=True) and _jobs_count(app) == 0
    login(client, world.hr.user.username)  # no ledger.read
    assert "flash-error" in client.post(
        "/ledger/exports",
        data={"csrf_token": _csrf(client, "/claims/"), "format": "csv"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert _jobs_count(app) == 0


def test_verification_from_the_ledger_page(world, client, ready_claim):
    paid_claim(world, ready_claim, "TRAVEL")
    login(client, world.auditor.user.username)
    assert client.get("/ledger/verify").status_code == 200  # the page while you wait stays
    job_id = _job_id(client.post("/ledger/verification", data={"csrf_token": _csrf(client, "/ledger/")}))
    state = _status(client, job_id)
    assert state["status"] == "succeeded" and state["result_url"] == f"/jobs/{job_id}/result"
    result = client.get(state["result_url"], headers=ENGLISH).get_data(as_text=True)
    assert "The ledger verifies" in result and "<dd>yes</dd>" in result


def test_reports_in_the_background(world, client):
    login(client, world.auditor.user.username)
    page = client.get("/reports/").get_data(as_text=True)
    assert 'formaction="/reports/jobs/budget_report?format=xlsx"' in page
    # the direct downloads stay, without the token in their address
    assert 'formaction="/reports/budget.pdf"' in page and 'href="/reports/audit-bundle.zip"' in page
    token = _csrf(client, "/reports/")
    for path, data, magic in (
        ("/reports/jobs/budget_report?format=xlsx", {"fiscal_year": str(world.year)}, b"PK"),
        ("/reports/jobs/quarterly_report", {"quarter": f"{world.year}Q1"}, b"%PDF"),
        ("/reports/jobs/audit_bundle", {}, b"PK"),
    ):
        job_id = _job_id(client.post(path, data={"csrf_token": token, **data}))
        state = _status(client, job_id)
        assert state["status"] == "succeeded", state
        assert client.get(state["result_url"]).get_data().startswith(magic)
    # the page's CSV in the background is the CSV for people, as the direct download is
    job_id = _job_id(
        client.post(
            "/reports/jobs/budget_report?format=csv",
            data={"csrf_token": token, "fiscal_year": str(world.year)},
        )
    )
    people = client.get(_status(client, job_id)["result_url"]).get_data()
    assert people.startswith("\ufeff".encode()) and "合计" in people.decode("utf-8-sig")
    assert b"program_code" not in people.split(b"\n", 1)[0]
    machine = world.auditor.post(
        "/jobs", json={"kind": "budget_report", "params": {"fiscal_year": world.year, "format": "csv"}}
    )
    assert machine.status_code == 202
    text = world.auditor.get(f"/jobs/{machine.json['id']}/result").get_data(as_text=True)
    assert not text.startswith("\ufeff") and "program_code" in text.split("\n", 1)[0]
    refused = client.post(
        "/reports/jobs/budget_report?format=pdf",
        data={"csrf_token": token, "fiscal_year": "1999"},
        follow_redirects=True,
    )
    assert "flash-error" in refused.get_data(as_text=True)


def test_only_ones_own_jobs_unless_all_is_ticked(app, world, client):
    mine = _queued_job(app, world.finance.user.id)
    theirs = _queued_job(app, world.finance2.user.id, params={"format": "pdf"})
    with app.app_context():
        assert {j.status for j in db.session.scalars(select(Job))} == {JobStatus.QUEUED}
    login(client, world.finance.user.username)
    page = client.get("/jobs/").get_data(as_text=True)
    assert f'href="/jobs/{mine}"' in page and f'href="/jobs/{theirs}"' not in page
    assert "等待开始" in page  # queued, in words
    everything = client.get("/jobs/?all=1").get_data(as_text=True)
    assert f'href="/jobs/{mine}"' in everything and f'href="/jobs/{theirs}"' in everything


def test_a_stopped_bulk_job_groups_the_refusals_of_its_committed_chunks(app):
    from types import SimpleNamespace

    from subsidy_app.jobs.views import refusals

    failed = [
        {"id": 1, "code": "not_eligible", "message": "不符合"},
        {"id": 2, "code": "invalid_status", "message": "状态不符"},
        {"id": 3, "code": "not_eligible", "message": "另一条"},
    ]
    with app.test_request_context(headers=ENGLISH):
        grouped = refusals(SimpleNamespace(result=None), failed)
    assert [(r["code"], r["reason"], r["count"], r["example"]) for r in grouped] == [
        ("not_eligible", "no longer eligible", 2, "不符合"),
        ("invalid_status", "not at the stage this decision takes", 1, "状态不符"),
    ]
