"""Scaled out: two app servers and Celery workers on one PostgreSQL and one Redis.

A job started on one server is followed, and its result fetched, on the other; it runs on
a worker. A worker killed in the middle of a job leaves the database exactly as far as the
job's committed chunks say, and the job is then taken up again by another worker (after
``subsidy jobs recover``, which the scheduler runs every 30 seconds) and resumes after its
last committed chunk: every claim approved once, never twice, the ledger whole.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import time
import urllib.parse
from collections import Counter

import pytest

from tests.conftest import DEFAULT_PASSWORD
from tests.scale.conftest import AMOUNT, BIN, REDIS_URL, app_for, build_claims, login, request

CLAIMS = 3000
CHUNK = 200


@pytest.fixture
def installation(database_factory, cluster, redis_names):
    """A PostgreSQL database with CLAIMS claims to finance-approve, and the environment of
    an installation on it (broker, queue, login limits in Redis, shared storage)."""
    url, drop = database_factory.create("postgresql")
    nodes = None
    try:
        data = build_claims(url, CLAIMS)
        nodes = cluster(
            url,
            names=redis_names,
            CELERY_BROKER_URL=REDIS_URL,
            CELERY_QUEUE=redis_names["queue"],
            RATELIMIT_STORAGE_URI=REDIS_URL,
            RATELIMIT_KEY_PREFIX=redis_names["prefix"],
            JOB_CHUNK_SIZE=CHUNK,
            WEB_CONCURRENCY=1,
            GUNICORN_THREADS=4,
        )
        yield nodes, url, data
    finally:
        if nodes is not None:
            nodes.stop_all()  # before the database and the Redis names go
        drop()


def _job(port, token, job_id):
    status, _h, body = request(port, "GET", f"/api/v1/jobs/{job_id}", token=token)
    assert status == 200, body
    return body


def _until_finished(nodes, port, token, job_id, seconds, what):
    def finished():
        body = _job(port, token, job_id)
        return body if body["status"] not in ("queued", "running") else None

    return nodes.wait_for(finished, seconds, what)


def _page(port, method, path, cookie=None, form=None):
    """(status, headers, text) of an HTML page or form post, with the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response, response.read().decode()
    finally:
        connection.close()


def _session(response) -> str:
    return next(
        value.split(";")[0]
        for name, value in response.getheaders()
        if name.lower() == "set-cookie" and value.startswith("session=")
    )


def _html_login_crosses_servers(first, second):
    """The login form of server 1 is posted to server 2 (its CSRF token and session cookie
    signed with the one SECRET_KEY), and the session server 2 opens is good on server 1."""
    status, response, page = _page(first.port, "GET", "/login")
    assert status == 200
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"username": "scale.auditor", "password": DEFAULT_PASSWORD, "csrf_token": csrf}
    status, response, page = _page(second.port, "POST", "/login", _session(response), form)
    assert status == 302, page[:500]
    status, response, page = _page(first.port, "GET", "/", _session(response))
    assert status == 200 and 'name="password"' not in page, "server 1 did not know the session"


def _start_bulk(port, token):
    status, headers, job = request(
        port,
        "POST",
        "/api/v1/claims/bulk-actions",
        {"action": "finance_approve", "filters": {"status": "hr_approved"}, "comment": "分批"},
        token=token,
    )
    assert status == 202, job
    assert headers["Location"] == f"/api/v1/jobs/{job['id']}"
    return job


def _committed(url, job_id):
    """What the database holds: the finance-approved claims, the ids the job's committed
    chunks list, the budget committed, the commitments booked per claim, the audit records
    of approvals per claim, and the job row."""
    from sqlalchemy import func, select

    from subsidy_app.budgets.models import BudgetLine
    from subsidy_app.claims.models import Claim, ClaimStatus
    from subsidy_app.core.audit import AuditEvent
    from subsidy_app.extensions import db
    from subsidy_app.jobs.models import Job, JobChunk
    from subsidy_app.ledger.models import LedgerTransaction, TransactionKind

    app = app_for(url)
    with app.app_context():
        approved = set(
            db.session.execute(select(Claim.id).where(Claim.status == ClaimStatus.FINANCE_APPROVED)).scalars()
        )
        listed = [
            claim_id
            for outcome in db.session.execute(
                select(JobChunk.outcome).where(JobChunk.job_id == job_id).order_by(JobChunk.seq)
            ).scalars()
            for claim_id in outcome["succeeded"]
        ]
        committed = db.session.execute(select(func.coalesce(func.sum(BudgetLine.committed), 0))).scalar_one()
        bookings = Counter(
            db.session.execute(
                select(LedgerTransaction.claim_id).where(LedgerTransaction.kind == TransactionKind.COMMITMENT)
            ).scalars()
        )
        audited = Counter(
            db.session.execute(
                select(AuditEvent.object_id).where(
                    AuditEvent.object_type == "claim", AuditEvent.action == "claim.finance_approve"
                )
            ).scalars()
        )
        job = db.session.get(Job, job_id)
        row = {"status": job.status.value, "done": job.done, "total": job.total, "attempts": job.attempts}
        db.engine.dispose()
    return approved, listed, committed, bookings, audited, row


