"""Jobs through the API: 202 and Location, who sees which job, cancel, results, chunks that
commit with their record, resuming after a lost worker, and each kind of long work."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from subsidy_app.claims import bulk
from subsidy_app.claims.models import Claim
from subsidy_app.core.audit import AuditEvent
from subsidy_app.extensions import db
from subsidy_app.jobs import operations as jobs
from subsidy_app.jobs.models import Job, JobChunk, JobStatus
from tests.core.test_api_shape import assert_error
from tests.world import act, paid_claim


@pytest.fixture
def paid_claim_factory(world, ready_claim):
    return lambda **overrides: paid_claim(world, ready_claim, **overrides)


def _approvable(world, ready_claim, make_talent, n: int, *, stage: str = "hr") -> list[int]:
    """``n`` TRAVEL claims, submitted (and HR-approved for ``stage="finance"``)."""
    ids = [
        ready_claim("TRAVEL", submit=True, talent=make_talent(world.employer_org, degree="master"))
        for _ in range(n)
    ]
    if stage == "finance":
        for claim_id in ids:
            assert act(world.hr, claim_id, "hr_approve").status_code == 200
    return ids


def _statuses(app, ids) -> dict[int, str]:
    with app.app_context():
        rows = db.session.execute(select(Claim.id, Claim.status).where(Claim.id.in_(ids))).all()
        return {claim_id: status.value for claim_id, status in rows}


def _jobs_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Job.id))).scalar_one()


# --- the contract's shape ----------------------------------------------------------------------


def test_ledger_export_is_a_job_with_a_downloadable_file(world, paid_claim_factory):
    paid_claim_factory()
    started = world.finance.post("/ledger/exports", json={"format": "csv"})
    assert started.status_code == 202
    job = started.json
    assert started.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert {
        "id",
        "kind",
        "status",
        "done",
        "total",
        "message",
        "result_url",
        "created_at",
        "finished_at",
    } <= set(job)
    assert job["kind"] == "ledger_export" and job["status"] == "queued"
    done = world.finance.get(f"/jobs/{job['id']}").json
    assert done["status"] == "succeeded" and done["percent"] == 100 and done["finished_at"]
    assert done["done"] == done["total"] > 0
    assert done["result_url"] == f"/api/v1/jobs/{job['id']}/result"
    file = world.finance.get(f"/jobs/{job['id']}/result")
    assert file.status_code == 200 and file.mimetype == "text/csv"
    lines = file.get_data(as_text=True).splitlines()
    assert lines[0].startswith("seq,transaction_id,posted_at")
    assert len(lines) == done["total"] + 1
    # the synchronous export keeps working and says the same
    assert world.finance.get("/ledger?format=csv").get_data(as_text=True).splitlines() == lines


@pytest.mark.parametrize("fmt,magic", [("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_ledger_export_formats(world, paid_claim_factory, fmt, magic):
    paid_claim_factory()
    job, file = world.auditor.job(
        "/ledger/exports", json={"format": fmt, "from": "2020-01-01", "to": "2099-12-31"}
    )
    assert job["status"] == "succeeded" and job["params"] == {
        "format": fmt,
        "from": "2020-01-01",
        "to": "2099-12-31",
    }
    assert file.get_data()[: len(magic)] == magic


def test_bad_input_creates_no_job(app, world):
    before = _jobs_count(app)
    assert_error(world.finance.post("/ledger/exports", json={"format": "doc"}), 422, "format")
    assert_error(
        world.finance.post(
            "/ledger/exports", json={"format": "csv", "from": "2026-05-01", "to": "2026-04-01"}
        ),
        422,
        "to",
    )
    assert_error(world.finance.post("/jobs", json={"kind": "format_disk"}), 422, "kind")
    assert_error(
        world.finance.post("/jobs", json={"kind": "budget_report", "params": {"fiscal_year": 1}}),
        422,
        "fiscal_year",
    )
    assert_error(
        world.hr.post("/jobs", json={"kind": "quarterly_report", "params": {"quarter": "2026Q9"}}),
        422,
        "quarter",
    )
    assert_error(world.hr.post("/claims/bulk-actions", json={"action": "hr_approve"}), 422)
    assert _jobs_count(app) == before


def test_who_may_start_which_work(app, world):
    before = _jobs_count(app)
    # the auditor reads: exports and verification yes, approvals never
    assert_error(
        world.auditor.post("/claims/bulk-actions", json={"action": "finance_approve", "claim_ids": [1]}), 403
    )
    assert_error(
        world.auditor.post(
            "/jobs", json={"kind": "bulk_action", "params": {"action": "hr_approve", "claim_ids": [1]}}
        ),
        403,
    )
    assert_error(
        world.hr.post("/claims/bulk-actions", json={"action": "finance_approve", "claim_ids": [1]}), 403
    )
    assert_error(world.employer.post("/ledger/exports", json={"format": "csv"}), 403)
    assert_error(world.hr.post("/ledger/exports", json={"format": "csv"}), 403)
    assert_error(world.employer.post("/jobs", json={"kind": "audit_bundle"}), 403)
    assert_error(world.finance.post("/jobs", json={"kind": "audit_bundle"}), 403)
    assert _jobs_count(app) == before
    assert world.auditor.post("/jobs", json={"kind": "ledger_verification"}).status_code == 202


def test_who_sees_which_job(world):
    export = world.finance.post("/ledger/exports", json={"format": "csv"}).json["id"]
    verification = world.auditor.post("/jobs", json={"kind": "ledger_verification"}).json["id"]
    # the owner, and staff who may see that kind of work
    for api in (world.finance, world.finance2, world.auditor, world.admin):
        assert api.get(f"/jobs/{export}").status_code == 200
    # others: as if it did not exist, the job and its result
    for api in (world.employer, world.agent, world.hr):
        assert_error(api.get(f"/jobs/{export}"), 404)
        assert_error(api.get(f"/jobs/{export}/result"), 404)
        assert_error(api.post(f"/jobs/{export}/cancel"), 404)
    assert_error(world.finance.get("/jobs/999999"), 404)
    listed = world.finance2.get("/jobs").json
    assert {export, verification} <= {j["id"] for j in listed["items"]}
    assert listed["total"] >= 2 and listed["page"] == 1
    assert [j["id"] for j in world.finance2.get("/jobs?mine=true").json["items"]] == []
    assert world.employer.get("/jobs").json == {"items": [], "total": 0, "page": 1, "per_page": 20}
    assert {j["kind"] for j in world.auditor.get("/jobs?kind=ledger_export").json["items"]} == {
        "ledger_export"
    }


def test_idempotency_key_starts_one_job(app, world):
    before = _jobs_count(app)
    headers = {"Idempotency-Key": "export-2026-12-03"}
    first = world.finance.post("/ledger/exports", json={"format": "csv"}, headers=headers)
    again = world.finance.post("/ledger/exports", json={"format": "csv"}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json["id"] == again.json["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _jobs_count(app) == before + 1


def test_jobs_are_on_the_audit_trail(app, world):
    job = world.finance.post("/ledger/exports", json={"format": "csv"}).json
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_name, AuditEvent.after)
            .where(AuditEvent.object_type == "job", AuditEvent.object_id == str(job["id"]))
            .order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == ["job.create", "job.succeeded"]
    assert events[0].actor_name == world.finance.user.username
    assert events[0].after == {"kind": "ledger_export", "params": {"format": "csv", "from": None, "to": None}}


# --- bulk approval in chunks -----------------------------------------------------------------


def test_bulk_job_commits_chunk_by_chunk(app, world, ready_claim, make_talent):
    app.config["JOB_CHUNK_SIZE"] = 2
    ids = _approvable(world, ready_claim, make_talent, 5, stage="finance")
    job, result = world.finance.job(
        "/claims/bulk-actions", json={"action": "finance_approve", "filters": {"status": "hr_approved"}}
    )
    assert job["status"] == "succeeded" and job["done"] == job["total"] == 5
    assert sorted(result["succeeded"]) == sorted(ids) and result["failed"] == []
    assert result["succeeded_count"] == 5 and result["refusals"] == []
    with app.app_context():
        chunks = (
            db.session.execute(
                select(JobChunk.items).where(JobChunk.job_id == job["id"]).order_by(JobChunk.seq)
            )
            .scalars()
            .all()
        )
    assert chunks == [2, 2, 1]
    assert set(_statuses(app, ids).values()) == {"finance_approved"}
    assert world.auditor.get("/ledger/verify").json["ok"]


def test_refusals_are_grouped_by_reason(app, world, ready_claim, make_talent):
    ids = _approvable(world, ready_claim, make_talent, 2)
    own = world.hr.post(
        "/claims",
        json={
            "program_code": "TRAVEL",
            "talent_code": make_talent(world.employer_org, degree="master"),
            "amount_requested": "1000.00",
        },
    ).json["id"]
    job, result = world.hr.job(
        "/claims/bulk-actions", json={"action": "hr_approve", "claim_ids": [*ids, own, 999998, 999999]}
    )
    assert result["succeeded_count"] == 2 and result["failed_count"] == 3
    grouped = {r["code"]: r["count"] for r in result["refusals"]}
    assert grouped["not_found"] == 2 and sum(grouped.values()) == 3
    assert all(r["example"] for r in result["refusals"])
    assert job["message"]  # in words: "2 of 5 claims approved; 3 refused."


def test_cancel_between_chunks_keeps_what_committed_and_nothing_else(
    app, world, ready_claim, make_talent, monkeypatch
):
    app.config["JOB_CHUNK_SIZE"] = 1
    ids = _approvable(world, ready_claim, make_talent, 3)
    real = bulk.bulk_act
    calls = []

    def act_then_ask_to_stop(actor, **kwargs):
        outcome = real(actor, **kwargs)
        if not calls:  # the user presses "cancel" while the first chunk is being done
            db.session.execute(Job.__table__.update().values(cancel_requested=True))
        calls.append(kwargs["claim_ids"])
        return outcome

    monkeypatch.setattr(bulk, "bulk_act", act_then_ask_to_stop)
    job, result = world.hr.job("/claims/bulk-actions", json={"action": "hr_approve", "claim_ids": ids})
    assert job["status"] == "cancelled" and job["done"] == 1 and len(calls) == 1
    assert result["succeeded"] == ids[:1]
    assert (result["succeeded_count"], result["failed_count"], result["requested"]) == (1, 0, 3)
    assert _statuses(app, ids) == {ids[0]: "hr_approved", ids[1]: "submitted", ids[2]: "submitted"}
    assert_error(world.hr.post(f"/jobs/{job['id']}/cancel"), 409)


def test_cancel_a_queued_job_and_only_ones_own(app, world):
    with app.test_request_context():
        from subsidy_app.users.models import User

        job = jobs.submit(db.session.get(User, world.finance.user.id), "ledger_export", {"format": "pdf"})
        db.session.commit()  # not dispatched: it waits in the queue
        job_id = job.id
    assert_error(world.finance2.post(f"/jobs/{job_id}/cancel"), 403)
    cancelled = world.finance.post(f"/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["result_url"] is None
    assert_error(world.finance.get(f"/jobs/{job_id}/result"), 409)
    with app.app_context():
        jobs.run_job(job_id)  # a worker that gets it afterwards does nothing
        assert db.session.get(Job, job_id).status == JobStatus.CANCELLED


def test_a_chunk_that_fails_leaves_nothing_half_done(app, world, ready_claim, make_talent, monkeypatch):
    app.config["JOB_CHUNK_SIZE"] = 2
    ids = _approvable(world, ready_claim, make_talent, 4, stage="finance")
    real = bulk._apply

    def fail_in_second_chunk(actor, action, approvable, ctx, comment):
        if any(row.id in ids[2:] for row, _s in approvable):
            real(actor, action, approvable, ctx, comment)  # the chunk's claims are moved…
            raise RuntimeError("the disk is full")  # …and then the chunk fails before its commit
        return real(actor, action, approvable, ctx, comment)

    monkeypatch.setattr(bulk, "_apply", fail_in_second_chunk)
    job, result = world.finance.job(
        "/claims/bulk-actions", json={"action": "finance_approve", "claim_ids": ids}
    )
    assert job["status"] == "failed" and job["error_code"] == "internal_error" and job["done"] == 2
    assert result["succeeded"] == ids[:2]
    assert _statuses(app, ids) == {
        **dict.fromkeys(ids[:2], "finance_approved"),
        **dict.fromkeys(ids[2:], "hr_approved"),
    }
    budget = world.finance.get(f"/budgets/{world.budgets['TRAVEL']}").json
    approved = sum(float(world.finance.get(f"/claims/{i}").json["amount_approved"]) for i in ids[:2])
    assert float(budget["committed"]) == pytest.approx(approved)
    assert world.auditor.get("/ledger/verify").json["ok"]


def test_a_job_whose_worker_died_resumes_after_its_last_chunk(
    app, world, ready_claim, make_talent, monkeypatch
):
    app.config["JOB_CHUNK_SIZE"] = 2
    ids = _approvable(world, ready_claim, make_talent, 5)
    real = bulk.bulk_act
    chunks_done = []

    class WorkerKilled(BaseException):
        """Stands for SIGKILL: nothing after it runs, no except clause sees it."""

    def die_in_third_chunk(actor, **kwargs):
        if len(chunks_done) == 2:
            raise WorkerKilled()
        chunks_done.append(kwargs["claim_ids"])
        return real(actor, **kwargs)

    monkeypatch.setattr(bulk, "bulk_act", die_in_third_chunk)
    with pytest.raises(WorkerKilled):
        world.hr.post("/claims/bulk-actions", json={"action": "hr_approve", "claim_ids": ids})
    with app.app_context():
        db.session.rollback()
        job = db.session.execute(select(Job).order_by(Job.id.desc())).scalars().first()
        assert (job.status, job.done, job.attempts) == (JobStatus.RUNNING, 4, 1)
    assert _statuses(app, ids) == {**dict.fromkeys(ids[:4], "hr_approved"), ids[4]: "submitted"}
    monkeypatch.setattr(bulk, "bulk_act", real)
    app.config["JOB_STALE_SECONDS"] = 0
    time.sleep(0.01)
    with app.app_context():
        outcome = jobs.recover_stale()  # the scheduler's round: queued again, dispatched, resumed
        assert outcome["requeued"] == [job.id]
    resumed = world.hr.get(f"/jobs/{job.id}").json
    assert resumed["status"] == "succeeded" and resumed["done"] == 5
    result = world.hr.get(f"/jobs/{job.id}/result").json
    assert sorted(result["succeeded"]) == sorted(ids) and result["failed"] == []  # nobody twice
    assert set(_statuses(app, ids).values()) == {"hr_approved"}


def test_a_job_lost_too_often_fails_with_a_reason(app, world):
    with app.test_request_context():
        from subsidy_app.users.models import User

        job = jobs.submit(db.session.get(User, world.finance.user.id), "ledger_export", {"format": "csv"})
        db.session.flush()
        job.status, job.attempts = JobStatus.RUNNING, 3
        db.session.commit()
        job_id = job.id
    app.config["JOB_STALE_SECONDS"] = 0
    time.sleep(0.01)
    with app.app_context():
        assert jobs.recover_stale()["failed"] == [job_id]
    failed = world.finance.get(f"/jobs/{job_id}").json
    assert failed["status"] == "failed" and failed["error_code"] == "worker_lost" and failed["message"]


def test_a_user_disabled_before_the_work_runs_does_not_act(app, world):
    with app.test_request_context():
        from subsidy_app.users.models import User

        user = db.session.get(User, world.finance.user.id)
        job = jobs.submit(user, "ledger_export", {"format": "csv"})
        user.is_active = False
        db.session.commit()
        job_id = job.id
    with app.app_context():
        jobs.run_job(job_id)
        job = db.session.get(Job, job_id)
        assert (job.status, job.error_code) == (JobStatus.FAILED, "forbidden")


# --- every kind of long work --------------------------------------------------------------


def test_reports_bundle_and_verification_as_jobs(world):
    job, file = world.finance.job(
        "/jobs", json={"kind": "budget_report", "params": {"fiscal_year": 2026, "format": "xlsx"}}
    )
    assert job["status"] == "succeeded" and file.get_data()[:2] == b"PK"
    job, file = world.hr.job(
        "/jobs", json={"kind": "quarterly_report", "params": {"quarter": "2026Q3", "format": "pdf"}}
    )
    assert file.get_data()[:4] == b"%PDF"
    job, file = world.auditor.job("/jobs", json={"kind": "audit_bundle"})
    assert file.get_data()[:2] == b"PK" and file.mimetype == "application/zip"
    job, result = world.auditor.job("/jobs", json={"kind": "ledger_verification"})
    assert result["ok"] is True and result["first_bad_entry"] is None and job["status"] == "succeeded"


def test_draws_and_batches_as_jobs(app, world, ready_claim, make_talent):
    job, result = world.hr.job(
        "/jobs",
        json={"kind": "inspection_draw", "params": {"population": "employers", "ratio": "0.5", "seed": 7}},
    )
    assert job["status"] == "succeeded", job
    assert world.hr.get(f"/inspections/draws/{result['draw_id']}").json["rehearsal"] is True
    ids = [ready_claim("RECRUIT_KEY", submit=True)]  # paid to the employer, whose account is confirmed
    for claim_id in ids:
        assert act(world.hr, claim_id, "hr_approve").status_code == 200
        assert act(world.finance, claim_id, "finance_approve").status_code == 200
    job, result = world.finance.job("/jobs", json={"kind": "payment_batch", "params": {"claim_ids": ids}})
    assert job["status"] == "succeeded", (job["error_code"], job["message"])
    batch = world.finance.get(f"/payment-batches/{result['batch_id']}").json
    assert sorted(i["claim_id"] for i in batch["items"]) == sorted(ids)
    # all or none, as the synchronous path: a claim not approved fails the job, builds nothing
    job, _result = world.finance.job(
        "/jobs", json={"kind": "payment_batch", "params": {"claim_ids": [ids[0]]}}
    )
    assert job["status"] == "failed" and job["error_code"] and job["message"]


def test_job_messages_in_the_language_asked(world):
    zh = world.finance.post("/ledger/exports", json={"format": "csv"}, headers={"Accept-Language": "zh"}).json
    en = world.finance.post("/ledger/exports", json={"format": "csv"}, headers={"Accept-Language": "en"}).json
    assert "ready" in world.finance.get(f"/jobs/{en['id']}").json["message"]
    message = world.finance.get(f"/jobs/{zh['id']}").json["message"]
    assert "ready" not in message and any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_a_bulk_job_tells_each_person_once_with_the_whole_count(app, world, ready_claim, make_talent):
    """Chunk after chunk, one notice per person for the whole job (not one per chunk), its
    count kept up to date, and one e-mail when the job ends, with the final count."""
    from subsidy_app.notifications.models import Notification, OutgoingEmail
    from subsidy_app.users.models import User

    with app.app_context():
        db.session.get(User, world.employer.user.id).email = "employer@example.cn"
        db.session.commit()
    app.config["JOB_CHUNK_SIZE"] = 1
    ids = _approvable(world, ready_claim, make_talent, 3)
    job, _result = world.hr.job("/claims/bulk-actions", json={"action": "hr_approve", "claim_ids": ids})
    assert job["status"] == "succeeded"
    notices = [
        n
        for n in world.employer.get("/notifications").json["items"]
        if n["kind"] == "claims_bulk_hr_approved"
    ]
    assert len(notices) == 1 and notices[0]["params"]["count"] == 3
    with app.app_context():
        note_ids = select(Notification.id).where(
            Notification.user_id == world.employer.user.id, Notification.kind == "claims_bulk_hr_approved"
        )
        mails = (
            db.session.execute(select(OutgoingEmail).where(OutgoingEmail.notification_id.in_(note_ids)))
            .scalars()
            .all()
        )
        assert len(mails) == 1 and "3" in mails[0].body
