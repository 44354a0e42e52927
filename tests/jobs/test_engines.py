"""The engines that run jobs, with real commits: the in-process executor of the embedded
installation (no broker), and the schedule without a broker. (Celery with Redis, several
servers and a killed worker: tests/scale.)"""

from __future__ import annotations

import time

from sqlalchemy import select

from subsidy_app.extensions import db
from subsidy_app.jobs import engine
from subsidy_app.jobs.models import Job, JobStatus
from subsidy_app.jobs.tasks import run_schedule_here
from subsidy_app.users import operations as users
from tests.conftest import ApiClient


def _api(app, role: str) -> ApiClient:
    with app.app_context():
        user = users.create_user(None, username=f"{role}-engine", password="correct-horse-battery", role=role)
        token, _row = users.issue_token(user)
        db.session.commit()
    return ApiClient(app.test_client(), token)


def _wait(api, job_id: int, seconds: float = 20.0) -> dict:
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        job = api.get(f"/jobs/{job_id}").json
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job['status']} after {seconds} s")


def test_the_in_process_executor_runs_jobs_after_the_request(isolated_app):
    isolated_app.config["JOBS_EAGER"] = False  # make run: no broker, threads in the web process
    finance = _api(isolated_app, "finance")
    started = finance.post("/ledger/exports", json={"format": "xlsx"})
    assert started.status_code == 202 and started.json["status"] == "queued"
    job = _wait(finance, started.json["id"])
    assert job["status"] == "succeeded", job
    assert finance.get(job["result_url"].removeprefix("/api/v1")).get_data()[:2] == b"PK"
    verification = finance.post("/jobs", json={"kind": "ledger_verification"}).json
    assert _wait(finance, verification["id"])["result"]["ok"] is True


def test_a_job_left_queued_by_a_stopped_process_is_taken_up(isolated_app):
    isolated_app.config.update(JOBS_EAGER=False, JOB_STALE_SECONDS=0)
    finance = _api(isolated_app, "finance")
    with isolated_app.test_request_context():
        from subsidy_app.jobs import operations as jobs
        from subsidy_app.users.models import User

        user = db.session.execute(select(User).where(User.username == "finance-engine")).scalar_one()
        job = jobs.submit(user, "ledger_export", {"format": "csv"})
        db.session.commit()  # the process stopped before handing it to its executor
        job_id = job.id
    time.sleep(0.01)
    run_schedule_here(isolated_app, once=True)  # `subsidy scheduler --once`: the stale-jobs round
    assert _wait(finance, job_id)["status"] == "succeeded"
    with isolated_app.app_context():
        assert db.session.get(Job, job_id).status == JobStatus.SUCCEEDED
    assert engine.loses_queued_work(isolated_app)


def test_a_long_silent_step_is_not_mistaken_for_a_lost_worker(isolated_app):
    """A step that reports no progress for longer than JOB_STALE_SECONDS (the audit bundle
    being built) keeps its job: the heartbeat thread says the process is alive."""
    import marshmallow as ma

    from subsidy_app.jobs import operations as jobs
    from subsidy_app.jobs.registry import KINDS, JobKind, register

    def silent(context) -> dict:
        time.sleep(2.5)
        return {"message": "done"}

    register(JobKind("silent_step", start="ledger.read", see="ledger.read", schema=ma.Schema, run=silent))
    try:
        isolated_app.config.update(JOBS_EAGER=False, JOB_STALE_SECONDS=1)
        finance = _api(isolated_app, "finance")
        job_id = finance.post("/jobs", json={"kind": "silent_step"}).json["id"]
        recovered = []
        for _ in range(8):
            time.sleep(0.25)
            with isolated_app.app_context():
                outcome = jobs.recover_stale()
                recovered += outcome["requeued"] + outcome["failed"]
        job = _wait(finance, job_id)
        assert (job["status"], recovered) == ("succeeded", [])
        with isolated_app.app_context():
            assert db.session.get(Job, job_id).attempts == 1
    finally:
        KINDS.pop("silent_step", None)