def _assert_whole(url, job_id, ids_expected=None):
    """The database agrees with the job's committed chunks, whatever stopped it."""
    approved, listed, committed, bookings, audited, row = _committed(url, job_id)
    assert len(listed) == len(set(listed)), "a claim listed by two chunks"
    assert approved == set(listed), "claims approved that no committed chunk lists, or the reverse"
    assert committed == AMOUNT * len(listed)
    assert set(bookings) == approved and set(bookings.values()) <= {1}, "a commitment booked twice"
    assert set(audited) == {str(i) for i in approved}
    assert set(audited.values()) <= {1}, "a claim approved twice"
    assert row["done"] == len(listed)
    if ids_expected is not None:
        assert approved == set(ids_expected)
    return row


def _ledger_ok(port, token):
    status, _h, verification = request(port, "GET", "/api/v1/ledger/verify", token=token, timeout=60)
    assert status == 200, verification
    assert verification["ok"], verification


def test_a_job_started_on_one_server_is_followed_and_fetched_on_the_other(installation):
    nodes, url, data = installation
    first, second = nodes.servers("web1", "web2")
    nodes.worker()
    token = login(first.port, "scale.finance")
    other_token = login(second.port, "scale.finance")  # tokens are rows: good on any server
    _html_login_crosses_servers(first, second)

    started = time.monotonic()
    job = _start_bulk(first.port, token)
    seen = []

    def finished():
        body = _job(second.port, other_token, job["id"])
        if not seen or seen[-1] != body["done"]:
            seen.append(body["done"])
        return body if body["status"] in ("succeeded", "failed", "cancelled") else None

    final = nodes.wait_for(finished, 120, f"job {job['id']} to finish", every=0.05)
    elapsed = time.monotonic() - started
    assert final["status"] == "succeeded", (final, nodes.logs())
    assert final["done"] == final["total"] == CLAIMS
    assert seen == sorted(seen) and len(set(seen)) >= 3, f"progress seen: {seen}"
    print(f"\n{CLAIMS} claims in chunks of {CHUNK}: {elapsed:.1f}s; progress seen on server 2: {seen}")

    status, _h, result = request(second.port, "GET", final["result_url"], token=other_token)
    assert status == 200, result
    assert sorted(result["succeeded"]) == sorted(data["claim_ids"]) and result["failed"] == []
    assert result["succeeded_count"] == CLAIMS
    _assert_whole(url, job["id"], data["claim_ids"])
    _ledger_ok(second.port, token)

    # a file result: written by the worker into the shared storage, served by server 2
    auditor = login(second.port, "scale.auditor")
    status, headers, export = request(
        first.port, "POST", "/api/v1/ledger/exports", {"format": "csv"}, auditor
    )
    assert status == 202, export
    done = _until_finished(nodes, second.port, auditor, export["id"], 60, "the export")
    assert done["status"] == "succeeded", done
    status, headers, content = request(second.port, "GET", done["result_url"], token=auditor)
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) - 1 == done["total"] >= CLAIMS


def test_a_worker_killed_mid_job_leaves_whole_chunks_and_the_job_resumes(installation):
    nodes, url, data = installation
    first, second = nodes.servers("web1", "web2")
    worker = nodes.worker("worker1")
    token = login(first.port, "scale.finance")
    job = _start_bulk(first.port, token)

    def partly_done():
        body = _job(second.port, token, job["id"])
        assert body["status"] in ("queued", "running"), f"finished before it could be stopped: {body}"
        return body if body["done"] >= 2 * CHUNK else None

    before = nodes.wait_for(partly_done, 90, "the job to be partly done", every=0.02)
    worker.kill()  # SIGKILL to the worker and its pool child, in the middle of a chunk or between
    worker.process.wait(timeout=10)
    killed_at = time.monotonic()

    row = _assert_whole(url, job["id"])
    assert row["status"] == "running" and 0 < row["done"] < CLAIMS, row
    assert row["done"] >= before["done"]
    _ledger_ok(second.port, token)
    print(f"\nworker killed with {row['done']} of {CLAIMS} claims committed")

    # another worker; the scheduler's recovery (run here once) finds the job's heartbeat old
    nodes.worker("worker2")
    time.sleep(max(0.0, 2.5 - (time.monotonic() - killed_at)))
    recovered = nodes.run([str(BIN / "subsidy"), "jobs", "recover"], JOB_STALE_SECONDS=2)
    assert recovered.returncode == 0, recovered.stderr
    assert json.loads(recovered.stdout)["requeued"] == [job["id"]], recovered.stdout

    final = _until_finished(nodes, second.port, token, job["id"], 120, "the resumed job to finish")
    assert final["status"] == "succeeded", (final, nodes.logs())
    assert final["done"] == final["total"] == CLAIMS
    row = _assert_whole(url, job["id"], data["claim_ids"])
    assert row["attempts"] == 2
    status, _h, result = request(second.port, "GET", final["result_url"], token=token)
    assert status == 200, result
    assert Counter(result["succeeded"]) == Counter(data["claim_ids"]), "a claim missing, or listed twice"
    assert result["failed"] == []
    _ledger_ok(first.port, token)
